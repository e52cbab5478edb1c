"""The rule that decides whether a retrieved chunk holds a gold quote."""

from __future__ import annotations

from evals.matching import chunk_hits_quote
from tests.evals.conftest import CORPUS_DIR


def _sentence() -> str:
    """A real 60+ character sentence of the plan (002), without line breaks."""
    text = (CORPUS_DIR / "002_4a82e6608af59380.txt").read_text(encoding="utf-8")
    for sentence in "".join(text.split()).split("。"):
        if 60 <= len(sentence) <= 100:
            return sentence + "。"
    raise AssertionError("the plan has no sentence of 60–100 characters")


def test_a_chunk_containing_the_quote_hits_even_with_line_breaks() -> None:
    quote = _sentence()
    wrapped = "前文。\n" + quote[:17] + "\n  " + quote[17:40] + "\r\n" + quote[40:] + "后文"
    assert chunk_hits_quote(wrapped, quote)


def test_eighty_percent_of_the_quote_in_one_run_hits() -> None:
    quote = _sentence()
    cut = -(-len(quote) * 8 // 10)  # ceil(0.8 · len)
    assert chunk_hits_quote("上一条款。" + quote[:cut], quote)  # a chunk boundary after 80%
    assert chunk_hits_quote(quote[len(quote) - cut :] + "下一条款。", quote)  # or before the last 80%


def test_less_than_eighty_percent_misses() -> None:
    quote = _sentence()
    short = len(quote) * 8 // 10 - 2
    assert not chunk_hits_quote("上一条款。" + quote[:short], quote)


def test_the_run_must_be_contiguous() -> None:
    quote = _sentence()
    half = len(quote) // 2
    # Both halves are present, 100% of the characters, but never as one run.
    assert not chunk_hits_quote(quote[half:] + "中间插入的其他文字。" + quote[:half], quote)
    assert not chunk_hits_quote(quote[:half] + "插入" + quote[half:], quote)


def test_folding_matches_the_index_normalisation() -> None:
    # A Kangxi radical (U+2F00 ⼀) and full-width digits in the chunk, as PDF extraction leaves
    # them, against the clean quote: the index folds both, so the match must too.
    quote = "一是加快推进数字政府建设，２０２１年完成"
    chunk = "\u2f00是加快推进数字政府建设，2021年完成"
    assert chunk_hits_quote(chunk, quote)


def test_unrelated_chunk_misses() -> None:
    assert not chunk_hits_quote("东莞市人民政府办公室关于印发规划的通知", _sentence())
