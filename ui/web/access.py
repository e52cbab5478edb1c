"""Who is using the UI: the same API keys, roles and access filter as the REST API.

The UI takes a key from its own "API 密钥" field, else from the request headers
(``X-API-Key`` / ``Authorization: Bearer``, e.g. set by a reverse proxy). With no keys
configured the service is open, exactly as the API is.
"""

from __future__ import annotations

from pathlib import Path

import gradio as gr

from policyqa.records import SearchFilter
from ui.api.auth import KEYS_FILE_NAME, OPEN_PRINCIPAL, KeyStore, Principal, token_from_headers


class KeyGate:
    """Turns the key a user typed (or sent) into a ``Principal``, or refuses with a message."""

    def __init__(self, keys: KeyStore):
        self.keys = keys

    @classmethod
    def for_data_dir(cls, data_dir: Path) -> KeyGate:
        """The gate over the key file the API uses in ``data_dir``."""
        return cls(KeyStore(Path(data_dir) / KEYS_FILE_NAME))

    def keys_required(self) -> bool:
        """True when the service has keys, so the UI must ask for one."""
        return self.keys.has_keys()

    def principal(self, typed_key: str | None, request: gr.Request | None = None) -> Principal:
        """The caller; ``gr.Error`` (shown as a toast) when a key is required and missing or wrong."""
        if not self.keys_required():
            return OPEN_PRINCIPAL
        token = (typed_key or "").strip() or _token_of(request)
        if not token:
            raise gr.Error("本服务已启用访问控制，请在页面顶部填写 API 密钥。", title="需要 API 密钥")
        principal = self.keys.authenticate(token)
        if principal is None:
            raise gr.Error("API 密钥无效或已吊销。", title="密钥无效")
        return principal

    def editor(self, typed_key: str | None, request: gr.Request | None = None) -> Principal:
        """The caller when allowed to change the library (editor or admin), else ``gr.Error``."""
        principal = self.principal(typed_key, request)
        if not principal.can("editor"):
            raise gr.Error("只有编辑或管理员角色的密钥可以上传或删除文档。", title="权限不足")
        return principal


def _token_of(request: gr.Request | None) -> str | None:
    if request is None:
        return None
    headers = request.headers
    return token_from_headers(headers.get("authorization"), headers.get("x-api-key"))


def restrict(principal: Principal, wanted: SearchFilter) -> SearchFilter:
    """The user's filters with the principal's access levels imposed (never widened)."""
    return principal.search_filter(wanted)
