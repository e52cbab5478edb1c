"""Dates as 公文, reports and standards print them, to ISO ``yyyy-mm-dd`` (or ``yyyy-mm``).

Two questions are asked of a paragraph: is it *only* a date (``parse_date``: the signature
date "2021年12月10日", "二〇二一年十二月十日"), and is it a *date line* (``date_line``: the
forms that stand alone on a report's or standard's cover: "——2025年1月15日在…会议上",
"（2023年3月）", "2011-12-30发布").
"""

from __future__ import annotations

import re

_CJK = r"\u3400-\u9fff\uf900-\ufaff"
_SPACE_NEAR_CJK = re.compile(rf"(?<=[{_CJK}\u3000-\u303f\uff00-\uffef])\s+|\s+(?=[{_CJK}\u3000-\u303f\uff00-\uffef])")
_ISO_DATE = re.compile(r"^(?P<y>(?:19|20)\d\d)\s*年\s*(?P<m>\d{1,2})\s*月(?:\s*(?P<d>\d{1,2})\s*日)?$")
_CN_DATE = re.compile(r"^(?P<y>[〇零○一二三四五六七八九]{4})年(?P<m>[一二三四五六七八九十]{1,3})月(?:(?P<d>[一二三四五六七八九十]{1,3})日)?$")
_DASHED_DATE = re.compile(r"^(?P<y>(?:19|20)\d\d)\s*[-－—.．/]\s*(?P<m>\d{1,2})\s*[-－—.．/]\s*(?P<d>\d{1,2})$")
_CN_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0, "○": 0}
# "2011-12-30发布", "2012-06-29发布 2012-07-01实施": the first (publication) date counts.
_PUBLISHED = re.compile(r"^(?P<date>[^\s发]{6,12})\s*发\s*布")
# "——2025年1月15日在…会议上" (a report's delivery line) and "（2023年3月）".
_DELIVERED = re.compile(r"^[—―\-－]{1,2}\s*(?P<date>.{6,16}?日)\s*在")
_BRACKETED = re.compile(r"^[（(]\s*(?P<date>[^（()）]{6,16})\s*[）)]$")


def compact(text: str) -> str:
    """Drop the spaces PDF extraction puts around CJK text ("东政数函〔2021〕53 号")."""
    return _SPACE_NEAR_CJK.sub("", text).strip()


def _cn_small_number(text: str) -> int:
    """一…三十一 → 1…31."""
    if text == "十":
        return 10
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0)
    return _CN_DIGITS.get(text, 0)


def _iso(year: int, month: int, day: int | None) -> str | None:
    if not 1 <= month <= 12:
        return None
    if not day:
        return f"{year:04d}-{month:02d}"
    return f"{year:04d}-{month:02d}-{day:02d}" if 1 <= day <= 31 else None


def parse_date(paragraph: str) -> str | None:
    """ISO date of a paragraph that is only a date: "2021 年 12 月 10 日" → "2021-12-10".

    A month without a day ("2022年4月") gives "2022-04"; "2011-12-30" is read too.
    """
    candidate = compact(paragraph)
    match = _ISO_DATE.match(candidate)
    if match is not None:
        return _iso(int(match["y"]), int(match["m"]), int(match["d"]) if match["d"] else None)
    match = _DASHED_DATE.match(candidate)
    if match is not None:
        return _iso(int(match["y"]), int(match["m"]), int(match["d"]))
    match = _CN_DATE.match(candidate)
    if match is None:
        return None
    year = int("".join(str(_CN_DIGITS[c]) for c in match["y"]))
    day = _cn_small_number(match["d"]) if match["d"] else None
    return _iso(year, _cn_small_number(match["m"]), day)


def date_line(paragraph: str) -> str | None:
    """ISO date of a paragraph that is a date line: a bare date, "（2023年3月）",
    "——2025年1月15日在…会议上" or "2011-12-30发布 …"; else ``None``."""
    candidate = compact(paragraph)
    if len(candidate) > 80:
        return None
    found = parse_date(candidate)
    if found is not None:
        return found
    for pattern in (_BRACKETED, _DELIVERED, _PUBLISHED):
        match = pattern.match(candidate)
        if match is not None:
            found = parse_date(match["date"])
            if found is not None:
                return found
    return None
