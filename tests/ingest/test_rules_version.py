"""An ingest-rules version stored with each document; older extractions are redone from the originals."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from ingest.extract import INGEST_RULES_VERSION
from ingest.pipeline import Ingestor
from ingest.store import SCHEMA_VERSION, DocumentStore

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
LETTER = CORPUS / "003_66915094b21ed0ba.txt"

# The documents table of schema 1 (before the standard number and the rules version).
SCHEMA_1 = """
CREATE TABLE documents (doc_id TEXT PRIMARY KEY, source TEXT NOT NULL, path TEXT NOT NULL,
    content_hash TEXT NOT NULL, title TEXT, doc_number TEXT, issuer TEXT, addressee TEXT, date TEXT,
    doc_type TEXT NOT NULL DEFAULT 'other', proposal_number TEXT, cites TEXT NOT NULL DEFAULT '[]',
    pages INTEGER NOT NULL DEFAULT 0, chunks INTEGER NOT NULL DEFAULT 0, ocr INTEGER NOT NULL DEFAULT 0,
    access TEXT NOT NULL DEFAULT 'public', text TEXT NOT NULL, sections TEXT NOT NULL DEFAULT '[]',
    page_starts TEXT NOT NULL DEFAULT '[]');
CREATE TABLE chunks (chunk_id TEXT PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL, section TEXT NOT NULL, pages TEXT NOT NULL, start INTEGER NOT NULL,
    "end" INTEGER NOT NULL, text TEXT NOT NULL);
"""


def test_a_schema_1_store_migrates_and_its_documents_are_stale(tmp_path):
    path = tmp_path / "old.sqlite3"
    raw = sqlite3.connect(path)
    raw.executescript(SCHEMA_1)
    raw.execute("INSERT INTO documents (doc_id, source, path, content_hash, text) VALUES ('d1', 'a.txt', '/x', 'h', '正文')")
    raw.execute("PRAGMA user_version=1")
    raw.commit()
    raw.close()
    with DocumentStore(path) as store:
        (info,) = store.stale_documents(INGEST_RULES_VERSION)
        assert info.doc_id == "d1" and info.ingest_rules == 0 and info.standard_number is None
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    raw.close()


def _age(store_path: Path) -> None:
    raw = sqlite3.connect(store_path)
    raw.execute("UPDATE documents SET ingest_rules = 0")
    raw.commit()
    raw.close()


def test_stale_documents_are_extracted_again_from_their_kept_originals(tmp_path):
    source = tmp_path / "in" / LETTER.name
    source.parent.mkdir()
    shutil.copy(LETTER, source)
    db = tmp_path / "data" / "policyqa.sqlite3"
    with DocumentStore(db) as store:
        ingestor = Ingestor(store, files_dir=tmp_path / "data" / "files")
        (added,) = ingestor.ingest_paths([source], progress=False)
        assert store.get_document(added.doc_id).ingest_rules == INGEST_RULES_VERSION
        assert ingestor.refresh_stale() == []

        _age(db)  # as a data dir written by an older version would be
        (again,) = ingestor.ingest_paths([source], progress=False)  # an unchanged file is no longer skipped
        assert again.status == "replaced" and any("新规则" in w for w in again.warnings)

        _age(db)
        source.unlink()  # the kept original is what gets read
        (refreshed,) = ingestor.refresh_stale()
        info = store.get_document(added.doc_id)
        assert refreshed.status == "replaced" and refreshed.doc_id == added.doc_id
        assert info.ingest_rules == INGEST_RULES_VERSION and info.path == str(source.resolve())
        assert info.doc_number == "东政数函〔2021〕53号"

        _age(db)
        shutil.rmtree(tmp_path / "data" / "files")
        (lost,) = ingestor.refresh_stale()
        assert lost.status == "failed" and "原件已不在" in lost.error
        assert store.get_document(added.doc_id).chunks == info.chunks  # left as stored
