"""Rebuild paragraphs from extracted lines.

PDFs (and TXT files extracted from PDFs) break lines inside Chinese sentences at the
page width. A line is joined to the next one when it is as wide as the page's text
column (or leaves a 《》/“”/（） open) and ends without closing punctuation. A heading is
joined only when it is itself wrapped; a title wrapped over two lines is joined.
"""

from __future__ import annotations

import bisect
import re
import statistics
import unicodedata
from dataclasses import dataclass
from typing import Sequence

from ingest.headings import is_toc_line, match_heading

# Characters that end a paragraph when they end a line.
_TERMINAL = "。！？：!?:…"  # not ；: a full line ending in ； goes on
_CLOSERS = "”’」』）)】》"
_OPENERS = {"《": "》", "“": "”", "（": "）", "(": ")", "【": "】", "〔": "〕"}
# Slack below the typical line width (display columns) that still counts as a full line.
_WIDTH_SLACK = 8
# Above this width a line without closing punctuation is a broken paragraph even in
# files that hold one paragraph per line.
_LONG_LINE = 80
_DOC_KIND_ENDINGS = re.compile(r"(?:函|通知|意见|报告|规划|方案|决定|办法|批复|请示|答复|建议|纪要|公告|通报|细则|规定)$")
_LEADING_MARKUP = re.compile(r"^\s*#{1,6}\s+")
_BOLD = re.compile(r"\*\*|__")


@dataclass(frozen=True)
class CleanedText:
    """A document's cleaned text; page ``i`` (1-based) starts at ``page_starts[i-1]``."""

    text: str
    page_starts: tuple[int, ...]


def display_width(text: str) -> int:
    """Columns a line takes on the page: CJK characters count two, others one."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _has_open_bracket(text: str) -> bool:
    return any(text.count(opener) > text.count(closer) for opener, closer in _OPENERS.items())


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


def _clean_line(raw: str) -> str:
    line = _LEADING_MARKUP.sub("", raw)
    return _BOLD.sub("", line).strip()


def _joiner(previous: str, line: str) -> str:
    # Latin words broken at a line end need their space back; CJK text has none.
    if previous[-1:].isascii() and previous[-1:].isalpha() and line[:1].isascii() and line[:1].isalpha():
        return " "
    return ""


class _Joiner:
    """Decides, line by line, whether a line continues the paragraph before it."""

    def __init__(self, lines: Sequence[str]):
        widths = [display_width(line) for line in lines if line]
        typical = statistics.median(widths) if widths else 0
        self.full_width = min(max(typical - _WIDTH_SLACK, 20), _LONG_LINE)
        self.in_front_matter = True

    def continues(self, paragraph: str, last_line: str, line: str) -> bool:
        """True when ``line`` continues ``paragraph``, whose last physical line is ``last_line``."""
        if is_toc_line(last_line) or "\t" in last_line or _ends_paragraph(last_line):
            return False
        if match_heading(line) is not None:
            return False
        if self.in_front_matter and _is_title_continuation(last_line, line):
            return True
        if self.in_front_matter and _DOC_KIND_ENDINGS.search(paragraph):
            return False  # a finished title; the addressee line follows
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


def join_lines(pages: Sequence[str]) -> CleanedText:
    """Join wrapped lines into paragraphs (one per ``\\n``) and record where pages start."""
    entries: list[tuple[int, str]] = []
    for page_no, page in enumerate(pages):
        for raw in page.splitlines():
            entries.append((page_no, _clean_line(raw)))
    joiner = _Joiner([line for _, line in entries])

    paragraphs: list[str] = []
    page_starts: list[int | None] = [None] * len(pages)
    offset = 0  # length of "\n".join(paragraphs) so far, current paragraph included
    current = ""
    last_line = ""
    for page_no, line in entries:
        if not line:
            continue
        if current and joiner.continues(current, last_line, line):
            glue = _joiner(current, line)
            current += glue + line
            position = offset + len(glue)
            offset += len(glue) + len(line)
        else:
            if current:
                paragraphs.append(current)
                joiner.paragraph_done(current)
                offset += 1  # the "\n" between paragraphs
            current = line
            position = offset
            offset += len(line)
        last_line = line
        if page_starts[page_no] is None:
            page_starts[page_no] = position
    if current:
        paragraphs.append(current)
    text = "\n".join(paragraphs)

    # Empty pages start where the next content starts (or at the end).
    resolved: list[int] = []
    following = len(text)
    for start in reversed(page_starts):
        following = start if start is not None else following
        resolved.append(following)
    resolved.reverse()
    return CleanedText(text=text, page_starts=tuple(resolved))


def pages_for_span(cleaned: CleanedText, start: int, end: int) -> tuple[int, ...]:
    """1-based page numbers that the span ``[start, end)`` of ``cleaned.text`` touches."""
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
