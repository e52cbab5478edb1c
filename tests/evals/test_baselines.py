"""The naive baseline: LangChain's fixed windows over the stored text, searchable in memory."""

from __future__ import annotations

from pathlib import Path

from evals.baselines import NAIVE_CHUNK_OVERLAP, NAIVE_CHUNK_SIZE, build_naive_retriever, split_naive
from index.snapshot import FusionParams

STORE_NAME = "policyqa.sqlite3"


def test_naive_windows_are_spans_of_the_text_with_overlap(ingested_data_dir: Path) -> None:
    from ingest.store import DocumentStore

    with DocumentStore(ingested_data_dir / STORE_NAME) as store:
        doc = next(d for d in store.list_documents() if d.source.startswith("002_"))
        text = store.document_text(doc.doc_id)
    chunks = split_naive(doc.doc_id, text)

    assert len(chunks) >= len(text) // NAIVE_CHUNK_SIZE
    assert all(len(c.text) <= NAIVE_CHUNK_SIZE for c in chunks)
    assert all(text[c.start : c.end] == c.text for c in chunks)
    assert len({c.chunk_id for c in chunks}) == len(chunks)
    overlaps = [a.end - b.start for a, b in zip(chunks, chunks[1:])]
    assert max(overlaps) <= NAIVE_CHUNK_OVERLAP and sum(o > 0 for o in overlaps) > len(overlaps) / 2
    # Nothing of the document is lost between windows (the splitter only trims whitespace).
    gaps = [text[a.end : b.start] for a, b in zip(chunks, chunks[1:]) if b.start > a.end]
    assert all(not gap.strip() for gap in gaps)
    assert not text[: chunks[0].start].strip() and not text[chunks[-1].end :].strip()


def test_naive_retriever_finds_a_clause_of_a_small_document(demo_index_dir: Path) -> None:
    from index import open_index

    snapshot = open_index(demo_index_dir, build_missing=False)
    store = snapshot.catalog.store
    docs = [d for d in store.list_documents() if d.source.startswith(("000_", "003_"))]
    texts = {d.doc_id: store.document_text(d.doc_id) for d in docs}
    retriever, chunks = build_naive_retriever(docs, texts, snapshot.tokenizer, snapshot.embedder, FusionParams())

    hits = retriever.retrieve("整改反馈", k=5)

    assert hits and all(h.chunk.chunk_id.startswith("naive:") for h in hits)
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
    assert hits[0].doc.source.startswith("000_")
    assert {h.chunk.chunk_id for h in hits} <= {c.chunk_id for c in chunks}
