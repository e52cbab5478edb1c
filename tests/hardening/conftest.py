"""Helpers for the hardening suite: real ``policyqa`` processes over private copies of the demo index
(``demo_index_dir``, built once per session in tests/conftest.py)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
STORE_NAME = "policyqa.sqlite3"


@dataclass(frozen=True)
class StoreCounts:
    """How many documents and chunks the store holds, and the chunk ids themselves."""

    documents: int
    chunks: int
    chunk_ids: frozenset[str]


def store_counts(data_dir: Path) -> StoreCounts:
    """Counts read straight from SQLite (no product code between the test and the file)."""
    with sqlite3.connect(f"file:{data_dir / STORE_NAME}?mode=ro", uri=True) as db:
        documents = db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        ids = frozenset(row[0] for row in db.execute("SELECT chunk_id FROM chunks"))
    return StoreCounts(documents, len(ids), ids)


def policyqa_command(data_dir: Path, *args: str) -> list[str]:
    """The argv of ``policyqa --data-dir DATA ARGS…`` run by this interpreter."""
    return [sys.executable, "-c", "from ui.cli import main; main()", "--data-dir", str(data_dir), *args]


def run_policyqa(data_dir: Path, *args: str, env: dict[str, str] | None = None,
                 timeout: float = 300) -> subprocess.CompletedProcess:
    """Run one ``policyqa`` command in its own process and wait for it."""
    return subprocess.run(
        policyqa_command(data_dir, *args), cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
    )


def check_index(data_dir: Path) -> dict:
    """``policyqa check --json``: the consistency report and its verdict."""
    result = run_policyqa(data_dir, "check", "--json")
    assert result.returncode in (0, 2), result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] == (result.returncode == 0)
    return report


@pytest.fixture
def scratch_data_dir(demo_index_dir: Path, tmp_path: Path) -> Path:
    """A private, writable copy of the demo data dir (store, kept originals, live index)."""
    target = tmp_path / "data"
    shutil.copytree(demo_index_dir, target)
    return target


@dataclass(frozen=True)
class RunningServer:
    """A ``policyqa serve`` process on 127.0.0.1 over its own copy of the demo index (open access)."""

    url: str
    data_dir: Path
    workers: int
    queue_size: int


@pytest.fixture(scope="session")
def hardening_server(demo_index_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """One real server for the API bad-input and short load tests: 2 workers, a waiting room of 4."""
    from evals.bench_load import start_server, stop_server

    data_dir = tmp_path_factory.mktemp("hardening-server") / "data"
    shutil.copytree(demo_index_dir, data_dir)
    workers, queue_size = 2, 4
    process, url = start_server(data_dir, workers, queue_size, data_dir.parent / "server.log")
    try:
        yield RunningServer(url, data_dir, workers, queue_size)
    finally:
        stop_server(process)
