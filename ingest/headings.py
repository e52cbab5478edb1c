"""Recognise the numbered headings of 公文 (一、/（一）/1./（1）/①/第X章/第X条/附件 …)
and of standards (1 / 5.1 / 5.1.1, 附录A, A.1).

A heading's level comes from its numbering *kind*, never from markdown ``#`` markers
(converted documents get those wrong). The order is the one 公文 follow
(GB/T 9704): 第X章/一、 > 第X节/（一） > 第X条/1. > （1） > ①; a standard's clause
number has one level per part (GB/T 1.1). An annex (附件/附录) holds everything after it.
Lines of a table of contents ("（一）现状基础 ..... 3") and cross-references inside a
sentence ("第三条规定…") are not headings, and a heading needs a heading's shape: "附录B给
出了…。" is a sentence, "2.5 亿元" a number, "附件：xxx" the list of attachments.
"""

from __future__ import annotations

import re

# kind -> level; smaller is higher in the tree.
LEVELS: dict[str, int] = {
    "annex": 0,  # 附件1 / 附件 2 / 附录A: holds what follows, whatever its numbering
    "chapter": 1,  # 第一章 / 第一部分
    "cn_enum": 1,  # 一、
    "preface": 1,  # 引言 / 前言 / 摘要 / 结语
    "std1": 1,  # 1 范围 (a standard's clause numbers, GB/T 1.1)
    "std2": 2,  # 5.1 / A.1
    "std3": 3,  # 5.1.1
    "std4": 4,
    "std5": 5,
    "section": 2,  # 第一节
    "cn_paren": 2,  # （一）
    "article": 3,  # 第一条
    "arabic": 3,  # 1. / 1、
    "arabic_paren": 4,  # （1）
    "circled": 5,  # ①
    "column": 6,  # 专栏 2 …: a box inside whatever clause it follows
}

_CN_NUM = "零〇一二三四五六七八九十百千两"
_FOOTNOTE_CALL = re.compile("⁽[⁰¹²³⁴⁵⁶⁷⁸⁹]+⁾")  # as ingest.footnotes writes them
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
    # "2.2024年重点项目清单" is item 2 about a year, though.
    ("arabic", re.compile(r"^\d{1,2}\s*[.．、](?!\s*\d(?!\d{3}\s*年))(?P<rest>.*)$")),
    ("circled", re.compile(r"^[①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳](?P<rest>.*)$")),
    ("annex", re.compile(r"^附\s*(?:件|表|录)\s*(?P<number>\d{1,2}|[一二三四五六七八九十]{1,3}|[A-Z](?![A-Za-z]))?\s*"
                         r"(?P<colon>[:：])?(?P<rest>.{0,40})$")),
    # 1 范围 / 5.1.1 一般而言… / A.1 示例: the number, then a space (GB/T 1.1 sets one).
    ("std", re.compile(r"^(?P<number>(?:\d{1,2}|[A-Z](?=[.．]\d))(?:[.．]\d{1,2}){0,4})(?:\s|\u3000)+(?P<rest>\S.*)$")),
    ("column", re.compile(r"^专栏\s*\d{1,2}(?P<rest>.{0,40})$")),
    ("preface", re.compile(r"^(?:引\s*言|前\s*言|序\s*言|导\s*言|摘\s*要|结\s*语|结\s*束\s*语)(?P<rest>)\s*$")),
)

_REFERENCE_CHECKED = {"chapter", "section", "article"}
# What a measured number goes on with ("2.5 亿元", "3 个"): not a clause title.
_UNIT_START = re.compile(r"^(?:[亿万千百十元角分个只件项条次人名家所座台套株头吨克米年月日天周时秒岁倍%％‰]|"
                         r"小时|分钟|公里|千米|平方|立方|毫|厘|以上|以下|左右)")
