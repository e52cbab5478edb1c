"""The SQLite document store, on real SQLite files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from ingest.chunk import ClauseChunker
from ingest.paragraphs import join_lines
from ingest.store import SCHEMA_VERSION, DocumentStore, DocumentWrite
from ingest.structure import parse_sections
from policyqa.errors import NotFoundError
from policyqa.records import DocumentInfo

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def document(stem: str, doc_id: str, text_suffix: str = ""):
    path = next(CORPUS.glob(f"{stem}_*.txt"))
    cleaned = join_lines([path.read_text(encoding="utf-8") + text_suffix])
    sections = parse_sections(cleaned.text)
    chunks = ClauseChunker().split(doc_id, cleaned, sections)
    info = DocumentInfo(doc_id=doc_id, source=path.name, path=str(path), content_hash=f"hash-{doc_id}{text_suffix}",
                        title=f"title {stem}", cites=("《甲》", "乙〔2021〕1号"), pages=1)
    return info, cleaned, sections, chunks


@pytest.fixture
def store(tmp_path):
    with DocumentStore(tmp_path / "db.sqlite3") as opened:
        yield opened


def put(store, stem, doc_id, suffix=""):
    info, cleaned, sections, chunks = document(stem, doc_id, suffix)
    store.replace_document(info, cleaned.text, sections, chunks, cleaned.page_starts)
    return info, cleaned, sections, chunks


def test_schema_is_versioned_wal_with_cascading_foreign_keys(store, tmp_path):
    put(store, "003", "d3")
    raw = sqlite3.connect(tmp_path / "db.sqlite3")
    assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    raw.close()
    store.delete_document("d3")
    assert store.chunk_ids() == set()


def test_round_trip_of_document_text_tree_and_chunks(store):
    info, cleaned, sections, chunks = put(store, "003", "d3")
    stored = store.get_document("d3")
    assert stored.title == "title 003" and stored.cites == info.cites and stored.chunks == len(chunks)
    assert store.document_text("d3") == cleaned.text
    assert store.document_sections("d3") == sections
    assert list(store.iter_chunks(["d3"])) == chunks
    assert len(chunks) >= 2
    picked = [chunks[-1].chunk_id, chunks[0].chunk_id]
    assert [c.chunk_id for c in store.get_chunks(picked)] == picked
    with pytest.raises(NotFoundError):
        store.get_chunks(["nope"])


def test_replace_swaps_all_chunks_and_changes_the_corpus_hash(store):
    _, _, _, old = put(store, "004", "d4")
    before = store.corpus_hash()
    _, _, _, new = put(store, "004", "d4", suffix="\n三、补充说明\n新增加的一段话。")
    assert store.chunk_ids() == {c.chunk_id for c in new}
    # Untouched clauses keep their chunk ids; the new clause adds chunks.
    assert {c.chunk_id for c in old} < store.chunk_ids()
    assert store.corpus_hash() != before
    assert len(store.list_documents()) == 1


def test_a_failed_replace_leaves_the_stored_version(store):
    info, cleaned, sections, chunks = put(store, "004", "d4")
    duplicate_ids = [chunks[0], chunks[0]]  # violates the chunk primary key mid-transaction
    with pytest.raises(sqlite3.IntegrityError):
        store.replace_document(info, "changed", sections, duplicate_ids)
    assert store.document_text("d4") == cleaned.text
    assert store.chunk_ids() == {c.chunk_id for c in chunks}


def test_lookup_by_id_source_stem_and_hash(store):
    info, *_ = put(store, "000", "d0")
    put(store, "003", "d3")
    assert store.find_document("d0").source == info.source
    assert store.find_document(info.source).doc_id == "d0"
    assert store.find_document(Path(info.source).stem).doc_id == "d0"
    assert store.find_by_hash(info.content_hash).doc_id == "d0"
    assert store.find_by_hash("unknown") is None
    with pytest.raises(NotFoundError):
        store.find_document("missing.txt")
    with pytest.raises(NotFoundError):
        store.get_document("missing")
    store.set_access("d0", "internal")
    assert store.get_document("d0").access == "internal"


def test_reopening_keeps_the_data(tmp_path):
    path = tmp_path / "db.sqlite3"
    with DocumentStore(path) as first:
        put(first, "003", "d3")
        ids = first.chunk_ids()
    with DocumentStore(path) as second:
        assert second.chunk_ids() == ids
        assert [d.doc_id for d in second.list_documents()] == ["d3"]


def test_bulk_write_stores_every_document_like_single_writes(store, tmp_path):
    docs = [document(stem, f"d{stem}") for stem in ("000", "003", "004")]
    store.replace_documents(DocumentWrite(i, c.text, s, ch, c.page_starts) for i, c, s, ch in docs)
    with DocumentStore(tmp_path / "single.sqlite3") as single:
        for info, cleaned, sections, chunks in docs:
            single.replace_document(info, cleaned.text, sections, chunks, cleaned.page_starts)
        assert store.list_documents() == single.list_documents()
        assert list(store.iter_chunks()) == list(single.iter_chunks())
        assert store.document_sections("d003") == single.document_sections("d003")


def test_a_failed_bulk_write_stores_none_of_the_batch(store):
    info, cleaned, sections, chunks = put(store, "004", "d4")
    other = document("000", "d0")
    broken = DocumentWrite(info, "changed", sections, [chunks[0], chunks[0]])  # duplicate chunk id
    with pytest.raises(sqlite3.IntegrityError):
        store.replace_documents([DocumentWrite(other[0], other[1].text, other[2], other[3]), broken])
    assert [d.doc_id for d in store.list_documents()] == ["d4"]
    assert store.document_text("d4") == cleaned.text
