"""The one-verb contract every format loader fulfils."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from policyqa.records import LoadedDocument


class Loader(Protocol):
    """Turns one file of a known format into per-page raw text."""

    def load(self, path: Path) -> LoadedDocument:
        """Read ``path``; raise an ``IngestError`` subclass naming the file on failure."""
        ...
