"""SQLite (WAL) store: the source of truth for documents, their text, clause trees and chunks.

Later stages read chunks only through ``DocumentStore``. A document is always written
whole in one transaction (``replace_document``), so readers never see half a document.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, fields
from pathlib import Path
from typing import NamedTuple

from policyqa.errors import NotFoundError, StorageError
from policyqa.faults import write_point
from policyqa.records import Chunk, DocumentInfo, Section
from policyqa.storage import storage_error, storage_errors

SCHEMA_VERSION = 2

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    doc_id          TEXT PRIMARY KEY,
    source          TEXT NOT NULL,
    path            TEXT NOT NULL,
    content_hash    TEXT NOT NULL,
    title           TEXT,
    doc_number      TEXT,
    issuer          TEXT,
    addressee       TEXT,
    date            TEXT,
    doc_type        TEXT NOT NULL DEFAULT 'other',
    proposal_number TEXT,
    cites           TEXT NOT NULL DEFAULT '[]',
    standard_number TEXT,
    pages           INTEGER NOT NULL DEFAULT 0,
    chunks          INTEGER NOT NULL DEFAULT 0,
    ocr             INTEGER NOT NULL DEFAULT 0,
    access          TEXT NOT NULL DEFAULT 'public',
    ingest_rules    INTEGER NOT NULL DEFAULT 0,
    text            TEXT NOT NULL,
    sections        TEXT NOT NULL DEFAULT '[]',
    page_starts     TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS documents_hash ON documents(content_hash);
CREATE INDEX IF NOT EXISTS documents_source ON documents(source);
CREATE TABLE IF NOT EXISTS chunks (
    chunk_id  TEXT PRIMARY KEY,
    doc_id    TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    ordinal   INTEGER NOT NULL,
    section   TEXT NOT NULL,
    pages     TEXT NOT NULL,
    start     INTEGER NOT NULL,
    "end"     INTEGER NOT NULL,
    text      TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id, ordinal);
"""

# Schema 1 → 2: the standard number and the ingest-rules version a document was extracted
# with. Rows of schema 1 get rules version 0, so the next reindex re-extracts them.
_MIGRATIONS = {
    2: (
        "ALTER TABLE documents ADD COLUMN standard_number TEXT",
        "ALTER TABLE documents ADD COLUMN ingest_rules INTEGER NOT NULL DEFAULT 0",
    ),
}

_INFO_FIELDS = tuple(f.name for f in fields(DocumentInfo))
_DOCUMENT_COLUMNS = (*_INFO_FIELDS, "text", "sections", "page_starts")
_CHUNK_COLUMNS = 'chunk_id, doc_id, ordinal, section, pages, start, "end", text'


class DocumentWrite(NamedTuple):
    """One document as ``replace_documents`` stores it: its record, cleaned text, clause tree and chunks."""

    info: DocumentInfo
    text: str
    sections: Sequence[Section]
    chunks: Sequence[Chunk]
    page_starts: Sequence[int] = ()


def _document_values(write: DocumentWrite) -> dict:
    """The ``documents`` row of a write (``chunks`` counted from the chunks actually stored)."""
    info = write.info
    values = asdict(info)
    values["cites"] = json.dumps(list(info.cites), ensure_ascii=False)
    values["ocr"] = int(info.ocr)
    values["chunks"] = len(write.chunks)
    values["text"] = write.text
    values["sections"] = json.dumps(sections_to_json(write.sections), ensure_ascii=False)
    values["page_starts"] = json.dumps(list(write.page_starts))
    return values


def sections_to_json(sections: Iterable[Section]) -> list[dict]:
    """The clause tree as plain JSON-able dicts (``title``, ``level``, ``start``, ``end``, ``children``)."""
    return [
        {
            "title": s.title,
            "level": s.level,
            "start": s.start,
            "end": s.end,
            "children": sections_to_json(s.children),
        }
        for s in sections
    ]


def sections_from_json(items: Iterable[dict]) -> tuple[Section, ...]:
    """Inverse of ``sections_to_json``."""
    return tuple(
        Section(
            title=item["title"],
            level=item["level"],
            start=item["start"],
            end=item["end"],
            children=sections_from_json(item.get("children", ())),
        )
        for item in items
    )


