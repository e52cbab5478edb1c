"""The ASGI gate in front of every route: the key and the body size are checked before any
route, and before Gradio, reads a byte of the payload.

FastAPI parses a JSON body before it resolves the dependency that checks the key, and Gradio
copies and hashes the files a payload names before its event handler runs; either way an
anonymous request could make the server work (a 112 MB JSON body; ``/dev/zero`` as a file
path froze the event loop). Here, in order:

1. public paths (health, metrics, API docs, the 登录 page) pass; everything else needs the
   caller ``AccessPolicy`` accepts: a key in the headers, or the UI's login cookie on ``/ui``;
   a signed file link passes to its route, which checks the signature;
2. Gradio's upload route needs an editor key: nothing else in the UI takes a file;
3. a declared ``Content-Length`` over the route's limit is refused (413) before reading, and a
   streamed body is cut off at the limit;
4. a Gradio session belongs to the principal that opened it (see ``SessionOwners``).

The principal is left in ``scope["policyqa.principal"]`` for the routes.
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ui.api.access import AccessPolicy, AuthRefused, cookies_from_header
from ui.api.auth import Principal

PRINCIPAL_SCOPE_KEY = "policyqa.principal"
UI_PATH = "/ui"
LOGIN_PATH = f"{UI_PATH}/login"
LOGOUT_PATH = f"{UI_PATH}/logout"
PUBLIC_PATHS = frozenset({"/healthz", "/readyz", "/metrics", "/docs", "/docs/oauth2-redirect", "/redoc",
                          "/openapi.json", "/favicon.ico", LOGIN_PATH, LOGOUT_PATH})
GRADIO_API = f"{UI_PATH}/gradio_api"
GRADIO_UPLOAD = f"{GRADIO_API}/upload"
_FILE_ROUTE = re.compile(r"^/api/documents/[^/]+/file$")
_HEARTBEAT = re.compile(rf"^{GRADIO_API}/heartbeat/([^/]+)$")
_KIB = 1024


class BodyTooLarge(HTTPException):
    """The request body passed its route's limit (413)."""

    def __init__(self, limit: int):
        super().__init__(413, f"请求体过大：上限 {limit} 字节 (request body larger than {limit} bytes)")
        self.limit = limit


@dataclass(frozen=True)
class BodyLimits:
    """Bytes a request body may have: uploads get the file limit plus the multipart framing,
    the login form a few KiB, every other route ``default``."""

    default: int
    upload: int
    login: int = 16 * _KIB

    def for_request(self, method: str, path: str) -> int:
        if method == "POST" and path in ("/api/documents", GRADIO_UPLOAD):
            return self.upload
        if path == LOGIN_PATH:
            return self.login
        return self.default


class SessionOwners:
    """Which key opened each Gradio session: a session never serves two principals.

    Gradio keeps per-session state on the server (``gr.State`` values, the choices last sent
    to a drop-down, the event stream of ``/queue/data``) under a session hash the client
    picks. Bound to the first key that used it, that state can never be read, continued or
    quoted in an error by another key. Bounded: the oldest sessions are forgotten first.
    """

    def __init__(self, capacity: int = 20_000):
        self.capacity = capacity
        self._owners: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def claim(self, session_hash: str, key_id: str) -> bool:
        """True when ``session_hash`` is new (now ``key_id``'s) or already ``key_id``'s."""
        with self._lock:
            owner = self._owners.setdefault(session_hash, key_id)
            self._owners.move_to_end(session_hash)
            while len(self._owners) > self.capacity:
                self._owners.popitem(last=False)
        return owner == key_id


