"""Word segmenters for the keyword side and the factory that picks one by name."""

from __future__ import annotations

from index.segmenters.base import Segmenter

SEGMENTERS = ("rjieba", "jieba")
DEFAULT_SEGMENTER = "rjieba"


def make_segmenter(name: str = DEFAULT_SEGMENTER) -> Segmenter:
    """``rjieba`` (jieba-rs, the default: fast) or ``jieba`` (the pure-Python reference)."""
    if name == "rjieba":
        from index.segmenters.rjieba_rs import RustJiebaSegmenter

        return RustJiebaSegmenter()
    if name == "jieba":
        from index.segmenters.jieba_py import PyJiebaSegmenter

        return PyJiebaSegmenter()
    raise ValueError(f"unknown segmenter {name!r}: use one of {', '.join(SEGMENTERS)}")


__all__ = ["DEFAULT_SEGMENTER", "SEGMENTERS", "Segmenter", "make_segmenter"]
