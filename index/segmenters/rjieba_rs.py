"""The default segmenter: jieba-rs through ``rjieba`` (~17x pure-Python jieba), made to cut like jieba.

jieba-rs shares jieba's dictionary, HMM and search mode, but differs on runs of letters,
digits and symbols: it keeps ``2021-2025`` or ``A+B`` whole where jieba splits at every
character that is neither a letter nor a digit. Those tokens are split here the way
jieba's HMM fallback does (``[a-zA-Z0-9]+(?:\\.\\d+)?%?`` runs, every other character alone),
so an index built with either segmenter sees the same terms. Dictionary words that contain
symbols (``互联网+政务服务``) stay whole, as in jieba.
"""

from __future__ import annotations

import re

import rjieba

# jieba (finalseg.re_skip) keeps "3.5", "3.5%" and "5G" whole and cuts every other symbol off alone.
_JIEBA_RUN = re.compile(r"[\u4e00-\u9fff]+|[a-zA-Z0-9]+(?:\.\d+)?%?|.", re.DOTALL)
_NEEDS_SPLIT = re.compile(r"[^\u4e00-\u9fffa-zA-Z0-9]")


class RustJiebaSegmenter:
    """``rjieba.Jieba`` behind the ``Segmenter`` contract; its dictionary loads in ~0.1 s."""

    name = "rjieba"

    def __init__(self) -> None:
        self._jieba = rjieba.Jieba()

    def add_word(self, word: str, freq: int | None = None, tag: str | None = None) -> None:
        """Add ``word`` to this instance's dictionary."""
        self._jieba.add_word(word, freq, tag)

    def cut(self, text: str) -> list[str]:
        """Precise mode with HMM, symbol runs split as jieba splits them."""
        return self._split_symbol_runs(self._jieba.cut(text, True))

    def cut_for_search(self, text: str) -> list[str]:
        """Search mode with HMM, symbol runs split as jieba splits them."""
        return self._split_symbol_runs(self._jieba.cut_for_search(text, True))

    def _split_symbol_runs(self, words: list[str]) -> list[str]:
        out: list[str] = []
        for word in words:
            # isalnum first: a cheap C test that clears nearly every word (Han counts as alnum).
            if (len(word) > 1 and not word.isalnum() and _NEEDS_SPLIT.search(word) and not _JIEBA_RUN.fullmatch(word)
                    and not self._jieba.has_word(word)):
                # Search mode put this word's sub-words (21.iaas → iaas) just before it; jieba,
                # cutting at the symbol first, never forms them. A symbol run is preceded by a
                # non-alphanumeric word, which cannot be one of its substrings, so this stops there.
                while out and len(out[-1]) < len(word) and out[-1] in word:
                    out.pop()
                out.extend(_JIEBA_RUN.findall(word))
            else:
                out.append(word)
        return out
