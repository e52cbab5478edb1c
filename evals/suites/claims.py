"""Claim checking: accuracy, per-label recall, contradicted-numeric-called-supported count.

Every gold claim is checked as one atomic claim (``ClaimChecker.check_claim``) against the
hybrid index; thresholds were tuned on the dev split only, so the test split is the honest
figure. Issue 6 targets (dev): accuracy ≥ 0.90, contradicted recall ≥ 0.85, and no
contradicted numeric claim called supported.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from evals.gold import GoldClaim
from evals.suites._availability import missing_module
from evals.systems import open_snapshot
from evals.suites.base import EvalContext, MetricTable, SuiteResult

COMPONENT = "qa.claims.checker"
LABELS = ("supported", "contradicted", "not_found")
_NUMERIC_KINDS = ("number", "magnitude")


@dataclass(frozen=True)
class ClaimOutcome:
    """One gold claim and the checker's verdict on it."""

    item_id: str
    kind: str
    expected: str
    predicted: str
    numeric: bool  # a claim whose changed fact is a number (contradicted items only)
    differences: tuple[str, ...]


def is_numeric_contradiction(claim: GoldClaim) -> bool:
    """A contradicted claim about a number: kind number/magnitude, or digits in the changed span."""
    if claim.label != "contradicted":
        return False
    return claim.change_kind in _NUMERIC_KINDS or bool(claim.diff and re.search(r"\d", claim.diff.claim))


def check_gold_claims(checker, claims: Sequence[GoldClaim]) -> list[ClaimOutcome]:
    """The checker's verdict on every gold claim."""
    outcomes = []
    for claim in claims:
        verdict = checker.check_claim(claim.claim)
        outcomes.append(
            ClaimOutcome(
                item_id=claim.id,
                kind=claim.change_kind,
                expected=claim.label,
                predicted=verdict.label,
                numeric=is_numeric_contradiction(claim),
                differences=tuple(f"{d.kind}: {d.claim} → {d.source}" for d in verdict.differences),
            )
        )
    return outcomes


def claim_figures(outcomes: Sequence[ClaimOutcome]) -> dict[str, float]:
    """Accuracy, recall of each label, and the count of numeric contradictions called supported."""
    figures: dict[str, float] = {
        "claims": float(len(outcomes)),
        "accuracy": _ratio(sum(o.expected == o.predicted for o in outcomes), len(outcomes)),
    }
    for label in LABELS:
        subset = [o for o in outcomes if o.expected == label]
        figures[f"recall_{label}"] = _ratio(sum(o.predicted == label for o in subset), len(subset))
    figures["contradicted_numeric_called_supported"] = float(
        sum(o.numeric and o.predicted == "supported" for o in outcomes)
    )
    # The worst failure for an evaluator: a claim the sources do not back, called supported.
    not_supported = [o for o in outcomes if o.expected != "supported"]
    figures["not_supported_called_supported"] = _ratio(
        sum(o.predicted == "supported" for o in not_supported), len(not_supported))
    return figures


def _ratio(numerator: float, denominator: float) -> float:
    return float(numerator) / denominator if denominator else float("nan")


class ClaimsSuite:
    """Verdicts on the gold claims against their expected labels."""

    name = "claims"

    def run(self, context: EvalContext) -> SuiteResult:
        """Check the split's gold claims and report accuracy, recall per label and per kind."""
        if not context.gold.claims:
            return SuiteResult.unavailable(self.name, "the gold set has no claims for this split")
        missing = missing_module(COMPONENT)
        if missing:
            return SuiteResult.unavailable(self.name, missing)
        open_snapshot(context)  # never build an index here
        checker = context.workspace.claims  # the service's own checker
        context.config["claim_thresholds"] = vars(checker.thresholds)
        outcomes = check_gold_claims(checker, context.gold.claims)
        return summarise(self.name, outcomes)


def summarise(name: str, outcomes: Sequence[ClaimOutcome]) -> SuiteResult:
    """Overall figures, a per-kind table, a confusion table and per-item details."""
    figures = claim_figures(outcomes)
    overall = MetricTable(
        title="Claims (issue 6 targets on dev: accuracy ≥ 0.90, contradicted recall ≥ 0.85, numeric called supported = 0)",
        columns=tuple(figures),
        rows=(tuple(round(v, 3) for v in figures.values()),),
    )
    kinds = sorted({(o.expected, o.kind) for o in outcomes})
    by_kind = MetricTable(
        title="Claims by label and kind",
        columns=("label", "kind", "claims", "correct"),
        rows=tuple(
            (label, kind, sum(1 for o in outcomes if (o.expected, o.kind) == (label, kind)),
             sum(1 for o in outcomes if (o.expected, o.kind) == (label, kind) and o.predicted == label))
            for label, kind in kinds
        ),
    )
    confusion = MetricTable(
        title="Claims confusion (rows: gold label, columns: verdict)",
        columns=("gold", *LABELS),
        rows=tuple(
            (gold, *(sum(1 for o in outcomes if o.expected == gold and o.predicted == p) for p in LABELS))
            for gold in LABELS
        ),
    )
    details = {
        o.item_id: {"expected": o.expected, "verdict": o.predicted, "kind": o.kind, "differences": list(o.differences)}
        for o in outcomes
    }
    return SuiteResult(name=name, available=True, tables=(overall, by_kind, confusion), headline=figures, details=details)