# A clause title of a standard's top level is short and no sentence.
_MAX_STD_TITLE = 30
# What follows 附录B in a sentence about it ("附录B给出了…", "附录A中的…").
_ANNEX_SENTENCE = re.compile(r"^(?:给出|规定|列出|中|的|所|是|为|见|和|与|及|或|、|，|,)")
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
        if kind == "annex" and not _annex_shape(match, rest):
            return None
        if kind == "std":
            depth = _std_depth(match["number"], rest)
            if depth is None:
                return None
            kind = f"std{depth}"
        return kind, text
    return None


def _annex_shape(match: re.Match[str], rest: str) -> bool:
    """附件1 / 附录A（资料性）… is an annex; "附件：1.xxx" (a letter's attachment list), "附件：
    xxx清单" and "附录B给出了…。" (sentences about an annex) are not."""
    rest = rest.strip()
    if match["colon"] and not match["number"]:
        return False  # "附件：…" lists the attachments at the end of a letter
    if rest.startswith(("1.", "1、", "1．")):
        return False
    if rest and (rest[-1] in "。；，,;" or _ANNEX_SENTENCE.match(rest)):
        return False
    return True


def _std_depth(number: str, rest: str) -> int | None:
    """How deep a standard's clause number is, or None when the line is no clause."""
    depth = len(re.split(r"[.．]", number))
    if _UNIT_START.match(rest) or not (rest[0].isalpha() or "\u4e00" <= rest[0] <= "\u9fff"):
        return None
    if depth == 1:
        # "1 范围": a bare number needs a title's shape (short, no sentence punctuation).
        if len(rest) > _MAX_STD_TITLE or any(mark in rest for mark in "。；，,;：:"):
            return None
    return depth


def clause_number(title: str) -> tuple[str, ...] | None:
    """The parts of a standard clause number or appendix letter opening ``title``:
    "5.1.1 一般而言" → ("5", "1", "1"), "附录A（资料性）…" → ("A",); else None."""
    text = strip_markup(title)
    annex = re.match(r"^附\s*录\s*([A-Z])", text)
    if annex is not None:
        return (annex.group(1),)
    match = re.match(r"^((?:\d{1,2}|[A-Z](?=[.．]\d))(?:[.．]\d{1,2}){0,4})(?:\s|\u3000)", text)
    return tuple(re.split(r"[.．]", match.group(1))) if match else None


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

    "（一）提供人工查询服务。针对部分老年人…" → "（一）提供人工查询服务"; letter-spaced
    titles are closed up ("前 言" → "前言").
    """
    text = _FOOTNOTE_CALL.sub("", strip_markup(line))  # "主要目标完成情况⁽²⁾": the call is no part of the title
    if re.fullmatch(r"[\u4e00-\u9fff](?:\s+[\u4e00-\u9fff]){1,3}", text):
        text = re.sub(r"\s+", "", text)
    for stop in ("。", "！", "？"):
        cut = text.find(stop)
        if 0 < cut <= _MAX_INLINE_TITLE:
            text = text[:cut]
    if len(text) > _MAX_INLINE_TITLE:
        # No early full stop: cut at the first clause break so the path stays readable.
        comma = max(text.rfind("，", 0, _MAX_INLINE_TITLE), text.rfind("；", 0, _MAX_INLINE_TITLE))
        text = text[:comma] if comma > 8 else text[:_MAX_INLINE_TITLE]
    return re.sub(r"\s+", " ", text).strip()


_CN_VALUES = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}


def ordinal(title: str) -> int | None:
    """The number of a numbered heading: "第二十三条" → 23, "三、" → 3, "（十二）" → 12, "4." → 4."""
    match = re.match(rf"^(?:第|[（(]\s*)?([{_CN_NUM}\d]+)", strip_markup(title))
    if match is None:
        return None
    digits = match.group(1)
    if digits.isdigit():
        return int(digits)
    total, current = 0, 0
    for char in digits:
        if char in _CN_VALUES:
            current = _CN_VALUES[char]
        elif char in "十百千":
            total += (current or 1) * {"十": 10, "百": 100, "千": 1000}[char]
            current = 0
    return total + current
