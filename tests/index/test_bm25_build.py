"""The vectorised BM25 builder gives exactly bm25s' own index, in one batch or many."""

from __future__ import annotations

import bm25s
import numpy as np

from index.bm25 import load_bm25, save_bm25
from index.bm25_build import Bm25Builder, count_terms
from index.tokenize import ChineseTokenizer
from ingest.store import DocumentStore

QUERIES = ("东政数函〔2022〕37号", "政务数据共享的考核办法", "数字政府建设规划目标", "整改措施", "不存在的词汇组合")


def test_builder_scores_equal_bm25s_in_one_batch_or_several(ingested_data_dir, tmp_path):
    with DocumentStore(ingested_data_dir / "policyqa.sqlite3") as store:
        texts = [c.text for c in store.iter_chunks()]
    tokenizer = ChineseTokenizer()
    tokens = [tokenizer.tokenize(t) for t in texts]
    reference = bm25s.BM25(k1=1.2, b=0.75, method="lucene")
    reference.index(tokens, show_progress=False)
    batched = Bm25Builder()
    for start in range(0, len(tokens), 37):
        batched.add(count_terms(tokens[start:start + 37]))
    save_bm25(batched.build(1.2, 0.75), tmp_path / "bm25")
    built = load_bm25(tmp_path / "bm25")
    assert built.scores["num_docs"] == len(texts)
    assert set(built.vocab_dict) == set(reference.vocab_dict)
    for query in QUERIES:
        known = [t for t in tokenizer.tokenize(query) if t in reference.vocab_dict]
        np.testing.assert_array_equal(built.get_scores(known), reference.get_scores(known))
