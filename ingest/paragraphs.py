"""Rebuild paragraphs from extracted lines.

PDFs (and TXT files extracted from PDFs) break lines inside Chinese sentences at the
page width. Each line is decided on its own:

- a line the loader marks as a whole paragraph (a DOCX paragraph, a table row) is never
  joined to anything (``ingest.layout``);
- a typeset line (PDF, OFD) continues into the next one only when it reaches the right
  edge of the text column, does not end a sentence, and the next line neither starts
  indented nor opens a new block (a clause number, a list marker, a 文号, a date);
- plain text has no geometry: a line counts as full when it is about as wide as the lines
  that fill the page (the most common width among the wider half, not the median of all
  lines, which lists and cover pages pull down), with the same checks on the next line.

A document title wrapped over two centred lines is joined; a 文号 or date line never is.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Sequence

from ingest.dates import date_line
from ingest.headings import is_toc_line, match_heading
from ingest.layout import (
    GEOMETRY, NEAR, NEAR_INDENTED, NOTE, OPEN, OPEN_INDENTED, SOFT_BREAK, UNKNOWN, WHOLE, is_indented, page_marks,
)

# Characters that end a paragraph when they end a line.
_TERMINAL = "。！？：!?:…"  # not ；: a full line ending in ； goes on
_CLOSERS = "”’」』）)】》"
_OPENERS = {"《": "》", "“": "”", "（": "）", "(": ")", "【": "】", "〔": "〕"}
# Slack below the typical full width (display columns) that still counts as a full line.
_WIDTH_SLACK = 8
# Above this width a line without closing punctuation is a broken paragraph even in
# files that hold one paragraph per line.
_LONG_LINE = 80
_DOC_KIND_ENDINGS = re.compile(r"(?:函|通知|意见|报告|规划|方案|决定|办法|批复|请示|答复|建议|纪要|公告|通报|细则|规定)$")
_LEADING_MARKUP = re.compile(r"^\s*#{1,6}\s+")
_BOLD = re.compile(r"\*\*|__")
# What opens a new block even after a full line: list bullets and dashes, a)/1) items,
# notes, examples, table/figure captions, a footnote text "[1]…".
_BLOCK_START = re.compile(
    r"^(?:[●•■◆▲★□◇○√·]|——|[a-z][)）]|\d{1,2}[)）]|注\s*\d*\s*[:：]|示例\s*\d*\s*[:：]?|"
    r"[表图]\s*(?:[A-Z][.．]?)?\d+(?:[.．]\d+)*\s|\[\d{1,3}\]\s*\S|⁽[⁰¹²³⁴⁵⁶⁷⁸⁹]+⁾)"
)
_DOC_NUMBER_START = re.compile(r"^[\u3400-\u9fff]{1,12}\s*[〔［\[（(]\s*(?:19|20)\d\d\s*[〕］\]）)]\s*\d{1,5}\s*号")
_DOC_NUMBER_LINE_MAX = 30


@dataclass(frozen=True)
class CleanedText:
    """A document's cleaned text; page ``i`` (1-based) starts at ``page_starts[i-1]``.

    ``roles`` has one character per paragraph (``\\n``-separated line of ``text``): the
    ``ingest.layout`` mark of a whole-paragraph line (t: a TOC entry, r: a table row,
    n: a footnote text) or "." for ordinary text. ``page_starts`` is empty for formats
    without pages.
    """

    text: str
    page_starts: tuple[int, ...]
    roles: str = ""


def display_width(text: str) -> int:
    """Columns a line takes on the page: CJK characters count two, others one."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _has_open_bracket(text: str) -> bool:
    return any(text.count(opener) > text.count(closer) for opener, closer in _OPENERS.items())


def _ends_inside_pair(text: str) -> bool:
    """Whether ``text`` ends inside a 《title》, “quote” or bracket opened on it."""
    return any(text.rfind(opener) > text.rfind(closer) for opener, closer in _OPENERS.items())


def _ends_paragraph(text: str) -> bool:
    # "……。”" ends a paragraph too: look through closing quotes and brackets.
    stripped = text.rstrip(_CLOSERS)
    return bool(stripped) and stripped[-1] in _TERMINAL


