"""Answer quality: are citations supported, is the gold evidence cited, is abstention honest.

Figures (issue 5):
- citation support: share of the citations of answered, answerable questions whose quote
  shares text with a gold evidence quote (a common run of ≥ 12 characters, or of 80% of
  the shorter of the two; whitespace removed) or that the ``SupportChecker`` judges to support
  their answer sentence; the stricter "on gold" share counts the evidence overlap alone;
- gold evidence cited: share of answerable questions whose answer cites a chunk holding a
  gold quote (the retrieval suite's matching rule; an abstention counts as a miss);
- abstention precision/recall over the unanswerable questions, and the share of answerable
  questions that wrongly abstain;
- ``ask`` latency p50/p95 (the first, model-loading call excluded).
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Sequence
from difflib import SequenceMatcher
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from evals.gold import GoldQuestion, GoldUnanswerable
from evals.matching import chunk_hits_any, fold_for_matching
from evals.suites.base import EvalContext, MetricTable, SuiteResult
from evals.systems import open_snapshot
from policyqa.records import Answer

_MARKED_SENTENCE = re.compile(r"(.+?)\[(\d+)\]")


@dataclass(frozen=True)
class AskOutcome:
    """One gold question asked through the service."""

    item_id: str
    answerable: bool
    answer: Answer
    seconds: float
    evidence_cited: bool = False
    citations_on_gold: int = 0
    citations_supported: int = 0
    fact_first: bool | None = None  # the gold fact is in the answer's first sentence (factual items)
    all_sources_cited: bool | None = None  # every source document of a cross-document question cited


class AnswersSuite:
    """Asks every dev/test question and unanswerable question through ``QAService``."""

    name = "answers"

    def run(self, context: EvalContext) -> SuiteResult:
        """Score the answers of the context's split."""
        gold = context.gold
        if not gold.questions:
            return SuiteResult.unavailable(self.name, "the gold set has no questions for this split")
        from qa.support import SupportChecker

        snapshot = open_snapshot(context)
        service = context.workspace.qa  # the service as configured (answerer, thresholds, backend)
        checker = context.shared("qa:checker", lambda: SupportChecker(snapshot.tokenizer.tokenize, snapshot.embedder))
        chunk_texts = context.shared("qa:chunk_texts", lambda: stored_chunk_texts(context.data_dir))
        outcomes = ask_gold(service, checker, chunk_texts.get, gold.questions, gold.unanswerable)
        context.config["answerer"] = type(service.answerer).__name__
        context.config["abstain_threshold"] = service.abstention.threshold
        return summarise(self.name, outcomes, gold.questions)


def stored_chunk_texts(data_dir: Path) -> dict[str, str]:
    """Every stored chunk's text by chunk id (folded for matching)."""
    from ingest.store import DocumentStore

    with DocumentStore(Path(data_dir) / "policyqa.sqlite3") as store:
        return {c.chunk_id: fold_for_matching(c.text) for c in store.iter_chunks()}


def ask_gold(
    service: Any,
    checker: Any,
    chunk_text: Callable[[str], str | None],
    questions: Sequence[GoldQuestion],
    unanswerable: Sequence[GoldUnanswerable] = (),
) -> list[AskOutcome]:
    """Ask each item and judge its citations against the gold evidence.

    ``chunk_text(chunk_id)`` gives a cited chunk's folded text (``stored_chunk_texts``)."""
    service.ask("数字政府建设的主要目标是什么？")  # warm-up: loads models, excluded from latency
    outcomes = []
    for q in questions:
        answer, seconds = _timed_ask(service, q.question, q.history)
        outcomes.append(judge_answer(q, answer, seconds, checker, chunk_text))
    for u in unanswerable:
        answer, seconds = _timed_ask(service, u.question)
        outcomes.append(AskOutcome(u.id, False, answer, seconds))
    return outcomes


def _timed_ask(service: Any, question: str, history: Sequence[str] = ()) -> tuple[Answer, float]:
    started = time.perf_counter()
    answer = service.ask(question, list(history)) if history else service.ask(question)
    return answer, time.perf_counter() - started


def judge_answer(
    question: GoldQuestion, answer: Answer, seconds: float, checker: Any, chunk_text: Callable[[str], str | None]
) -> AskOutcome:
    """Whether the answer cites a gold evidence chunk, and how many citations are supported."""
    if answer.abstained:
        return AskOutcome(question.id, True, answer, seconds,
                          fact_first=False if question.fact else None,
                          all_sources_cited=False if question.evidence_by_doc else None)
    evidence = [fold_for_matching(e) for e in question.evidence]
    sentences = answer_sentences(answer.text)
    on_gold = supported = 0
    cited = False
    for citation in answer.citations:
        in_gold_doc = Path(citation.source).stem in question.docs
        folded_chunk = chunk_text(citation.chunk_id) or ""
        cited = cited or (in_gold_doc and chunk_hits_any(folded_chunk, evidence))
        quote = fold_for_matching(citation.quote)
        overlaps = in_gold_doc and any(shares_text(quote, e) for e in evidence)
        on_gold += overlaps
        sentence = sentences.get(citation.marker, "")
        supported += overlaps or (bool(sentence) and checker.check(sentence, citation.quote).supported)
    fact_first = None
    if question.fact:
        fact_first = fold_for_matching(question.fact) in fold_for_matching(first_sentence(answer.text))
    all_sources = None
    if question.evidence_by_doc:
        all_sources = all(
            any(Path(c.source).stem == stem
                and chunk_hits_any(chunk_text(c.chunk_id) or "", [fold_for_matching(q) for q in quotes])
                for c in answer.citations)
            for stem, quotes in question.evidence_by_doc.items())
    return AskOutcome(question.id, True, answer, seconds, cited, on_gold, supported, fact_first, all_sources)


