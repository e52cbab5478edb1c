"""Scale benchmark: FAISS vs Milvus (milvus-lite) on synthetic corpora of 10k to 1M chunks.

    python -m evals.bench_scale --sizes 10000 100000 1000000 --backends faiss milvus

Per size it builds one synthetic corpus (evals/scale_corpus.py: recombined demo clauses,
vectors mixed from real embeddings), ingests it without embedding (SQLite store, BM25,
then each backend's vector index), and measures each backend's serving process in a fresh
subprocess (evals/scale_serve.py). Generating the synthetic corpus is not ingest and is
timed apart. A size that runs past ``--limit-min`` is stopped and reported as such. Writes
``evals/reports/scale.md`` and ``scale.png``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from evals.scale_corpus import SeedCorpus, load_seed, synthesise

REPO = Path(__file__).resolve().parent.parent
REPORTS = REPO / "evals" / "reports"
STORE_BATCH_DOCS = 25  # documents per store transaction (1,000 chunks)
TOKENIZE_BATCH = 2000  # chunks per worker task
_tokenizer = None
_keyword_texts: list[str] = []  # set before the pool forks: workers read it, no text is sent to them


class SizeTimeout(Exception):
    """A size ran past its time limit."""


def _count_range(bounds: tuple[int, int]):
    """Worker: tokenise chunks [start, end) and reduce them to term counts (small arrays to send back)."""
    global _tokenizer
    from index.bm25_build import count_terms

    if _tokenizer is None:  # one tokenizer per worker process (the dictionary is per process)
        from index.tokenize import ChineseTokenizer

        _tokenizer = ChineseTokenizer()
    start, end = bounds
    return count_terms(_tokenizer.tokenize(text) for text in _keyword_texts[start:end])


def disk_bytes(*paths: Path) -> int:
    """Total size of files and directory trees."""
    total = 0
    for path in paths:
        if path.is_file():
            total += path.stat().st_size
        elif path.is_dir():
            total += sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return total


def exact_top10(vectors: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """Row ids of the exact 10 nearest rows per query (inner product), in blocks to bound memory."""
    best_scores = np.full((len(queries), 10), -np.inf, dtype=np.float32)
    best_rows = np.zeros((len(queries), 10), dtype=np.int64)
    for start in range(0, len(vectors), 200_000):
        scores = queries @ vectors[start:start + 200_000].T
        top = np.argpartition(-scores, 10, axis=1)[:, :10]
        merged_scores = np.hstack([best_scores, np.take_along_axis(scores, top, 1)])
        merged_rows = np.hstack([best_rows, top + start])
        keep = np.argsort(-merged_scores, axis=1)[:, :10]
        best_scores = np.take_along_axis(merged_scores, keep, 1)
        best_rows = np.take_along_axis(merged_rows, keep, 1)
    return best_rows


def ingest_shared(seed: SeedCorpus, size: int, work: Path, workers: int) -> tuple[dict, np.ndarray, list[str]]:
    """Store + BM25 for ``size`` synthetic chunks (common to both backends); returns timings, vectors, ids.

    Store: ``DocumentStore.replace_documents`` in batches of ``STORE_BATCH_DOCS`` documents.
    Tokenize: ``workers`` forked processes tokenise (rjieba) and count terms; the parent merges
    the counts as they arrive (``index/bm25_build.py``). BM25: score matrix built and saved.
    """
    global _keyword_texts
    from index.bm25 import save_bm25
    from index.bm25_build import Bm25Builder
    from index.texts import DEFAULT_KEYWORD_FIELDS, compose_index_text
    from ingest.store import DocumentStore, DocumentWrite

    timings = {"synthesise_s": 0.0, "store_s": 0.0, "tokenize_s": 0.0}
    vectors, chunk_ids, keyword_texts, pending = [], [], [], []
    with DocumentStore(work / "store.sqlite3") as store:
        clock = time.perf_counter()
        for doc, chunks, doc_vectors in synthesise(seed, size):
            pending.append(DocumentWrite(doc, "".join(c.text for c in chunks), (), chunks))
            vectors.append(doc_vectors)
            chunk_ids.extend(c.chunk_id for c in chunks)
            now = time.perf_counter()
            timings["synthesise_s"] += now - clock
            keyword_texts.extend(compose_index_text(doc, c, DEFAULT_KEYWORD_FIELDS) for c in chunks)
            if len(pending) == STORE_BATCH_DOCS:
                store.replace_documents(pending)
                pending = []
            clock = time.perf_counter()
            timings["store_s"] += clock - now
        store.replace_documents(pending)
        timings["store_s"] += time.perf_counter() - clock
    (work / "rows.json").write_text(json.dumps(chunk_ids), "utf-8")
    started = time.perf_counter()
    _keyword_texts = keyword_texts
    builder = Bm25Builder()
    ranges = [(i, min(i + TOKENIZE_BATCH, size)) for i in range(0, size, TOKENIZE_BATCH)]
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        for counts in pool.imap(_count_range, ranges):  # in order: row i stays chunk i
            builder.add(counts)
    _keyword_texts = []
    timings["tokenize_s"] = time.perf_counter() - started
    started = time.perf_counter()
    save_bm25(builder.build(), work / "bm25")
    timings["bm25_index_s"] = time.perf_counter() - started
    return timings, np.vstack(vectors), chunk_ids


def build_vector_index(backend: str, vectors: np.ndarray, chunk_ids: list[str], work: Path) -> float:
    """Seconds to build and persist the backend's approximate index over ``vectors``."""
    started = time.perf_counter()
    if backend == "faiss":
        from index.dense import build_faiss, save_faiss

        save_faiss(build_faiss(vectors, exact_max=0), work / "dense.faiss")  # always the approximate (IVF) index
    else:
        # milvus-lite keeps its file locked for the life of the process that opened it, so the
        # build runs in a forked child and the serving process can open the file afterwards.
        child = multiprocessing.get_context("fork").Process(target=_fill_milvus, args=(vectors, chunk_ids, work))
        child.start()
        child.join()
        if child.exitcode != 0:
            raise RuntimeError(f"building the Milvus collection failed (exit {child.exitcode})")
    return time.perf_counter() - started


