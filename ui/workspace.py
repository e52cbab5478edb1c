"""The one place where stages are assembled from ``Settings``.

The CLI, the API lifespan and the Gradio UI all open a ``Workspace``; nothing loads at
import. Components are built on first use and then shared, so a CLI command that only
lists documents never loads a model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ui.settings import Settings


@dataclass
class Workspace:
    """Store, index and QA services over one data directory."""

    settings: Settings
    _closed: bool = field(default=False, init=False)

    @classmethod
    def open(cls, settings: Settings) -> "Workspace":
        """Open the data directory (creating it if needed) without loading models."""
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        return cls(settings)

    @cached_property
    def store(self) -> Any:
        from ingest.store import DocumentStore

        store = DocumentStore(self.settings.data_dir / "policyqa.sqlite3")
        store.open()
        return store

    def close(self) -> None:
        """Release the store; safe to call twice."""
        if not self._closed and "store" in self.__dict__:
            self.store.close()
        self._closed = True

    def __enter__(self) -> "Workspace":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
