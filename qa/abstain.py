"""Honest abstention: say "资料中未找到" when retrieval does not hold the answer.

The confidence of a question is a weighted coverage of its content terms by the best
retrieved clauses (specific terms — long words, numbers, years, names — count more), mixed
with the dense similarity of the best hit. Unanswerable questions on the corpus topics share
most generic words with it but miss the specific one (a year not covered, a district never
mentioned); the weighted coverage is what separates them. The threshold is calibrated on
the dev questions against the dev unanswerable questions (``evals/calibrate_abstention.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from policyqa.records import Answer, Citation, Hit
from qa.citations import make_citation
from qa.intent import Tokenize, analyze_question
from qa.ranking import term_weight
from qa.sentences import split_sentences

NOT_FOUND_TEXT = "资料中未找到该问题的答案。以下是最接近的资料，仅供参考。"

# Calibrated on the dev split (evals/calibrate_abstention.py); see the report there.
DEFAULT_THRESHOLD = 0.55


@dataclass(frozen=True)
class Confidence:
    """How sure retrieval is that the hits answer the question, with the parts of the score."""

    score: float
    coverage: float  # weighted share of question terms found in the top clauses
    missing: tuple[str, ...]  # question terms found in none of them
    dense: float  # cosine similarity of the best dense hit (0 when unknown)


class AbstentionPolicy:
    """Decides from the retrieved hits whether to answer or abstain."""

    def __init__(
        self,
        tokenize: Tokenize,
        threshold: float = DEFAULT_THRESHOLD,
        top_k: int = 3,
        dense_weight: float = 0.3,
        missing_number_factor: float = 0.7,
    ):
        self.tokenize = tokenize
        self.threshold = threshold
        self.top_k = top_k
        self.dense_weight = dense_weight
        self.missing_number_factor = missing_number_factor

    def assess(self, question: str, hits: Sequence[Hit]) -> Confidence:
        """The confidence that the first ``top_k`` hits answer ``question``."""
        intent = analyze_question(question, self.tokenize)
        top = list(hits[: self.top_k])
        if not top or not intent.terms:
            return Confidence(score=0.0, coverage=0.0, missing=intent.terms, dense=0.0)
        found: set[str] = set()
        for hit in top:
            found.update(hit.matched_terms)
            found.update(self.tokenize(" ".join((hit.doc.title or "", *hit.chunk.section, hit.chunk.text))))
        weights = {t: term_weight(t) for t in intent.terms}
        coverage = sum(w for t, w in weights.items() if t in found) / sum(weights.values())
        dense = max((h.scores.get("dense", 0.0) for h in top), default=0.0)
        score = (1 - self.dense_weight) * coverage + self.dense_weight * dense
        missing = tuple(t for t in intent.terms if t not in found)
        if any(any(ch.isdigit() for ch in t) for t in missing):
            # A year, amount or number the question names and no top clause holds: the corpus
            # is about another year or figure (the commonest unanswerable question).
            score *= self.missing_number_factor
        return Confidence(score=score, coverage=coverage, missing=missing, dense=dense)

    def should_abstain(self, confidence: Confidence) -> bool:
        """True when the confidence is below the calibrated threshold."""
        return confidence.score < self.threshold


def abstained_answer(question: str, hits: Sequence[Hit], max_nearest: int = 3, notice: str | None = None) -> Answer:
    """The "资料中未找到…" answer, listing the nearest clauses as such (not as support)."""
    nearest: list[Citation] = []
    seen_docs: set[str] = set()
    for hit in hits:
        if len(nearest) >= max_nearest:
            break
        if hit.chunk.doc_id in seen_docs:
            continue
        span = _lead_sentence(hit.chunk.text)
        if span is None:
            continue
        seen_docs.add(hit.chunk.doc_id)
        nearest.append(make_citation(len(nearest) + 1, hit, None, *span))
    return Answer(question=question, text=NOT_FOUND_TEXT, abstained=True, nearest=tuple(nearest), notice=notice)


def _lead_sentence(text: str, min_chars: int = 12) -> tuple[int, int] | None:
    """The first sentence of a clause long enough to show what it is about."""
    spans = split_sentences(text)
    for start, end in spans:
        if end - start >= min_chars:
            return start, end
    return spans[0] if spans else None
