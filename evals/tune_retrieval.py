"""Tune retrieval by measurement: chunking, BM25, query processing, dense pooling, fusion on dev gold.

    .venv/bin/python evals/tune_retrieval.py            # the lever table, dev and test
    .venv/bin/python evals/tune_retrieval.py --misses   # error analysis of the chosen config on dev

Each corpus variant (chunk size/overlap) is ingested once into ``--work-dir`` and reused;
passage vectors come from the shared embedding cache, so only new chunk texts cost time.
Exact inner product (what ``IndexFlatIP`` computes) is done with numpy here so that window
max-pooling and many fusion settings can be scored without rebuilding FAISS indexes.
Choose on dev; test is reported, never tuned on.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from evals.matching import chunk_hits_any, fold_for_matching  # noqa: E402
from evals.tune_fusion import load_questions, score  # noqa: E402
from index import default_embedder  # noqa: E402
from index.bm25 import build_bm25  # noqa: E402
from index.fusion import fuse  # noqa: E402
from index.terms import mine_terms  # noqa: E402
from index.texts import DEFAULT_KEYWORD_FIELDS, compose_index_text  # noqa: E402
from index.synonyms import SynonymTable  # noqa: E402
from index.tokenize import QUERY_STOPWORDS_PATH, ChineseTokenizer  # noqa: E402
from ingest.store import DocumentStore  # noqa: E402

DEFAULT_WORK_DIR = Path("/tmp/policyqa_tune_retrieval")


@dataclass(frozen=True)
class Config:
    """One retrieval configuration; every field is one lever."""

    size: int = 400
    overlap: int = 80
    k1: float = 1.2
    b: float = 0.75
    method: str = "lucene"
    qstop: bool = False  # drop index/dictionary/query_stopwords.txt words from queries
    expand: bool = False  # query expansion with index/dictionary/synonyms.txt
    window: int = 0  # dense: 0 = one vector per chunk, else max over ~window-char sentence windows
    fusion: str = "weighted"
    dense_weight: float = 0.5
    rrf_k: int = 5
    pool: int = 50
    label: str = field(default="", compare=False)


@dataclass
class Corpus:
    """One chunking of the five documents with everything the metrics need."""

    chunks: list
    documents: dict
    folded: list[str]


@lru_cache(maxsize=None)
def load_corpus(work_dir: Path, size: int, overlap: int) -> Corpus:
    """The corpus chunked with ``size``/``overlap``, ingested once per variant."""
    from ingest.chunk import ClauseChunker
    from ingest.pipeline import Ingestor

    data_dir = work_dir / f"chunks_{size}_{overlap}"
    db = data_dir / "policyqa.sqlite3"
    if not db.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        with DocumentStore(db) as store:
            Ingestor(store, ClauseChunker(size, overlap), files_dir=data_dir / "files").ingest_paths(
                sorted((REPO_ROOT / "corpus").glob("*.txt")), progress=False
            )
    store = DocumentStore(db).open()
    documents = {d.doc_id: d for d in store.list_documents()}
    chunks = [c for c in store.iter_chunks() if c.doc_id in documents]
    return Corpus(chunks, documents, [fold_for_matching(c.text) for c in chunks])


class Bench:
    """Scores configurations; caches the per-variant BM25 and dense lists."""

    def __init__(self, work_dir: Path):
        self.work_dir = work_dir
        self.questions = {split: load_questions(split) for split in ("dev", "test")}
        self.everything = self.questions["dev"] + self.questions["test"]
        self.embedder = default_embedder(None)
        self._query_vectors: np.ndarray | None = None
        self._bm25: dict = {}
        self._tokens: dict = {}
        self._dense: dict = {}
        self.embed_seconds: dict = {}

    def query_vectors(self) -> np.ndarray:
        if self._query_vectors is None:
            self._query_vectors = self.embedder.embed([q["question"] for q in self.everything], "query")
        return self._query_vectors

    def bm25_lists(self, cfg: Config) -> dict[str, list[tuple[int, float]]]:
        key = (cfg.size, cfg.overlap, cfg.k1, cfg.b, cfg.method, cfg.qstop, cfg.expand)
        if key not in self._bm25:
            corpus = load_corpus(self.work_dir, cfg.size, cfg.overlap)
            tokenizer = ChineseTokenizer(
                query_stopwords_path=QUERY_STOPWORDS_PATH if cfg.qstop else None,
                synonyms=SynonymTable.from_file() if cfg.expand else SynonymTable(()),
            ).with_terms(mine_terms(c.text for c in corpus.chunks))
            texts = [compose_index_text(corpus.documents[c.doc_id], c, DEFAULT_KEYWORD_FIELDS) for c in corpus.chunks]
            model = self._model(tuple(texts), tokenizer, cfg)
            lists = {}
            for q in self.everything:
                tokens = tokenizer.tokenize_query(q["question"])
                known = [t for t in tokens if t in model.vocab_dict]
                scores = np.asarray(model.get_scores(known), dtype=np.float64) if known else np.zeros(len(texts))
                order = np.argsort(-scores, kind="stable")[: cfg.pool]
                lists[q["id"]] = [(int(r), float(scores[r])) for r in order if scores[r] > 0]
            self._bm25[key] = lists
        return self._bm25[key]

    def _model(self, texts: tuple[str, ...], tokenizer: ChineseTokenizer, cfg: Config):
        key = (cfg.size, cfg.overlap, tokenizer.version)
        if key not in self._tokens:
            self._tokens[key] = [tokenizer.tokenize(t) for t in texts]
        return build_bm25(self._tokens[key], k1=cfg.k1, b=cfg.b, method=cfg.method)

    def dense_lists(self, cfg: Config) -> dict[str, list[tuple[int, float]]]:
        key = (cfg.size, cfg.overlap, cfg.window)
        if key not in self._dense:
            corpus = load_corpus(self.work_dir, cfg.size, cfg.overlap)
            if cfg.window:
                from index.windows import split_windows

                owners, texts = [], []
                for row, chunk in enumerate(corpus.chunks):
                    for piece in split_windows(chunk.text, cfg.window):
                        owners.append(row)
                        texts.append(piece)
            else:
                owners, texts = list(range(len(corpus.chunks))), [c.text for c in corpus.chunks]
            started = time.perf_counter()
            vectors = self.embedder.embed(texts, "passage")
            self.embed_seconds[key] = (time.perf_counter() - started, len(texts))
            sims = self.query_vectors() @ vectors.T  # exact inner product, as IndexFlatIP
            owners_arr = np.asarray(owners)
            lists = {}
            for qi, q in enumerate(self.everything):
                best = np.full(len(corpus.chunks), -np.inf)
                np.maximum.at(best, owners_arr, sims[qi])  # a chunk scores as its best window
                order = np.argsort(-best, kind="stable")[: cfg.pool]
                lists[q["id"]] = [(int(r), float(best[r])) for r in order]
            self._dense[key] = lists
        return self._dense[key]

    def rankings(self, cfg: Config, side: str = "hybrid") -> dict[str, list[int]]:
        bm25 = self.bm25_lists(cfg)
        if side == "bm25":
            return {qid: [r for r, _ in ranked] for qid, ranked in bm25.items()}
        dense = self.dense_lists(cfg)
        if side == "dense":
            return {qid: [r for r, _ in ranked] for qid, ranked in dense.items()}
        weights = {"bm25": 1.0, "dense": cfg.dense_weight}
        return {
            qid: [r for r, _ in fuse({"bm25": bm25[qid], "dense": dense[qid]}, cfg.fusion, weights, cfg.rrf_k)]
            for qid in bm25
        }

    def measure(self, cfg: Config, side: str = "hybrid") -> dict[str, dict]:
        corpus = load_corpus(self.work_dir, cfg.size, cfg.overlap)
        quotes = {q["id"]: [fold_for_matching(e) for e in q["evidence"]] for q in self.everything}
        ranks = self.rankings(cfg, side)
        row_hits = lambda row, q: chunk_hits_any(corpus.folded[row], quotes[q["id"]])  # noqa: E731
        return {split: score(ranks, self.questions[split], row_hits) for split in ("dev", "test")}


def print_row(name: str, figures: dict[str, dict]) -> None:
    dev, test = figures["dev"], figures["test"]
    print(f"{name:58s} | {dev['hit@5']:9.3f} {dev['mrr@10']:7.3f} {dev['para hit@5']:6.3f} | "
          f"{test['hit@5']:10.3f} {test['mrr@10']:7.3f} {test['para hit@5']:6.3f}", flush=True)


def print_header() -> None:
    header = f"{'variant':58s} | {'dev hit@5':>9s} {'MRR@10':>7s} {'para':>6s} | {'test hit@5':>10s} {'MRR@10':>7s} {'para':>6s}"
    print(header)
    print("-" * len(header), flush=True)


def print_misses(bench: Bench, cfg: Config) -> None:
    """Dev questions whose gold chunk is not in the hybrid top 5, with where each side ranks it."""
    corpus = load_corpus(bench.work_dir, cfg.size, cfg.overlap)
    hybrid, bm25, dense = (bench.rankings(cfg, side) for side in ("hybrid", "bm25", "dense"))
    for q in bench.questions["dev"]:
        quotes = [fold_for_matching(e) for e in q["evidence"]]
        gold = {r for r, f in enumerate(corpus.folded) if chunk_hits_any(f, quotes)}
        rank_in = lambda ranking: next((i + 1 for i, r in enumerate(ranking) if r in gold), None)  # noqa: E731
        if (rank_in(hybrid[q["id"]]) or 99) <= 5:
            continue
        print(f"\n[{q['id']} {q['type']}] {q['question']}")
        print(f"  gold: {q['evidence'][0][:80]}  (gold chunks {len(gold)}, lengths "
              f"{[len(corpus.chunks[r].text) for r in gold]})")
        print(f"  gold rank: hybrid {rank_in(hybrid[q['id']])} bm25 {rank_in(bm25[q['id']])} dense {rank_in(dense[q['id']])}")
        for row in hybrid[q["id"]][:5]:
            chunk = corpus.chunks[row]
            print(f"    - {chunk.section_path[-30:]:30s} | {chunk.text[:60]!r}")


LEVERS: list[Config] = [
    Config(label="before: 400/80, k1 1.2 b .75, weighted wd .5 pool 50"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work-dir", type=Path, default=DEFAULT_WORK_DIR)
    parser.add_argument("--misses", action="store_true", help="print the dev misses of the last config")
    args = parser.parse_args()
    bench = Bench(args.work_dir)
    if args.misses:
        print_misses(bench, LEVERS[-1])
        return
    print_header()
    for cfg in LEVERS:
        for side in ("bm25", "dense", "hybrid"):
            print_row(f"{side:6s} {cfg.label}", bench.measure(cfg, side))
    for key, (seconds, count) in bench.embed_seconds.items():
        print(f"dense vectors {key}: {count} passages, {seconds:.1f} s (cache hits are free)")


if __name__ == "__main__":
    main()