def _is_title_continuation(previous: str, line: str) -> bool:
    """A document title wrapped over two short lines ("关于…运" + "行中心…的函")."""
    if display_width(previous) + display_width(line) > 2 * 60:
        return False
    if not _DOC_KIND_ENDINGS.search(line):
        return False
    return previous.startswith("关于") or display_width(line) <= 16


def is_doc_number_line(line: str) -> bool:
    """A line that is a 文号 and nothing else: "国防部发〔2012〕21号" (a wrapped line that merely
    starts with one, "府〔2019〕27 号），对本地…", is not)."""
    stripped = line.strip()
    match = _DOC_NUMBER_START.match(stripped)
    return match is not None and match.end() == len(stripped) and len(stripped) <= _DOC_NUMBER_LINE_MAX


def starts_block(line: str) -> bool:
    """True when ``line`` opens a new paragraph whatever precedes it.

    A clause number (一、, 5.1.1, 第三条…), a list bullet or dash, a) / 1), a note or an
    example, a table/figure caption, a footnote text, a 文号 line or a date line.
    """
    return (match_heading(line) is not None or bool(_BLOCK_START.match(line))
            or is_doc_number_line(line) or date_line(line) is not None)


def _closes_line(line: str) -> bool:
    """A line that is complete by itself: a 文号, a date, a TOC entry."""
    return is_doc_number_line(line) or date_line(line) is not None or is_toc_line(line) or "\t" in line


def _has_closed_heading(paragraph: str) -> bool:
    """A heading paragraph without a full stop: it ends at its line end (its body follows)."""
    return match_heading(paragraph) is not None and not any(stop in paragraph for stop in "。！？")


def _clean_line(raw: str) -> str:
    line = _LEADING_MARKUP.sub("", raw)
    return _BOLD.sub("", line).strip()


def _joiner(previous: str, line: str) -> str:
    # Latin words broken at a line end need their space back; CJK text has none.
    if previous[-1:].isascii() and previous[-1:].isalpha() and line[:1].isascii() and line[:1].isalpha():
        return " "
    return ""


