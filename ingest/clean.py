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
_BARE_PAGE_NUMBER = re.compile(r"^[\[(（]?\d{1,4}[\])）]?$")
# Running headers and footers live in the first/last few lines of a page.
_EDGE_LINES = 3
_MIN_PAGES_FOR_REPEATS = 3
_MAX_FURNITURE_LENGTH = 60


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


def _edge_indexes(lines: list[str]) -> list[int]:
    filled = [i for i, line in enumerate(lines) if line.strip()]
    return sorted(set(filled[:_EDGE_LINES] + filled[-_EDGE_LINES:]))


def _running_lines(pages: list[list[str]]) -> set[str]:
    """Keys of edge lines that recur on most pages (running headers/footers)."""
    if len(pages) < _MIN_PAGES_FOR_REPEATS:
        return set()
    counts: Counter[str] = Counter()
    for lines in pages:
        counts.update({_furniture_key(lines[i]) for i in _edge_indexes(lines) if len(lines[i].strip()) <= _MAX_FURNITURE_LENGTH})
    threshold = max(_MIN_PAGES_FOR_REPEATS, (len(pages) + 1) // 2)
    return {key for key, count in counts.items() if key and count >= threshold}


def strip_page_furniture(pages: Sequence[str]) -> tuple[str, ...]:
    """Drop page numbers and running headers/footers, then ``repair_characters``.

    Returns one string per input page (pages stay aligned with page numbers). Text
    files converted from PDF carry page numbers mid-text, so decorated numbers such as
    "— 5 —" are dropped anywhere, bare digits only as a page's first/last line.
    """
    split = [repair_characters(page).split("\n") for page in pages]
    running = _running_lines(split)
    paginated = len(split) > 1
    cleaned = []
    for lines in split:
        edges = set(_edge_indexes(lines))
        # A bare number is a page number only as the very first/last line of a real page;
        # a single-page text (TXT, DOCX) has no page edges, only body lines.
        outermost = _outermost_indexes(lines) if paginated else set()
        kept = [
            line
            for i, line in enumerate(lines)
            if not is_page_number(line, at_page_edge=i in outermost)
            and not (i in edges and _furniture_key(line) in running)
        ]
        cleaned.append("\n".join(kept))
    return tuple(cleaned)
