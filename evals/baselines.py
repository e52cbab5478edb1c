"""The naive pipeline the product is compared against, built in memory for one eval run.

It is what a generic RAG template does (Langchain-Chatchat style): LangChain's recursive
character splitter cuts each document's cleaned text into fixed 750-character windows with
150 overlap, ignoring clauses and headings, and indexes the raw window text. Everything else
is the product's own: the same tokenizer, the same embedder (through the embedding cache, so
a machine embeds these windows once), the same fusion. The difference in the report is
therefore what clause chunking and structure-aware indexing add.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from index.bm25 import Bm25Retriever, build_bm25
from index.catalog import ChunkCatalog
from index.dense import DenseRetriever, build_faiss
from index.embedders.base import Embedder
from index.embedders.cache import CachedEmbedder
from index.hybrid import HybridRetriever
from index.snapshot import FusionParams
from index.tokenize import ChineseTokenizer
from policyqa.errors import NotFoundError
from policyqa.records import Chunk, DocumentInfo

NAIVE_CHUNK_SIZE = 750
NAIVE_CHUNK_OVERLAP = 150
# Chinese sentence and clause ends after paragraph breaks, as Chatchat's Chinese splitter does;
# without them the splitter would cut mid-sentence at exactly 750 characters.
NAIVE_SEPARATORS = ("\n\n", "\n", "。", "！", "？", "；", "，", "")


class InMemoryChunks:
    """The two store reads ``ChunkCatalog`` needs, over chunks that were never stored."""

    def __init__(self, documents: Iterable[DocumentInfo], chunks: Iterable[Chunk]):
        self._documents = list(documents)
        self._chunks = {c.chunk_id: c for c in chunks}

    def list_documents(self) -> list[DocumentInfo]:
        """The documents the baseline was built from."""
        return list(self._documents)

    def get_chunks(self, chunk_ids: Sequence[str]) -> list[Chunk]:
        """Chunks in the given order; ``NotFoundError`` for an unknown id."""
        try:
            return [self._chunks[c] for c in chunk_ids]
        except KeyError as exc:
            raise NotFoundError(f"no baseline chunk {exc.args[0]}") from exc


def split_naive(doc_id: str, text: str, size: int = NAIVE_CHUNK_SIZE, overlap: int = NAIVE_CHUNK_OVERLAP) -> list[Chunk]:
    """Fixed-size windows of ``text`` by LangChain's ``RecursiveCharacterTextSplitter``."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(
        chunk_size=size,
        chunk_overlap=overlap,
        separators=list(NAIVE_SEPARATORS),
        keep_separator="end",
        add_start_index=True,
    )
    chunks = []
    for ordinal, piece in enumerate(splitter.create_documents([text])):
        start = int(piece.metadata["start_index"])
        chunks.append(
            Chunk(
                chunk_id=f"naive:{doc_id}:{ordinal}",
                doc_id=doc_id,
                ordinal=ordinal,
                section=(),
                pages=(),
                start=start,
                end=start + len(piece.page_content),
                text=piece.page_content,
            )
        )
    return chunks


def with_embedding_cache(embedder: Embedder, cache_path: Path) -> Embedder:
    """``embedder`` behind the passage-vector cache (unchanged if it already has one)."""
    if isinstance(embedder, CachedEmbedder):
        return embedder
    return CachedEmbedder(embedder, cache_path)


