"""Search latency on the demo corpus: p50/p95 per mode, query embedding included.

    .venv/bin/python evals/bench_search.py [--data-dir DIR] [--rounds 3]

The queries are the gold questions (dev + test). Without ``--data-dir`` the corpus is
ingested into a temporary directory and indexed first (vectors from the shared cache).
Models and the index are loaded once before timing, as in the service.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from index import open_index  # noqa: E402


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("-k", type=int, default=10)
    args = parser.parse_args()
    data_dir = args.data_dir
    if data_dir is None:
        from evals.tune_fusion import ingest_corpus

        data_dir = Path(tempfile.mkdtemp(prefix="bench_search_"))
        ingest_corpus(data_dir)

    started = time.perf_counter()
    snapshot = open_index(data_dir)
    print(f"index ready in {time.perf_counter() - started:.1f} s: {len(snapshot.catalog)} chunks, "
          f"generation {snapshot.generation.name}")
    lines = (REPO_ROOT / "evals" / "gold" / "questions.jsonl").read_text("utf-8").splitlines()
    queries = [json.loads(line)["question"] for line in lines if line.strip()]
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{len(queries)} queries x {args.rounds} rounds, k={args.k}, {cores} cores "
          f"(os.cpu_count()={os.cpu_count()}), 1-min load average {load:.1f}")
    print(f"{'mode':8s} {'p50 ms':>8s} {'p95 ms':>8s} {'mean ms':>8s}")
    for mode in ("bm25", "dense", "hybrid"):
        retriever = snapshot.retriever(mode)
        retriever.retrieve(queries[0], k=args.k)  # warm-up: first jieba/model use
        timings = []
        for _round in range(args.rounds):
            for query in queries:
                start = time.perf_counter()
                retriever.retrieve(query, k=args.k)
                timings.append((time.perf_counter() - start) * 1000)
        print(f"{mode:8s} {statistics.median(timings):8.1f} {percentile(timings, 0.95):8.1f} "
              f"{statistics.fmean(timings):8.1f}")


if __name__ == "__main__":
    main()