class RequestGate:
    """The gate (see the module docstring); ``policy`` is consulted at every request."""

    def __init__(self, app: ASGIApp, policy: AccessPolicy, limits: BodyLimits,
                 sessions: SessionOwners | None = None, on_refused: Callable[[int], None] | None = None):
        self.app = app
        self.policy = policy
        self.limits = limits
        self.sessions = sessions or SessionOwners()
        self.on_refused = on_refused

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        path, method = scope["path"], scope.get("method", "GET")
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        if scope["type"] == "websocket":
            # Nothing of ours speaks WebSocket; one needs a key like any request.
            if path not in PUBLIC_PATHS and not self._principal(path, headers):
                await send({"type": "websocket.close", "code": 4401})
                return
            await self.app(scope, receive, send)
            return
        try:
            principal = None if path in PUBLIC_PATHS or self._is_file_link(path, scope) else \
                self._authenticate(path, headers)
            if principal is not None:
                scope[PRINCIPAL_SCOPE_KEY] = principal
                if path == GRADIO_UPLOAD and not principal.can("editor"):
                    raise AuthRefused("只有编辑或管理员角色的密钥可以上传文档 (uploads need the editor role)", 403)
            limit = self.limits.for_request(method, path)
            declared = headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                raise BodyTooLarge(limit)
            receive = _limited(receive, limit)
            if principal is not None and path.startswith(GRADIO_API) and not self.policy.is_open():
                receive = await self._check_session(scope, method, path, receive, principal)
        except AuthRefused as refused:
            await self._refuse(scope, send, refused.status, refused.message, headers)
            return
        except BodyTooLarge as too_large:
            await self._refuse(scope, send, 413, too_large.detail, headers)
            return
        await self._call(scope, receive, send, headers)

    def _principal(self, path: str, headers: dict[str, str]) -> Principal | None:
        try:
            return self._authenticate(path, headers)
        except AuthRefused:
            return None

    def _authenticate(self, path: str, headers: dict[str, str]) -> Principal:
        # The login cookie is a UI credential: the REST API and OpenAI routes take keys only.
        cookies = cookies_from_header(headers.get("cookie")) if _is_ui(path) else None
        return self.policy.authenticate(headers, cookies)

    @staticmethod
    def _is_file_link(path: str, scope: Scope) -> bool:
        # A browser opening a signed link sends no key; the route checks the signature.
        return bool(_FILE_ROUTE.match(path)) and b"sig=" in scope.get("query_string", b"")

    async def _check_session(self, scope: Scope, method: str, path: str, receive: Receive,
                             principal: Principal) -> Receive:
        session_hash = _query_value(scope, "session_hash")
        heartbeat = _HEARTBEAT.match(path)
        if heartbeat:
            session_hash = heartbeat.group(1)
        if method == "POST" and path != GRADIO_UPLOAD:
            body = await _read_all(receive)
            receive = _replay(body, receive)
            try:
                payload = json.loads(body) if body else None
            except ValueError:
                payload = None
            if isinstance(payload, dict) and isinstance(payload.get("session_hash"), str):
                session_hash = payload["session_hash"]
        if session_hash and not self.sessions.claim(session_hash, principal.key_id):
            raise AuthRefused("此页面会话属于另一个登录身份，请刷新页面 (this UI session belongs to another key)", 403)
        return receive

    async def _call(self, scope: Scope, receive: Receive, send: Send, headers: dict[str, str]) -> None:
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except BodyTooLarge as too_large:
            # A streamed body passed the limit inside a route that does not turn the exception
            # into a response itself.
            if started:
                raise
            await self._refuse(scope, send, 413, too_large.detail, headers)

    async def _refuse(self, scope: Scope, send: Send, status: int, message: str, headers: dict[str, str]) -> None:
        if self.on_refused is not None:
            self.on_refused(status)
        path = scope["path"]
        extra: list[tuple[bytes, bytes]] = []
        if status == 401 and _is_ui_page(scope, headers):
            await _respond(send, 303, b"", "text/plain", [(b"location", LOGIN_PATH.encode())])
            return
        if status == 401:
            extra.append((b"www-authenticate", b"Bearer"))
        if path.startswith("/v1/"):
            kind = "invalid_request_error" if status in (400, 413) else "authentication_error"
            body = {"error": {"message": message, "type": kind, "param": None, "code": None}}
        else:
            body = {"detail": message}
        await _respond(send, status, json.dumps(body, ensure_ascii=False).encode("utf-8"),
                       "application/json", extra)


def _is_ui(path: str) -> bool:
    return path == UI_PATH or path.startswith(UI_PATH + "/")


def _is_ui_page(scope: Scope, headers: dict[str, str]) -> bool:
    """A browser asking for a UI page (not one of its API calls): send it to the login page."""
    return (scope.get("method") == "GET" and _is_ui(scope["path"]) and not scope["path"].startswith(GRADIO_API)
            and "text/html" in headers.get("accept", ""))


def _query_value(scope: Scope, name: str) -> str | None:
    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get(name)
    return values[0] if values else None


def _limited(receive: Receive, limit: int) -> Receive:
    """``receive`` that raises ``BodyTooLarge`` once more than ``limit`` body bytes arrived."""
    received = 0

    async def limited() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise BodyTooLarge(limit)
        return message

    return limited


async def _read_all(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands the app the body already read, then waits on the real one
    (which says when the client disconnects)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _respond(send: Send, status: int, body: bytes, content_type: str,
                   extra: list[tuple[bytes, bytes]] = ()) -> None:
    headers = [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode()), *extra]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