def typical_full_width(widths: Sequence[int]) -> int:
    """The width of a full line of plain text: the most common width among the wider half.

    Wrapped paragraphs fill the page to the same width again and again; headings, list
    items and the last lines of paragraphs scatter below it. The median of all lines drops
    to a list item's width in a document of lists; the crowd at the top does not.
    """
    ordered = sorted(w for w in widths if w > 0)
    if not ordered:
        return 0
    counts = Counter(ordered[len(ordered) // 2:])
    return max(counts, key=lambda width: (counts[width], width))


class _Joiner:
    """Decides, line by line, whether a line continues the paragraph before it."""

    def __init__(self, lines: Sequence[str]):
        typical = typical_full_width([display_width(line) for line in lines if line])
        self.full_width = min(max(typical - _WIDTH_SLACK, 20), _LONG_LINE)
        self.in_front_matter = True

    def continues(self, paragraph: str, last_line: str, last_mark: str, line: str, mark: str) -> bool:
        """True when ``line`` (marked ``mark``) continues ``paragraph``, whose last line is ``last_line``."""
        if mark == SOFT_BREAK:
            # A manual break inside one Word paragraph: "关于…" + "…的通知" is one title, but
            # "国防部" + "2012年6月29日" are a signature's two lines.
            return not (_ends_paragraph(last_line) or _closes_line(last_line) or starts_block(line))
        if last_mark in WHOLE or mark in WHOLE:
            return False
        if _ends_paragraph(last_line) or _closes_line(last_line) or (len(paragraph) <= 80 and _closes_line(paragraph)):
            return False
        if starts_block(line):
            return False
        if self.in_front_matter and _is_title_continuation(last_line, line):
            return True
        if self.in_front_matter and _DOC_KIND_ENDINGS.search(paragraph):
            return False  # a finished title; the addressee line follows
        if last_mark in GEOMETRY and mark in GEOMETRY:
            if is_indented(mark):
                return False  # the next line opens a paragraph (or is centred)
            if _ends_inside_pair(paragraph):
                return True  # "…《政务数据大脑人" + "员账号…》": no paragraph ends inside a title
            if last_mark in (NEAR, NEAR_INDENTED):
                # Nearly full: a line of a ragged layout, or a paragraph's last line. It ended
                # without closing punctuation and the next line opens nothing: it goes on.
                return not _has_closed_heading(paragraph)
            return last_mark in (OPEN, OPEN_INDENTED)
        return self._continues_plain(paragraph, last_line, line)

    def _continues_plain(self, paragraph: str, last_line: str, line: str) -> bool:
        if _has_open_bracket(paragraph):
            return True
        if display_width(last_line) < self.full_width:
            return False
        heading = match_heading(paragraph)
        if heading is not None and not any(stop in paragraph for stop in "。！？"):
            # A wrapped heading ends in a short remainder; a full line after it is body.
            return display_width(line) < self.full_width
        return True

    def paragraph_done(self, paragraph: str) -> None:
        """Leave the front matter at the first numbered heading."""
        heading = match_heading(paragraph)
        if heading is not None and heading[1] != "preface":
            self.in_front_matter = False


def join_lines(pages: Sequence[str], marks: Sequence[str] = (), paginated: bool = True) -> CleanedText:
    """Join wrapped lines into paragraphs (one per ``\\n``) and record where pages start.

    ``marks`` are the loader's layout marks (``ingest.layout``), one string per page;
    without them every line is judged from its text. ``paginated=False`` (a DOCX without
    page breaks) leaves ``page_starts`` empty.
    """
    entries: list[tuple[int, str, str]] = []
    for page_no, (page, page_mark) in enumerate(zip(pages, page_marks(pages, marks))):
        for index, raw in enumerate(page.split("\n")):
            entries.append((page_no, _clean_line(raw), page_mark[index] if index < len(page_mark) else UNKNOWN))
    joiner = _Joiner([line for _, line, _ in entries])

    paragraphs: list[str] = []
    roles: list[str] = []
    length = 0  # len("\n".join(paragraphs))
    page_starts: list[int | None] = [None] * len(pages)
    current, current_role = "", UNKNOWN
    last_line, last_mark = "", UNKNOWN
    # Footnotes at a page foot wait until the paragraph they interrupt has ended (it may go on
    # on the next page); they follow it.
    deferred: list[str] = []

    def emit(paragraph: str, role: str) -> None:
        nonlocal length
        length += (1 if paragraphs else 0) + len(paragraph)
        paragraphs.append(paragraph)
        roles.append(role)

    for page_no, line, mark in entries:
        if not line:
            continue
        if mark == NOTE and current and not _ends_paragraph(current):
            deferred.append(line)
            continue
        opening = length + (1 if paragraphs else 0)  # where a paragraph started now would begin
        if current and joiner.continues(current, last_line, last_mark, line, mark):
            glue = _joiner(current, line)
            position = opening + len(current) + len(glue)
            current += glue + line
        else:
            if current:
                emit(current, current_role)
                joiner.paragraph_done(current)
                for note in deferred:
                    emit(note, NOTE)
                deferred = []
                opening = length + 1
            current = line
            current_role = mark if mark in WHOLE and mark != "p" else UNKNOWN
            position = opening
        last_line, last_mark = line, mark
        if page_starts[page_no] is None:
            page_starts[page_no] = position
    if current:
        emit(current, current_role)
    for note in deferred:
        emit(note, NOTE)
    text = "\n".join(paragraphs)
    if not paginated:
        return CleanedText(text=text, page_starts=(), roles="".join(roles))

    # Empty pages start where the next content starts (or at the end).
    resolved: list[int] = []
    following = len(text)
    for start in reversed(page_starts):
        following = start if start is not None else following
        resolved.append(following)
    resolved.reverse()
    return CleanedText(text=text, page_starts=tuple(resolved), roles="".join(roles))


def pages_for_span(cleaned: CleanedText, start: int, end: int) -> tuple[int, ...]:
    """1-based page numbers that the span ``[start, end)`` of ``cleaned.text`` touches (none without pages)."""
    starts = cleaned.page_starts
    if not starts:
        return ()
    ends = starts[1:] + (len(cleaned.text),)
    pages = tuple(
        number
        for number, (page_start, page_end) in enumerate(zip(starts, ends), start=1)
        if page_start < page_end and page_start < end and page_end > start
    )
    if pages:
        return pages
    return (max(bisect.bisect_right(starts, start), 1),)
