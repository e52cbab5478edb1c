"""The one access decision for the REST API and the UI, made the same way at every request.

The service is **open** (every caller an anonymous admin, as on a laptop) only while no key
was ever configured, or when the operator says so with ``POLICYQA_OPEN_ACCESS=true``. Once a
key has existed the service stays **closed**, even if every key is later revoked: the UI
used to ask "is there an active key?" at each request and reopened in admin mode when the
last key was revoked, while the API stayed closed. Now both ask ``AccessPolicy``.

A closed service accepts a key in ``Authorization: Bearer`` / ``X-API-Key``, or (for the UI
only) the login cookie the 登录 page sets: ``<key id>.<expiry>.<HMAC>``, signed with the link
secret under its own purpose, HttpOnly. The cookie names the key, never its groups: the key
is looked up at every request, so a revoked key's session ends at once.
"""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie

from ui.api.auth import OPEN_PRINCIPAL, KeyStore, Principal, token_from_headers
from ui.api.links import FileLinks

log = logging.getLogger("policyqa.api")

SESSION_COOKIE = "pqa_session"
_SESSION_PURPOSE = "policyqa-ui-session/1"
OPEN_MODE_WARNING = ("no API key was ever configured: the service is OPEN to anyone who can reach it "
                     "(create one with `policyqa keys create --role admin --groups public,internal`)")
FORCED_OPEN_WARNING = ("POLICYQA_OPEN_ACCESS is set: the service is OPEN to anyone who can reach it, "
                       "although API keys exist")


class AuthRefused(Exception):
    """The request carries no usable key (401) or a key without the needed role (403)."""

    def __init__(self, message: str, status: int = 401):
        super().__init__(message)
        self.message = message
        self.status = status


def cookies_from_header(header: str | None) -> dict[str, str]:
    """The cookies of a ``Cookie`` header (a malformed header counts as none)."""
    if not header:
        return {}
    jar = SimpleCookie()
    try:
        jar.load(header)
    except CookieError:
        return {}
    return {name: morsel.value for name, morsel in jar.items()}


@dataclass
class AccessPolicy:
    """Open or closed, and who a request is: for every route, file link and UI event."""

    keys: KeyStore
    links: FileLinks
    force_open: bool = False
    session_ttl_s: int = 8 * 3600
    clock: Callable[[], float] = field(default=time.time, repr=False)

    def is_open(self) -> bool:
        """True when every caller is the anonymous admin (see the module docstring)."""
        return self.force_open or not self.keys.ever_configured()

    def warning(self) -> str | None:
        """What start-up logs when the service is open, else ``None``."""
        if self.force_open:
            return FORCED_OPEN_WARNING
        return OPEN_MODE_WARNING if self.is_open() else None

    def authenticate(self, headers: Mapping[str, str], cookies: Mapping[str, str] | None = None) -> Principal:
        """The caller of a request with these headers (and, for the UI, cookies); ``AuthRefused`` if none.

        A key in the headers wins over the cookie, so scripts and reverse proxies keep working
        inside a browser that has logged in as someone else.
        """
        if self.is_open():
            return OPEN_PRINCIPAL
        token = token_from_headers(headers.get("authorization"), headers.get("x-api-key"))
        if token:
            principal = self.keys.authenticate(token)
            if principal is None:
                raise AuthRefused("API 密钥无效或已吊销 (invalid API key)")
            return principal
        cookie = (cookies or {}).get(SESSION_COOKIE)
        if cookie:
            principal = self.session_principal(cookie)
            if principal is None:
                raise AuthRefused("登录已过期或密钥已吊销，请重新登录 (session expired or key revoked)")
            return principal
        raise AuthRefused("缺少 API 密钥 (missing API key)")

    def file_principal(self, doc_id: str, headers: Mapping[str, str], query: Mapping[str, str]) -> Principal:
        """The caller of a file download: the key in the headers, else a signed link's key.

        Browsers following a link send no headers, hence the link; a key in the headers wins so
        a client holding a stale link still gets its file.
        """
        has_token = token_from_headers(headers.get("authorization"), headers.get("x-api-key"))
        if self.is_open() or has_token or "sig" not in query:
            return self.authenticate(headers)
        key_id = self.links.verify(doc_id, query)
        principal = self.keys.principal_for(key_id) if key_id else None
        if principal is None:
            raise AuthRefused("文件链接无效或已过期 (invalid or expired file link)")
        return principal

    def session_cookie(self, principal: Principal) -> str:
        """The login cookie's value for ``principal`` (valid ``session_ttl_s`` seconds)."""
        expires = str(int(self.clock()) + self.session_ttl_s)
        return f"{principal.key_id}.{expires}.{self.links.mac(_SESSION_PURPOSE, principal.key_id, expires)}"

    def session_principal(self, value: str) -> Principal | None:
        """The principal of a valid, unexpired login cookie whose key is still active, else ``None``."""
        parts = value.split(".")
        if len(parts) != 3 or not parts[1].isdigit() or int(parts[1]) < self.clock():
            return None
        key_id, expires, signature = parts
        expected = self.links.mac(_SESSION_PURPOSE, key_id, expires)
        if not hmac.compare_digest(expected.encode("utf-8"), signature.encode("utf-8", "replace")):
            return None
        return self.keys.principal_for(key_id)
