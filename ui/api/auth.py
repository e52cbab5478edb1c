"""API keys: hashed at rest, roles, and the access levels a key may see.

A key is a random 32-byte token shown once at creation; only its SHA-256 is stored (in
``<data_dir>/keys.sqlite3``). Presented tokens are hashed and compared in constant time
against every stored hash, so timing never reveals how much of a key was right.

A key's ``groups`` are the document access levels it may see ("public", "internal" or a
named group). ``Principal.search_filter`` turns them into the ``SearchFilter.access`` that
retrieval applies before ranking, on every path. Whether the service is open (no key ever
configured) is decided in one place for the API and the UI: ``ui.api.access.AccessPolicy``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from policyqa.errors import AccessDeniedError, InvalidAccessLevelError, NotFoundError, PolicyQAError
from policyqa.faults import write_point
from policyqa.storage import storage_errors
from policyqa.records import DocumentInfo, SearchFilter
from policyqa.validation import check_access_level

Role = Literal["reader", "editor", "admin"]
ROLES: tuple[str, ...] = ("reader", "editor", "admin")
KEYS_FILE_NAME = "keys.sqlite3"
TOKEN_PREFIX = "pqa_"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS api_keys (
    key_id     TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    role       TEXT NOT NULL,
    groups     TEXT NOT NULL,
    label      TEXT,
    created_at REAL NOT NULL,
    revoked_at REAL
);
"""


class InvalidKeyError(PolicyQAError):
    """A key argument that cannot be accepted (unknown role, empty groups)."""


@dataclass(frozen=True)
class Principal:
    """Who is calling: a key's id, role and visible access levels (``None`` = all)."""

    key_id: str
    role: str
    access: tuple[str, ...] | None

    def can(self, role: str) -> bool:
        """True when this principal's role is at least ``role``."""
        return ROLES.index(self.role) >= ROLES.index(role)

    def upload_access(self, requested: str | None) -> str:
        """The access level for an upload: one this principal may see (they must be able to see
        their own file). Raises ``InvalidAccessLevelError`` for a name that is not a valid level
        (a path, say) and ``AccessDeniedError`` for a level the key cannot see."""
        requested = (requested or "").strip()
        if requested:
            check_access_level(requested)
        if self.access is None:
            return requested or "public"
        if not requested:
            return "public" if "public" in self.access else self.access[0]
        if requested not in self.access:
            raise AccessDeniedError(f"this key may not upload documents with access level {requested!r}", requested)
        return requested

    def may_see(self, doc: DocumentInfo) -> bool:
        """True when ``doc``'s access level is one this principal may see."""
        return self.access is None or doc.access in self.access

    def search_filter(self, base: SearchFilter | None = None) -> SearchFilter:
        """``base`` (the user's own filters) with this principal's access levels imposed."""
        return replace(base or SearchFilter(), access=self.access)


OPEN_PRINCIPAL = Principal(key_id="anonymous", role="admin", access=None)


@dataclass(frozen=True)
class KeyRecord:
    """A stored key (never the token itself)."""

    key_id: str
    role: str
    groups: tuple[str, ...]
    label: str | None
    created_at: float
    revoked_at: float | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True)
class CreatedKey:
    """A new key: the record plus the token, which exists only in this object."""

    record: KeyRecord
    token: str


