"""Is a sentence supported by the clause it cites?

Three signals, all cheap: the sentence's content terms found in the clause (weighted like
the ranking weights them), every number of the sentence present in the clause, and the
embedding similarity of the two (the retriever's own embedder). Numbers are a hard
condition: a generated "500万元" against a clause saying "400 万元" is never supported.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from index.embedders.base import Embedder
from qa.intent import Tokenize, numbers_in
from qa.ranking import term_weight

_MARKER = re.compile(r"\[\d+\]")


@dataclass(frozen=True)
class SupportResult:
    """The verdict on one (sentence, clause) pair and the signals behind it."""

    supported: bool
    overlap: float  # weighted share of the sentence's terms found in the clause
    numbers_ok: bool
    similarity: float | None  # cosine similarity, None without an embedder
    missing_numbers: tuple[str, ...] = ()


class SupportChecker:
    """Judges whether a sentence states only what its cited clause says."""

    def __init__(
        self,
        tokenize: Tokenize,
        embedder: Embedder | None = None,
        min_overlap: float = 0.6,
        weak_overlap: float = 0.35,
        min_similarity: float = 0.86,
    ):
        self.tokenize = tokenize
        self.embedder = embedder
        self.min_overlap = min_overlap
        self.weak_overlap = weak_overlap
        self.min_similarity = min_similarity

    def check(self, sentence: str, clause: str) -> SupportResult:
        """Supported when all numbers match and the terms overlap enough, or overlap weakly
        but the embedding similarity is high (a faithful paraphrase)."""
        return self.check_many([(sentence, clause)])[0]

    def check_many(self, pairs: Sequence[tuple[str, str]]) -> list[SupportResult]:
        """:meth:`check` for several pairs, embedding them in one batch."""
        pairs = [(_MARKER.sub("", s).strip(), c) for s, c in pairs]
        similarities = self._similarities(pairs)
        results = []
        for (sentence, clause), similarity in zip(pairs, similarities):
            overlap = self._overlap(sentence, clause)
            missing = _missing_numbers(sentence, clause)
            strong = overlap >= self.min_overlap
            paraphrase = similarity is not None and overlap >= self.weak_overlap and similarity >= self.min_similarity
            results.append(
                SupportResult(
                    supported=not missing and (strong or paraphrase),
                    overlap=overlap,
                    numbers_ok=not missing,
                    similarity=similarity,
                    missing_numbers=missing,
                )
            )
        return results

    def _overlap(self, sentence: str, clause: str) -> float:
        terms = set(self.tokenize(sentence))
        if not terms:
            return 0.0
        clause_terms = set(self.tokenize(clause))
        weights = {t: term_weight(t) for t in terms}
        return sum(w for t, w in weights.items() if t in clause_terms) / sum(weights.values())

    def _similarities(self, pairs: Sequence[tuple[str, str]]) -> list[float | None]:
        if self.embedder is None or not pairs:
            return [None] * len(pairs)
        sentences = self.embedder.embed([s for s, _ in pairs], kind="query")
        clauses = self.embedder.embed([c for _, c in pairs], kind="passage")
        return [float(v) for v in np.sum(sentences * clauses, axis=1)]


def _missing_numbers(sentence: str, clause: str) -> tuple[str, ...]:
    # Compared as values so "77.2" matches "77.20"; spaces inside numbers were PDF artefacts.
    available = {_as_value(n) for n in numbers_in(re.sub(r"(?<=\d)\s+(?=\d)", "", clause))}
    return tuple(n for n in numbers_in(sentence) if _as_value(n) not in available)


def _as_value(number: str) -> float:
    return float(number)
