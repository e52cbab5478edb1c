"""What every tab builder receives: the shared workspace, the key gate and file links."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from policyqa.records import DocumentInfo
from ui.api.auth import Principal
from ui.web.access import KeyGate
from ui.web.html import FileLink, file_url


@dataclass(frozen=True)
class UiContext:
    """The workspace (stages assembled once) and the gate that applies API keys."""

    workspace: Any  # ui.workspace.Workspace (typed loosely: the lead adds stages to it)
    gate: KeyGate

    def visible_documents(self, principal: Principal) -> list[DocumentInfo]:
        """The stored documents ``principal`` may see."""
        return [d for d in self.workspace.store.list_documents() if principal.may_see(d)]

    def file_link(self, principal: Principal) -> FileLink:
        """The href maker for ``principal``'s pages: links signed for its key, since the browser
        opening them sends no key; plain links in open mode."""
        links = self.workspace.file_links

        def signed(doc_id: str, pages: Sequence[int] = ()) -> str:
            return file_url(doc_id, pages, links.query_for(doc_id, principal))

        return signed
