"""Tune retrieval by measurement: chunking, BM25, query processing, dense pooling, fusion on dev gold.

    .venv/bin/python evals/tune_retrieval.py            # the lever table, dev and test
    .venv/bin/python evals/tune_retrieval.py --live     # + the chosen config through IndexManager
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
from index.tokenize import ChineseTokenizer  # noqa: E402
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
    expand: bool = False  # query expansion with index/dictionary/synonyms.txt
    prf: int = 0  # pseudo-relevance feedback: add this many terms from the top 3 BM25 chunks
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
        key = (cfg.size, cfg.overlap, cfg.k1, cfg.b, cfg.method, cfg.expand, cfg.prf)
        if key not in self._bm25:
            corpus = load_corpus(self.work_dir, cfg.size, cfg.overlap)
            tokenizer = ChineseTokenizer(synonyms=SynonymTable.from_file() if cfg.expand else SynonymTable(())).with_terms(mine_terms(c.text for c in corpus.chunks))
            texts = [compose_index_text(corpus.documents[c.doc_id], c, DEFAULT_KEYWORD_FIELDS) for c in corpus.chunks]
            model = self._model(tuple(texts), tokenizer, cfg)
            lists = {}
            for q in self.everything:
                tokens = tokenizer.tokenize_query(q["question"])
                known = [t for t in tokens if t in model.vocab_dict]
                scores = np.asarray(model.get_scores(known), dtype=np.float64) if known else np.zeros(len(texts))
                if cfg.prf and known:
                    feedback = _feedback_terms(self._tokens_for(cfg, tokenizer), model, scores, known, cfg.prf)
                    scores = np.asarray(model.get_scores(known + feedback), dtype=np.float64)
                order = np.argsort(-scores, kind="stable")[: cfg.pool]
                lists[q["id"]] = [(int(r), float(scores[r])) for r in order if scores[r] > 0]
            self._bm25[key] = lists
        return self._bm25[key]

    def _model(self, texts: tuple[str, ...], tokenizer: ChineseTokenizer, cfg: Config):
        key = (cfg.size, cfg.overlap, tokenizer.version)
        if key not in self._tokens:
            self._tokens[key] = [tokenizer.tokenize(t) for t in texts]
        return build_bm25(self._tokens[key], k1=cfg.k1, b=cfg.b, method=cfg.method)

    def _tokens_for(self, cfg: Config, tokenizer: ChineseTokenizer) -> list[list[str]]:
        return self._tokens[(cfg.size, cfg.overlap, tokenizer.version)]

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


def _feedback_terms(doc_tokens, model, scores: np.ndarray, query: list[str], count: int, top: int = 3) -> list[str]:
    """RM3-like: the terms most frequent in the top BM25 chunks, weighted by idf, not already asked."""
    from collections import Counter

    n_docs = len(doc_tokens)
    df = Counter(t for tokens in doc_tokens for t in set(tokens))
    weights: Counter[str] = Counter()
    for row in np.argsort(-scores)[:top]:
        for term, tf in Counter(doc_tokens[row]).items():
            if term not in query and len(term) >= 2:
                weights[term] += tf * np.log((n_docs + 1) / (df[term] + 0.5))
    return [t for t, _ in weights.most_common(count)]


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


BEFORE = Config(label="before: 400/80 chunks, lucene k1 1.2 b .75, weighted wd .5")
CHOSEN = Config(expand=True, window=150, dense_weight=0.6, label="chosen: + synonyms + windows 150, wd .6")
# One lever at a time from BEFORE, then combined; the chunk-size rows reuse BEFORE's other settings.
LEVERS: list[Config] = [
    BEFORE,
    replace(BEFORE, expand=True, label="+ synonym expansion (BM25 query)"),
    replace(BEFORE, window=150, label="+ dense max over 150-char windows"),
    replace(BEFORE, k1=0.9, b=0.5, label="+ BM25 k1 0.9 b 0.5"),
    replace(BEFORE, method="bm25+", label="+ BM25 method bm25+"),
    replace(BEFORE, size=300, overlap=60, label="chunks 300/60"),
    replace(BEFORE, prf=3, label="+ pseudo-relevance feedback, 3 terms"),
    replace(BEFORE, prf=8, label="+ pseudo-relevance feedback, 8 terms"),
    replace(BEFORE, expand=True, window=150, label="+ synonyms + windows, wd .5"),
    replace(CHOSEN, dense_weight=0.7, label="+ synonyms + windows, wd .7"),
    replace(CHOSEN, fusion="rrf", rrf_k=5, label="+ synonyms + windows, rrf k 5 wd .6"),
    CHOSEN,
]


def measure_live(bench: Bench, cfg: Config) -> None:
    """The shipped path: ``IndexManager`` generation (windows, synonyms) + the real retrievers, per mode."""
    from index import FusionParams, make_manager

    corpus = load_corpus(bench.work_dir, cfg.size, cfg.overlap)
    data_dir = bench.work_dir / f"chunks_{cfg.size}_{cfg.overlap}"
    manager = make_manager(data_dir, bench.embedder, {"size": cfg.size, "overlap": cfg.overlap})
    manager.dense_window = cfg.window
    with DocumentStore(data_dir / "policyqa.sqlite3") as store:
        manager.sync(store)
        snapshot = manager.load(store)
        fusion = FusionParams(method=cfg.fusion, rrf_k=cfg.rrf_k, dense_weight=cfg.dense_weight, candidates=cfg.pool)
        own_row = {c.chunk_id: i for i, c in enumerate(corpus.chunks)}
        quotes = {q["id"]: [fold_for_matching(e) for e in q["evidence"]] for q in bench.everything}
        row_hits = lambda row, q: chunk_hits_any(corpus.folded[row], quotes[q["id"]])  # noqa: E731
        for mode in ("bm25", "dense", "hybrid"):
            retriever = snapshot.retriever(mode, fusion)
            ranks = {q["id"]: [own_row[h.chunk.chunk_id] for h in retriever.retrieve(q["question"], k=10)]
                     for q in bench.everything}
            print_row(f"{mode:6s} live index: {cfg.label}",
                      {split: score(ranks, bench.questions[split], row_hits) for split in ("dev", "test")})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work-dir", type=Path, default=DEFAULT_WORK_DIR)
    parser.add_argument("--misses", action="store_true", help="print the dev misses of the chosen config")
    parser.add_argument("--live", action="store_true", help="also score the chosen config through IndexManager")
    args = parser.parse_args()
    bench = Bench(args.work_dir)
    if args.misses:
        print_misses(bench, CHOSEN)
        return
    print_header()
    for cfg in LEVERS:
        for side in ("bm25", "dense", "hybrid"):
            print_row(f"{side:6s} {cfg.label}", bench.measure(cfg, side))
    if args.live:
        measure_live(bench, CHOSEN)
    for key, (seconds, count) in bench.embed_seconds.items():
        print(f"dense vectors {key}: {count} passages, {seconds:.1f} s (cache hits are free)")


if __name__ == "__main__":
    main()
