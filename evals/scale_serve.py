"""The searching side of the scale benchmark, run in a fresh process so its memory is the serving footprint.

``python -m evals.scale_serve --backend faiss|milvus --dir WORK`` loads what a serving process
loads (the SQLite store, the BM25 index, the dense index or a Milvus connection, the query
embedder), runs the benchmark queries and prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import psutil

from index.fusion import fuse

K = 10
CANDIDATES = 50  # per side before fusion, as FusionParams.candidates


def peak_rss_mib() -> float:
    """This process's high-water resident memory (VmHWM).

    Not ``ru_maxrss``: Linux carries that across exec, so a server started from the benchmark
    would report the benchmark's own peak (7 GB at 1M chunks) instead of its own.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile_ms(seconds: list[float], q: float) -> float:
    """The ``q``-th percentile of durations, in milliseconds."""
    return float(np.percentile(np.asarray(seconds) * 1000.0, q))


def _open_dense(backend: str, work: Path, dim: int, param: int):
    """(search function (vectors, k) -> [(chunk id, score)] lists, row ids, the search parameter as text)."""
    chunk_ids = json.loads((work / "rows.json").read_text("utf-8"))
    if backend == "faiss":
        import faiss

        from index.dense import describe_faiss

        index = faiss.read_index(str(work / "dense.faiss"))
        described = describe_faiss(index)
        if described["type"] == "IVFFlat":
            nprobe = param or described["nprobe"]  # 0: the value the product stored in the index
            params, setting = faiss.SearchParametersIVF(nprobe=nprobe), f"IVF{described['nlist']} nprobe={nprobe}"
        else:
            params, setting = faiss.SearchParametersHNSW(efSearch=param or 64), f"HNSW efSearch={param or 64}"

        def search(vectors: np.ndarray, k: int):
            scores, rows = index.search(np.atleast_2d(vectors).astype(np.float32), k, params=params)
            return [[(chunk_ids[r], float(s)) for r, s in zip(rr, ss) if r >= 0] for rr, ss in zip(rows, scores)]

        return search, chunk_ids, setting
    from index.milvus import MilvusChunkIndex

    milvus = MilvusChunkIndex(str(work / "milvus.db"), dim, ef_search=param)
    milvus.client  # noqa: B018 -- connect and load the collection before timing
    return milvus.search_vectors, chunk_ids, f"HNSW efSearch={param}"


def run(backend: str, work: Path, param: int) -> dict:
    """Load, search every benchmark query, and measure latency, recall and memory."""
    import bm25s

    from index.embedders import make_embedder
    from index.tokenize import ChineseTokenizer
    from ingest.store import DocumentStore

    queries = json.loads((work / "queries.json").read_text("utf-8"))
    vectors = np.load(work / "query_vectors.npy")
    truth = json.loads((work / "truth.json").read_text("utf-8"))
    started = time.perf_counter()
    store = DocumentStore(work / "store.sqlite3").open()
    bm25 = bm25s.BM25.load(str(work / "bm25"), allow_pickle=False, mmap=False)
    search, chunk_ids, setting = _open_dense(backend, work, vectors.shape[1], param)
    tokenizer = ChineseTokenizer()
    embedder = make_embedder("e5-small-q4")
    embedder.embed(["预热"], "query")  # the model loads once per serving process, not per query
    load_s = time.perf_counter() - started

    dense_s, recalls = [], []
    for vector, expected in zip(vectors, truth):
        t0 = time.perf_counter()
        found = search(vector, K)[0]
        dense_s.append(time.perf_counter() - t0)
        recalls.append(len({c for c, _ in found} & set(expected)) / K)

    hybrid_s, embed_s = [], []
    row_of = {c: i for i, c in enumerate(chunk_ids)}
    for question, vector in zip(queries, vectors):
        t0 = time.perf_counter()
        embedder.embed([question], "query")
        t1 = time.perf_counter()
        tokens = [t for t in tokenizer.tokenize(question) if t in bm25.vocab_dict]
        scores = bm25.get_scores(tokens) if tokens else np.zeros(len(chunk_ids))
        top = np.argpartition(-scores, CANDIDATES)[:CANDIDATES]
        keyword = sorted(((int(r), float(scores[r])) for r in top if scores[r] > 0), key=lambda x: -x[1])
        dense = [(row_of[c], s) for c, s in search(vector, CANDIDATES)[0]]
        fused = fuse({"bm25": keyword, "dense": dense}, "rrf", {}, 60)[:K]
        store.get_chunks([chunk_ids[r] for r, _ in fused])
        t2 = time.perf_counter()
        embed_s.append(t1 - t0)
        hybrid_s.append(t2 - t1)
    total_s = [a + b for a, b in zip(embed_s, hybrid_s)]
    return {
        "backend": backend,
        "param": param,
        "search_setting": setting,
        "load_s": load_s,
        "dense_p50_ms": percentile_ms(dense_s, 50),
        "dense_p95_ms": percentile_ms(dense_s, 95),
        "hybrid_p50_ms": percentile_ms(hybrid_s, 50),
        "hybrid_p95_ms": percentile_ms(hybrid_s, 95),
        "hybrid_with_embedding_p50_ms": percentile_ms(total_s, 50),
        "hybrid_with_embedding_p95_ms": percentile_ms(total_s, 95),
        "query_embedding_p50_ms": percentile_ms(embed_s, 50),
        "recall_at_10": float(np.mean(recalls)),
        "rss_mib": psutil.Process().memory_info().rss / 2**20,
        "peak_rss_mib": peak_rss_mib(),
    }


def main() -> None:
    """Command line entry: print the measurements as JSON on stdout."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=("faiss", "milvus"), required=True)
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--param", type=int, default=0,
                        help="FAISS IVF nprobe (0: the index's own) or HNSW efSearch (FAISS or Milvus)")
    args = parser.parse_args()
    print(json.dumps(run(args.backend, args.dir, args.param)))


if __name__ == "__main__":
    main()
