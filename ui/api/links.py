"""Signed, expiring links to a document's original file, bound to the key that asked for them.

A browser following ``/api/documents/{id}/file`` sends no API key, so the links the UI and the
document detail hand out carry ``kid`` (the key's id), ``exp`` (unix seconds) and ``sig``
(HMAC-SHA256 over document, key id and expiry). The link names the key, not its groups: the
server rebuilds the principal from the key id on every use, so a revoked key's links stop
working and a link never grants more than its key could see.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import secrets
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping
from functools import cached_property
from pathlib import Path
from urllib.parse import quote, urlencode

from policyqa.errors import PolicyQAError
from policyqa.faults import write_point
from ui.api.auth import OPEN_PRINCIPAL, Principal

SECRET_FILE_NAME = "link-secret"
log = logging.getLogger("policyqa.api")
LINK_PARAMS = ("kid", "exp", "sig")


def file_path(doc_id: str, query: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> str:
    """The address of a document's original file (``GET /api/documents/{id}/file``), with ``query``."""
    search = urlencode(query)
    return f"/api/documents/{quote(doc_id, safe='')}/file" + (f"?{search}" if search else "")


class LinkSecretError(PolicyQAError):
    """The link secret file exists but cannot be used (empty)."""


class FileLinks:
    """Signs and checks file links with one secret; links live ``ttl_s`` seconds."""

    def __init__(self, secret: bytes | Callable[[], bytes], ttl_s: int = 3600, clock: Callable[[], float] = time.time):
        # A callable secret is read at the first signature: open mode never signs, so it never
        # creates a secret file.
        self._secret_source = secret
        self.ttl_s = ttl_s
        self._clock = clock

    @cached_property
    def _secret(self) -> bytes:
        source = self._secret_source
        return source() if callable(source) else source

    @classmethod
    def from_setting(cls, secret: str | None, data_dir: Path | str, ttl_s: int = 3600) -> FileLinks:
        """Links signed with the configured ``secret``, else with one kept in ``<data_dir>/link-secret``.

        The generated secret is written once (mode 0600) and reused, so links survive a restart
        and replicas sharing the data dir accept each other's links.
        """
        if secret:
            return cls(secret.encode("utf-8"), ttl_s)
        path = Path(data_dir) / SECRET_FILE_NAME
        return cls(lambda: _stored_secret(path), ttl_s)

    def query(self, doc_id: str, principal: Principal) -> dict[str, str]:
        """The query parameters that let ``principal``'s key open ``doc_id``'s file until expiry."""
        expires = str(int(self._clock()) + self.ttl_s)
        return {"kid": principal.key_id, "exp": expires, "sig": self._sign(doc_id, principal.key_id, expires)}

    def query_for(self, doc_id: str, principal: Principal) -> dict[str, str]:
        """``query`` for a key's principal; nothing in open mode, where no key is checked."""
        return {} if principal == OPEN_PRINCIPAL else self.query(doc_id, principal)

    def verify(self, doc_id: str, params: Mapping[str, str]) -> str | None:
        """The key id a valid, unexpired link for ``doc_id`` was signed for; ``None`` otherwise.

        The caller turns the key id into a principal (``KeyStore.principal_for``), which also
        refuses revoked keys.
        """
        kid, expires, signature = (params.get(name) for name in LINK_PARAMS)
        if not (kid and expires and signature) or not expires.isdigit():
            return None
        if int(expires) < self._clock():
            return None
        expected = self._sign(doc_id, kid, expires)
        # Bytes, not str: compare_digest refuses non-ASCII str, and a tampered sig may hold any.
        if not hmac.compare_digest(expected.encode("utf-8"), signature.encode("utf-8")):
            return None
        return kid

    def _sign(self, doc_id: str, kid: str, expires: str) -> str:
        return self.mac("policyqa-file-link/1", doc_id, kid, expires)

    def mac(self, purpose: str, *fields: str) -> str:
        """HMAC-SHA256 (URL-safe base64) of ``fields`` for ``purpose`` with the link secret.

        The purpose is part of the message, so a file link's signature never passes for a UI
        login cookie's (``ui.api.access``) or the reverse. JSON keeps the fields apart: no
        choice of one field can shift bytes into another.
        """
        message = json.dumps([purpose, *fields], ensure_ascii=True).encode("utf-8")
        digest = hmac.new(self._secret, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _stored_secret(path: Path) -> bytes:
    if not path.exists():
        try:
            _write_secret(path)
        except OSError as exc:
            # A read-only or full data dir: links still work, signed with a secret of this
            # process only (they stop working at restart, and other replicas refuse them).
            log.warning("link secret not saved in %s (%s): file links last until this server stops",
                        path, exc.strerror or exc)
            return secrets.token_hex(32).encode("ascii")
    secret = path.read_bytes().strip()
    if not secret:
        raise LinkSecretError(f"the link secret file {path} is empty; delete it to generate a new one")
    return secret


def _write_secret(path: Path) -> None:
    write_point("link_secret")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=".link-secret-", dir=path.parent)  # created 0600
    try:
        with os.fdopen(handle, "w") as out:
            out.write(secrets.token_hex(32))
        # link() never replaces an existing file: when replicas race, the first secret wins for all.
        os.link(temp, path)
    except FileExistsError:
        pass
    finally:
        os.unlink(temp)