def _info_from_row(row: sqlite3.Row) -> DocumentInfo:
    values = {name: row[name] for name in _INFO_FIELDS}
    values["cites"] = tuple(json.loads(values["cites"]))
    values["ocr"] = bool(values["ocr"])
    return DocumentInfo(**values)


def _chunk_from_row(row: sqlite3.Row) -> Chunk:
    return Chunk(
        chunk_id=row["chunk_id"],
        doc_id=row["doc_id"],
        ordinal=row["ordinal"],
        section=tuple(json.loads(row["section"])),
        pages=tuple(json.loads(row["pages"])),
        start=row["start"],
        end=row["end"],
        text=row["text"],
    )


class DocumentStore:
    """Documents and chunks in one SQLite file. Cheap to construct; ``open()`` connects.

    Usable as a context manager. One connection is shared by the threads of a process
    (serialised by a lock); SQLite's WAL lets other processes read while one writes.
    """

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._connection: sqlite3.Connection | None = None
        self._lock = threading.RLock()
        # Set when the store could only be opened for reading (a read-only or full data dir):
        # reads work, every write raises this error, which says why.
        self.read_only: StorageError | None = None

    # -- lifecycle -----------------------------------------------------------------
    def open(self) -> DocumentStore:
        """Connect, creating or migrating the schema; idempotent.

        When the data dir cannot be written (read-only, or a disk too full for SQLite's
        journal), an existing store opens read-only instead: listing, showing and searching
        keep working, and writes raise ``read_only``, which says why.
        """
        with self._lock:
            if self._connection is None:
                try:
                    self._connection = self._open_writable()
                except (OSError, sqlite3.Error) as exc:
                    refusal = storage_error(exc, "写入文档库")
                    if refusal is None:
                        raise
                    if not self.path.is_file():  # nothing to read either
                        raise refusal from exc
                    self._connection = self._open_read_only()
                    self.read_only = refusal
        return self

    def _open_writable(self) -> sqlite3.Connection:
        write_point("store_open")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        try:
            connection.row_factory = sqlite3.Row
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA foreign_keys=ON")
            connection.execute("PRAGMA busy_timeout=30000")
            self._migrate(connection)
        except BaseException:
            connection.close()
            raise
        return connection

    def _open_read_only(self) -> sqlite3.Connection:
        # mode=ro still needs to create the WAL index (-shm) when it is missing; immutable=1
        # reads a store on a read-only file system (no other process can be writing to it).
        last: sqlite3.Error | None = None
        for flags in ("mode=ro", "mode=ro&immutable=1"):
            try:
                connection = sqlite3.connect(f"{self.path.resolve().as_uri()}?{flags}", uri=True,
                                             check_same_thread=False, isolation_level=None)
                connection.row_factory = sqlite3.Row
                version = connection.execute("PRAGMA user_version").fetchone()[0]
                if version != SCHEMA_VERSION:
                    connection.close()
                    raise RuntimeError(f"the store has schema {version}, this policyqa needs {SCHEMA_VERSION}; "
                                       "open it once with a writable data dir to migrate it")
                return connection
            except sqlite3.Error as exc:
                last = exc
        assert last is not None
        raise last

    def _writing(self, what: str = "写入文档库"):
        """Checks before a write (a read-only store refuses at once), then maps disk errors."""
        if self.read_only is not None:
            raise self.read_only
        write_point("store_write")
        return storage_errors(what)

    def close(self) -> None:
        """Close the connection (the store can be opened again)."""
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def __enter__(self) -> DocumentStore:
        return self.open()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @staticmethod
    def _migrate(connection: sqlite3.Connection) -> None:
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise RuntimeError(f"the database was written by a newer policyqa (schema {version})")
        if version == SCHEMA_VERSION:
            return
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if version == 0 or "documents" not in tables:
            connection.executescript(_SCHEMA)
        else:
            connection.execute("BEGIN IMMEDIATE")
            try:
                for step in range(version + 1, SCHEMA_VERSION + 1):
                    for statement in _MIGRATIONS.get(step, ()):
                        connection.execute(statement)
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise
        connection.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    @property
    def _db(self) -> sqlite3.Connection:
        if self._connection is None:
            self.open()
        assert self._connection is not None
        return self._connection

    def _query(self, sql: str, parameters: Iterable = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, tuple(parameters)).fetchall()

    # -- writes ----------------------------------------------------------------------
    def replace_document(
        self, info: DocumentInfo, text: str, sections: Iterable[Section], chunks: Iterable[Chunk],
        page_starts: Iterable[int] = (),
    ) -> None:
        """Store ``info`` with its text, tree and chunks, replacing any earlier version, atomically."""
        self.replace_documents([DocumentWrite(info, text, tuple(sections), tuple(chunks), tuple(page_starts))])

    def replace_documents(self, documents: Iterable[DocumentWrite]) -> None:
        """Store many documents, each replacing any earlier version, in one transaction.

        The bulk path (imports, the scale benchmark): one commit, hence one fsync, per batch
        instead of per document, and one ``executemany`` per table. Readers see the whole
        batch or none of it. A ``doc_id`` may appear only once per batch (a second write of
        it fails the batch instead of replacing the first).
        """
        batch = list(documents)
        doc_rows, chunk_rows = [], []
        for write in batch:
            values = _document_values(write)
            doc_rows.append([values[c] for c in _DOCUMENT_COLUMNS])
            chunk_rows.extend(
                (
                    c.chunk_id, c.doc_id, c.ordinal,
                    json.dumps(list(c.section), ensure_ascii=False),
                    json.dumps(list(c.pages)), c.start, c.end, c.text,
                )
                for c in write.chunks
            )
        if not batch:
            return
        with self._lock, self._writing():
            db = self._db
            db.execute("BEGIN IMMEDIATE")
            try:
                db.executemany("DELETE FROM documents WHERE doc_id = ?", [(w.info.doc_id,) for w in batch])
                db.executemany(
                    f"INSERT INTO documents ({', '.join(_DOCUMENT_COLUMNS)}) "
                    f"VALUES ({', '.join('?' * len(_DOCUMENT_COLUMNS))})",
                    doc_rows,
                )
                db.executemany(f"INSERT INTO chunks ({_CHUNK_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", chunk_rows)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def delete_document(self, doc_id: str) -> None:
        """Delete a document and (by cascade) its chunks; ``NotFoundError`` if absent."""
        with self._lock, self._writing("删除文档"):
            cursor = self._db.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))
        if cursor.rowcount == 0:
            raise NotFoundError(f"no stored document {doc_id}")

    def set_access(self, doc_id: str, access: str) -> None:
        """Set who may see a document ("public", "internal" or a group name)."""
        with self._lock, self._writing("修改访问级别"):
            cursor = self._db.execute("UPDATE documents SET access = ? WHERE doc_id = ?", (access, doc_id))
        if cursor.rowcount == 0:
            raise NotFoundError(f"no stored document {doc_id}")

    # -- documents -------------------------------------------------------------------
    def get_document(self, doc_id: str) -> DocumentInfo:
        """The document ``doc_id``; ``NotFoundError`` if absent."""
        rows = self._query(f"SELECT {', '.join(_INFO_FIELDS)} FROM documents WHERE doc_id = ?", (doc_id,))
        if not rows:
            raise NotFoundError(f"no stored document {doc_id}")
        return _info_from_row(rows[0])

    def find_by_hash(self, content_hash: str, access: str | None = None) -> DocumentInfo | None:
        """The stored document whose original file has this content hash (at access level
        ``access`` when given), if any."""
        where, parameters = "content_hash = ?", [content_hash]
        if access is not None:
            where, parameters = where + " AND access = ?", [*parameters, access]
        rows = self._query(f"SELECT {', '.join(_INFO_FIELDS)} FROM documents WHERE {where} ORDER BY source", parameters)
        return _info_from_row(rows[0]) if rows else None

    def find_document(self, ref: str) -> DocumentInfo:
        """Resolve ``ref`` = a doc_id, a source file name, its stem, or a unique doc_id prefix."""
        documents = self.list_documents()
        for matches in (
            [d for d in documents if d.doc_id == ref],
            [d for d in documents if d.source == ref],
            [d for d in documents if Path(d.source).stem == ref],
            [d for d in documents if len(ref) >= 6 and d.doc_id.startswith(ref)],
        ):
            if len(matches) == 1:
                return matches[0]
            if len(matches) > 1:
                names = ", ".join(f"{d.source} ({d.doc_id})" for d in matches)
                raise NotFoundError(f"'{ref}' is ambiguous: {names}; use a doc_id")
        raise NotFoundError(f"no stored document matches '{ref}'")

    def stale_documents(self, rules_version: int) -> list[DocumentInfo]:
        """Documents extracted with ingest rules older than ``rules_version``, by source name."""
        rows = self._query(
            f"SELECT {', '.join(_INFO_FIELDS)} FROM documents WHERE ingest_rules < ? ORDER BY source, doc_id",
            (rules_version,),
        )
        return [_info_from_row(row) for row in rows]

    def list_documents(self) -> list[DocumentInfo]:
        """All stored documents, ordered by source name."""
        rows = self._query(f"SELECT {', '.join(_INFO_FIELDS)} FROM documents ORDER BY source, doc_id")
        return [_info_from_row(row) for row in rows]

    def document_text(self, doc_id: str) -> str:
        """The cleaned full text that chunk offsets point into."""
        rows = self._query("SELECT text FROM documents WHERE doc_id = ?", (doc_id,))
        if not rows:
            raise NotFoundError(f"no stored document {doc_id}")
        return rows[0]["text"]

    def document_sections(self, doc_id: str) -> tuple[Section, ...]:
        """The clause tree of a document."""
        rows = self._query("SELECT sections FROM documents WHERE doc_id = ?", (doc_id,))
        if not rows:
            raise NotFoundError(f"no stored document {doc_id}")
        return sections_from_json(json.loads(rows[0]["sections"]))

    def document_page_starts(self, doc_id: str) -> tuple[int, ...]:
        """Offsets in the cleaned text where each page begins."""
        rows = self._query("SELECT page_starts FROM documents WHERE doc_id = ?", (doc_id,))
        if not rows:
            raise NotFoundError(f"no stored document {doc_id}")
        return tuple(json.loads(rows[0]["page_starts"]))

    # -- chunks ----------------------------------------------------------------------
    def iter_chunks(self, doc_ids: Iterable[str] | None = None) -> Iterator[Chunk]:
        """Chunks in (source, ordinal) order, of all documents or of ``doc_ids``."""
        sql = (
            'SELECT c.chunk_id, c.doc_id, c.ordinal, c.section, c.pages, c.start, c."end", c.text '
            "FROM chunks c JOIN documents d ON d.doc_id = c.doc_id"
        )
        parameters: list[str] = []
        if doc_ids is not None:
            wanted = list(doc_ids)
            if not wanted:
                return
            sql += f" WHERE c.doc_id IN ({', '.join('?' * len(wanted))})"
            parameters = wanted
        sql += " ORDER BY d.source, c.doc_id, c.ordinal"
        for row in self._query(sql, parameters):
            yield _chunk_from_row(row)

    def get_chunks(self, chunk_ids: Iterable[str]) -> list[Chunk]:
        """The chunks with these ids, in the given order; unknown ids raise ``NotFoundError``."""
        wanted = list(chunk_ids)
        found: dict[str, Chunk] = {}
        for batch_start in range(0, len(wanted), 500):
            batch = wanted[batch_start : batch_start + 500]
            rows = self._query(
                f"SELECT {_CHUNK_COLUMNS} FROM chunks WHERE chunk_id IN ({', '.join('?' * len(batch))})", batch
            )
            found.update((row["chunk_id"], _chunk_from_row(row)) for row in rows)
        missing = [chunk_id for chunk_id in wanted if chunk_id not in found]
        if missing:
            raise NotFoundError(f"no stored chunk {missing[0]}")
        return [found[chunk_id] for chunk_id in wanted]

    def chunk_ids(self) -> set[str]:
        """Ids of every stored chunk."""
        return {row["chunk_id"] for row in self._query("SELECT chunk_id FROM chunks")}

    def corpus_hash(self) -> str:
        """A fingerprint of the stored corpus: the hash of its sorted chunk ids."""
        digest = hashlib.sha256()
        for chunk_id in sorted(self.chunk_ids()):
            digest.update(chunk_id.encode())
            digest.update(b"\n")
        return digest.hexdigest()
