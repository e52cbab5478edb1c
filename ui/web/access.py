"""Who is using the UI: the same keys, roles and access decision as the REST API.

The key never travels inside a Gradio payload: it comes from the request, as the login
cookie the 登录 page sets (``ui.web.login``) or a key header a reverse proxy adds, and is
checked by ``ui.api.access.AccessPolicy`` -- the request gate checked it once already, before
Gradio read the payload; each handler asks again, so no event runs on a stale answer.

Whatever a handler keeps between events (``gr.State``) is stored ``owned`` by the principal
that computed it: read back under another principal, it is empty. Nothing computed for one
key is ever rendered for another.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import gradio as gr

from policyqa.records import SearchFilter
from ui.api.access import AccessPolicy, AuthRefused, cookies_from_header
from ui.api.auth import KEYS_FILE_NAME, KeyStore, Principal
from ui.api.gate import LOGOUT_PATH

ROLE_LABELS = {"reader": "只读", "editor": "编辑", "admin": "管理员"}


class KeyGate:
    """Turns a UI request into a ``Principal``, or refuses with a message (a toast)."""

    def __init__(self, policy: AccessPolicy):
        self.policy = policy

    @classmethod
    def for_workspace(cls, workspace: Any) -> KeyGate:
        """The gate over the key file of ``workspace``'s data dir (the UI served without the API)."""
        settings = workspace.settings
        keys = KeyStore(Path(settings.data_dir) / KEYS_FILE_NAME)
        return cls(AccessPolicy(keys, workspace.file_links, force_open=settings.open_access,
                                session_ttl_s=settings.ui_session_ttl_s))

    def keys_required(self) -> bool:
        """True when the service is closed, so the UI shows who is logged in."""
        return not self.policy.is_open()

    def principal(self, request: gr.Request | None) -> Principal:
        """The caller; ``gr.Error`` when the request carries no valid key or login."""
        headers = _headers_of(request)
        try:
            return self.policy.authenticate(headers, cookies_from_header(headers.get("cookie")))
        except AuthRefused as refused:
            raise gr.Error(f"{refused.message}。请刷新页面重新登录。", title="需要登录") from None

    def editor(self, request: gr.Request | None) -> Principal:
        """The caller when allowed to change the library (editor or admin), else ``gr.Error``."""
        principal = self.principal(request)
        if not principal.can("editor"):
            raise gr.Error("只有编辑或管理员角色的密钥可以上传或删除文档。", title="权限不足")
        return principal


def _headers_of(request: gr.Request | None) -> Mapping[str, str]:
    if request is None:
        return {}
    return {str(k).lower(): str(v) for k, v in dict(request.headers).items()}


def owned(principal: Principal, value: Any) -> dict:
    """``value`` stored for ``principal`` in a ``gr.State``."""
    return {"owner": principal.key_id, "value": value}


def owned_value(principal: Principal, stored: Any, default: Any = None) -> Any:
    """What ``owned`` stored, when it was stored for ``principal``; ``default`` otherwise."""
    if isinstance(stored, dict) and stored.get("owner") == principal.key_id:
        return stored.get("value", default)
    return default


def identity_note(principal: Principal) -> str:
    """The header line of a closed service: which key is logged in, its role and levels, 退出登录."""
    role = ROLE_LABELS.get(principal.role, principal.role)
    levels = "全部" if principal.access is None else "、".join(principal.access)
    return f"已登录：密钥 `{principal.key_id}`（{role}，可见访问级别：{levels}） · [退出登录]({LOGOUT_PATH})"


def restrict(principal: Principal, wanted: SearchFilter) -> SearchFilter:
    """The user's filters with the principal's access levels imposed (never widened)."""
    return principal.search_filter(wanted)
