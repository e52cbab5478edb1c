"""The word-segmentation contract the keyword tokenizer needs from a jieba implementation."""

from __future__ import annotations

from typing import Protocol


class Segmenter(Protocol):
    """A jieba-compatible word segmenter (prefix dictionary + HMM for unknown words)."""

    name: str

    def add_word(self, word: str, freq: int | None = None, tag: str | None = None) -> None:
        """Add ``word`` to the dictionary (``freq`` None: jieba's suggested frequency)."""
        ...

    def cut(self, text: str) -> list[str]:
        """Precise-mode words of ``text``, covering it left to right."""
        ...

    def cut_for_search(self, text: str) -> list[str]:
        """Search-mode words: precise words plus their dictionary sub-words (数据大脑 → 数据, 大脑, 数据大脑)."""
        ...
