"""Crash safety: an ingest killed (SIGKILL) at a named point, or hitting a full disk, loses nothing.

Each test runs a real ``policyqa ingest`` process that kills itself at the point named by
``POLICYQA_CRASH_AT`` (``policyqa/faults.py``), then checks what a restart finds: the last good
index still loads, ``policyqa check`` tells the truth, and a rerun (or ``policyqa reindex``)
brings SQLite, BM25 and FAISS back to the same chunk ids with the interrupted files in them.
"""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest

from tests.hardening.conftest import check_index, run_policyqa, store_counts

pytestmark = pytest.mark.slow

NEW_DOCUMENTS = {
    "恢复演练通知.txt": "关于开展政务数据灾备恢复演练的通知\n各有关单位：\n一、总体要求\n各单位应当每季度开展一次灾备恢复演练，"
                   "检验青藤灾备平台的数据恢复能力。\n二、工作安排\n（一）演练结束后五个工作日内报送演练报告。\n",
    "机房巡检办法.txt": "机房巡检管理办法\n第一条 为规范政务机房巡检工作，制定本办法。\n第二条 巡检人员应当记录紫檀机柜的温度、"
                   "湿度和供电情况。\n第三条 本办法自印发之日起施行。\n",
}


def write_new_documents(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in NEW_DOCUMENTS.items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def live_generation(data_dir: Path) -> str:
    return (data_dir / "index" / "CURRENT").read_text("utf-8").strip()


def index_rows(data_dir: Path) -> set[str]:
    rows = json.loads((data_dir / "index" / live_generation(data_dir) / "rows.json").read_text("utf-8"))
    return {chunk_id for chunk_id, _doc in rows}


def keyword_hits(data_dir: Path, query: str) -> list[str]:
    """Sources of the BM25 hits from the live generation, loaded as a restarted reader would."""
    from index import make_manager
    from ingest.store import DocumentStore

    with DocumentStore(data_dir / "policyqa.sqlite3") as store:
        snapshot = make_manager(data_dir).load(store)
        return [hit.doc.source for hit in snapshot.retriever("bm25").retrieve(query, k=3)]


def crash_ingest(data_dir: Path, paths: list[Path], point: str):
    return run_policyqa(data_dir, "ingest", *map(str, paths), env={"POLICYQA_CRASH_AT": point})


def assert_consistent_with_new_documents(data_dir: Path, before_chunks: int) -> None:
    report = check_index(data_dir)
    assert report["ok"], report
    counts = store_counts(data_dir)
    assert counts.chunks > before_chunks
    assert index_rows(data_dir) == counts.chunk_ids  # SQLite and rows.json; check compared BM25/FAISS rows
    assert keyword_hits(data_dir, "青藤灾备平台")[0] == "恢复演练通知.txt"
    assert keyword_hits(data_dir, "紫檀机柜")[0] == "机房巡检办法.txt"
    leftovers = [p for p in (data_dir / "index").iterdir() if p.name.endswith(".tmp")]
    assert not leftovers, leftovers


def assert_originals_kept(data_dir: Path) -> None:
    from ingest.pipeline import doc_id_for

    for path in (data_dir.parent / "incoming").iterdir():
        folder = data_dir / "files" / doc_id_for(path)
        assert [p.name for p in folder.iterdir()] == [path.name]
        assert (folder / path.name).read_bytes() == path.read_bytes()


def test_killed_after_the_sqlite_commit_rerun_finishes_the_job(scratch_data_dir: Path):
    data_dir = scratch_data_dir
    before = store_counts(data_dir)
    generation = live_generation(data_dir)
    paths = write_new_documents(data_dir.parent / "incoming")

    crashed = crash_ingest(data_dir, paths, "after_sqlite_commit")

    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    after_crash = store_counts(data_dir)
    assert after_crash.documents == before.documents + 1  # the first file committed, the second never started
    assert live_generation(data_dir) == generation
    assert keyword_hits(data_dir, "政务数据")  # the last good index still serves
    report = check_index(data_dir)
    assert not report["ok"] and len(report["missing_from_index"]) == after_crash.chunks - before.chunks

    rerun = run_policyqa(data_dir, "ingest", *map(str, paths))

    assert rerun.returncode == 0, rerun.stderr
    assert "unchanged" in rerun.stdout and "added" in rerun.stdout
    assert store_counts(data_dir).documents == before.documents + 2
    assert_consistent_with_new_documents(data_dir, before.chunks)
    assert_originals_kept(data_dir)  # the kept copy the crash left staged was swapped in


def test_killed_while_saving_the_index_keeps_the_last_good_generation(scratch_data_dir: Path):
    data_dir = scratch_data_dir
    before = store_counts(data_dir)
    generation = live_generation(data_dir)
    paths = write_new_documents(data_dir.parent / "incoming")

    crashed = crash_ingest(data_dir, paths, "during_index_save")

    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    assert store_counts(data_dir).documents == before.documents + 2
    assert live_generation(data_dir) == generation
    assert index_rows(data_dir) == before.chunk_ids
    assert keyword_hits(data_dir, "政务数据")
    assert not check_index(data_dir)["ok"]

    rerun = run_policyqa(data_dir, "ingest", *map(str, paths))

    assert rerun.returncode == 0, rerun.stderr
    assert_consistent_with_new_documents(data_dir, before.chunks)  # also: the half-written staging dir is gone
    assert_originals_kept(data_dir)


def test_killed_between_generations_then_reindex_repairs(scratch_data_dir: Path):
    data_dir = scratch_data_dir
    before = store_counts(data_dir)
    generation = live_generation(data_dir)
    paths = write_new_documents(data_dir.parent / "incoming")

    crashed = crash_ingest(data_dir, paths, "between_generations")

    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    assert live_generation(data_dir) == generation  # the new generation is complete but was never switched to
    assert keyword_hits(data_dir, "政务数据")
    report = check_index(data_dir)
    assert not report["ok"] and report["generation"] == generation

    repaired = run_policyqa(data_dir, "reindex")

    assert repaired.returncode == 0, repaired.stderr
    assert_consistent_with_new_documents(data_dir, before.chunks)
    generations = sorted(p.name for p in (data_dir / "index").glob("gen-*"))
    # The orphan is retired; the generation that was live before the repair is the one kept.
    assert generations == sorted({generation, live_generation(data_dir)})


def test_a_full_disk_during_the_index_save_leaves_the_last_good_index(scratch_data_dir: Path):
    data_dir = scratch_data_dir
    before = store_counts(data_dir)
    generation = live_generation(data_dir)
    paths = write_new_documents(data_dir.parent / "incoming")

    full = crash_ingest(data_dir, paths, "enospc_during_index_save")

    assert full.returncode == 2, (full.stdout, full.stderr)
    assert "No space left on device" in full.stderr and "policyqa reindex" in full.stderr
    assert "Traceback" not in full.stderr
    assert live_generation(data_dir) == generation
    assert index_rows(data_dir) == before.chunk_ids
    assert keyword_hits(data_dir, "政务数据")
    assert not any(p.name.endswith(".tmp") for p in (data_dir / "index").iterdir())

    rerun = run_policyqa(data_dir, "ingest", *map(str, paths))  # space freed: the next run catches up

    assert rerun.returncode == 0, rerun.stderr
    assert_consistent_with_new_documents(data_dir, before.chunks)
