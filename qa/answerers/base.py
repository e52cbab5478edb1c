"""The answerer contract."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from policyqa.records import Answer, Hit


class Answerer(Protocol):
    """Builds an answer whose every sentence cites one of ``hits``."""

    def answer(self, question: str, hits: Sequence[Hit]) -> Answer:
        """Answer ``question`` from ``hits`` (best first); abstain when none answers it."""
        ...
