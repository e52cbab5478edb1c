"""Retrieval quality of every system side by side: hit@1, hit@5, MRR@10, nDCG@10, latency.

Relevance is decided per system over that system's own chunks: a chunk of one of the
question's gold documents is relevant when it hits one of the gold quotes (``evals.matching``).
So the naive 750-character baseline is judged on its own chunking, fairly. Metrics come from
ranx, never hand-written.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from evals.gold import GoldQuestion
from evals.matching import chunk_hits_any, fold_for_matching
from evals.suites.base import EvalContext, MetricTable, SuiteResult
from evals.systems import RetrievalSystem, build_systems

METRICS = ("hit_rate@1", "hit_rate@5", "mrr@10", "ndcg@10")
METRIC_LABELS = {"hit_rate@1": "hit@1", "hit_rate@5": "hit@5", "mrr@10": "MRR@10", "ndcg@10": "nDCG@10"}
DEPTH = 10
# ranx needs at least one relevant and one retrieved id per query; these placeholders make a
# question with no relevant chunk (or an empty result) count as a miss instead of vanishing.
_NO_RELEVANT = "__no_relevant_chunk__"
_NO_RESULT = "__no_result__"


@dataclass(frozen=True)
class QuestionOutcome:
    """One question run through one system."""

    question_id: str
    ranked_ids: tuple[str, ...]
    relevant_ids: frozenset[str]
    seconds: float

    @property
    def first_relevant_rank(self) -> int | None:
        """1-based rank of the first relevant chunk, ``None`` when none was retrieved."""
        for rank, chunk_id in enumerate(self.ranked_ids, 1):
            if chunk_id in self.relevant_ids:
                return rank
        return None


class RetrievalSuite:
    """Runs every gold question through each retrieval system and scores the rankings."""

    name = "retrieval"

    def __init__(self, systems: Sequence[str] | None = None):
        self.system_names = tuple(systems) if systems else None

    def run(self, context: EvalContext) -> SuiteResult:
        """Score each system on the context's questions."""
        questions = context.gold.questions
        if not questions:
            return SuiteResult.unavailable(self.name, "the gold set has no questions for this split")
        systems = build_systems(context, self.system_names)
        outcomes = {s.name: run_questions(s, questions) for s in systems}
        return summarise(self.name, questions, systems, outcomes, context.split)


def run_questions(system: RetrievalSystem, questions: Sequence[GoldQuestion]) -> list[QuestionOutcome]:
    """Retrieve the top ``DEPTH`` chunks for each question and find its relevant chunks."""
    folded = [(cid, stem, fold_for_matching(text)) for cid, stem, text in system.chunks]
    # Warm-up query: the first call loads models lazily and must not count as search latency.
    system.retriever.retrieve("数字政府建设", k=DEPTH)
    outcomes = []
    for q in questions:
        relevant = relevant_chunks(q, folded)
        query = system_query(system, q)
        started = time.perf_counter()
        hits = system.retriever.retrieve(query, k=DEPTH)
        seconds = time.perf_counter() - started
        outcomes.append(QuestionOutcome(q.id, tuple(h.chunk.chunk_id for h in hits), relevant, seconds))
    return outcomes


def relevant_chunks(question: GoldQuestion, folded: Sequence[tuple[str, str, str]]) -> frozenset[str]:
    """Chunk ids of ``folded`` (id, stem, folded text) that hold a gold quote of their own document."""
    quotes_of = {stem: [fold_for_matching(e) for e in quotes] for stem, quotes in question.evidence_by_doc.items()}
    every_quote = [fold_for_matching(e) for e in question.evidence]
    docs = set(question.docs)
    return frozenset(cid for cid, stem, text in folded
                     if stem in docs and chunk_hits_any(text, quotes_of.get(stem, every_quote)))