def _fill_milvus(vectors: np.ndarray, chunk_ids: list[str], work: Path) -> None:
    from index.milvus import ChunkRow, MilvusChunkIndex

    index = MilvusChunkIndex(str(work / "milvus.db"), vectors.shape[1])
    doc_ids = [c.rsplit("-", 1)[0] for c in chunk_ids]
    index.upsert([ChunkRow(c, v, d, "other", "", "", f"{d}.txt", "public")
                  for c, v, d in zip(chunk_ids, vectors, doc_ids)])
    index.client.flush(index.collection)  # segments sealed and indexed before the clock stops
    index.close()


def serve(backend: str, work: Path, param: int) -> dict:
    """Measurements of a fresh serving process (evals/scale_serve.py); ``param``: nprobe or efSearch."""
    command = [sys.executable, "-m", "evals.scale_serve", "--backend", backend, "--dir", str(work),
               "--param", str(param)]
    for attempt in range(2):
        result = subprocess.run(command, capture_output=True, text=True, cwd=REPO)
        if result.returncode == 0:
            return json.loads(result.stdout.strip().splitlines()[-1])
        time.sleep(5)  # milvus-lite may still be releasing the file the build process closed
    raise RuntimeError(f"{' '.join(command)} failed: {result.stderr[-2000:]}")


