"""A persistent cache of passage vectors so re-indexing never re-embeds the same text."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from index.embedders.base import EmbedKind, Embedder


def text_key(text: str) -> str:
    """The cache key of a passage: sha1 of its UTF-8 bytes."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class CachedEmbedder:
    """Wraps an ``Embedder``; passage vectors are stored in SQLite by (embedder name, sha1(text)).

    Queries are not cached: they are cheap (~10 ms) and rarely repeat exactly.
    """

    def __init__(self, inner: Embedder, sqlite_path: Path, batch_size: int = 64):
        self.inner = inner
        self.batch_size = batch_size
        self.sqlite_path = Path(sqlite_path)
        self.hits = 0
        self.misses = 0

    @property
    def name(self) -> str:
        """The wrapped embedder's name (the cache never changes vectors)."""
        return self.inner.name

    @property
    def dim(self) -> int:
        """The wrapped embedder's width."""
        return self.inner.dim

    def embed(self, texts: Sequence[str], kind: EmbedKind) -> np.ndarray:
        """Vectors for ``texts``; passages found in the cache are not recomputed."""
        texts = list(texts)
        if kind == "query" or not texts:
            return self.inner.embed(texts, kind)
        keys = [text_key(t) for t in texts]
        db = self._connect()
        try:
            found = self._lookup(db, set(keys))
            missing = list(dict.fromkeys(k for k in keys if k not in found))
            first_text = {k: t for k, t in zip(keys, texts)}
            # Committed batch by batch, so an interrupted build keeps what it already paid for.
            for start in range(0, len(missing), self.batch_size):
                batch = missing[start : start + self.batch_size]
                computed = self.inner.embed([first_text[k] for k in batch], "passage")
                db.executemany(
                    "INSERT OR REPLACE INTO vectors(embedder, key, dim, vector) VALUES (?, ?, ?, ?)",
                    [(self.name, k, computed.shape[1], v.tobytes()) for k, v in zip(batch, computed)],
                )
                db.commit()
                found.update(zip(batch, computed))
        finally:
            db.close()
        self.hits += len(keys) - len(missing)
        self.misses += len(missing)
        return np.vstack([found[k] for k in keys]).astype(np.float32)

    def _lookup(self, db: sqlite3.Connection, keys: set[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        ordered = sorted(keys)
        for i in range(0, len(ordered), 500):  # SQLite caps the number of bound parameters
            batch = ordered[i : i + 500]
            rows = db.execute(
                f"SELECT key, vector FROM vectors WHERE embedder = ? AND key IN ({','.join('?' * len(batch))})",
                (self.name, *batch),
            )
            found.update((k, np.frombuffer(blob, dtype=np.float32)) for k, blob in rows)
        return found

    def _connect(self) -> sqlite3.Connection:
        self.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.sqlite_path, timeout=30)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute(
            "CREATE TABLE IF NOT EXISTS vectors ("
            " embedder TEXT NOT NULL, key TEXT NOT NULL, dim INTEGER NOT NULL, vector BLOB NOT NULL,"
            " PRIMARY KEY (embedder, key))"
        )
        return db