def hash_token(token: str) -> str:
    """The at-rest form of a token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class KeyStore:
    """API keys in a small SQLite file next to the document store."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._lock = threading.Lock()

    def _connect(self) -> sqlite3.Connection:
        if not self.path.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, isolation_level=None)
        connection.row_factory = sqlite3.Row
        try:
            connection.executescript(_SCHEMA)
        except sqlite3.OperationalError:
            # A read-only data dir: an existing key file is still read (``keys list``, auth).
            if not connection.execute("SELECT 1 FROM sqlite_master WHERE name = 'api_keys'").fetchone():
                raise
        return connection

    def create(self, role: str, groups: Sequence[str], label: str | None = None) -> CreatedKey:
        """Create a key; the returned token is shown once and never stored."""
        if role not in ROLES:
            raise InvalidKeyError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
        groups = tuple(dict.fromkeys(g.strip() for g in groups if g.strip()))
        if not groups:
            raise InvalidKeyError("a key needs at least one group (e.g. public)")
        try:
            for group in groups:
                check_access_level(group)
        except InvalidAccessLevelError as exc:
            raise InvalidKeyError(str(exc)) from None
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        record = KeyRecord(secrets.token_hex(6), role, groups, label, time.time(), None)
        with storage_errors("保存 API 密钥"), self._lock:
            write_point("keys_write")
            db = self._connect()
            with db:
                db.execute(
                    "INSERT INTO api_keys (key_id, token_hash, role, groups, label, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (record.key_id, hash_token(token), role, ",".join(groups), label, record.created_at),
                )
        return CreatedKey(record, token)

    def list(self) -> list[KeyRecord]:
        """Every key, revoked ones included, oldest first."""
        with self._lock, self._connect() as db:
            rows = db.execute("SELECT * FROM api_keys ORDER BY created_at").fetchall()
        return [_record(row) for row in rows]

    def revoke(self, key_id: str) -> KeyRecord:
        """Revoke a key by id; ``NotFoundError`` when there is no such active key."""
        with storage_errors("吊销 API 密钥"), self._lock, self._connect() as db:
            write_point("keys_write")
            cursor = db.execute(
                "UPDATE api_keys SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL", (time.time(), key_id)
            )
            if cursor.rowcount == 0:
                raise NotFoundError(f"no active key {key_id}")
            row = db.execute("SELECT * FROM api_keys WHERE key_id = ?", (key_id,)).fetchone()
        return _record(row)

    def has_keys(self) -> bool:
        """True when at least one active key exists (the service is then closed)."""
        if not self.path.exists():
            return False
        with self._lock, self._connect() as db:
            return db.execute("SELECT 1 FROM api_keys WHERE revoked_at IS NULL LIMIT 1").fetchone() is not None

    def ever_configured(self) -> bool:
        """True once any key was ever created, revoked ones included: revoking every key must
        not reopen the service (``AccessPolicy``)."""
        if not self.path.exists():
            return False
        with self._lock, self._connect() as db:
            return db.execute("SELECT 1 FROM api_keys LIMIT 1").fetchone() is not None

    def authenticate(self, token: str) -> Principal | None:
        """The principal of an active key matching ``token``, else ``None``."""
        presented = hash_token(token)
        with self._lock, self._connect() as db:
            rows = db.execute("SELECT * FROM api_keys WHERE revoked_at IS NULL").fetchall()
        match = None
        # Compare against every row (no early exit) so timing does not depend on the match.
        for row in rows:
            if hmac.compare_digest(presented, row["token_hash"]):
                match = row
        return None if match is None else _principal(_record(match))

    def principal_for(self, key_id: str) -> Principal | None:
        """The principal of the active key ``key_id`` (named by a signed link), else ``None``."""
        with self._lock, self._connect() as db:
            row = db.execute("SELECT * FROM api_keys WHERE key_id = ? AND revoked_at IS NULL", (key_id,)).fetchone()
        return None if row is None else _principal(_record(row))


def _principal(record: KeyRecord) -> Principal:
    # Admins see every access level; the other roles see only their groups.
    access = None if record.role == "admin" else record.groups
    return Principal(record.key_id, record.role, access)


def _record(row: sqlite3.Row) -> KeyRecord:
    return KeyRecord(
        key_id=row["key_id"],
        role=row["role"],
        groups=tuple(g for g in row["groups"].split(",") if g),
        label=row["label"],
        created_at=row["created_at"],
        revoked_at=row["revoked_at"],
    )


def token_from_headers(authorization: str | None, api_key: str | None) -> str | None:
    """The token of ``Authorization: Bearer …`` (what OpenAI clients send) or ``X-API-Key``."""
    if api_key:
        return api_key.strip()
    if authorization:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
    return None
