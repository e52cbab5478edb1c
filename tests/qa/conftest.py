"""QA tests run on the shared demo index (built once per session by tests/index/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

try:
    # Fixtures of a sibling conftest are not visible here; importing it shares the one
    # session fixture instead of embedding the corpus a second time.
    from tests.index.conftest import demo_index_dir  # noqa: F401
except ImportError:  # moved to tests/conftest.py, where it is visible anyway
    pass


@pytest.fixture(scope="session")
def qa_components(demo_index_dir: Path):
    """The extractive QA service over the demo index, with its support checker."""
    from qa.factory import build_qa_components

    return build_qa_components(demo_index_dir)


@pytest.fixture(scope="session")
def document_texts(demo_index_dir: Path) -> dict[str, str]:
    """Cleaned text of every stored document by doc_id (what citations quote)."""
    from ingest.store import DocumentStore

    with DocumentStore(demo_index_dir / "policyqa.sqlite3") as store:
        return {d.doc_id: store.document_text(d.doc_id) for d in store.list_documents()}
