"""Latency of ``QAService.ask`` on the indexed corpus: p50/p95 over the gold questions.

Models and the index load once before timing (a warm-up question is not counted), exactly
as in ``policyqa ask --batch`` or the HTTP service. The target (issue 5) is p95 < 1 s.

    .venv/bin/python -m evals.bench_ask --data-dir data [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from evals.calibrate_abstention import load_gold_any
from evals.gold import DEFAULT_GOLD_DIR


def main(argv: Sequence[str] | None = None) -> None:
    """Time every gold question (answerable and unanswerable) ``rounds`` times."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path("data"))
    parser.add_argument("--gold", type=Path, default=DEFAULT_GOLD_DIR)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)

    from qa.factory import build_qa_components

    gold = load_gold_any(args.gold)
    questions = [q.question for q in gold.questions] + [u.question for u in gold.unanswerable]
    started = time.perf_counter()
    service = build_qa_components(args.data_dir).service
    service.ask("数字政府建设的主要目标是什么？")
    print(f"load + first question: {time.perf_counter() - started:.2f} s")
    seconds = []
    for _ in range(args.rounds):
        for question in questions:
            t0 = time.perf_counter()
            service.ask(question)
            seconds.append(time.perf_counter() - t0)
    ms = np.asarray(seconds) * 1000
    print(
        f"ask latency over {len(ms)} calls ({len(questions)} questions x {args.rounds}), "
        f"{os.cpu_count()} cores: p50 {np.percentile(ms, 50):.0f} ms, p95 {np.percentile(ms, 95):.0f} ms, "
        f"max {ms.max():.0f} ms"
    )


if __name__ == "__main__":
    main()
