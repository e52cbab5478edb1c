"""The public JSON shape of precedents (``policyqa precedents --json`` and the HTTP API)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from qa.citations import citation_to_dict
from qa.precedents.finder import Precedent


def precedent_to_dict(precedent: Precedent) -> dict[str, Any]:
    """``{"doc_id", "source", "title", "doc_type", "doc_number", "score", "clauses",
    "commitments", "proposal"}`` (``proposal`` only for replies linked to a proposal)."""
    doc = precedent.doc
    payload: dict[str, Any] = {
        "doc_id": doc.doc_id,
        "source": doc.source,
        "title": doc.title,
        "doc_type": doc.doc_type,
        "doc_number": doc.doc_number,
        "score": precedent.score,
        "relevance": precedent.relevance_label,
        "relevance_score": precedent.relevance,
        "clauses": [citation_to_dict(c) for c in precedent.clauses],
        "commitments": list(precedent.commitments),
    }
    if precedent.link is not None:
        payload["proposal"] = {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(precedent.link).items()}
    return payload
