"""Typed facts in Chinese government prose: the slots a claim can get wrong.

A ``Fact`` is what contradiction detection compares: amounts with their unit and magnitude
(``360亿条`` is 3.6e10 条), bounds (``超700项`` is ``> 700``), years and dates, grades
(``等级为“中”``), ranks (``第3``, ``仅次于深圳、广州``), department and body names, and
the negation / modality markers that turn ``已建成`` into ``尚未建成`` or ``计划建设``.

Extraction works on a compact form of the text (NFKC, no whitespace) because PDF-derived
text puts spaces inside amounts (``360 亿条``); surfaces are reported in that compact form.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from ingest.normalize import to_simplified
from policyqa.text import chinese_number

_MAGNITUDES = {"万亿": 1e12, "亿": 1e8, "万": 1e4, "千": 1e3}
_UNITS = (
    "个百分点", "平方公里", "人次", "公里", "小时", "部门", "镇街", "万元", "亿元",
    "Gbps", "Mbps", "GB", "TB", "PB", "G", "M", "T", "%",
    "分", "元", "条", "项", "个", "家", "人", "宗", "路", "类", "次", "台", "套",
    "件", "名", "批", "倍", "天", "户", "所", "座", "张", "份", "期",
)
_UNIT_RE = "|".join(re.escape(u) for u in sorted(_UNITS, key=len, reverse=True))
# Units that count the same things: 1000项 and 1000个事项 are one amount.
UNIT_CLASSES = {"项": "个"}
# Bounds change the meaning of an amount: 超700项 and 700项以下 are different claims.
_LOWER = ("超过", "超", "逾", "多于", "高于", "大于")
_AT_LEAST = ("不低于", "不少于", "至少")
_UPPER = ("低于", "少于", "不足", "小于")
_AT_MOST = ("不超过", "不高于", "最多")
_APPROX = ("约", "近", "大约", "将近")
_PREFIX_RE = "|".join(
    re.escape(p) for p in sorted(_LOWER + _AT_LEAST + _UPPER + _AT_MOST + _APPROX, key=len, reverse=True)
)
_NUMBER_RE = re.compile(
    rf"(?P<prefix>{_PREFIX_RE})?(?:达到|达|共计|累计|合计|共)?"
    rf"(?P<num>(?<![\d.])\d+(?:,\d{{3}})*(?:\.\d+)?)"
    rf"(?P<mag>万亿|亿|万|千)?(?P<approx>余|多)?(?P<unit>{_UNIT_RE})?(?P<suffix>以上|以下|以内|余|多|左右)?"
)
_TABLE_UNIT_RE = re.compile(rf"[(（](?P<unit>{_UNIT_RE})[)）]")
_DATE_RE = re.compile(r"(?P<y>(?:19|20)\d{2})年(?:(?P<m>\d{1,2})月(?:(?P<d>\d{1,2})日)?)?")
_YEAR_RANGE_RE = re.compile(r"(?P<a>(?:19|20)\d{2})(?:年)?[-—–~至到](?P<b>(?:19|20)\d{2})年?")
_QUARTER_RE = re.compile(r"第[一二三四1-4]季度|[上下]半年")
_DOC_NUMBER_RE = re.compile(r"[〔\[(（【]\d{4}[〕\])）】]\d+号")
_GRADE_RE = re.compile(
    r"(?:等级|评级|级别|等次|评价结果|评定|评为|评价为)(?:为|是|:|：)?[“\"「『]?"
    r"(?P<g>优秀|良好|不合格|合格|优|良|中|差)[”\"」』]?"
)
_RANK_ORDINAL_RE = re.compile(r"(?:排名|排|位居|位列|名列|居)?第(?P<n>\d+|[一二三四五六七八九十]+)(?:名|位)?")
_RANK_BEHIND_RE = re.compile(
    r"仅次于(?P<who>[\u4e00-\u9fff、和及与]{2,30}?)(?=[,，。;；)）]|$|赋能|排|位)"
    r"|(?:排在|位列|落后于)(?P<ahead>[\u4e00-\u9fff、和及与]{2,30}?)(?:之后|后面)"
)
# Award and rating levels: 一等奖 vs 三等奖, A类 vs B类, 五星级, 二级 (in a rating, not 二级指标).
_LEVEL_RE = re.compile(
    r"(?P<award>[特一二三四五]等奖|[金银铜]奖|优秀奖)"
    r"|(?P<cls>[A-D甲乙丙丁])类(?=[^型别]|$)"
    r"|(?P<star>[一二三四五1-5])星级?"
    r"|(?:评定为|评为|获评|认定为|等级为|达到|被评为|评定|星级为)(?P<grade>[一二三四五]级|[1-5]级|[A-D]级)"
)
_LEVEL_CUES = ("类别", "类", "办理结果", "评定", "评为", "获", "荣获", "奖", "星", "级")
_FORMULA_RE = re.compile(r"[×xX*/÷]\s*\d+(?:\.\d+)?\s*%?|=\s*[^，。；]{0,40}?×\s*100\s*%")
_QUARTER_VALUE_RE = re.compile(r"第(?P<q>[一二三四1-4])季度|(?P<h>[上下])半年")
_TITLE_RE = re.compile(r"《(?P<t>[^《》]{2,120})》")
# A draft's status is part of the title as written; the title itself is the same document.
DRAFT_MARKS = re.compile(r"[(（](?:送审稿|征求意见稿|草案|讨论稿)[)）]")
# Bodies: an administrative prefix, a short name, a body suffix. Non-greedy so that
# "市公安局牵头" stops at the first suffix.
_BODY_SUFFIXES = (
    "管理局", "服务中心", "中心", "公司", "集团", "政府", "委员会", "办公室", "总队", "支队", "大队",
    "局", "委", "办", "厅", "部", "院", "署",
)
_BODY_RE = re.compile(
    r"(?P<body>(?:广东省|东莞市|国家|省|市|区|镇|县)[\u4e00-\u9fff]{1,14}?"
    rf"(?:{'|'.join(_BODY_SUFFIXES)}))(?![\u4e00-\u9fff]?(?:会议|建议|函|文|提案|规划|办法))"
    # 委托, 办理, 部门 ... are words, not bodies ending in 委/办/部.
    r"(?![托员理法公事门分署件结])"
)
# Short names the corpus uses for the same bodies, folded to one canonical core.
BODY_ALIASES = {
    "政数局": "政务服务数据管理局",
    "城管局": "城市管理和综合执法局",
    "发改局": "发展和改革局",
    "人社局": "人力资源和社会保障局",
    "市监局": "市场监督管理局",
    "卫健局": "卫生健康局",
    "委政法委": "政法委",
}
# Words that end like a body but name a programme, not an organisation.
_NOT_BODIES = ("数字政府",)
_NEGATIONS = (
    "尚未", "并未", "未能", "没有", "从未", "未", "不再", "无法", "不能", "不会", "并非", "不是", "不够",
    "取消", "停止", "撤销", "废止",  # these negate what a source keeps (保留线下渠道)
)
_NOT_NEGATION_AFTER_WEI = ("来", "必", "知", "免")  # 未来, 未必 ...
_DONE = ("已经", "已", "建成", "完成", "实现了", "上线了")
_PLANNED = ("正在", "计划", "拟", "将", "准备", "即将", "下一步", "筹备", "研究制定", "启动")
_MODALITY_RE = re.compile("|".join(sorted(_DONE + _PLANNED, key=len, reverse=True)))


@dataclass(frozen=True)
class Fact:
    """One typed fact found in a text.

    ``value`` is a float for amounts (magnitude applied), an int for years, a tuple of
    ints for dates and year ranges, a grade word, a rank (an int, or the sorted names of
    those ranked ahead for 仅次于), a normalised body name, a title without its draft
    mark, or the marker class for negation (``"neg"``) and modality (``"done"`` /
    ``"planned"``). ``op`` is ``=``, ``>``, ``>=``, ``<``, ``<=`` or ``~``.
    """

    kind: str
    text: str
    value: object
    unit: str = ""
    op: str = "="
    start: int = 0
    end: int = 0
    magnitude: str = ""


def compact_text(text: str) -> str:
    """NFKC, simplified characters and no whitespace: the form facts are extracted from and
    matched in (a claim in simplified characters is compared with a 澳門 source in traditional).

    Whitespace between two digits (table cells "65.1\t100") becomes "|" so that two
    numbers never fuse into one.
    """
    folded = to_simplified(unicodedata.normalize("NFKC", text))
    return re.sub(r"\s+", "", re.sub(r"(?<=\d)\s+(?=\d)", "|", folded))



def _bound(prefix: str | None, suffix: str | None) -> str:
    if prefix in _LOWER or suffix in ("余", "多"):
        return ">"
    if prefix in _AT_LEAST or suffix == "以上":
        return ">="
    if prefix in _UPPER:
        return "<"
    if prefix in _AT_MOST or suffix in ("以下", "以内"):
        return "<="
    if prefix in _APPROX or suffix == "左右":
        return "~"
    return "="


def _overlaps(span: tuple[int, int], taken: Iterable[tuple[int, int]]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in taken)


def extract_time_facts(text: str) -> list[Fact]:
    """Years, year ranges and dates (``2019-2021年``, ``2021年6月24日``, ``2016年``)."""
    facts: list[Fact] = []
    taken: list[tuple[int, int]] = []
    for match in _YEAR_RANGE_RE.finditer(text):
        value = (int(match["a"]), int(match["b"]))
        facts.append(Fact("year", match.group(), value, start=match.start(), end=match.end()))
        taken.append(match.span())
    for match in _DATE_RE.finditer(text):
        if _overlaps(match.span(), taken):
            continue
        if match["m"]:
            value = (int(match["y"]), int(match["m"]), int(match["d"] or 0))
            facts.append(Fact("date", match.group(), value, start=match.start(), end=match.end()))
        else:
            facts.append(Fact("year", match.group(), int(match["y"]), start=match.start(), end=match.end()))
        taken.append(match.span())
    return facts


def extract_numbers(
    text: str, taken: list[tuple[int, int]] | None = None, table_unit: str | None = None
) -> list[Fact]:
    """Amounts with unit, magnitude and bound. Unit-less bare numbers are skipped (list
    markers, phone numbers, codes) unless ``table_unit`` gives the unit of a table row."""
    taken = list(taken or [])
    taken.extend(m.span() for m in _DOC_NUMBER_RE.finditer(text))
    facts = []
    for match in _NUMBER_RE.finditer(text):
        num_span = match.span("num")
        if _overlaps(num_span, taken):
            continue
        unit, mag = match["unit"] or "", match["mag"] or ""
        if unit in ("万元", "亿元"):
            mag, unit = unit[0], "元"
        if not unit and not mag:
            if table_unit is None:
                continue
            unit = table_unit
        unit = UNIT_CLASSES.get(unit, unit)
        value = float(match["num"].replace(",", "")) * _MAGNITUDES.get(mag, 1.0)
        op = _bound(match["prefix"], match["suffix"] or match["approx"])
        facts.append(
            Fact("number", match.group(), value, unit=unit, op=op,
                 start=match.start(), end=match.end(), magnitude=mag)
        )
    return facts


def extract_grades(text: str) -> list[Fact]:
    """Evaluation grades such as ``等级为“中”``."""
    return [Fact("grade", m.group(), m["g"], start=m.start(), end=m.end()) for m in _GRADE_RE.finditer(text)]


def extract_ranks(text: str) -> list[Fact]:
    """Ordinal ranks (``排名第3``, ``位列全国第九``) and ``仅次于深圳、广州`` / ``排在…之后``."""
    facts = []
    for match in _RANK_ORDINAL_RE.finditer(text):
        nearby = text[max(0, match.start() - 6): match.end() + 2]
        # 第N only ranks something near 排名/位居/名; otherwise it is 第一批, 第二梯队...
        if not any(word in nearby for word in ("排", "名", "位", "居", "列")):
            continue
        facts.append(Fact("rank", match.group(), chinese_number(match["n"]), start=match.start(), end=match.end()))
    for match in _RANK_BEHIND_RE.finditer(text):
        who = match["who"] or match["ahead"]
        names = tuple(sorted(n for n in re.split(r"[、和及与]", who) if n))
        facts.append(Fact("rank", match.group(), names, start=match.start(), end=match.end()))
    return facts


def extract_levels(text: str) -> list[Fact]:
    """Award and rating levels (``三等奖``, ``A类``, ``五星级``, ``评定为三级``)."""
    facts = []
    for match in _LEVEL_RE.finditer(text):
        if match["cls"] and not any(cue in text[max(0, match.start() - 6): match.end() + 2]
                                    for cue in ("类别", "类为", "为", "评", "办理", "属于", "列为", "结果")):
            continue  # "A类" in running text ("A类地区") is a category name, not a rating
        value = next(v for v in (match["award"], match["cls"], match["star"], match["grade"]) if v)
        span = match.span("grade") if match["grade"] else match.span()
        facts.append(Fact("level", text[span[0]:span[1]], value, start=span[0], end=span[1]))
    return facts


def extract_quarters(text: str) -> list[Fact]:
    """Quarters and half-years (``第四季度``, ``下半年``); the value is 1–4, or ``H1``/``H2``."""
    facts = []
    for match in _QUARTER_VALUE_RE.finditer(text):
        value: object = chinese_number(match["q"]) if match["q"] else ("H1" if match["h"] == "上" else "H2")
        facts.append(Fact("quarter", match.group(), value, start=match.start(), end=match.end()))
    return facts


def formula_spans(text: str) -> list[tuple[int, int]]:
    """Spans of formula parts (``×100%``, ``=实际支出/预算数×100%``): operands, not stated values."""
    return [m.span() for m in _FORMULA_RE.finditer(text)]


def extract_titles(text: str) -> list[Fact]:
    """Document titles in 《》; the value drops a draft mark such as （送审稿）."""
    return [
        Fact("title", m.group(), DRAFT_MARKS.sub("", m["t"]), start=m.start(), end=m.end())
        for m in _TITLE_RE.finditer(text)
    ]


def normalize_body(name: str) -> str:
    """Fold a body name to a comparable core: 东莞市/市 prefix dropped, aliases expanded."""
    core = name if name.startswith("市民") else re.sub(r"^(?:广东省|东莞市|市|省)", "", name)
    for short, full in BODY_ALIASES.items():
        if core.endswith(short) and not core.endswith(full):
            return core[: -len(short)] + full
    return core


def extract_bodies(text: str, known: Iterable[str] = ()) -> list[Fact]:
    """Department and body names: known names first, then the prefix+suffix pattern."""
    facts: list[Fact] = []
    taken: list[tuple[int, int]] = []
    for name in sorted({compact_text(k) for k in known if k}, key=len, reverse=True):
        for match in re.finditer(re.escape(name), text):
            if not _overlaps(match.span(), taken):
                facts.append(Fact("body", name, normalize_body(name), start=match.start(), end=match.end()))
                taken.append(match.span())
    for match in _BODY_RE.finditer(text):
        if _overlaps(match.span(), taken):
            continue
        name = match["body"]
        if name.endswith(_NOT_BODIES):
            continue
        facts.append(Fact("body", name, normalize_body(name), start=match.start(), end=match.end()))
    return facts


def extract_polarity(text: str) -> list[Fact]:
    """Negation markers (未/尚未/没有/不…) and modality markers (已 vs 将/计划/正在...)."""
    facts = []
    for match in re.finditer("|".join(_NEGATIONS), text):
        if match.group() == "未" and text[match.end(): match.end() + 1] in _NOT_NEGATION_AFTER_WEI:
            continue
        facts.append(Fact("negation", match.group(), "neg", start=match.start(), end=match.end()))
    for match in _MODALITY_RE.finditer(text):
        if match.group() == "将" and text[match.end(): match.end() + 1] in ("来", "近", "大"):
            continue
        value = "done" if match.group() in _DONE else "planned"
        facts.append(Fact("modality", match.group(), value, start=match.start(), end=match.end()))
    return facts


def extract_facts(text: str, known_bodies: Iterable[str] = ()) -> list[Fact]:
    """Every typed fact in ``text`` (compacted first), ordered by position."""
    compact = compact_text(text)
    # A table row (cells joined by tabs) states its unit once, in a header cell: 比例(%).
    header = _TABLE_UNIT_RE.search(compact) if "\t" in text else None
    time_facts = extract_time_facts(compact)
    taken = [(f.start, f.end) for f in time_facts]
    quarter_spans = [m.span() for m in _QUARTER_RE.finditer(compact)]
    ranks = extract_ranks(compact)  # 第12名 is a rank, not an amount of 名
    levels = extract_levels(compact)  # 三等奖, 五星级: levels, not amounts
    facts = time_facts + extract_numbers(
        compact,
        taken + quarter_spans + formula_spans(compact) + [(f.start, f.end) for f in ranks + levels],
        header["unit"] if header else None,
    )
    facts += extract_quarters(compact) + extract_grades(compact) + ranks + levels + extract_titles(compact)
    titles = [(f.start, f.end) for f in facts if f.kind == "title"]
    facts += [f for f in extract_bodies(compact, known_bodies) if not _overlaps((f.start, f.end), titles)]
    facts += [f for f in extract_polarity(compact) if not _overlaps((f.start, f.end), titles)]
    return sorted(facts, key=lambda f: (f.start, f.kind))
