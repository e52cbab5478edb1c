"""Build the precedent finder and the citation graph over a data directory."""

from __future__ import annotations

from pathlib import Path

from index import STORE_NAME, open_retriever
from index.base import Retriever
from ingest.store import DocumentStore
from qa.precedents.finder import PrecedentFinder
from qa.precedents.graph import CitationGraph


def open_store(data_dir: Path) -> DocumentStore:
    """The data directory's document store, opened (close it, or use it as a context manager)."""
    return DocumentStore(Path(data_dir) / STORE_NAME).open()


def build_precedent_finder(data_dir: Path, retriever: Retriever | None = None) -> PrecedentFinder:
    """A finder over the live hybrid index of ``data_dir`` (or the given retriever)."""
    return PrecedentFinder(retriever or open_retriever(Path(data_dir), mode="hybrid"), open_store(data_dir))


def build_citation_graph(store: DocumentStore) -> CitationGraph:
    """The citation graph of every stored document."""
    return CitationGraph.build((info, store.document_text(info.doc_id)) for info in store.list_documents())
