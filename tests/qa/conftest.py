"""QA tests run on the shared demo index (``demo_index_dir``, built once per session in tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

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