def system_query(system: RetrievalSystem, question: GoldQuestion) -> str:
    """What the system searches for: the question, made self-contained for a follow-up.

    The product rewrites a follow-up with its conversation's topic (``qa.conversation``); a
    baseline does what a generic chat pipeline does, prefixing the previous question."""
    if not question.history:
        return question.question
    if system.rewrite is not None:
        return system.rewrite(question.question, question.history)
    return f"{question.history[-1]} {question.question}"


def score_outcomes(outcomes: Sequence[QuestionOutcome]) -> dict[str, float]:
    """Mean ranx metrics over ``outcomes``."""
    from ranx import Qrels, Run, evaluate

    qrels = {o.question_id: {cid: 1 for cid in o.relevant_ids} or {_NO_RELEVANT: 1} for o in outcomes}
    run = {
        o.question_id: {cid: 1.0 / rank for rank, cid in enumerate(o.ranked_ids, 1)} or {_NO_RESULT: 0.0}
        for o in outcomes
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numba's uint64→int64 cast notice inside ranx
        scores = evaluate(Qrels(qrels), Run(run), list(METRICS))
    return {m: float(scores[m]) for m in METRICS}


def latency_ms(outcomes: Sequence[QuestionOutcome]) -> tuple[float, float]:
    """p50 and p95 search latency in milliseconds."""
    seconds = np.array([o.seconds for o in outcomes])
    return float(np.percentile(seconds, 50) * 1000), float(np.percentile(seconds, 95) * 1000)


def summarise(
    name: str,
    questions: Sequence[GoldQuestion],
    systems: Sequence[RetrievalSystem],
    outcomes: dict[str, list[QuestionOutcome]],
    split: str,
) -> SuiteResult:
    """Overall, per-type and per-split tables plus per-question details."""
    labels = [METRIC_LABELS[m] for m in METRICS]
    by_id = {q.id: q for q in questions}
    overall_rows, type_rows, split_rows = [], [], []
    by_type: dict[str, dict[str, dict[str, float]]] = {}
    types = sorted({q.type for q in questions})
    splits = sorted({q.split for q in questions})
    for system in systems:
        rows = outcomes[system.name]
        scores = score_outcomes(rows)
        p50, p95 = latency_ms(rows)
        unreachable = sum(1 for o in rows if not o.relevant_ids)
        overall_rows.append(
            (system.name, len(rows), *(round(scores[m], 3) for m in METRICS), round(p50, 1), round(p95, 1), unreachable)
        )
        by_type[system.name] = {}
        for qtype in types:
            group = [o for o in rows if by_id[o.question_id].type == qtype]
            type_scores = score_outcomes(group)
            by_type[system.name][qtype] = type_scores
            type_rows.append((system.name, qtype, len(group), *(round(type_scores[m], 3) for m in METRICS)))
        if len(splits) > 1:
            for part in splits:
                group = [o for o in rows if by_id[o.question_id].split == part]
                part_scores = score_outcomes(group)
                split_rows.append((system.name, part, len(group), *(round(part_scores[m], 3) for m in METRICS)))
    tables = [
        MetricTable(
            f"Retrieval — {len(questions)} questions, split {split}",
            ("system", "n", *labels, "p50 ms", "p95 ms", "no gold chunk"),
            tuple(overall_rows),
        ),
        MetricTable("Retrieval by question type", ("system", "type", "n", *labels), tuple(type_rows)),
    ]
    if split_rows:
        tables.append(MetricTable("Retrieval by split", ("system", "split", "n", *labels), tuple(split_rows)))
    first = systems[0].name
    headline = {f"{first} {METRIC_LABELS[m]}": overall_rows[0][2 + i] for i, m in enumerate(METRICS)}
    details = {
        "by_type": by_type,
        "systems": {s.name: s.description for s in systems},
        "questions": {
            s.name: [
                {
                    "id": o.question_id,
                    "first_relevant_rank": o.first_relevant_rank,
                    "relevant": len(o.relevant_ids),
                    "top": list(o.ranked_ids[:5]),
                }
                for o in outcomes[s.name]
            ]
            for s in systems
        },
    }
    return SuiteResult(name, True, tables=tuple(tables), headline=headline, details=details)
