"""The whole ingest pipeline on the real corpus files, into a real SQLite store."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from ingest.clean import strip_page_furniture
from ingest.loaders import load_file
from ingest.pipeline import Ingestor, doc_id_for
from ingest.store import DocumentStore

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


@pytest.fixture(scope="module")
def stored(ingested_data_dir):
    with DocumentStore(ingested_data_dir / "policyqa.sqlite3") as store:
        yield store


def test_every_chunk_is_an_exact_span_with_a_section_path(stored):
    documents = stored.list_documents()
    assert len(documents) == 5
    for info in documents:
        text = stored.document_text(info.doc_id)
        chunks = list(stored.iter_chunks([info.doc_id]))
        assert len(chunks) == info.chunks > 0
        for chunk in chunks:
            assert chunk.section and all(title.strip() for title in chunk.section)
            assert text[chunk.start : chunk.end] == chunk.text


def test_plan_tree_and_letter_metadata_are_stored(stored):
    plan = stored.find_document("002_4a82e6608af59380.txt")
    top = [s.title for s in stored.document_sections(plan.doc_id)]
    assert top[1] == "引言" and top[2].startswith("一、") and top[12].startswith("十一、")
    assert len(top) == 15 and all(t.startswith("附件") for t in top[13:])
    reply = stored.find_document("004_342d9834cd5d19b4")
    assert (reply.doc_number, reply.proposal_number, reply.doc_type) == ("东政数函〔2022〕37号", "20220388", "proposal_reply")


@pytest.fixture
def workspace(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in sorted(CORPUS.glob("*.txt")):
        shutil.copy(path, corpus / path.name)
    store = DocumentStore(tmp_path / "data" / "policyqa.sqlite3").open()
    ingestor = Ingestor(store, files_dir=tmp_path / "data" / "files")
    yield corpus, store, ingestor
    store.close()


def test_reingesting_an_unchanged_corpus_does_no_work_and_keeps_ids(workspace):
    corpus, store, ingestor = workspace
    first = ingestor.ingest_paths([corpus], progress=False)
    assert {r.status for r in first} == {"added"} and len(first) == 5
    ids, fingerprint = store.chunk_ids(), store.corpus_hash()
    again = ingestor.ingest_paths([corpus], progress=False)
    assert {r.status for r in again} == {"unchanged"}
    assert [r.doc_id for r in again] == [r.doc_id for r in first]
    assert store.chunk_ids() == ids and store.corpus_hash() == fingerprint


def test_an_edited_file_keeps_its_doc_id_and_replaces_its_chunks(workspace):
    corpus, store, ingestor = workspace
    path = corpus / "003_66915094b21ed0ba.txt"
    (added,) = ingestor.ingest_paths([path], progress=False)
    before = {c.chunk_id: c for c in store.iter_chunks([added.doc_id])}
    path.write_text(path.read_text(encoding="utf-8").replace("679 人次", "680 人次"), encoding="utf-8")
    (replaced,) = ingestor.ingest_paths([path], progress=False)
    assert replaced.status == "replaced" and replaced.doc_id == added.doc_id == doc_id_for(path)
    after = {c.chunk_id: c for c in store.iter_chunks([added.doc_id])}
    assert any("680 人次" in c.text for c in after.values())
    assert not any("679 人次" in c.text for c in after.values())
    assert set(before) & set(after)  # untouched clauses keep their ids
    assert len(store.list_documents()) == 1


def test_a_byte_identical_copy_is_reported_as_duplicate(workspace):
    corpus, store, ingestor = workspace
    ingestor.ingest_paths([corpus / "000_72e0c38bb21918d5.txt"], progress=False)
    copy = corpus / "copy-of-letter.txt"
    shutil.copy(corpus / "000_72e0c38bb21918d5.txt", copy)
    (report,) = ingestor.ingest_paths([copy], progress=False)
    assert report.status == "duplicate" and report.duplicate_of == "000_72e0c38bb21918d5.txt"
    assert len(store.list_documents()) == 1


def test_a_bad_file_fails_alone_and_remove_deletes(workspace, tmp_path):
    corpus, store, ingestor = workspace
    (corpus / "empty.txt").write_bytes(b"")
    reports = {r.source: r for r in ingestor.ingest_paths([corpus], progress=False)}
    assert reports["empty.txt"].status == "failed" and reports["empty.txt"].error
    assert sum(r.status == "added" for r in reports.values()) == 5
    letter = reports["000_72e0c38bb21918d5.txt"]
    kept = tmp_path / "data" / "files" / letter.doc_id / "000_72e0c38bb21918d5.txt"
    assert kept.read_bytes() == (corpus / "000_72e0c38bb21918d5.txt").read_bytes()
    ingestor.remove("000_72e0c38bb21918d5.txt")
    assert len(store.list_documents()) == 4 and not kept.exists()
    assert not [c for c in store.iter_chunks() if c.doc_id == letter.doc_id]


@pytest.mark.parametrize("name", ["003_66915094b21ed0ba.pdf", "004_342d9834cd5d19b4.pdf"])
def test_pdf_chunks_carry_pages_that_contain_their_text(tmp_path, name):
    path = CORPUS / "formats" / name
    with DocumentStore(tmp_path / "db.sqlite3") as store:
        (report,) = Ingestor(store).ingest_paths([path], progress=False)
        assert report.status == "added" and report.pages > 1
        chunks = list(store.iter_chunks())
        info = store.get_document(report.doc_id)
    squash = lambda s: re.sub(r"\s+|#|\*", "", s)  # noqa: E731
    pages = [squash(p) for p in strip_page_furniture(load_file(path).pages)]
    assert {p for c in chunks for p in c.pages} == set(range(1, report.pages + 1))
    for chunk in chunks:
        assert squash(chunk.text) in "".join(pages[p - 1] for p in chunk.pages)
    assert info.doc_type == "proposal_reply" and info.doc_number and info.date
