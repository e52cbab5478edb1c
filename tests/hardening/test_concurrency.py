"""Two writers and a reader at once, as real processes: ingests are serialised, searches never stop."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from policyqa.faults import PAUSE_ENV
from tests.hardening.conftest import REPO_ROOT, check_index, policyqa_command, run_policyqa, store_counts

pytestmark = pytest.mark.slow

FIRST = ("关于启用青藤协同办公平台的通知", "青藤协同办公平台自下月起在全市政务部门启用，各单位应当完成账号开通。")
SECOND = ("关于紫檀档案系统迁移的通知", "紫檀档案系统迁移工作由市档案馆牵头，各单位应当配合完成数据核对。")
LOCK_SEEN_TIMEOUT_S = 120

# A reader process, as a second service instance would be: it reopens the live generation before
# every query (so it switches when ingest publishes) and reports each outcome as a JSON line.
READER = r"""
import json, sys, time
from pathlib import Path
from index import make_manager
from ingest.store import DocumentStore

data_dir, stop_file, limit_s = Path(sys.argv[1]), Path(sys.argv[2]), float(sys.argv[3])
manager = make_manager(data_dir)
started = time.monotonic()
with DocumentStore(data_dir / "policyqa.sqlite3") as store:
    while not stop_file.exists() and time.monotonic() - started < limit_s:
        at = time.time()
        try:
            snapshot = manager.load(store)
            hits = snapshot.retriever("hybrid").retrieve("政务数据共享", k=5)
            line = {"at": at, "generation": snapshot.generation.name, "hits": len(hits)}
        except Exception as exc:
            line = {"at": at, "error": f"{type(exc).__name__}: {exc}"}
        print(json.dumps(line), flush=True)
"""


def write_notice(folder: Path, name: str, title_and_body: tuple[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    title, body = title_and_body
    path.write_text(f"{title}\n各有关单位：\n一、工作要求\n{body}\n二、其他\n本通知自印发之日起施行。\n", encoding="utf-8")
    return path


def start_ingest(data_dir: Path, *args: str, pause_at: tuple[str, Path] | None = None) -> subprocess.Popen:
    """``policyqa ingest`` in the background; with ``pause_at`` it holds at that fault point
    until the release file exists (``policyqa.faults``)."""
    env = dict(os.environ)
    if pause_at is not None:
        env[PAUSE_ENV] = f"{pause_at[0]}:{pause_at[1]}"
    return subprocess.Popen(policyqa_command(data_dir, "ingest", *args), cwd=REPO_ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)


def wait_until_paused(release: Path, process: subprocess.Popen) -> None:
    """Until the ingest holding for ``release`` has reached its pause point."""
    reached = Path(f"{release}.reached")
    deadline = time.monotonic() + LOCK_SEEN_TIMEOUT_S
    while not reached.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the ingest never reached its pause point"
        time.sleep(0.05)


def wait_for_lock_holder(data_dir: Path, process: subprocess.Popen) -> None:
    """Until the ingest lock file names ``process`` (it writes its pid once it holds the lock)."""
    lock = data_dir / "ingest.lock"
    deadline = time.monotonic() + LOCK_SEEN_TIMEOUT_S
    while time.monotonic() < deadline:
        if lock.exists() and lock.read_text().strip() == str(process.pid):
            return
        assert process.poll() is None, process.communicate()
        time.sleep(0.05)
    raise AssertionError("the first ingest never took the lock")


def test_a_second_ingest_fails_fast_and_a_waiting_one_runs_after(scratch_data_dir: Path):
    data_dir = scratch_data_dir
    before = store_counts(data_dir)
    first = write_notice(data_dir.parent / "in", "青藤平台通知.txt", FIRST)
    second = write_notice(data_dir.parent / "in", "紫檀系统通知.txt", SECOND)

    release = data_dir.parent / "release-holder"
    holder = start_ingest(data_dir, str(first), pause_at=("after_sqlite_commit", release))
    try:
        wait_for_lock_holder(data_dir, holder)
        wait_until_paused(release, holder)
        started = time.monotonic()
        refused = run_policyqa(data_dir, "ingest", str(second))
        refused_after = time.monotonic() - started
        waiter = start_ingest(data_dir, "--wait", "300", str(second))
        assert holder.poll() is None
    finally:
        release.touch()
        holder_out, holder_err = holder.communicate(timeout=300)
    waiter_out, waiter_err = waiter.communicate(timeout=300)

    assert refused.returncode == 3, (refused.stdout, refused.stderr)
    assert "另一个入库任务正在运行" in refused.stderr and f"进程 {holder.pid}" in refused.stderr
    assert "--wait" in refused.stderr and "Traceback" not in refused.stderr
    assert refused_after < 30  # interpreter start-up only: it did not queue behind the holder
    assert holder.returncode == 0, holder_err
    assert waiter.returncode == 0, waiter_err
    assert "added" in holder_out and "added" in waiter_out
    assert store_counts(data_dir).documents == before.documents + 2
    assert check_index(data_dir)["ok"]  # the two runs' index syncs did not overwrite each other


def test_searches_keep_answering_while_an_ingest_publishes_a_new_generation(scratch_data_dir: Path):
    data_dir = scratch_data_dir
    old_generation = (data_dir / "index" / "CURRENT").read_text().strip()
    notice = write_notice(data_dir.parent / "in", "青藤平台通知.txt", FIRST)
    stop_file = data_dir.parent / "stop-reader"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(data_dir), str(stop_file), "400"], cwd=REPO_ROOT,
                              text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    release = data_dir.parent / "release-ingest"
    lines: list[dict] = []
    paused_at = released_at = float("inf")
    try:
        first_line = reader.stdout.readline()  # the reader is up and has answered once
        assert first_line, reader.stderr.read()
        lines.append(json.loads(first_line))
        ingest_started = time.time()
        # The ingest holds with its new generation complete on disk but not yet published, while
        # the reader keeps searching; then it publishes and the reader must switch.
        ingest = start_ingest(data_dir, str(notice), pause_at=("between_generations", release))
        wait_until_paused(release, ingest)
        paused_at = time.time()
        while sum(1 for line in lines if line["at"] >= paused_at) < 3:
            line = reader.stdout.readline()
            assert line, reader.stderr.read()
            lines.append(json.loads(line))
        released_at = time.time()
        release.touch()
        ingest_out, ingest_err = ingest.communicate(timeout=300)
        ingest_ended = time.time()
        switched_at = time.time()
        while not lines or lines[-1]["at"] < switched_at:  # one more query after publication
            line = reader.stdout.readline()
            assert line, reader.stderr.read()
            lines.append(json.loads(line))
    finally:
        release.touch()
        stop_file.touch()
        rest, errors = reader.communicate(timeout=120)
    lines += [json.loads(line) for line in rest.splitlines() if line.strip()]

    assert ingest.returncode == 0, ingest_err
    new_generation = (data_dir / "index" / "CURRENT").read_text().strip()
    assert new_generation != old_generation
    assert reader.returncode == 0, errors
    failures = [line for line in lines if "error" in line or line["hits"] != 5]
    assert not failures, failures
    during = [line for line in lines if ingest_started <= line["at"] <= ingest_ended]
    assert len(during) >= 3, f"only {len(during)} searches ran during the ingest"
    # A search started before the release ran while the new generation existed but was unpublished.
    assert all(line["generation"] == old_generation for line in lines if paused_at <= line["at"] < released_at)
    assert {line["generation"] for line in during} <= {old_generation, new_generation}
    assert lines[-1]["generation"] == new_generation  # the reader switched without a restart
