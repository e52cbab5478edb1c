"""The one place where stages are assembled from ``Settings``.

The CLI, the API lifespan and the Gradio UI all open a ``Workspace``; nothing loads at
import. Components are built on first use and then shared, so a CLI command that only
lists documents never loads a model.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from ui.settings import Settings


def build_ingestor(settings: Settings, store: Any, access: str = "public", enforce_access: bool = False) -> Any:
    """The ``Ingestor`` the settings describe, writing into ``store`` (CLI, API and UI alike);
    ``enforce_access`` applies ``access`` to already stored documents too."""
    from ingest.chunk import ClauseChunker
    from ingest.limits import LoadLimits
    from ingest.pipeline import Ingestor

    limits = LoadLimits(max_bytes=settings.max_file_mb * 1024 * 1024, max_pages=settings.max_pages,
                        timeout_s=float(settings.parse_timeout_s), memory_mb=settings.parse_memory_mb)
    return Ingestor(store, ClauseChunker(settings.chunk_size, settings.chunk_overlap, settings.chunk_pack), limits,
                    files_dir=Path(settings.data_dir) / "files", access=access, workers=settings.ingest_workers,
                    enforce_access=enforce_access)


def refresh_filter_fields(settings: Settings, store: Any, doc_ids: list[str]) -> None:
    """Write the filter fields (access level included) of ``doc_ids`` into the dense backend
    again; a no-op for FAISS, whose filters read the store at query time."""
    if settings.dense_backend != "milvus" or not doc_ids:
        return
    from index.backends import open_milvus_index

    snapshot = Workspace(settings).index_manager.load(store)  # the assembled manager; its store is unused
    open_milvus_index(snapshot, Path(settings.data_dir), settings.milvus_uri, sync=False).refresh_documents(
        snapshot, doc_ids)


def chunk_params_from_settings(settings: Settings) -> dict[str, Any]:
    """The chunking an index records in its manifest (``pack`` only when on)."""
    params: dict[str, Any] = {"size": settings.chunk_size, "overlap": settings.chunk_overlap}
    if settings.chunk_pack:
        params["pack"] = True
    return params


def fusion_from_settings(settings: Settings) -> Any:
    """The hybrid retriever's fusion parameters as configured (``index.snapshot.FusionParams``)."""
    from index.snapshot import FusionParams

    return FusionParams(method=settings.fusion, rrf_k=settings.rrf_k, bm25_weight=settings.bm25_weight,
                        dense_weight=settings.dense_weight, candidates=settings.fusion_candidates)


