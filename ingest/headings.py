"""Recognise the numbered headings of 公文 (一、/（一）/1./（1）/①/第X章/第X条/附件 …).

A heading's level comes from its numbering *kind*, never from markdown ``#`` markers
(converted documents get those wrong). The order is the one 公文 follow
(GB/T 9704): 第X章/一、 > 第X节/（一） > 第X条/1. > （1） > ①.
Lines of a table of contents ("（一）现状基础 ..... 3") and cross-references inside a
sentence ("第三条规定…") are not headings.
"""

from __future__ import annotations

import re

# kind -> level; smaller is higher in the tree.
LEVELS: dict[str, int] = {
    "chapter": 1,  # 第一章 / 第一部分
    "cn_enum": 1,  # 一、
    "preface": 1,  # 引言 / 前言 / 摘要 / 结语
    "annex": 1,  # 附件1 / 附件 2
    "section": 2,  # 第一节
    "cn_paren": 2,  # （一）
    "article": 3,  # 第一条
    "arabic": 3,  # 1. / 1、
    "arabic_paren": 4,  # （1）
    "circled": 5,  # ①
    "column": 6,  # 专栏 2 …: a box inside whatever clause it follows
}

_CN_NUM = "零〇一二三四五六七八九十百千两"
_MARKDOWN = re.compile(r"^\s*#{1,6}\s*|\*\*|__")
# A table-of-contents entry ends in a leader (dots, tab) and a page number.
_TOC_LINE = re.compile(r"(?:[.…·．]{2,}|\t|\s{3,})\s*\d{1,4}\s*$")
# Words after 第X条/章/节 that make it a reference inside a sentence, not a heading.
_REFERENCE_FOLLOWERS = re.compile(
    r"^(?:规定|的|所|中|之|和|与|及|或|至|到|、|，|,|第|款|项|明确|提出|要求|有关|相关|精神|内容|执行|办理)"
)

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("chapter", re.compile(rf"^第[{_CN_NUM}\d]+(?:章|部分|编)(?P<rest>.*)$")),
    ("section", re.compile(rf"^第[{_CN_NUM}\d]+节(?P<rest>.*)$")),
    ("article", re.compile(rf"^第[{_CN_NUM}\d]+条(?P<rest>.*)$")),
    # 一、 but not "一、二项…" (an enumeration of items referred to).
    ("cn_enum", re.compile(rf"^[{_CN_NUM}]+\s*、(?![{_CN_NUM}]+[项条款])(?P<rest>.*)$")),
    ("cn_paren", re.compile(rf"^[（(]\s*[{_CN_NUM}]+\s*[）)](?P<rest>.*)$")),
    ("arabic_paren", re.compile(r"^[（(]\s*\d{1,3}\s*[）)](?P<rest>.*)$")),
    # 1. / 1、/ 1． / "1 ." — but not 4.1, 2019.5 or a decimal like 1.5亿.
    ("arabic", re.compile(r"^\d{1,2}\s*[.．、](?!\s*\d)(?P<rest>.*)$")),
    ("circled", re.compile(r"^[①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳](?P<rest>.*)$")),
    ("annex", re.compile(r"^附(?:件|表|录)\s*(?:\d{1,2}|[一二三四五六七八九十]{1,3})?\s*[:：]?(?P<rest>.{0,30})$")),
    ("column", re.compile(r"^专栏\s*\d{1,2}(?P<rest>.{0,40})$")),
    ("preface", re.compile(r"^(?:引\s*言|前\s*言|序\s*言|导\s*言|摘\s*要|结\s*语|结\s*束\s*语)(?P<rest>)\s*$")),
)

_REFERENCE_CHECKED = {"chapter", "section", "article"}
# An annex marker line carries at most a short title; "附件：xxx清单" lists attachments.
_MAX_INLINE_TITLE = 60


def strip_markup(line: str) -> str:
    """Remove markdown heading/bold markers and surrounding whitespace."""
    return _MARKDOWN.sub("", line).strip()


def is_toc_line(line: str) -> bool:
    """True for a table-of-contents entry such as "（一）现状基础 .....\t3"."""
    return bool(_TOC_LINE.search(line.rstrip()))


def _classify(line: str) -> tuple[str, str] | None:
    text = strip_markup(line)
    if not text or is_toc_line(line):
        return None
    for kind, pattern in _PATTERNS:
        match = pattern.match(text)
        if match is None:
            continue
        rest = match.group("rest")
        if kind in _REFERENCE_CHECKED and rest and not rest[0].isspace() and _REFERENCE_FOLLOWERS.match(rest):
            return None
        if kind == "annex" and rest.strip().startswith(("1.", "1、", "1．")):
            return None  # "附件：1.xxx" is the attachment list of a letter
        return kind, text
    return None


def match_heading(line: str) -> tuple[int, str] | None:
    """Return ``(level, kind)`` when ``line`` opens a clause, else ``None``.

    ``line`` is one paragraph; an inline heading ("（一）提供人工查询服务。针对…")
    counts. Body text, 一是/二是 enumerations, table-of-contents lines and
    cross-references ("第三条规定…") give ``None``.
    """
    found = _classify(line)
    if found is None:
        return None
    kind, _ = found
    return LEVELS[kind], kind


def heading_title(line: str) -> str:
    """The heading part of a heading paragraph: up to its first full stop, markup removed.

    "（一）提供人工查询服务。针对部分老年人…" → "（一）提供人工查询服务".
    """
    text = strip_markup(line)
    for stop in ("。", "！", "？"):
        cut = text.find(stop)
        if 0 < cut <= _MAX_INLINE_TITLE:
            text = text[:cut]
    if len(text) > _MAX_INLINE_TITLE:
        # No early full stop: cut at the first clause break so the path stays readable.
        comma = max(text.rfind("，", 0, _MAX_INLINE_TITLE), text.rfind("；", 0, _MAX_INLINE_TITLE))
        text = text[:comma] if comma > 8 else text[:_MAX_INLINE_TITLE]
    return re.sub(r"\s+", " ", text).strip()
