"""The self-description of an index generation, and the check that it fits the settings in force."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from policyqa.errors import IndexMismatchError

FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
REINDEX_HINT = "run `policyqa reindex` to rebuild the index from the document store"


@dataclass(frozen=True)
class Manifest:
    """What a generation was built with; everything that must match for its vectors/tokens to be valid."""

    embedder: str
    dim: int
    tokenizer_version: str
    chunk_params: dict[str, Any]
    keyword_fields: tuple[str, ...]
    dense_fields: tuple[str, ...]
    chunk_count: int = 0
    corpus_hash: str = ""
    format_version: int = FORMAT_VERSION
    created_at: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))
    dense_window: int = 0  # characters per dense window (index/windows.py); 0 = one vector per chunk
    # The FAISS index built (type and search parameters, ``index.dense.describe_faiss``). Descriptive
    # only, not compared: it follows from the chunk count, and the index file describes itself.
    dense_index: dict[str, Any] = field(default_factory=dict)

    def write(self, directory: Path) -> None:
        """Write ``manifest.json`` into ``directory``."""
        (directory / MANIFEST_NAME).write_text(json.dumps(asdict(self), ensure_ascii=False, indent=2), "utf-8")

    @classmethod
    def read(cls, directory: Path) -> Manifest:
        """Read a generation's manifest; a missing or unreadable one is a mismatch."""
        path = directory / MANIFEST_NAME
        try:
            data = json.loads(path.read_text("utf-8"))
            data["keyword_fields"] = tuple(data["keyword_fields"])
            data["dense_fields"] = tuple(data["dense_fields"])
            return cls(**data)
        except (OSError, ValueError, TypeError, KeyError) as exc:
            raise IndexMismatchError(f"the index manifest {path} is missing or unreadable ({exc}); {REINDEX_HINT}")

    def differences(self, expected: Manifest) -> list[str]:
        """Human-readable settings that differ from ``expected`` (counts, hashes and dates excluded)."""
        checked = ("format_version", "embedder", "dim", "tokenizer_version", "chunk_params", "keyword_fields", "dense_fields",
                   "dense_window")
        return [
            f"{name}: index has {getattr(self, name)!r}, settings want {getattr(expected, name)!r}"
            for name in checked
            if getattr(self, name) != getattr(expected, name)
        ]

    def require_compatible(self, expected: Manifest, location: Path) -> None:
        """Raise ``IndexMismatchError`` naming every difference and the fix."""
        diffs = self.differences(expected)
        if diffs:
            raise IndexMismatchError(
                f"the index at {location} was built with other settings ({'; '.join(diffs)}); {REINDEX_HINT}"
            )
