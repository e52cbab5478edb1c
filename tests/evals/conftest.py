"""Shared inputs of the eval tests: the real gold set (merged, or its parts before the merge)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.gold import DEFAULT_GOLD_DIR, GOLD_FILES, load_gold

try:
    # A sibling conftest's fixtures are invisible here; importing shares the session-built demo
    # index (its passage vectors come from the per-user embedding cache, never re-embedded).
    from tests.index.conftest import demo_index_dir  # noqa: F401
except ImportError:  # moved to tests/conftest.py, where it is visible anyway
    pass

REPO = Path(__file__).resolve().parents[2]
CORPUS_DIR = REPO / "corpus"


def assemble_gold(target: Path) -> Path:
    """The shipped gold set: ``evals/gold`` once merged, else its writers' parts concatenated."""
    if (DEFAULT_GOLD_DIR / "questions.jsonl").is_file():
        return DEFAULT_GOLD_DIR
    target.mkdir(parents=True, exist_ok=True)
    for name in GOLD_FILES:
        lines = []
        for part in sorted((DEFAULT_GOLD_DIR / "parts").glob(f"*/{name}.jsonl")):
            lines += [line for line in part.read_text(encoding="utf-8").splitlines() if line.strip()]
        (target / f"{name}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


@pytest.fixture(scope="session")
def real_gold_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real gold set directory."""
    return assemble_gold(tmp_path_factory.mktemp("gold"))


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
