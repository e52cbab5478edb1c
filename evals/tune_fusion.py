"""Choose the retrieval configuration by measurement: BM25, dense and fusion variants on dev/test gold.

    .venv/bin/python evals/tune_fusion.py [--data-dir DIR]

Without ``--data-dir`` the five corpus TXT files are ingested into a temporary directory.
Passage vectors come from the shared embedding cache, so only the first run pays for the
embedding. A hit is a chunk that contains a gold evidence quote (or ≥ 80 % of one as a single
run, whitespace removed: ``evals/matching.py``). Choose on dev; test is reported, not tuned on.

This script compares index-text fields and fusion only, with one dense vector per chunk and no
query expansion; the shipped configuration (synonym expansion, 150-character dense windows,
dense weight 0.6) and every lever behind it are measured by ``evals/tune_retrieval.py``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from evals.matching import chunk_hits_any, fold_for_matching  # noqa: E402
from index import default_embedder  # noqa: E402
from index.bm25 import Bm25Retriever, build_bm25  # noqa: E402
from index.catalog import ChunkCatalog, top_rows  # noqa: E402
from index.dense import DenseRetriever, build_faiss  # noqa: E402
from index.fusion import fuse  # noqa: E402
from index.terms import mine_terms  # noqa: E402
from index.texts import DEFAULT_KEYWORD_FIELDS, compose_index_text  # noqa: E402
from index.tokenize import ChineseTokenizer  # noqa: E402
from ingest.store import DocumentStore  # noqa: E402

POOL = 50
KEYWORD_VARIANTS = {
    "text": ("text",),
    "no+section+text": ("doc_number", "section", "text"),
    "title+no+section+text": ("title", "doc_number", "section", "text"),
}
TOKENIZER_VARIANTS = {"": dict(search_mode=True), ",exact-mode": dict(search_mode=False),
                      ",bigrams": dict(search_mode=True, bigrams=True)}
DENSE_VARIANTS = {"text": ("text",), "title+section+text": ("title", "section", "text")}
FUSION_BASE = f"bm25[{'+'.join(f if f != 'doc_number' else 'no' for f in DEFAULT_KEYWORD_FIELDS)}]"

Ranking = Sequence[int]  # rows, best first


def ingest_corpus(data_dir: Path) -> None:
    """The five TXT documents through the real ingest pipeline."""
    from ingest.chunk import ClauseChunker
    from ingest.pipeline import Ingestor

    with DocumentStore(data_dir / "policyqa.sqlite3") as store:
        Ingestor(store, ClauseChunker(), files_dir=data_dir / "files").ingest_paths(
            sorted((REPO_ROOT / "corpus").glob("*.txt")), progress=False
        )


def load_questions(split: str) -> list[dict]:
    """Gold questions of one split from ``evals/gold/questions.jsonl``."""
    lines = (REPO_ROOT / "evals" / "gold" / "questions.jsonl").read_text("utf-8").splitlines()
    return [q for q in (json.loads(line) for line in lines if line.strip()) if q["split"] == split]


def score(rankings: dict[str, Ranking], questions: list[dict], row_hits: Callable[[int, dict], bool]) -> dict:
    """hit@5, MRR@10 overall and hit@5 on paraphrases."""
    hit5, rr, para = [], [], []
    for q in questions:
        first = next((i for i, row in enumerate(rankings[q["id"]][:10]) if row_hits(row, q)), None)
        hit5.append(first is not None and first < 5)
        rr.append(0.0 if first is None else 1.0 / (first + 1))
        if q["type"] == "paraphrase":
            para.append(hit5[-1])
    mean = lambda xs: sum(xs) / len(xs) if xs else float("nan")  # noqa: E731
    return {"hit@5": mean(hit5), "mrr@10": mean(rr), "para hit@5": mean(para)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path)
    args = parser.parse_args()
    data_dir = args.data_dir
    if data_dir is None:
        data_dir = Path(tempfile.mkdtemp(prefix="tune_fusion_"))
        ingest_corpus(data_dir)

    store = DocumentStore(data_dir / "policyqa.sqlite3").open()
    documents = {d.doc_id: d for d in store.list_documents()}
    chunks = [c for c in store.iter_chunks() if c.doc_id in documents]
    catalog = ChunkCatalog(store, [c.chunk_id for c in chunks], [c.doc_id for c in chunks])
    folded = [fold_for_matching(c.text) for c in chunks]
    questions = {split: load_questions(split) for split in ("dev", "test")}
    quotes = {q["id"]: [fold_for_matching(e) for e in q["evidence"]] for qs in questions.values() for q in qs}
    row_hits = lambda row, q: chunk_hits_any(folded[row], quotes[q["id"]])  # noqa: E731
    everything = questions["dev"] + questions["test"]
    terms = mine_terms(c.text for c in chunks)
    allowed = catalog.allowed_rows(None)

    keyword_lists: dict[str, dict[str, list[tuple[int, float]]]] = {}
    for suffix, tokenizer_options in TOKENIZER_VARIANTS.items():
        tokenizer = ChineseTokenizer(**tokenizer_options).with_terms(terms)
        for name, fields in KEYWORD_VARIANTS.items():
            tokens = [tokenizer.tokenize(compose_index_text(documents[c.doc_id], c, fields)) for c in chunks]
            retriever = Bm25Retriever(catalog, build_bm25(tokens), tokenizer)
            lists = {}
            for q in everything:
                _tokens, scores = retriever.score_rows(q["question"], allowed)
                lists[q["id"]] = [(int(r), float(scores[r])) for r in top_rows(scores, POOL)]
            keyword_lists[f"bm25[{name}{suffix}]"] = lists

    embedder = default_embedder(data_dir)
    dense_lists: dict[str, dict[str, list[tuple[int, float]]]] = {}
    for name, fields in DENSE_VARIANTS.items():
        vectors = embedder.embed([compose_index_text(documents[c.doc_id], c, fields) for c in chunks], "passage")
        retriever = DenseRetriever(catalog, build_faiss(vectors), embedder)
        dense_lists[f"dense[{name}]"] = {q["id"]: retriever.search_rows(q["question"], POOL, allowed) for q in everything}

    variants: dict[str, dict[str, Ranking]] = {}
    for name, lists in {**keyword_lists, **dense_lists}.items():
        variants[name] = {qid: [r for r, _ in ranked] for qid, ranked in lists.items()}
    bm25_default = keyword_lists[FUSION_BASE]
    for dense_name, dense in dense_lists.items():
        for rrf_k in (5, 10, 60):
            for dense_weight in (0.5, 0.75, 1.0):
                variants[f"rrf k={rrf_k} wd={dense_weight} {dense_name}"] = _fused(
                    bm25_default, dense, "rrf", {"bm25": 1.0, "dense": dense_weight}, rrf_k, POOL)
        for pool in (20, 50):
            for dense_weight in (0.3, 0.5, 0.7, 1.0):
                variants[f"weighted wd={dense_weight} pool={pool} {dense_name}"] = _fused(
                    bm25_default, dense, "weighted", {"bm25": 1.0, "dense": dense_weight}, 60, pool)

    header = f"{'variant':52s} | {'dev hit@5':>9s} {'MRR@10':>7s} {'para':>6s} | {'test hit@5':>10s} {'MRR@10':>7s} {'para':>6s}"
    print(f"fusion variants fuse {FUSION_BASE} with the dense list named")
    print(f"{len(chunks)} chunks; dev {len(questions['dev'])} questions, test {len(questions['test'])}")
    print(header)
    print("-" * len(header))
    for name, rankings in variants.items():
        dev = score(rankings, questions["dev"], row_hits)
        test = score(rankings, questions["test"], row_hits)
        print(f"{name:52s} | {dev['hit@5']:9.3f} {dev['mrr@10']:7.3f} {dev['para hit@5']:6.3f} | "
              f"{test['hit@5']:10.3f} {test['mrr@10']:7.3f} {test['para hit@5']:6.3f}")


def _fused(bm25: dict, dense: dict, method: str, weights: dict, rrf_k: int, pool: int) -> dict[str, Ranking]:
    return {
        qid: [r for r, _ in fuse({"bm25": bm25[qid][:pool], "dense": dense[qid][:pool]}, method, weights, rrf_k)]
        for qid in bm25
    }


if __name__ == "__main__":
    main()
