"""Calibrate the abstention threshold on the dev split: answerable vs unanswerable questions.

Prints, for each candidate threshold, the share of unanswerable questions that abstain
(recall, target ≥ 0.90) and the share of answerable ones that wrongly abstain (target
≤ 0.05), then the chosen threshold: the highest recall whose answerable abstention stays
within the target, then the fewest answerable abstentions; of the thresholds still tied,
the middle one, so that the threshold sits in the gap between the two sets rather than on
its edge. Also prints the figures of that threshold on the test split, which it never used.

    .venv/bin/python -m evals.calibrate_abstention --data-dir data [--gold evals/gold]
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from evals.gold import DEFAULT_GOLD_DIR, GoldSet, load_gold

MAX_ANSWERABLE_ABSTAIN = 0.05


def load_gold_any(gold_dir: Path) -> GoldSet:
    """The merged gold set, or — before the merge — the union of ``gold_dir/parts/*``."""
    if (gold_dir / "questions.jsonl").is_file():
        return load_gold(gold_dir)
    parts = [load_gold(p) for p in sorted((gold_dir / "parts").iterdir()) if (p / "questions.jsonl").is_file()]
    return GoldSet(
        questions=tuple(q for g in parts for q in g.questions),
        unanswerable=tuple(u for g in parts for u in g.unanswerable),
        claims=tuple(c for g in parts for c in g.claims),
        precedents=tuple(p for g in parts for p in g.precedents),
        source_dir=gold_dir,
    )


def question_scores(service, questions: Sequence[str]) -> np.ndarray:
    """The confidence of each question as the service computes it (−1 when the answerer
    itself finds no answering sentence, which abstains at any threshold)."""
    scores = []
    for text in questions:
        hits = service.retriever.retrieve(text, k=service.k)
        confidence = service.abstention.assess(text, hits)
        answer = service.answerer.answer(text, hits)
        scores.append(-1.0 if answer.abstained else confidence.score)
    return np.asarray(scores)


def rates(answerable: np.ndarray, unanswerable: np.ndarray, threshold: float) -> tuple[float, float]:
    """(unanswerable abstain rate, answerable abstain rate) at ``threshold``."""
    return float(np.mean(unanswerable < threshold)), float(np.mean(answerable < threshold))


def choose_threshold(answerable: np.ndarray, unanswerable: np.ndarray) -> tuple[float, list[tuple[float, float, float]]]:
    """The chosen threshold and the (threshold, recall, answerable abstained) curve."""
    candidates = np.round(np.arange(0.10, 0.951, 0.01), 2)
    curve = [(float(t), *rates(answerable, unanswerable, t)) for t in candidates]
    safe = [c for c in curve if c[2] <= MAX_ANSWERABLE_ABSTAIN]
    if not safe:
        return float(candidates[0]), curve
    best_recall = max(c[1] for c in safe)
    fewest_false = min(c[2] for c in safe if c[1] == best_recall)
    tied = sorted(c[0] for c in safe if c[1] == best_recall and c[2] == fewest_false)
    # The middle of the tied run: the dev sets are small, so an edge would overfit them.
    return tied[len(tied) // 2], curve


def main(argv: Sequence[str] | None = None) -> None:
    """Print the calibration curve and the chosen threshold."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path("data"))
    parser.add_argument("--gold", type=Path, default=DEFAULT_GOLD_DIR)
    args = parser.parse_args(argv)

    from qa.factory import build_qa_components

    gold = load_gold_any(args.gold)
    service = build_qa_components(args.data_dir).service
    splits = {}
    for split in ("dev", "test"):
        chosen = gold.select(split)
        splits[split] = (
            question_scores(service, [q.question for q in chosen.questions]),
            question_scores(service, [u.question for u in chosen.unanswerable]),
        )
    answerable, unanswerable = splits["dev"]
    print(f"dev: {len(answerable)} answerable, {len(unanswerable)} unanswerable questions")
    threshold, curve = choose_threshold(answerable, unanswerable)
    print(f"{'threshold':>9}  {'unanswerable abstain':>20}  {'answerable abstain':>18}")
    for t, recall, false_rate in curve:
        mark = "  <= chosen" if t == threshold else ""
        print(f"{t:9.2f}  {recall:20.3f}  {false_rate:18.3f}{mark}")
    print(f"\nchosen threshold: {threshold:.2f}")
    for split, (ans, unans) in splits.items():
        if len(ans) and len(unans):
            recall, false_rate = rates(ans, unans, threshold)
            print(f"{split}: unanswerable abstain {recall:.3f}, answerable abstain {false_rate:.3f} "
                  f"({len(ans)} answerable, {len(unans)} unanswerable)")


if __name__ == "__main__":
    main()
