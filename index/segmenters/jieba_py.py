"""The reference segmenter: the pure-Python ``jieba`` package (~1.2 ms per 400-character chunk)."""

from __future__ import annotations

import logging

import jieba

logging.getLogger("jieba").setLevel(logging.WARNING)
jieba.setLogLevel(logging.WARNING)


class PyJiebaSegmenter:
    """``jieba.Tokenizer`` behind the ``Segmenter`` contract; its dictionary loads in ~1 s on first use."""

    name = "jieba"

    def __init__(self) -> None:
        self._tokenizer = jieba.Tokenizer()
        self._tokenizer.initialize()

    def add_word(self, word: str, freq: int | None = None, tag: str | None = None) -> None:
        """Add ``word`` to this tokenizer's dictionary (not jieba's global one)."""
        self._tokenizer.add_word(word, freq, tag)

    def cut(self, text: str) -> list[str]:
        """Precise mode with HMM."""
        return list(self._tokenizer.cut(text))

    def cut_for_search(self, text: str) -> list[str]:
        """Search mode with HMM."""
        return list(self._tokenizer.cut_for_search(text))
