"""The public JSON shape of verdicts (``policyqa verify --json`` and the HTTP API)."""

from __future__ import annotations

from typing import Any

from policyqa.records import Difference, Verdict
from qa.citations import citation_to_dict


def difference_to_dict(difference: Difference) -> dict[str, str]:
    """``{"kind", "claim", "source", "subject"}``."""
    return {"kind": difference.kind, "claim": difference.claim, "source": difference.source,
            "subject": difference.subject}


def verdict_to_dict(verdict: Verdict) -> dict[str, Any]:
    """``{"claim", "verdict", "aligned_sentence", "evidence": [citation...], "differences": [...]}``."""
    return {
        "claim": verdict.claim,
        "verdict": verdict.label,
        "aligned_sentence": verdict.evidence[0].quote if verdict.evidence else None,
        "evidence": [citation_to_dict(c) for c in verdict.evidence],
        "differences": [difference_to_dict(d) for d in verdict.differences],
    }