_MARKER = re.compile(r"\[\d+\]")


def answer_chars(text: str) -> int:
    """The answer's length in characters, citation markers and whitespace excluded."""
    return len(re.sub(r"\s+", "", _MARKER.sub("", text)))


def first_sentence(text: str) -> str:
    """The answer's first sentence (up to its first sentence end or citation marker)."""
    head = re.split(r"\[\d+\]|(?<=[。！？!?])", text.strip(), maxsplit=1)[0]
    return head


def shares_text(quote: str, evidence: str, min_run: int = 12) -> bool:
    """True when two folded texts share a run of ``min_run`` characters (80% of the shorter
    text when that is shorter still)."""
    if not quote or not evidence:
        return False
    match = SequenceMatcher(None, quote, evidence, autojunk=False).find_longest_match(0, len(quote), 0, len(evidence))
    return match.size >= min(min_run, math.ceil(0.8 * min(len(quote), len(evidence))))


def answer_sentences(text: str) -> dict[int, str]:
    """The answer's sentences by the marker that closes them."""
    return {int(m.group(2)): m.group(1).strip() for m in _MARKED_SENTENCE.finditer(text)}


def answer_figures(outcomes: Sequence[AskOutcome]) -> dict[str, float]:
    """The headline figures of a run (rates in [0, 1], latency in ms)."""
    answerable = [o for o in outcomes if o.answerable]
    unanswerable = [o for o in outcomes if not o.answerable]
    answered = [o for o in answerable if not o.answer.abstained]
    n_citations = sum(len(o.answer.citations) for o in answered)
    abstained = [o for o in outcomes if o.answer.abstained]
    true_abstain = sum(1 for o in unanswerable if o.answer.abstained)
    seconds = np.array([o.seconds for o in outcomes]) if outcomes else np.zeros(1)
    factual = [o for o in answerable if o.fact_first is not None]
    answered_factual = [answer_chars(o.answer.text) for o in factual if not o.answer.abstained]
    cross = [o for o in answerable if o.all_sources_cited is not None]
    return {
        "citation_support": _ratio(sum(o.citations_supported for o in answered), n_citations),
        "citation_on_gold": _ratio(sum(o.citations_on_gold for o in answered), n_citations),
        "gold_evidence_cited": _ratio(sum(o.evidence_cited for o in answerable), len(answerable)),
        "abstain_recall": _ratio(true_abstain, len(unanswerable)),
        "abstain_precision": _ratio(true_abstain, len(abstained)),
        "answerable_abstained": _ratio(sum(1 for o in answerable if o.answer.abstained), len(answerable)),
        "fact_in_first_sentence": _ratio(sum(bool(o.fact_first) for o in factual), len(factual)),
        "factual_answer_median_chars": float(np.median(answered_factual)) if answered_factual else float("nan"),
        "cross_doc_all_sources_cited": _ratio(sum(bool(o.all_sources_cited) for o in cross), len(cross)),
        "ask_p50_ms": float(np.percentile(seconds, 50) * 1000),
        "ask_p95_ms": float(np.percentile(seconds, 95) * 1000),
    }


def _ratio(numerator: float, denominator: float) -> float:
    return float(numerator) / denominator if denominator else float("nan")


def summarise(name: str, outcomes: Sequence[AskOutcome], questions: Sequence[GoldQuestion]) -> SuiteResult:
    """Overall and per-type tables plus per-item details."""
    figures = answer_figures(outcomes)
    overall = MetricTable(
        title="Answers (issue 5 targets: support ≥ 0.95, gold cited ≥ 0.90, abstain recall ≥ 0.90, answerable abstained ≤ 0.05)",
        columns=tuple(figures),
        rows=(tuple(round(v, 3) for v in figures.values()),),
    )
    types = {q.id: q.type for q in questions}
    type_rows = []
    for qtype in sorted(set(types.values())):
        subset = [o for o in outcomes if types.get(o.item_id) == qtype]
        f = answer_figures(subset)
        type_rows.append((qtype, len(subset), round(f["gold_evidence_cited"], 3), round(f["answerable_abstained"], 3)))
    by_type = MetricTable(
        title="Answers by question type",
        columns=("type", "questions", "gold_evidence_cited", "abstained"),
        rows=tuple(type_rows),
    )
    details = {
        o.item_id: {
            "answerable": o.answerable,
            "abstained": o.answer.abstained,
            "evidence_cited": o.evidence_cited,
            "answer": o.answer.text,
            "ms": round(o.seconds * 1000, 1),
        }
        for o in outcomes
    }
    return SuiteResult(name=name, available=True, tables=(overall, by_type), headline=figures, details=details)
