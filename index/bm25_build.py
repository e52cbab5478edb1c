"""A vectorised BM25 (Lucene variant) builder that produces the very index bm25s would.

bm25s builds its score matrix one document at a time in Python and needs every document's
token list in memory at once: about 70 s and well over 10 GB for a million chunks. Here each
batch of chunks is reduced to compact term-count arrays (``count_terms``, which worker
processes can run in parallel), the batches are merged into one vocabulary with numpy
remapping, and the scores are computed for all chunks at once. The result is an ordinary
``bm25s.BM25`` (saved and loaded by bm25s, no pickle) with the same scores as
``bm25s.BM25(method="lucene").index(token_lists)`` (tested).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import bm25s
import numpy as np


@dataclass(frozen=True)
class TermCounts:
    """The term frequencies of a batch of chunks, against the batch's own small vocabulary."""

    vocab: list[str]  # batch-local term id -> term
    lengths: np.ndarray  # tokens per chunk (int64)
    distinct: np.ndarray  # distinct terms per chunk (int64)
    terms: np.ndarray  # local id of each distinct term, chunk after chunk (int32)
    counts: np.ndarray  # that term's frequency in its chunk (int32)


def count_terms(token_lists: Iterable[Sequence[str]]) -> TermCounts:
    """Reduce tokenised chunks to ``TermCounts`` (the per-token Python work of an index build)."""
    vocab: dict[str, int] = {}
    lengths, distinct, terms, counts = [], [], [], []
    for tokens in token_lists:
        frequencies = Counter(tokens)
        lengths.append(len(tokens))
        distinct.append(len(frequencies))
        terms.extend([vocab.setdefault(t, len(vocab)) for t in frequencies])
        counts.extend(frequencies.values())
    return TermCounts(list(vocab), np.asarray(lengths, dtype=np.int64), np.asarray(distinct, dtype=np.int64),
                      np.asarray(terms, dtype=np.int32), np.asarray(counts, dtype=np.int32))


class Bm25Builder:
    """Accumulates ``TermCounts`` batches in chunk order, then builds the BM25 index over all of them."""

    def __init__(self) -> None:
        self._vocab: dict[str, int] = {}
        self._batches: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []

    def add(self, batch: TermCounts) -> None:
        """Append the next chunks; only their arrays are kept, remapped to the global vocabulary."""
        remap = np.fromiter((self._vocab.setdefault(t, len(self._vocab)) for t in batch.vocab), dtype=np.int32,
                            count=len(batch.vocab))
        self._batches.append((batch.lengths, batch.distinct, remap[batch.terms], batch.counts))

    def build(self, k1: float = 1.2, b: float = 0.75) -> bm25s.BM25:
        """The Lucene-variant ``bm25s.BM25`` over every chunk added, row i = the i-th chunk added."""
        lengths, distinct, terms, counts = (np.concatenate([batch[i] for batch in self._batches])
                                            if self._batches else np.zeros(0, dtype=np.int64) for i in range(4))
        terms = terms.astype(np.int32, copy=False)
        n_docs, n_vocab = len(lengths), len(self._vocab)
        docs = np.repeat(np.arange(n_docs, dtype=np.int32), distinct)
        doc_freq = np.bincount(terms, minlength=n_vocab)
        # The same arithmetic, in the same float widths, as bm25s' lucene scorer: idf in float32,
        # the term-frequency component in float64, the product stored as float32.
        idf = np.asarray([math.log(1 + (n_docs - df + 0.5) / (df + 0.5)) for df in doc_freq.tolist()],
                         dtype=np.float32)
        avg_len = lengths.mean() if n_docs else np.float64(0.0)
        norm = k1 * ((1 - b) + b * lengths.astype(np.float64) / avg_len)
        tf = counts.astype(np.float64)
        scores = (idf[terms] * (tf / (norm[docs] + tf))).astype(np.float32)
        # Column-major (term, then chunk) as bm25s stores it: postings of a term are contiguous.
        order = np.argsort(terms, kind="stable")  # chunks are already ascending within a term
        indptr = np.zeros(n_vocab + 1, dtype=np.int64)
        np.cumsum(doc_freq, out=indptr[1:])
        model = bm25s.BM25(k1=k1, b=b, method="lucene")
        model.nonoccurrence_array = None
        model.scores = {"data": scores[order], "indices": docs[order], "indptr": indptr, "num_docs": n_docs}
        vocab = dict(self._vocab)
        if "" not in vocab:  # bm25s' empty token: scores documents a query shares nothing with
            vocab[""] = n_vocab
        model.vocab_dict = vocab
        model.unique_token_ids_set = set(vocab.values())
        return model
