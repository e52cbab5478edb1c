"""Audit log: who asked what, and which sources the answer showed them.

One SQLite table (``<data_dir>/audit.sqlite3``), appended by every search, ask, verify,
precedent, document and OpenAI request, so an office can answer "who saw this document".

The log never takes a read down with it: when an entry cannot be written (a full disk, a
read-only data dir) the request still succeeds, the failure is counted (``failures``,
reported by ``/metrics``) and logged once per kind. It rotates by size: past ``max_bytes``
the file becomes ``audit.sqlite3.1`` (older ones shift up to ``keep``) and a new one starts.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from policyqa.faults import write_point
from policyqa.storage import storage_error

AUDIT_FILE_NAME = "audit.sqlite3"
log = logging.getLogger("policyqa.api")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS audit (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    at       REAL NOT NULL,
    key_id   TEXT NOT NULL,
    action   TEXT NOT NULL,
    query    TEXT,
    sources  TEXT NOT NULL DEFAULT '[]',
    status   INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_key ON audit(key_id, at);
"""

# A 20,000-character question is kept, but not all of it.
_MAX_QUERY_CHARS = 2000


@dataclass(frozen=True)
class AuditEntry:
    """One recorded request."""

    at: float
    key_id: str
    action: str
    query: str | None
    sources: tuple[str, ...]
    status: int


class AuditLog:
    """Append-only audit records in SQLite (one connection, serialised), rotated by size."""

    def __init__(self, path: Path | str, max_bytes: int = 100 * 1024 * 1024, keep: int = 3,
                 on_failure: Callable[[], None] | None = None):
        self.path = Path(path)
        self.max_bytes = max_bytes
        self.keep = keep
        self.on_failure = on_failure
        self.failures = 0
        self.last_error: str | None = None
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        with self._lock:
            self._open()

    def _open(self) -> None:
        try:
            write_point("audit_open")
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)
            self._db = db
        except (OSError, sqlite3.Error) as exc:
            # A data dir that cannot take the log must not keep the service from starting.
            self._db = None
            self._failed(exc)

    def record(self, key_id: str, action: str, query: str | None = None,
               sources: Iterable[str] = (), status: int = 200) -> None:
        """Append one entry; ``sources`` are the doc ids (or chunk ids) returned. Never raises
        for a storage failure: it is counted instead."""
        row = (time.time(), key_id, action, (query or "")[:_MAX_QUERY_CHARS] or None,
               json.dumps(list(dict.fromkeys(sources)), ensure_ascii=False), status)
        with self._lock:
            try:
                if self._db is None:
                    self._open()  # the disk may have been freed, or remounted writable
                    if self._db is None:
                        return
                write_point("audit_write")
                self._db.execute(
                    "INSERT INTO audit (at, key_id, action, query, sources, status) VALUES (?, ?, ?, ?, ?, ?)", row)
                if self._size() > self.max_bytes:
                    self._rotate()
            except (OSError, sqlite3.Error) as exc:
                self._failed(exc)

    def _size(self) -> int:
        assert self._db is not None
        pages = self._db.execute("PRAGMA page_count").fetchone()[0]
        return pages * self._db.execute("PRAGMA page_size").fetchone()[0]

    def _rotate(self) -> None:
        """audit.sqlite3 → .1 → .2 … (the oldest past ``keep`` dropped), then a new empty log."""
        assert self._db is not None
        self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self._db.close()
        self._db = None
        for n in range(self.keep, 0, -1):
            older = self.path.with_name(f"{self.path.name}.{n}")
            if n == self.keep:
                older.unlink(missing_ok=True)
            elif older.exists():
                os.replace(older, self.path.with_name(f"{self.path.name}.{n + 1}"))
        if self.keep > 0:
            os.replace(self.path, self.path.with_name(f"{self.path.name}.1"))
        else:
            self.path.unlink()
        for suffix in ("-wal", "-shm"):
            self.path.with_name(self.path.name + suffix).unlink(missing_ok=True)
        self._open()

    def _failed(self, exc: BaseException) -> None:
        self.failures += 1
        reason = str(storage_error(exc, "写入审计日志") or exc)
        if reason != self.last_error:  # once per kind of failure, not once per request
            log.error("audit log not written (%s); requests are still served", reason)
        self.last_error = reason
        if self.on_failure is not None:
            self.on_failure()

    def recent(self, limit: int = 100) -> list[AuditEntry]:
        """The latest entries, newest first (none when the log cannot be opened)."""
        with self._lock:
            if self._db is None:
                return []
            rows = self._db.execute(
                "SELECT at, key_id, action, query, sources, status FROM audit ORDER BY id DESC LIMIT ?", (limit,)
            ).fetchall()
        return [AuditEntry(r[0], r[1], r[2], r[3], tuple(json.loads(r[4])), r[5]) for r in rows]

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
