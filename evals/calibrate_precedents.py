"""Calibrate the precedent finder's relevance thresholds on DEV drafts only.

For each dev draft of the gold sets given, print the best document's relevance (the share of
the draft's key phrases it contains) and whether some document addresses the draft. Then the
``medium`` threshold (no precedent below it) that separates the two best on dev, and the
``high`` threshold that most covered drafts' first document reaches.

    python evals/calibrate_precedents.py evals/.data/evals-corpus:evals/corpus/gold evals/.data/corpus:evals/gold
"""

from __future__ import annotations

import sys
from pathlib import Path


def top_relevances(data_dir: Path, gold_dir: Path) -> list[tuple[str, bool, float, float]]:
    """(draft id, covered, best relevance, relevance of the gold first document) per dev draft."""
    from evals.gold import load_gold
    from index import open_index
    from qa.precedents.factory import open_store
    from qa.precedents.finder import PrecedentFinder

    gold = load_gold(gold_dir).select("dev")
    snapshot = open_index(data_dir)
    finder = PrecedentFinder(snapshot.retriever("hybrid"), open_store(data_dir))
    rows = []
    for draft in gold.precedents:
        found = finder.find(draft.draft, k=5)
        best = max((p.relevance for p in found), default=0.0)
        first = next((p.relevance for p in found if draft.docs and Path(p.doc.source).stem == draft.docs[0]), 0.0)
        rows.append((draft.id, bool(draft.docs), best, first))
    return rows


def main(pairs: list[str]) -> None:
    rows = []
    for pair in pairs:
        data_dir, gold_dir = pair.split(":")
        rows += top_relevances(Path(data_dir), Path(gold_dir))
    for draft_id, covered, best, first in sorted(rows, key=lambda r: r[2]):
        print(f"{draft_id:14s} {'covered' if covered else 'NONE   '} best={best:.3f} first={first:.3f}")
    candidates = sorted({round(r[2], 3) for r in rows})
    def accuracy(t: float) -> float:
        return sum((r[2] < t) == (not r[1]) for r in rows) / len(rows)
    best_t = max(candidates, key=lambda t: (accuracy(t), -t))
    print(f"medium threshold {best_t:.3f}: no-precedent decided right for {accuracy(best_t):.3f} of {len(rows)} dev drafts")


if __name__ == "__main__":
    main(sys.argv[1:])
