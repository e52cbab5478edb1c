"""Audit log: who asked what, and which sources the answer showed them.

One SQLite table (``<data_dir>/audit.sqlite3``), appended by every search, ask, verify,
precedent, document and OpenAI request, so an office can answer "who saw this document".
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

AUDIT_FILE_NAME = "audit.sqlite3"

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
    """Append-only audit records in SQLite (one connection, serialised)."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)

    def record(self, key_id: str, action: str, query: str | None = None,
               sources: Iterable[str] = (), status: int = 200) -> None:
        """Append one entry; ``sources`` are the doc ids (or chunk ids) returned."""
        with self._lock:
            self._db.execute(
                "INSERT INTO audit (at, key_id, action, query, sources, status) VALUES (?, ?, ?, ?, ?, ?)",
                (time.time(), key_id, action, (query or "")[:_MAX_QUERY_CHARS] or None,
                 json.dumps(list(dict.fromkeys(sources)), ensure_ascii=False), status),
            )

    def recent(self, limit: int = 100) -> list[AuditEntry]:
        """The latest entries, newest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT at, key_id, action, query, sources, status FROM audit ORDER BY id DESC LIMIT ?", (limit,)
            ).fetchall()
        return [AuditEntry(r[0], r[1], r[2], r[3], tuple(json.loads(r[4])), r[5]) for r in rows]

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._db.close()
