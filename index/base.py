"""The retrieval contract every retriever (BM25, dense, hybrid) fulfils."""

from __future__ import annotations

from typing import Protocol

from policyqa.records import Hit, SearchFilter


class Retriever(Protocol):
    """Finds the chunks that best answer ``query``; ``filters`` restrict the candidates before ranking."""

    def retrieve(self, query: str, k: int = 10, filters: SearchFilter | None = None) -> list[Hit]:
        """At most ``k`` hits, best first, ranks starting at 1."""
        ...
