"""Render Word's automatic list numbering (一、/（一）/1./①) as text.

python-docx returns a paragraph's typed text only; numbering Word generates from
``numbering.xml`` would vanish, and with it the clause structure of a 公文 typed with
automatic lists. This follows the common subset of the spec: per-list counters,
``lvlText`` templates (``%1、``), start values and the number formats Chinese
documents use. Bullets produce no label.
"""

from __future__ import annotations

from dataclasses import dataclass

from docx.document import Document
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph

_CHINESE_DIGITS = "零一二三四五六七八九"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_PUNCTUATION_END = "、.．)）:："
# Formats Word shows as 一、二、十一 (japaneseCounting is what WPS and many templates write).
_CHINESE_COUNTING = frozenset({
    "chineseCounting", "chineseCountingThousand", "chineseLegalSimplified", "japaneseCounting",
    "taiwaneseCounting", "taiwaneseCountingThousand",
})


def chinese_number(value: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 105 → 一百零五 (up to 999)."""
    if value < 10:
        return _CHINESE_DIGITS[value]
    if value < 20:
        return "十" + (_CHINESE_DIGITS[value % 10] if value % 10 else "")
    if value < 100:
        return _CHINESE_DIGITS[value // 10] + "十" + (_CHINESE_DIGITS[value % 10] if value % 10 else "")
    hundreds, rest = divmod(value, 100)
    head = _CHINESE_DIGITS[hundreds] + "百"
    if rest == 0:
        return head
    if rest < 10:
        return head + "零" + _CHINESE_DIGITS[rest]
    if rest < 20:
        return head + "一" + chinese_number(rest)  # 一百一十五, not 一百十五
    return head + chinese_number(rest)


def _roman(value: int) -> str:
    numerals = ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
                (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))
    out = ""
    for amount, numeral in numerals:
        count, value = divmod(value, amount)
        out += numeral * count
    return out


def format_number(value: int, number_format: str) -> str:
    """A counter value in a ``w:numFmt`` format."""
    if number_format in _CHINESE_COUNTING:
        return chinese_number(value)
    if number_format in ("ideographDigital", "japaneseDigitalTenThousand", "taiwaneseDigital"):
        return "".join("〇一二三四五六七八九"[int(d)] for d in str(value))
    if number_format in ("ideographTraditional", "ideographZodiac") and 1 <= value <= 10:
        return ("甲乙丙丁戊己庚辛壬癸" if number_format == "ideographTraditional" else "子丑寅卯辰巳午未申酉")[value - 1]
    if number_format in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese") and 1 <= value <= len(_CIRCLED):
        return _CIRCLED[value - 1]
    if number_format in ("lowerLetter", "upperLetter"):
        letter = chr(ord("a") + (value - 1) % 26)
        return letter.upper() if number_format == "upperLetter" else letter
    if number_format in ("lowerRoman", "upperRoman"):
        return _roman(value).upper() if number_format == "upperRoman" else _roman(value)
    if number_format == "decimalFullWidth":
        return str(value).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    return str(value)


@dataclass(frozen=True)
class _Level:
    start: int
    number_format: str
    template: str


def _val(element, tag: str, default: str | None = None) -> str | None:
    child = element.find(qn(tag)) if element is not None else None
    return child.get(qn("w:val")) if child is not None else default


class NumberingRenderer:
    """Yields the label Word would display before each numbered paragraph, in order."""

    def __init__(self, document: Document):
        self._levels: dict[str, dict[int, _Level]] = {}
        self._starts: dict[tuple[str, int], int] = {}
        self._counters: dict[str, dict[int, int]] = {}
        try:
            numbering = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return  # no numbering part: nothing is auto-numbered
        abstract = {a.get(qn("w:abstractNumId")): a for a in numbering.findall(qn("w:abstractNum"))}
        for num in numbering.findall(qn("w:num")):
            num_id = num.get(qn("w:numId"))
            definition = abstract.get(_val(num, "w:abstractNumId"))
            if definition is None:
                continue
            levels = {}
            for level in definition.findall(qn("w:lvl")):
                ilvl = int(level.get(qn("w:ilvl"), "0"))
                levels[ilvl] = _Level(int(_val(level, "w:start", "1") or 1), _val(level, "w:numFmt", "decimal") or "decimal",
                                      _val(level, "w:lvlText", "") or "")
            self._levels[num_id] = levels
            for override in num.findall(qn("w:lvlOverride")):
                start = _val(override, "w:startOverride")
                if start is not None:
                    self._starts[(num_id, int(override.get(qn("w:ilvl"), "0")))] = int(start)

    def label(self, paragraph: Paragraph) -> str:
        """The rendered number of ``paragraph`` ("" when it is not in a numbered list)."""
        num_id, ilvl = self._numbering_of(paragraph)
        levels = self._levels.get(num_id or "")
        if not levels or ilvl not in levels:
            return ""
        level = levels[ilvl]
        if level.number_format in ("bullet", "none"):
            return ""
        counters = self._counters.setdefault(num_id, {})
        start = self._starts.get((num_id, ilvl), level.start)
        counters[ilvl] = counters.get(ilvl, start - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]  # a new parent item restarts its sub-list
        label = level.template
        for k, lvl in levels.items():
            placeholder = f"%{k + 1}"
            if placeholder in label:
                value = counters.get(k, self._starts.get((num_id, k), lvl.start))
                label = label.replace(placeholder, format_number(value, lvl.number_format))
        return label if not label or label[-1] in _PUNCTUATION_END else label + " "

    @staticmethod
    def _numbering_of(paragraph: Paragraph) -> tuple[str | None, int]:
        """(numId, level) from the paragraph's own properties, else from its style's."""
        candidates = [paragraph._p.pPr]
        if paragraph.style is not None:
            candidates.append(paragraph.style.element.pPr)
        for properties in candidates:
            num_pr = properties.numPr if properties is not None else None
            if num_pr is not None and num_pr.numId is not None:
                num_id = str(num_pr.numId.val)
                ilvl = num_pr.ilvl.val if num_pr.ilvl is not None else 0
                return (None if num_id == "0" else num_id), ilvl  # numId 0 switches numbering off
        return None, 0
