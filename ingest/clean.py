"""Page cleaning: page furniture out, PDF character artefacts repaired.

The output is still the original text users see in citations, so only artefacts are
touched: no width folding, no punctuation changes (〔〕《》“”（） stay as printed).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

from ingest.headings import match_heading
from ingest.layout import UNKNOWN, page_marks

# Zero-width characters, soft hyphen, bidi embeddings/overrides/isolates, BOM.
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_SPACES = re.compile("[\u00a0\u2000-\u200a\u202f\u205f\u3000]")
_DASH = "-‐‑‒–—―－─"
# Page-number lines: "- 3 -", "— 12 —", "第3页", "第 3 页 共 10 页", "3/10", "Page 3", "3".
_DECORATED_PAGE_NUMBER = re.compile(
    rf"""^(?:
        [{_DASH}]+\s*\d{{1,4}}\s*[{_DASH}]+
      | 第\s*\d{{1,4}}\s*页(?:\s*[,，、/]?\s*共\s*\d{{1,4}}\s*页)?
      | 共\s*\d{{1,4}}\s*页\s*第\s*\d{{1,4}}\s*页
      | (?:page|p\.)\s*\d{{1,4}}(?:\s*(?:of|/)\s*\d{{1,4}})?
      | \d{{1,4}}\s*/\s*\d{{1,4}}
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
# Bare numbers, and the Roman numerals of a standard's front matter (Ⅰ, Ⅱ, III).
_BARE_PAGE_NUMBER = re.compile(r"^[\[(（]?(?:\d{1,4}|[ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩⅪⅫ]{1,4}|[IVX]{1,5})[\])）]?$")
# Running headers and footers live in the first/last few lines of a page.
_EDGE_LINES = 3
_MIN_PAGES_FOR_REPEATS = 3
_MAX_FURNITURE_LENGTH = 60
# A header that repeats at one edge of only two pages must be shorter than this.
_MAX_HEADER_LENGTH = 40
_IDEOGRAPH = "\u3400-\u9fff\uf900-\ufaff"
# Three or more single ideographs each separated by spaces ("标 点 符 号"), not touching
# another ideograph on either side (so "东莞 市 政府" from PDF extraction stays).
_SPACED_RUN = re.compile(rf"(?<![{_IDEOGRAPH}])[{_IDEOGRAPH}](?:[ \u3000]{{1,3}}[{_IDEOGRAPH}]){{2,}}(?![{_IDEOGRAPH}])")
_SPACED_PAIR = re.compile(rf"[{_IDEOGRAPH}][ \u3000]{{1,4}}[{_IDEOGRAPH}]")


@lru_cache(maxsize=1)
def _radical_table() -> dict[int, str]:
    """Kangxi radicals and CJK Radicals Supplement → the ideograph they stand for.

    NFKC already maps the Kangxi block (U+2F00–U+2FD5); the supplement block
    (U+2E80–U+2EF3) has no decomposition, so it is mapped through the ideograph of the
    same Unicode name where one exists (e.g. "CJK RADICAL C-SIMPLIFIED EAT" has none
    and stays; "CJK RADICAL SILK" → 糸 via its Kangxi twin).
    """
    table: dict[int, str] = {}
    kangxi_by_name: dict[str, str] = {}
    for code in range(0x2F00, 0x2FE0):
        char = chr(code)
        folded = unicodedata.normalize("NFKC", char)
        if folded != char:
            table[code] = folded
            kangxi_by_name[unicodedata.name(char).removeprefix("KANGXI RADICAL ")] = folded
    for code in range(0x2E80, 0x2F00):
        char = chr(code)
        name = unicodedata.name(char, "")
        folded = unicodedata.normalize("NFKC", char)
        target = folded if folded != char else kangxi_by_name.get(name.removeprefix("CJK RADICAL "))
        if target:
            table[code] = target
    return table


def repair_characters(text: str) -> str:
    """Fix the character-level artefacts PDFs and word processors leave in text.

    Kangxi/supplement radicals → ideographs (PDF fonts often map 行 to ⾏ U+2F8F),
    zero-width and bidi controls removed, NBSP and ideographic/typographic spaces →
    a plain space.
    """
    text = text.translate(_radical_table())
    text = _INVISIBLE.sub("", text)
    return _SPACES.sub(" ", text)


def is_page_number(line: str, *, at_page_edge: bool) -> bool:
    """True for a line that is only a page number (bare digits only at a page edge)."""
    stripped = line.strip()
    if not stripped:
        return False
    if _DECORATED_PAGE_NUMBER.match(stripped):
        return True
    return at_page_edge and bool(_BARE_PAGE_NUMBER.match(stripped))


def _outermost_indexes(lines: list[str]) -> set[int]:
    filled = [i for i, line in enumerate(lines) if line.strip()]
    return {filled[0], filled[-1]} if filled else set()


def _furniture_key(line: str) -> str:
    # Running footers differ only by the page number they carry.
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", line))


def _edges(lines: list[str]) -> tuple[list[int], list[int]]:
    """Indexes of the first and of the last few non-empty lines of a page."""
    filled = [i for i, line in enumerate(lines) if line.strip()]
    # On a short page the two edges must not overlap, or a line is both header and footer.
    count = min(_EDGE_LINES, max(1, len(filled) // 2))
    return filled[:count], filled[-count:]


def _edge_indexes(lines: list[str]) -> list[int]:
    top, bottom = _edges(lines)
    return sorted(set(top + bottom))


def _may_repeat_at_one_edge(line: str) -> bool:
    """A short line that is no clause heading and no sentence: a header seen on two pages counts.

    Two annexes each opening a page ("附件1", "附件2") share a key but are headings.
    """
    stripped = line.strip()
    return (len(stripped) <= _MAX_HEADER_LENGTH and not stripped.endswith(tuple("。；，：:"))
            and match_heading(stripped) is None)


def _running_lines(pages: list[list[str]]) -> set[str]:
    """Keys of edge lines that recur as running headers/footers.

    A line at a page edge on most pages is furniture (the classic rule); so is a short line
    at the same edge (top or bottom) of two or more pages of a longer document, because a
    header printed on even pages only, or from chapter two on, is still a header.
    """
    if len(pages) < _MIN_PAGES_FOR_REPEATS:
        return set()
    anywhere: Counter[str] = Counter()
    same_edge: Counter[tuple[str, str]] = Counter()
    shape: dict[str, str] = {}
    for lines in pages:
        top, bottom = _edges(lines)
        keys = set()
        for side, indexes in (("top", top), ("bottom", bottom)):
            side_keys = {_furniture_key(lines[i]) for i in indexes if len(lines[i].strip()) <= _MAX_FURNITURE_LENGTH}
            same_edge.update((side, key) for key in side_keys)
            keys |= side_keys
            for i in indexes:
                shape.setdefault(_furniture_key(lines[i]), lines[i])
        anywhere.update(keys)
    threshold = max(_MIN_PAGES_FOR_REPEATS, (len(pages) + 1) // 2)
    running = {key for key, count in anywhere.items() if key and count >= threshold}
    running |= {key for (_, key), count in same_edge.items()
                if key and count >= 2 and _may_repeat_at_one_edge(shape[key])}
    return running


def collapse_letter_spacing(line: str) -> str:
    """Close up letter-spaced words: "标 点 符 号" → "标点符号", a line "前 言" → "前言".

    Word's character spacing and typed spaces both come out of a PDF as spaces between
    single ideographs; a query for 标点符号 must still find them. Runs of three or more
    single ideographs are closed up anywhere, two only when they are the whole line.
    """
    stripped = line.strip()
    if _SPACED_PAIR.fullmatch(stripped):
        return re.sub(r"\s+", "", stripped)
    return _SPACED_RUN.sub(lambda match: re.sub(r"[ \u3000]+", "", match.group(0)), line)


def clean_pages(pages: Sequence[str], marks: Sequence[str] = ()) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """``strip_page_furniture`` that keeps the layout marks aligned and returns what it dropped.

    Returns ``(pages, marks, furniture)``; ``furniture`` holds the running header/footer
    lines removed (metadata may read a standard's number from them).
    """
    split = [repair_characters(page).split("\n") for page in pages]
    aligned = page_marks(pages, marks)
    running = _running_lines(split)
    paginated = len(split) > 1
    cleaned, kept_marks, furniture = [], [], []
    for lines, mark in zip(split, aligned):
        edges = set(_edge_indexes(lines))
        # A bare number is a page number only as the very first/last line of a real page;
        # a single-page text (TXT, DOCX) has no page edges, only body lines.
        outermost = _outermost_indexes(lines) if paginated else set()
        kept, kept_mark = [], []
        for i, line in enumerate(lines):
            if is_page_number(line, at_page_edge=i in outermost):
                continue
            if i in edges and _furniture_key(line) in running:
                furniture.append(line.strip())
                continue
            kept.append(collapse_letter_spacing(line))
            kept_mark.append(mark[i] if i < len(mark) else UNKNOWN)
        cleaned.append("\n".join(kept))
        kept_marks.append("".join(kept_mark))
    return tuple(cleaned), tuple(kept_marks), tuple(furniture)


def strip_page_furniture(pages: Sequence[str]) -> tuple[str, ...]:
    """Drop page numbers and running headers/footers, then ``repair_characters``.

    Returns one string per input page (pages stay aligned with page numbers). Text
    files converted from PDF carry page numbers mid-text, so decorated numbers such as
    "— 5 —" are dropped anywhere, bare digits only as a page's first/last line.
    Letter-spaced words are closed up (``collapse_letter_spacing``).
    """
    return clean_pages(pages)[0]