@dataclass
class Workspace:
    """Store, index and QA services over one data directory."""

    settings: Settings
    _closed: bool = field(default=False, init=False)
    _snapshot: Any = field(default=None, init=False, repr=False)
    _index_lock: Any = field(default_factory=threading.RLock, init=False, repr=False)

    # Built on the live index generation; dropped (and rebuilt on next use) after a sync.
    _INDEX_BOUND = ("retriever", "qa", "claims", "precedents", "graph")

    @classmethod
    def open(cls, settings: Settings) -> "Workspace":
        """Open the data directory (creating it if needed) without loading models."""
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        return cls(settings)

    @cached_property
    def store(self) -> Any:
        from ingest.store import DocumentStore

        store = DocumentStore(self.settings.data_dir / "policyqa.sqlite3")
        store.open()
        return store

    @cached_property
    def ingestor(self) -> Any:
        return build_ingestor(self.settings, self.store)

    @cached_property
    def file_links(self) -> Any:
        """Signs and checks the expiring links to original files (``ui.api.links.FileLinks``)."""
        from ui.api.links import FileLinks

        s = self.settings
        return FileLinks.from_setting(s.link_secret, s.data_dir, ttl_s=s.link_ttl_s)

    @cached_property
    def embedder(self) -> Any:
        from index import default_embedder

        return default_embedder(self.settings.data_dir, self.settings.embedder, self.settings.embedder_model)

    @cached_property
    def index_manager(self) -> Any:
        from index import make_manager

        s = self.settings
        return make_manager(s.data_dir, self.embedder, chunk_params_from_settings(s),
                            faiss_exact_max=s.faiss_exact_max, segmenter=s.segmenter,
                            keyword_fields=s.keyword_fields, dense_fields=s.dense_fields)

    @property
    def snapshot(self) -> Any:
        """The loaded live index generation (built on first use when there is none)."""
        with self._index_lock:
            if self._snapshot is None:
                if self.index_manager.current_generation() is None:
                    self.index_manager.sync(self.store)
                self._snapshot = self.index_manager.load(self.store)
            return self._snapshot

    def existing_snapshot(self) -> Any:
        """The live index generation, never building one (``IndexMismatchError`` when there is
        none, or when it was built with other settings): what a measurement may open."""
        from policyqa.errors import IndexMismatchError

        with self._index_lock:
            if self._snapshot is None:
                data_dir = self.settings.data_dir
                if not (data_dir / "policyqa.sqlite3").is_file() or self.index_manager.current_generation() is None:
                    raise IndexMismatchError(
                        f"no index in {data_dir}; run `policyqa --data-dir {data_dir} ingest corpus/*.txt` first")
                self._snapshot = self.index_manager.load(self.store)
            return self._snapshot

    def sync_index(self) -> Any:
        """Bring the index in line with the store (after ingest or delete) and switch to it."""
        with self._index_lock:
            report = self.index_manager.sync(self.store)
            self._snapshot = self.index_manager.load(self.store)
            # Requests already running keep the old components (and generation) they hold.
            for name in self._INDEX_BOUND:
                self.__dict__.pop(name, None)
        return report

    @cached_property
    def retriever(self) -> Any:
        return self.retriever_for("hybrid")

    def retriever_for(self, mode: str) -> Any:
        """A retriever of ``mode`` (hybrid, bm25, dense) on the configured dense backend and fusion."""
        from index.backends import make_retriever

        s = self.settings
        return make_retriever(self.snapshot, mode, fusion_from_settings(s), backend=s.dense_backend,
                              data_dir=s.data_dir, milvus_uri=s.milvus_uri)

    @cached_property
    def qa(self) -> Any:
        from qa.factory import LlmEndpoint, assemble_qa

        s = self.settings
        llm = LlmEndpoint(s.llm_base_url, s.llm_model, s.llm_api_key, s.llm_timeout) \
            if s.llm_base_url and s.llm_model else None
        return assemble_qa(self.retriever, self.snapshot.tokenizer, self.snapshot.embedder,
                           max_sentences=s.answer_max_sentences, abstain_threshold=s.abstain_threshold, llm=llm)

    @cached_property
    def claims(self) -> Any:
        from qa.claims.factory import build_claim_checker

        # The very checker the eval measures: hybrid plus a BM25 pass for exact wording.
        return build_claim_checker(self.settings.data_dir, self.retriever, self.snapshot.retriever("bm25"))

    @cached_property
    def precedents(self) -> Any:
        from qa.precedents.finder import PrecedentFinder

        return PrecedentFinder(self.retriever, self.store)

    @cached_property
    def graph(self) -> Any:
        from qa.precedents.graph import CitationGraph

        documents = self.store.list_documents()
        return CitationGraph.build((d, self.store.document_text(d.doc_id)) for d in documents)

    def set_access(self, doc_id: str, access: str) -> Any:
        """Change a stored document's access level and the index's filter fields for it.

        The local indexes read access levels from the store at query time, so the change holds
        from the next search; a Milvus collection keeps them per row, so its rows are written
        again. Returns the document as it was before.
        """
        from policyqa.validation import check_access_level

        check_access_level(access)
        before = self.store.get_document(doc_id)
        self.store.set_access(doc_id, access)
        refresh_filter_fields(self.settings, self.store, [doc_id])
        return before

    def close(self) -> None:
        """Release the store; safe to call twice."""
        if not self._closed and "store" in self.__dict__:
            self.store.close()
        self._closed = True

    def __enter__(self) -> "Workspace":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
