"""Shared inputs of the eval tests: the real gold set."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.gold import DEFAULT_GOLD_DIR, load_gold

REPO = Path(__file__).resolve().parents[2]
CORPUS_DIR = REPO / "corpus"


@pytest.fixture(scope="session")
def real_gold_dir() -> Path:
    """The real gold set directory (``evals/gold``)."""
    return DEFAULT_GOLD_DIR


def write_mini_gold(real_gold_dir: Path, target: Path) -> dict[str, str]:
    """Three real gold questions (lexical, paraphrase, numeric) plus one whose text IS its quote."""
    target.mkdir()
    questions = load_gold(real_gold_dir).questions
    picked = [next(q for q in questions if q.type == t) for t in ("lexical", "paraphrase", "numeric")]
    verbatim = next(q for q in questions if len(q.evidence[0]) >= 30)
    rows = [q.model_dump(mode="json") for q in picked]
    rows.append({**verbatim.model_dump(mode="json"), "id": "verbatim", "question": verbatim.evidence[0]})
    (target / "questions.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    return {r["id"]: r["type"] for r in rows}
