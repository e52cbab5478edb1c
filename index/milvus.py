"""Dense (and optionally BM25) retrieval on Milvus: milvus-lite by default, a server or cluster by URI.

One collection holds a row per dense window of a chunk (``index/windows.py``; key
``<chunk id>#<n>``): the chunk id, the window's unit vector and the document fields the filters use (doc_type, issuer, date, source, doc_id, access), so a
``SearchFilter`` becomes a boolean ``filter`` expression evaluated INSIDE the ANN search,
never a post-filter of a top-k. With ``keyword="milvus"`` the collection also carries the
keyword text and a BM25 function output (Milvus full-text search, jieba analyzer).

The SQLite store stays the source of truth: ``sync_from_snapshot`` copies the live index
generation (its vectors, so nothing is re-embedded) into the collection by chunk id.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from index.bm25 import check_query
from index.catalog import ChunkCatalog
from index.dense import window_tie_order
from index.embedders.base import Embedder
from index.texts import DEFAULT_KEYWORD_FIELDS, compose_index_text
from policyqa.errors import IndexMismatchError
from policyqa.records import Hit, SearchFilter

if TYPE_CHECKING:  # pymilvus is imported lazily: opening it starts milvus-lite
    from pymilvus import MilvusClient

    from index.snapshot import IndexSnapshot

DEFAULT_COLLECTION = "policyqa_chunks"
LITE_FILE_NAME = "milvus.db"
KEYWORD_SIDES = ("local", "milvus")
# milvus-lite knows the "jieba" tokenizer but not the server's {"type": "chinese"} preset
# (measured: "unknown tokenizer type: 'chinese'"); jieba is valid on both.
CHINESE_ANALYZER = {"tokenizer": "jieba"}
HNSW_PARAMS = {"M": 32, "efConstruction": 80}
_FILTER_FIELDS = ("doc_id", "doc_type", "issuer", "date", "source", "access")
_TEXT_MAX = 65_535
_INSERT_BATCH = 1_000
# A chunk owns a few windows (≤ 6 at 400-character chunks and 150-character windows): fetch this
# many times k and keep each chunk's best window, as the FAISS side does.
_WINDOW_OVERFETCH = 8
_MILVUS_MAX_LIMIT = 16_384


@dataclass(frozen=True)
class ChunkRow:
    """What the collection stores for one chunk (one entity per row of ``vector``: its windows)."""

    chunk_id: str
    vector: np.ndarray  # (dim,) or (windows, dim)
    doc_id: str
    doc_type: str
    issuer: str
    date: str  # ISO yyyy-mm-dd, "" when unknown
    source: str
    access: str
    text: str = ""  # the keyword text; only stored when the BM25 side lives in Milvus


def lite_uri(data_dir: Path) -> str:
    """The embedded milvus-lite file of a data dir."""
    return str(Path(data_dir) / LITE_FILE_NAME)


def quote(value: str) -> str:
    """A Milvus string literal (JSON escaping is what the expression grammar accepts)."""
    import json

    return json.dumps(value, ensure_ascii=False)


def filter_expression(filters: SearchFilter | None) -> str | None:
    """The Milvus boolean expression equivalent to ``SearchFilter.allows``; None means no restriction.

    An empty ``access`` tuple admits nothing, so it becomes an expression no row satisfies.
    """
    if filters is None:
        return None
    clauses: list[str] = []

    def any_of(field: str, values: Iterable[str]) -> None:
        values = list(values)
        if values:
            clauses.append(f"{field} in [{', '.join(quote(v) for v in values)}]")

    any_of("doc_type", filters.doc_types)
    any_of("source", filters.sources)
    any_of("doc_id", filters.doc_ids)
    if filters.issuers:  # SearchFilter matches issuers by substring
        like = [f"issuer like {quote('%' + _escape_like(i) + '%')}" for i in filters.issuers]
        clauses.append("(" + " or ".join(like) + ")")
    if filters.date_from:
        clauses.append(f"date >= {quote(filters.date_from)}")
    if filters.date_to:  # "" (unknown date) sorts first, so exclude it explicitly
        clauses.append(f'(date != "" and date <= {quote(filters.date_to)})')
    if filters.access is not None:
        clauses.append(f"access in [{', '.join(quote(a) for a in filters.access)}]" if filters.access
                       else 'chunk_id == ""')
    return " and ".join(clauses) or None


def _chunk_of(hit: dict) -> str:
    """The chunk id of a search hit (an output field, no longer the primary key)."""
    return hit["entity"]["chunk_id"] if "entity" in hit else hit["chunk_id"]


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class MilvusChunkIndex:
    """The chunk collection: create/check, add and delete by chunk id, filtered dense and BM25 search."""

    def __init__(self, uri: str, dim: int, collection: str = DEFAULT_COLLECTION, keyword: str = "local",
                 token: str | None = None, ef_search: int = 64):
        if keyword not in KEYWORD_SIDES:
            raise ValueError(f"unknown keyword side {keyword!r}; known: {KEYWORD_SIDES}")
        self.uri = uri
        self.dim = dim
        self.collection = collection
        self.keyword = keyword
        self.ef_search = ef_search
        self._token = token
        self._client: MilvusClient | None = None
        self._stores_text = keyword == "milvus"

    @property
    def client(self) -> MilvusClient:
        """The connection, opened (and the collection created) on first use."""
        if self._client is None:
            from pymilvus import MilvusClient

            if "://" not in self.uri:
                Path(self.uri).parent.mkdir(parents=True, exist_ok=True)
            self._client = MilvusClient(uri=self.uri, token=self._token or "")
            self._ensure_collection()
        return self._client

    def close(self) -> None:
        """Close the connection (milvus-lite flushes its file)."""
        if self._client is not None:
            self._client.close()
            self._client = None

    def _ensure_collection(self) -> None:
        client = self._client
        if client.has_collection(self.collection):
            self._check_schema(client.describe_collection(self.collection))
            client.load_collection(self.collection)
            return
        from pymilvus import DataType, Function, FunctionType

        schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("window_id", DataType.VARCHAR, max_length=160, is_primary=True)
        schema.add_field("chunk_id", DataType.VARCHAR, max_length=128)
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=self.dim)
        for name in _FILTER_FIELDS:
            schema.add_field(name, DataType.VARCHAR, max_length=512)
        indexes = client.prepare_index_params()
        indexes.add_index("vector", index_type="HNSW", metric_type="IP", params=HNSW_PARAMS)
        if self.keyword == "milvus":
            schema.add_field("text", DataType.VARCHAR, max_length=_TEXT_MAX, enable_analyzer=True,
                             analyzer_params=CHINESE_ANALYZER)
            schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
            schema.add_function(Function(name="bm25", function_type=FunctionType.BM25,
                                         input_field_names=["text"], output_field_names=["sparse"]))
            indexes.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
        # Strong consistency: a search right after a sync must see the synced rows.
        client.create_collection(self.collection, schema=schema, index_params=indexes,
                                 consistency_level="Strong")

    def _check_schema(self, description: dict) -> None:
        fields = {f["name"]: f for f in description.get("fields", [])}
        dim = int(fields.get("vector", {}).get("params", {}).get("dim", -1))
        problems = []
        if dim != self.dim:
            problems.append(f"vector dim {dim}, the embedder has {self.dim}")
        if "window_id" not in fields:
            problems.append("one vector per chunk, this version stores one per dense window")
        if self.keyword == "milvus" and "sparse" not in fields:
            problems.append("the keyword side is Milvus BM25 but the collection has no BM25 field")
        # A collection with a BM25 field also serves a local-BM25 client; its rows still need text.
        self._stores_text = "sparse" in fields
        if problems:
            raise IndexMismatchError(
                f"the Milvus collection {self.collection!r} at {self.uri} was built with other settings "
                f"({'; '.join(problems)}); drop it and run the Milvus sync again"
            )

    # -- writes --------------------------------------------------------------------
    def upsert(self, rows: Sequence[ChunkRow]) -> int:
        """Insert or replace rows by chunk id; returns how many were written."""
        for start in range(0, len(rows), _INSERT_BATCH):
            batch = [entity for row in rows[start:start + _INSERT_BATCH] for entity in self._entities(row)]
            self.client.upsert(self.collection, batch)
        return len(rows)

    def delete(self, chunk_ids: Iterable[str]) -> int:
        """Delete every window of the given chunk ids; returns how many ids were asked for."""
        wanted = list(chunk_ids)
        for start in range(0, len(wanted), _INSERT_BATCH):
            ids = ", ".join(quote(c) for c in wanted[start:start + _INSERT_BATCH])
            self.client.delete(self.collection, filter=f"chunk_id in [{ids}]")
        return len(wanted)

    def _entities(self, row: ChunkRow) -> list[dict]:
        entities = []
        for n, vector in enumerate(np.atleast_2d(np.asarray(row.vector, dtype=np.float32))):
            entity = {
                "window_id": f"{row.chunk_id}#{n}",
                "chunk_id": row.chunk_id,
                "vector": vector.tolist(),
                **{name: getattr(row, name) or "" for name in _FILTER_FIELDS},
            }
            if self._stores_text:
                # The keyword text once per chunk, so Milvus BM25 counts each chunk once.
                entity["text"] = row.text[: _TEXT_MAX // 3] if n == 0 else ""  # max_length counts UTF-8 bytes
            entities.append(entity)
        return entities

    # -- reads ---------------------------------------------------------------------
    def chunk_ids(self) -> set[str]:
        """Every chunk id in the collection (paged: servers cap one query's result window)."""
        iterator = self.client.query_iterator(self.collection, batch_size=5_000, filter="",
                                              output_fields=["chunk_id"])
        found: set[str] = set()
        try:
            while batch := iterator.next():
                found.update(item["chunk_id"] for item in batch)
        finally:
            iterator.close()
        return found

    def count(self) -> int:
        """Rows in the collection."""
        return int(self.client.get_collection_stats(self.collection)["row_count"])

    def search_vectors(self, vectors: np.ndarray, k: int, expression: str | None = None) -> list[list[tuple[str, float]]]:
        """(chunk_id, best window's inner product) lists, best first, one per query vector, filtered inside the search."""
        limit = min(_MILVUS_MAX_LIMIT, k * _WINDOW_OVERFETCH)
        results = self.client.search(
            self.collection,
            data=[np.asarray(v, dtype=np.float32).tolist() for v in np.atleast_2d(vectors)],
            anns_field="vector",
            limit=limit,
            filter=expression or "",
            search_params={"metric_type": "IP", "params": {"ef": max(self.ef_search, limit)}},
            output_fields=["chunk_id"],
        )
        ranked = []
        for hits in results:
            best: dict[str, float] = {}
            for hit in hits:
                best.setdefault(_chunk_of(hit), float(hit["distance"]))
            ranked.append(list(best.items())[:k])
        return ranked

    def search_text(self, query: str, k: int, expression: str | None = None) -> list[tuple[str, float]]:
        """(chunk_id, BM25 score) pairs from Milvus full-text search (``keyword="milvus"`` only)."""
        if self.keyword != "milvus":
            raise ValueError("this collection keeps no BM25 field; open it with keyword='milvus'")
        results = self.client.search(
            self.collection, data=[query], anns_field="sparse", limit=k, filter=expression or "",
            search_params={"metric_type": "BM25"}, output_fields=["chunk_id"],
        )
        # milvus-lite reports BM25 as a negated distance; the magnitude is the score.
        return [(_chunk_of(hit), abs(float(hit["distance"]))) for hit in results[0]]

    # -- sync ----------------------------------------------------------------------
    def refresh_documents(self, snapshot: IndexSnapshot, doc_ids: Iterable[str]) -> int:
        """Write the rows of ``doc_ids`` again with their current filter fields (after an access
        level change); returns how many chunks were rewritten."""
        wanted = set(doc_ids)
        chunk_ids = [c for c, d in zip(snapshot.catalog.chunk_ids, snapshot.catalog.doc_ids) if d in wanted]
        self.delete(chunk_ids)
        added, _ = self.sync_from_snapshot(snapshot)
        return added

    def sync_from_snapshot(self, snapshot: IndexSnapshot) -> tuple[int, int]:
        """Make the collection hold exactly the snapshot's chunks; returns (added, removed).

        Vectors (every window of a chunk) come from the snapshot's FAISS index, so nothing is embedded again.
        """
        from index.dense import stored_row_vectors

        catalog = snapshot.catalog
        present = self.chunk_ids()
        wanted = set(catalog.chunk_ids)
        removed = self.delete(sorted(present - wanted))
        missing = [row for row, chunk_id in enumerate(catalog.chunk_ids) if chunk_id not in present]
        if not missing:
            return 0, removed
        vectors = stored_row_vectors(snapshot.faiss_index)
        documents = catalog.documents()
        chunks = {c.chunk_id: c for c in catalog.store.get_chunks([catalog.chunk_ids[r] for r in missing])}
        rows = []
        for row in missing:
            chunk = chunks[catalog.chunk_ids[row]]
            doc = documents[chunk.doc_id]
            text = compose_index_text(doc, chunk, snapshot.manifest.keyword_fields or DEFAULT_KEYWORD_FIELDS)
            rows.append(ChunkRow(chunk.chunk_id, vectors[row], doc.doc_id, doc.doc_type, doc.issuer or "",
                                 doc.date or "", doc.source, doc.access, text))
        return self.upsert(rows), removed


class MilvusDenseRetriever:
    """Dense retrieval through Milvus, interchangeable with ``DenseRetriever`` (hits, and ``search_rows``)."""

    def __init__(self, catalog: ChunkCatalog, index: MilvusChunkIndex, embedder: Embedder):
        self.catalog = catalog
        self.index = index
        self.embedder = embedder
        self._row_of = {chunk_id: row for row, chunk_id in enumerate(catalog.chunk_ids)}

    def search_rows(self, query: str, k: int, allowed: np.ndarray) -> list[tuple[int, float]]:
        """(row, cosine) pairs restricted to ``allowed`` rows, for the hybrid fusion.

        The mask was computed from the store's current metadata, so it becomes a doc-id
        expression inside the search (whichever of in/not-in is shorter).
        """
        if not allowed.any():
            return []
        return self._search(query, k, self._mask_expression(allowed))

    def retrieve(self, query: str, k: int = 10, filters: SearchFilter | None = None) -> list[Hit]:
        """The ``k`` chunks closest to the query among those the scalar filter expression admits."""
        expression = filter_expression(filters)
        ranked = self._search(query, k, expression)
        return self.catalog.make_hits(
            [r for r, _ in ranked], [s for _, s in ranked],
            [{"dense": s, "dense_rank": i + 1} for i, (_r, s) in enumerate(ranked)],
        )

    def _search(self, query: str, k: int, expression: str | None) -> list[tuple[int, float]]:
        vector = self.embedder.embed([check_query(query)], "query")
        found = self.index.search_vectors(vector, k, expression)[0]
        # Rows Milvus has but this generation lacks (a sync in flight) are skipped.
        return sorted(((self._row_of[c], s) for c, s in found if c in self._row_of), key=window_tie_order)

    def _mask_expression(self, allowed: np.ndarray) -> str | None:
        if allowed.all():
            return None
        allowed_docs = {self.catalog.doc_ids[r] for r in np.flatnonzero(allowed)}
        blocked_docs = set(self.catalog.doc_ids) - allowed_docs
        if len(blocked_docs) < len(allowed_docs):
            return f"doc_id not in [{', '.join(quote(d) for d in sorted(blocked_docs))}]"
        return f"doc_id in [{', '.join(quote(d) for d in sorted(allowed_docs))}]"


class MilvusKeywordRetriever:
    """BM25 through Milvus full-text search (jieba analyzer), filters inside the search."""

    def __init__(self, catalog: ChunkCatalog, index: MilvusChunkIndex):
        self.catalog = catalog
        self.index = index
        self._row_of = {chunk_id: row for row, chunk_id in enumerate(catalog.chunk_ids)}

    def retrieve(self, query: str, k: int = 10, filters: SearchFilter | None = None) -> list[Hit]:
        """The ``k`` best BM25 chunks by Milvus' own analyzer and statistics."""
        found = self.index.search_text(check_query(query), k, filter_expression(filters))
        ranked = [(self._row_of[c], s) for c, s in found if c in self._row_of]
        return self.catalog.make_hits(
            [r for r, _ in ranked], [s for _, s in ranked],
            [{"bm25": s, "bm25_rank": i + 1} for i, (_r, s) in enumerate(ranked)],
        )
