"""Evaluation suites. ``default_suites()`` is what ``policyqa eval`` runs, in report order."""

from __future__ import annotations

from collections.abc import Sequence

from evals.suites.base import EvalContext, MetricTable, Suite, SuiteResult


def default_suites(systems: Sequence[str] | None = None) -> list[Suite]:
    """Retrieval first (it loads the index the others reuse), then answers, claims, precedents.

    ``systems`` restricts the retrieval systems compared (default: all of them).
    """
    from evals.suites.answers import AnswersSuite
    from evals.suites.claims import ClaimsSuite
    from evals.suites.precedents import PrecedentsSuite
    from evals.suites.retrieval import RetrievalSuite

    return [RetrievalSuite(systems), AnswersSuite(), ClaimsSuite(), PrecedentsSuite()]


__all__ = ["EvalContext", "MetricTable", "Suite", "SuiteResult", "default_suites"]
