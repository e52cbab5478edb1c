"""What a standard's cover says: its number, title, publication date and publishers.

A national, industry, local or group standard (GB/T 9704—2012, NB/T 20588—2025,
DB44/T 123—2020, T/CEC 100—2021) prints on its cover, in this order: ICS/CCS codes,
"中华人民共和国国家标准" (or 行业/地方/团体标准), the number, "代替…", the Chinese
title, the English title, "(征求意见稿)", "2012-06-29发布 2012-07-01实施", and the
publishing bodies followed by "发布". The 前言 that follows is prose about the standard,
never its title; sample figures in its annexes hold dates that are not its date.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from ingest.dates import compact, date_line

_DASHES = "—–\\-－―‐"
# Prefixes of standard numbers: GB, GB/T, GB/Z, industry codes (NB/T, DL/T, JGJ), local
# DB44/T and group T/CEC.
STANDARD_NUMBER = re.compile(
    rf"(?P<prefix>GB(?:/[TZ])?|DB\d{{2}}(?:/T)?|T/[A-Z]{{2,10}}|[A-Z]{{1,4}}(?:/[TZ])?)\s*"
    rf"(?P<number>\d{{1,6}}(?:\.\d{{1,4}})?)\s*[{_DASHES}]\s*(?P<year>(?:19|20)\d{{2}})"
)
_STANDARD_KIND = re.compile(r"^中华人民共和国.{0,12}标准$|^.{2,12}(?:行业|地方|团体|企业)标准$")
_COVER_LABEL = re.compile(r"^(?:ICS|CCS|备案号|代替|[A-Z]\s*\d{2}$|[A-Z]{1,4}$)")
_DRAFT_MARK = re.compile(r"^[（(].{0,10}稿[）)]$")
_LATIN_TITLE = re.compile(r"^[A-Za-z][A-Za-z ,.'()\-/]+$")
_PUBLISH = re.compile(r"^(?P<orgs>.*?)\s*发\s*布$")
_MAX_TITLE = 40


def standard_number(text: str) -> str | None:
    """The standard number a line is or starts with, printed the standard way: "GB/T 9704—2012"."""
    match = STANDARD_NUMBER.match(compact(text).replace(" ", "")) or STANDARD_NUMBER.match(text.strip())
    if match is None:
        return None
    return f"{match['prefix']} {match['number']}—{match['year']}"


@dataclass(frozen=True)
class Cover:
    """The metadata a standard's cover gives (None where it says nothing)."""

    number: str | None
    title: str | None
    date: str | None
    issuer: str | None


def read_cover(front: Sequence[str], furniture: Sequence[str] = ()) -> Cover | None:
    """The cover of a standard from the paragraphs before its first clause, or None when
    ``front`` is no standard's cover (no "…标准" line and no number standing alone)."""
    head = [compact(p) for p in front]
    number_index = next((i for i, p in enumerate(head) if standard_number(p) and _is_number_line(p)), None)
    kind_index = next((i for i, p in enumerate(head) if _STANDARD_KIND.match(p)), None)
    if number_index is None and kind_index is None:
        return None
    number = standard_number(head[number_index]) if number_index is not None else _from_furniture(furniture)
    start = max(i for i in (number_index, kind_index) if i is not None) + 1
    title = None
    date = None
    dates_seen = False  # the "…发布 …实施" line, even a draft's "2025-××-××发布"
    publishers: list[str] = []
    for index in range(start, len(head)):
        paragraph = head[index]
        if not dates_seen and "发布" in paragraph and ("实施" in paragraph or date_line(paragraph)):
            dates_seen, date = True, date_line(paragraph)
            continue
        published = _PUBLISH.match(paragraph)
        if published is not None and dates_seen:
            if published["orgs"]:
                publishers.append(published["orgs"])
            break
        if dates_seen:
            publishers.append(paragraph)  # the bodies between the dates and "发布"
            continue
        if title is None and _is_title(paragraph):
            title = paragraph
    issuer = "、".join(dict.fromkeys(p for p in publishers if p)) or None
    return Cover(number=number, title=title, date=date, issuer=issuer)


def _is_number_line(paragraph: str) -> bool:
    """A line that is the number (a cover prints it alone), not a sentence citing it."""
    return len(paragraph) <= 30 and not paragraph.startswith("代替")


def _is_title(paragraph: str) -> bool:
    if not paragraph or len(paragraph) > _MAX_TITLE or _COVER_LABEL.match(paragraph):
        return False
    if _DRAFT_MARK.match(paragraph) or _LATIN_TITLE.match(paragraph) or standard_number(paragraph):
        return False
    if any(mark in paragraph for mark in "。；：:"):
        return False
    return sum(1 for c in paragraph if "\u4e00" <= c <= "\u9fff") >= 4


def _from_furniture(furniture: Sequence[str]) -> str | None:
    """The number printed in the running headers (the most common one)."""
    numbers = Counter(n for n in (standard_number(line) for line in furniture) if n)
    return numbers.most_common(1)[0][0] if numbers else None
