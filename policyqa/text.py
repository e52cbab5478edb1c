"""Text rules shared by every stage: Chinese numerals and the shapes of 文号 and proposal numbers.

At the bottom of the import chain (stdlib only), so ingest, index and qa read one definition.
"""

from __future__ import annotations

import re

# 东政数函〔2021〕53号, 佛民〔2022〕41号, 国能综通科技[2021]92号: issuer code, bracketed year, serial.
DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,8}[〔\[(（【]\s*(?:19|20)\d{2}\s*[〕\])）】]\s*\d+\s*号")
# 第20230156号 (人大建议), 第0087号 (政协提案).
PROPOSAL_NUMBER = re.compile(r"第\s*(\d{3,10})\s*号")

_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_YEAR = re.compile(r"[〇零一二三四五六七八九]{4}(?=年)")


def chinese_number(text: str) -> int:
    """The value of a number written in Chinese numerals or digits (三十二 → 32, 十 → 10, 21 → 21);
    0 for anything else."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    total, current = 0, 0
    for char in text:
        if char in _UNITS:
            total += (current or 1) * _UNITS[char]
            current = 0
        elif char in _DIGITS:
            current = _DIGITS[char]
        else:
            return 0
    return total + current


def years_as_digits(text: str) -> str:
    """``text`` with years written digit by digit in Chinese numerals as digits (二〇二二年 → 2022年)."""
    return _CN_YEAR.sub(lambda m: "".join(str(_DIGITS[c]) for c in m.group(0)), text)