def build_naive_retriever(
    documents: Sequence[DocumentInfo],
    texts: dict[str, str],
    tokenizer: ChineseTokenizer,
    embedder: Embedder,
    fusion: FusionParams,
    size: int = NAIVE_CHUNK_SIZE,
    overlap: int = NAIVE_CHUNK_OVERLAP,
) -> tuple[HybridRetriever, list[Chunk]]:
    """The naive hybrid retriever over ``texts`` (doc_id → cleaned text) and its chunks."""
    chunks = [c for doc in documents for c in split_naive(doc.doc_id, texts[doc.doc_id], size, overlap)]
    holder = InMemoryChunks(documents, chunks)
    catalog = ChunkCatalog(holder, [c.chunk_id for c in chunks], [c.doc_id for c in chunks])  # type: ignore[arg-type]
    bm25 = Bm25Retriever(catalog, build_bm25([tokenizer.tokenize(c.text) for c in chunks]), tokenizer)
    dense = DenseRetriever(catalog, build_faiss(embedder.embed([c.text for c in chunks], "passage")), embedder)
    hybrid = HybridRetriever(
        bm25,
        dense,
        fusion=fusion.method,
        rrf_k=fusion.rrf_k,
        bm25_weight=fusion.bm25_weight,
        dense_weight=fusion.dense_weight,
        candidates=fusion.candidates,
    )
    return hybrid, chunks


# The plainest pipeline an outside tester builds in ten minutes: fixed 400-character windows of
# each document's text (100 overlap), jieba with its own dictionary (no policy terms, no synonyms,
# no normalisation) into BM25, the same windows embedded, and the two fused by RRF (k = 60, the
# customary constant). The product must beat each of these on every question type.
WINDOW_SIZE = 400
WINDOW_OVERLAP = 100
WINDOW_RRF_K = 60
WINDOW_SYSTEMS = ("naive-bm25", "naive-dense", "naive-rrf")


class PlainJiebaTokenizer:
    """jieba's default dictionary and nothing else (no policy terms, stopwords or synonyms)."""

    version = "plain-jieba"

    def __init__(self) -> None:
        self._cut = None

    def tokenize(self, text: str) -> list[str]:
        """Words of ``text``, whitespace and punctuation dropped."""
        if self._cut is None:
            import rjieba  # jieba-rs: the same cuts as jieba with its default dictionary

            self._cut = rjieba.cut
        return [w for w in self._cut(text) if w.strip() and any(ch.isalnum() for ch in w)]

    tokenize_query = tokenize


def split_windows(doc_id: str, text: str, size: int = WINDOW_SIZE, overlap: int = WINDOW_OVERLAP) -> list[Chunk]:
    """Fixed character windows of ``text`` (the last one may be shorter)."""
    step = size - overlap
    chunks = []
    for ordinal, start in enumerate(range(0, max(len(text) - overlap, 1), step)):
        piece = text[start : start + size]
        chunks.append(Chunk(chunk_id=f"win:{doc_id}:{ordinal}", doc_id=doc_id, ordinal=ordinal, section=(),
                            pages=(), start=start, end=start + len(piece), text=piece))
    return chunks


def build_window_retrievers(
    documents: Sequence[DocumentInfo], texts: dict[str, str], embedder: Embedder
) -> tuple[dict[str, object], list[Chunk]]:
    """``naive-bm25``, ``naive-dense`` and ``naive-rrf`` over 400-character windows, and the windows."""
    chunks = [c for doc in documents for c in split_windows(doc.doc_id, texts[doc.doc_id])]
    holder = InMemoryChunks(documents, chunks)
    catalog = ChunkCatalog(holder, [c.chunk_id for c in chunks], [c.doc_id for c in chunks])  # type: ignore[arg-type]
    tokenizer = PlainJiebaTokenizer()
    bm25 = Bm25Retriever(catalog, build_bm25([tokenizer.tokenize(c.text) for c in chunks]), tokenizer)  # type: ignore[arg-type]
    dense = DenseRetriever(catalog, build_faiss(embedder.embed([c.text for c in chunks], "passage")), embedder)
    rrf = HybridRetriever(bm25, dense, fusion="rrf", rrf_k=WINDOW_RRF_K, bm25_weight=1.0, dense_weight=1.0,
                          candidates=50)
    return {"naive-bm25": bm25, "naive-dense": dense, "naive-rrf": rrf}, chunks
