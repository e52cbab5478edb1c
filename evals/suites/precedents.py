"""Precedent search: hit@1 and hit@3 of the documents that answer a new draft proposal.

A draft's most relevant document is the first of its gold ``docs``; documents are compared
by their file stem (what the gold set names). Issue 6 targets (dev): hit@1 ≥ 0.90, hit@3 = 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from evals.gold import GoldPrecedent
from evals.suites._availability import missing_module
from evals.suites.base import EvalContext, MetricTable, SuiteResult

COMPONENT = "qa.precedents.finder"
DEPTH = 5


@dataclass(frozen=True)
class PrecedentOutcome:
    """One gold draft and the ranked document stems the finder returned."""

    item_id: str
    expected: tuple[str, ...]
    ranked: tuple[str, ...]
    no_precedent: bool = False  # what the finder said

    def hit(self, k: int) -> bool:
        """The most relevant gold document is among the first ``k``."""
        return self.expected[0] in self.ranked[:k]


def rank_gold_drafts(finder, drafts: Sequence[GoldPrecedent], depth: int = DEPTH) -> list[PrecedentOutcome]:
    """The finder's ranking (as file stems) for every gold draft."""
    outcomes = []
    for d in drafts:
        result = finder.search(d.draft, k=depth, prefer_replies=True)
        ranked = tuple(Path(p.doc.source).stem for p in result.precedents)
        outcomes.append(PrecedentOutcome(d.id, d.docs, ranked, result.no_precedent))
    return outcomes


def precedent_figures(outcomes: Sequence[PrecedentOutcome]) -> dict[str, float]:
    """hit@1, hit@3 and the mean reciprocal rank of the most relevant document, over the drafts
    some document addresses (a draft with no gold document has nothing to rank first)."""
    uncovered = [o for o in outcomes if not o.expected]
    flagged = sum(o.no_precedent for o in uncovered)
    covered_flagged = sum(o.no_precedent for o in outcomes if o.expected)
    outcomes = [o for o in outcomes if o.expected]
    n = len(outcomes)

    def reciprocal(o: PrecedentOutcome) -> float:
        return 1.0 / (o.ranked.index(o.expected[0]) + 1) if o.expected[0] in o.ranked else 0.0

    return {
        "drafts": float(n),
        "drafts_without_precedent": float(len(uncovered)),
        # Drafts no document addresses that the finder says so of, and covered drafts it wrongly says so of.
        "no_precedent_recall": flagged / len(uncovered) if uncovered else float("nan"),
        "covered_called_no_precedent": float(covered_flagged),
        "hit@1": sum(o.hit(1) for o in outcomes) / n if n else float("nan"),
        "hit@3": sum(o.hit(3) for o in outcomes) / n if n else float("nan"),
        "mrr": sum(reciprocal(o) for o in outcomes) / n if n else float("nan"),
    }


class PrecedentsSuite:
    """Ranked precedent documents against the gold ``docs`` of each draft."""

    name = "precedents"

    def run(self, context: EvalContext) -> SuiteResult:
        """Rank documents for the split's gold drafts and report hit@1, hit@3 and MRR."""
        if not context.gold.precedents:
            return SuiteResult.unavailable(self.name, "the gold set has no precedent drafts for this split")
        missing = missing_module(COMPONENT)
        if missing:
            return SuiteResult.unavailable(self.name, missing)
        from evals.systems import open_snapshot

        open_snapshot(context)  # never build an index here
        finder = context.workspace.precedents  # the service's own finder
        context.config["precedent_settings"] = vars(finder.settings)
        outcomes = rank_gold_drafts(finder, context.gold.precedents)
        figures = precedent_figures(outcomes)
        table = MetricTable(
            title="Precedents (issue 6 targets on dev: hit@1 ≥ 0.90, hit@3 = 1.0)",
            columns=tuple(figures),
            rows=(tuple(round(v, 3) for v in figures.values()),),
        )
        details = {o.item_id: {"expected": list(o.expected), "ranked": list(o.ranked), "no_precedent": o.no_precedent}
                   for o in outcomes}
        return SuiteResult(name=self.name, available=True, tables=(table,), headline=figures, details=details)
