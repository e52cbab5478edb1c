"""What every tab builder receives: the shared workspace and the key gate."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from policyqa.records import DocumentInfo
from ui.api.auth import Principal
from ui.web.access import KeyGate


@dataclass(frozen=True)
class UiContext:
    """The workspace (stages assembled once) and the gate that applies API keys."""

    workspace: Any  # ui.workspace.Workspace (typed loosely: the lead adds stages to it)
    gate: KeyGate

    def visible_documents(self, principal: Principal) -> list[DocumentInfo]:
        """The stored documents ``principal`` may see."""
        return [d for d in self.workspace.store.list_documents() if principal.may_see(d)]
