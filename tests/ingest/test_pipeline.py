"""The whole ingest pipeline on the real corpus files, into a real SQLite store."""

from __future__ import annotations

import re
import shutil
import sqlite3
import time
from pathlib import Path

import pytest

from ingest.clean import strip_page_furniture
import ingest.pipeline
from ingest.loaders import load_file
from ingest.pipeline import Ingestor, doc_id_for
from ingest.reader import READ_AHEAD_PER_WORKER
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


# -- parallel reads ----------------------------------------------------------------------
# Every format but the scan (OCR takes ~20 s here; test_formats covers it), with the slowest
# read first, a corrupt file in the middle and a byte-identical copy of an earlier file.
SLOW_FIRST = CORPUS / "formats" / "002_4a82e6608af59380.pdf"
PARALLEL_STATUSES = ["added", "added", "added", "failed", "added", "added", "duplicate", "added"]


@pytest.fixture
def parallel_batch(tmp_path) -> list[Path]:
    broken = tmp_path / "in" / "broken.pdf"
    broken.parent.mkdir()
    broken.write_bytes(b"%PDF-1.7\n1 0 obj\n<<")  # truncated PDF
    copy = tmp_path / "in" / "copy-of-letter.txt"
    shutil.copy(CORPUS / "000_72e0c38bb21918d5.txt", copy)
    return [
        SLOW_FIRST,
        CORPUS / "000_72e0c38bb21918d5.txt",
        CORPUS / "formats" / "004_342d9834cd5d19b4.docx",
        broken,
        CORPUS / "formats" / "003_66915094b21ed0ba.gbk.txt",  # GB18030
        CORPUS / "formats" / "003_66915094b21ed0ba.pdf",
        copy,
        CORPUS / "001_285a30d5b4a086e4.txt",
    ]


@pytest.fixture
def traced_reads(monkeypatch):
    """Events in the order they happened: ("read", name) when a sandboxed read starts, ("turn", name)
    and ("done", name) when the pipeline takes up a file and is through with it. The first file's
    read is held back a second, so a pipeline that wrote in completion order would store it late."""
    events: list[tuple[str, str]] = []
    real_load = ingest.pipeline.load_file_isolated

    def load(path, limits):
        events.append(("read", path.name))
        if path == SLOW_FIRST:
            time.sleep(1.0)
        return real_load(path, limits)

    monkeypatch.setattr(ingest.pipeline, "load_file_isolated", load)
    return events


def ingest_batch(data_dir: Path, files: list[Path], workers: int, events: list[tuple[str, str]]):
    with DocumentStore(data_dir / "policyqa.sqlite3") as store:
        ingestor = Ingestor(store, files_dir=data_dir / "files")
        take_up = ingestor.ingest_file

        def traced(path, read=None):
            events.append(("turn", path.name))
            report = take_up(path, read)
            events.append(("done", path.name))
            return report

        ingestor.ingest_file = traced
        reports = ingestor.ingest_paths(files, progress=False, workers=workers)
        documents = store.list_documents()
        chunks = [(c.chunk_id, c.doc_id, c.ordinal, c.section, c.pages, c.text) for c in store.iter_chunks()]
    with sqlite3.connect(data_dir / "policyqa.sqlite3") as db:
        written = [row[0] for row in db.execute("SELECT source FROM documents ORDER BY rowid")]
    return reports, documents, chunks, written


def test_parallel_reads_store_the_same_as_serial_ones_in_input_order(tmp_path, parallel_batch, traced_reads):
    serial = ingest_batch(tmp_path / "one", parallel_batch, 1, traced_reads)
    traced_reads.clear()
    parallel = ingest_batch(tmp_path / "three", parallel_batch, 3, traced_reads)

    for reports, documents, chunks, written in (serial, parallel):
        assert [r.source for r in reports] == [p.name for p in parallel_batch]
        assert [r.status for r in reports] == PARALLEL_STATUSES
        assert reports[3].error and reports[3].path == str(parallel_batch[3])
        assert reports[6].duplicate_of == "000_72e0c38bb21918d5.txt"
        # Written in input order, the files after the broken one included.
        assert written == [r.source for r in reports if r.status == "added"]
        assert len(documents) == 6 and len(chunks) > 6
    assert parallel[0] == serial[0]  # the reports, field by field
    assert parallel[1] == serial[1]  # the documents: metadata, hashes, pages, chunk counts
    assert parallel[2] == serial[2]  # chunk ids and text, in the same order

    # The reads really ran ahead: later files were read while the slow first one was still
    # being read; yet never more than READ_AHEAD_PER_WORKER * workers files ahead of the writes.
    first_done = traced_reads.index(("done", SLOW_FIRST.name))
    assert {("read", path.name) for path in parallel_batch[:3]} <= set(traced_reads[:first_done])
    assert ("read", "copy-of-letter.txt") not in traced_reads  # a second copy waits for the first to be stored
    depth = READ_AHEAD_PER_WORKER * 3
    for position, path in enumerate(parallel_batch):
        if ("read", path.name) in traced_reads:
            at = traced_reads.index(("read", path.name))
            turns_before = sum(kind == "turn" for kind, _ in traced_reads[:at])
            assert turns_before >= position - depth + 1, (path.name, traced_reads)


def test_parallel_reingest_reads_nothing_that_is_stored(tmp_path, parallel_batch, traced_reads):
    data_dir = tmp_path / "data"
    ingest_batch(data_dir, parallel_batch, 3, traced_reads)
    traced_reads.clear()
    reports, *_ = ingest_batch(data_dir, parallel_batch, 3, traced_reads)
    assert [r.status for r in reports] == [
        "unchanged" if status == "added" else status for status in PARALLEL_STATUSES
    ]
    # Only the broken file, which was never stored, is read again.
    assert [name for kind, name in traced_reads if kind == "read"] == ["broken.pdf"]