def bench_size(seed: SeedCorpus, size: int, backends: list[str], root: Path, queries: list[str],
               query_vectors: np.ndarray, workers: int, params: dict[str, list[int]]) -> list[dict]:
    """Every measurement for one corpus size, one row per backend."""
    work = root / f"size-{size}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    shared, vectors, chunk_ids = ingest_shared(seed, size, work, workers)
    truth = exact_top10(vectors, query_vectors)
    (work / "queries.json").write_text(json.dumps(queries, ensure_ascii=False), "utf-8")
    np.save(work / "query_vectors.npy", query_vectors)
    (work / "truth.json").write_text(json.dumps([[chunk_ids[r] for r in row] for row in truth]), "utf-8")
    rows = []
    for backend in backends:
        vector_s = build_vector_index(backend, vectors, chunk_ids, work)
        ingest_s = shared["store_s"] + shared["tokenize_s"] + shared["bm25_index_s"] + vector_s
        own = work / ("dense.faiss" if backend == "faiss" else "milvus.db")
        for param in params[backend]:
            row = {"size": size, **shared, "vector_index_s": vector_s, "ingest_chunks_per_s": size / ingest_s,
                   "disk_mib": disk_bytes(work / "store.sqlite3", work / "bm25", work / "rows.json", own) / 2**20,
                   "dense_index_mib": disk_bytes(own) / 2**20, **serve(backend, work, param)}
            print(json.dumps(row), flush=True)
            rows.append(row)
    return rows


def load_queries(limit: int) -> list[str]:
    """Questions of the gold set (real user phrasing), at most ``limit``."""
    lines = (REPO / "evals" / "gold" / "questions.jsonl").read_text("utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()][:limit]


def main(argv: list[str] | None = None) -> None:
    """Run the sizes and backends asked for and write the report."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--backends", nargs="+", choices=("faiss", "milvus"), default=["faiss", "milvus"])
    parser.add_argument("--work", type=Path, default=Path("/tmp/policyqa-scale"))
    parser.add_argument("--queries", type=int, default=128)
    parser.add_argument("--workers", type=int, default=2, help="tokenizer processes")
    parser.add_argument("--ef", type=int, nargs="+", default=[64, 256],
                        help="Milvus HNSW efSearch values (64 is the product's default for k=10)")
    parser.add_argument("--nprobe", type=int, nargs="+", default=[0],
                        help="FAISS IVF nprobe values (0 = the one the product stores in the index)")
    parser.add_argument("--limit-min", type=float, default=20.0, help="stop a size that runs longer")
    parser.add_argument("--report", type=Path, default=REPORTS / "scale.md")
    args = parser.parse_args(argv)

    from evals.scale_report import write_report
    from index.embedders import make_embedder

    args.work.mkdir(parents=True, exist_ok=True)
    seed = load_seed(REPO / "corpus", args.work)
    queries = load_queries(args.queries)
    query_vectors = make_embedder("e5-small-q4").embed(queries, "query").astype(np.float32)
    results_path = args.report.with_suffix(".json")
    rows: list[dict] = json.loads(results_path.read_text("utf-8")) if results_path.exists() else []
    stopped: list[str] = []

    def on_timeout(_signum, _frame):
        raise SizeTimeout

    signal.signal(signal.SIGALRM, on_timeout)
    for size in args.sizes:
        signal.alarm(int(args.limit_min * 60))
        try:
            new = bench_size(seed, size, args.backends, args.work, queries, query_vectors, args.workers,
                             {"faiss": args.nprobe, "milvus": args.ef})
        except SizeTimeout:
            stopped.append(f"{size:,} chunks: stopped after {args.limit_min:g} minutes")
            print(stopped[-1], flush=True)
            continue
        finally:
            signal.alarm(0)
        # Rows of a backend not rerun now are kept (each row is one run's measurement).
        rows = [r for r in rows if r["size"] != size or r["backend"] not in args.backends] + new
        results_path.parent.mkdir(parents=True, exist_ok=True)
        results_path.write_text(json.dumps(rows, indent=1), "utf-8")  # kept after each size
        write_report(rows, stopped, args.report, len(seed.texts), len(queries))
    write_report(rows, stopped, args.report, len(seed.texts), len(queries))


if __name__ == "__main__":
    main()
