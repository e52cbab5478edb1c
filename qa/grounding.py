"""Grounding: every detail a question names must be found where the answer comes from.

A question that names a place (惠州市), a year (2022年), a proposal number (第20210150号), a
文号, an article (第三十二条), an organisation (市政数局), a person or a quoted name restricts
what may answer it. An answer whose cited clauses — their text, their heading path, their
document's title and metadata — or the conversation's earlier questions do not name each of
these details answers another question (Dongguan's figure for a question about Huizhou, the
2020 figure for a question about 2022), so the service abstains and says which detail was
not found.

Matching knows the usual equivalences: a city with or without 市 (and 我市/本市/全市 in a
document of that city, through its title and issuer), an abbreviation of an organisation
(政数局 within 政务服务数据管理局, or one the text defines with （以下简称“…”）), 十四五 and
the years 2021–2025, years written 二〇二二, and traditional characters (``normalize_text``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from ingest.normalize import normalize_text
from policyqa.records import DocumentInfo, Hit
from policyqa.text import DOC_NUMBER, PROPOSAL_NUMBER, chinese_number, years_as_digits

_SPACES = re.compile(r"\s+")
_YEAR = re.compile(r"(?<![\d〔\[(（])((?:19|20)\d{2})(?=\s*年)|(?<![\d〔\[])((?:19|20)\d{2})(?![\d〕\]号])")
_ARTICLE = re.compile(r"第([一二三四五六七八九十百零〇\d]+)条")
_QUOTED = re.compile(r"[“\"《]([^”\"》]{2,30})[”\"》]")
# Organisation names: a run of Han characters closed by the word that makes it an office.
_ORG = re.compile(
    r"(?:[\u4e00-\u9fff]{0,14}?)(?:局|委员会|委|办公室|厅|中心|集团|公司|研究院|学院|大学|法院|检察院|人大常委会|政协)"
)
_ORG_LEADING_NOISE = re.compile(r"^(?:关于|由|向|对|经|据|按|和|与|及|为|请|让|是|在|的|给|把|被|各|省|市政府的)+")
_DEFINED_ALIAS = re.compile(r"([\u4e00-\u9fff]{4,30}?)[（(]\s*以下简称\s*[“\"]?([^”\")）]{2,12})[”\"]?\s*[)）]")
_FIVE_YEAR_PLANS = {"十三五": range(2016, 2021), "十四五": range(2021, 2026), "十五五": range(2026, 2031)}
_PLACE_SUFFIXES = ("省", "市", "区", "县", "镇", "街道", "乡", "村", "社区")
_GENERIC_ORGS = frozenset({"政府", "部门", "单位", "中心", "公司", "委员会", "办公室", "有关部门", "相关部门", "主管部门",
                           "哪个部门", "哪个单位", "哪家公司", "什么部门", "哪些部门", "哪些单位"})
_ASKING = re.compile(r"哪|什么|谁|几|多少|是否")
# Districts, counties, towns and streets the tagger does not know (禅城区 as a plain noun).
_PLACE_CHAR = r"[^\W\d_a-zA-Z和的与及或在里等个各全本我该每其此这那上下中内外就对向从到把被之为是有]"
_LOCAL_PLACE = re.compile(
    rf"{_PLACE_CHAR}{{2,4}}街道|{_PLACE_CHAR}{{2,3}}(?:镇|区|县)(?![\u4e00-\u9fff]{{0,1}}(?:长|委|局|政府))")
_COUNTED = re.compile(r"^[一二三四五六七八九十两]+个")
_QUOTED_PUNCT = re.compile(r"[、，,；;：:]")
# Latin-script names and codes (GDP, IOC, PM2.5, 5G): a question about one is about nothing else.
_LATIN_TERM = re.compile(r"(?<![A-Za-z0-9.])([A-Za-z][A-Za-z0-9.+\-]{1,15})(?![A-Za-z0-9])")
_LATIN_NOISE = frozenset({"vs", "VS", "ok", "OK"})
_NOUN_FLAGS = ("n", "j", "b", "nz", "ns", "nt", "nr", "vn", "an")
_ORG_SUFFIX_WORDS = ("局", "委员会", "委", "办公室", "厅", "中心", "集团", "公司", "研究院", "学院", "大学", "法院", "检察院",
                     "常委会", "政协")
_GENERIC_PLACES = frozenset(
    "城区 市区 辖区 园区 社区 小区 景区 街区 片区 校区 老城区 中心城区 主城区 城镇 乡镇 村镇 集镇 各区 全区 本区 我区 各县 全县 "
    "城乡 试点区 示范区 功能区 开发区 保护区 自贸区 服务区 管控区 重点区 禁停区 停车区 限行区 街道 乡镇街道 镇街 各镇 全镇 "
    "居住区 生活区 商业区 工业区 老旧小区 住宅区 地区 山区 农村地区 城市 县区 区县 市县".split()
)


@dataclass(frozen=True)
class Detail:
    """One thing the question names that the answer's sources must name too."""

    kind: str  # place | year | proposal | doc_number | article | org | quoted | person | term
    text: str  # as the question writes it

    def __str__(self) -> str:
        return self.text


# The answerer (choosing its lead sentence) and the abstention review both ask for the same
# question's details: tagging it once per question is enough.
@lru_cache(maxsize=256)
def question_details(question: str, tag_words=None) -> tuple[Detail, ...]:
    """The details ``question`` names, in order, each once.

    ``tag_words(text) -> [(word, flag)]`` is jieba's part-of-speech tagger (places and person
    names); without it only the pattern-based details are found.
    """
    text = normalize_text(question)
    details: list[Detail] = []
    for match in DOC_NUMBER.finditer(text):
        details.append(Detail("doc_number", match.group(0)))
    for match in PROPOSAL_NUMBER.finditer(text):
        details.append(Detail("proposal", match.group(1)))
    for match in _ARTICLE.finditer(text):
        details.append(Detail("article", match.group(0)))
    masked = DOC_NUMBER.sub(" ", text)
    for match in _YEAR.finditer(masked):
        details.append(Detail("year", match.group(1) or match.group(2)))
    for plan in _FIVE_YEAR_PLANS:
        if plan in text:
            details.append(Detail("year", plan))
    for match in _QUOTED.finditer(text):
        quoted = match.group(1)
        # A counted summary (“七个一”) is the asker's shorthand, seldom the document's wording.
        if not _COUNTED.match(quoted) and not _QUOTED_PUNCT.search(quoted):
            details.append(Detail("quoted", quoted))
    for place in local_places(text):
        details.append(Detail("place", place))
    for match in _LATIN_TERM.finditer(masked):
        if match.group(1) not in _LATIN_NOISE:
            details.append(Detail("term", match.group(1)))
    if tag_words is not None:
        pairs = tag_words(text)
        for org in tagged_organisations(pairs):
            details.append(Detail("org", org))
        for index, ((word, flag), following) in enumerate(zip(pairs, [*pairs[1:], ("", "")])):
            if flag == "ns" and len(word) >= 2 and not _ASKING.search(word) and word not in _GENERIC_PLACES:
                # The tagger also marks colloquial words (镇里, 上提) as places; a real one carries an
                # administrative suffix, is followed by one, or opens the question (东莞的GDP…).
                if word.endswith(_PLACE_SUFFIXES) or following[0].startswith(_PLACE_SUFFIXES) or index == 0:
                    details.append(Detail("place", word))
            elif flag == "nr" and 2 <= len(word) <= 4 and following[0] in ("代表", "委员", "同志", "局长", "主任"):
                details.append(Detail("person", word))
    else:
        for org in organisations(text):
            details.append(Detail("org", org))
    unique: dict[tuple[str, str], Detail] = {}
    for detail in details:
        unique.setdefault((detail.kind, detail.text), detail)
    # A detail inside a longer one of the question (a place inside an organisation) is checked with it.
    kept = list(unique.values())
    return tuple(d for d in kept if not any(o is not d and d.text in o.text and o.kind in ("org", "quoted", "doc_number")
                                             for o in kept))


def local_places(text: str) -> tuple[str, ...]:
    """Districts, counties, towns and streets ``text`` names by their suffix (禅城区, 祖庙街道)."""
    found = []
    for match in _LOCAL_PLACE.finditer(text):
        name = _ORG_LEADING_NOISE.sub("", match.group(0))
        if len(name) >= 4 and name[0] in "省市县区":  # 佛山市禅城区: the match began inside the city
            name = name[1:]
        if len(name) >= 3 and name not in _GENERIC_PLACES and not _ASKING.search(name):
            found.append(name)
    return tuple(dict.fromkeys(found))


def tagged_organisations(pairs: Sequence[tuple[str, str]]) -> tuple[str, ...]:
    """Organisations among tagged words: a run of nouns closed by an office word (数字集团, 市政数局),
    never reaching over a verb (评价报告提到数字集团 → 数字集团)."""
    found: list[str] = []
    for end, (word, _flag) in enumerate(pairs):
        if not word.endswith(_ORG_SUFFIX_WORDS):
            continue
        start = end
        while start > 0 and pairs[start - 1][1].startswith(_NOUN_FLAGS) and len(pairs[start - 1][0]) > 0:
            start -= 1
        name = "".join(w for w, _ in pairs[start : end + 1])
        if len(name) >= 3 and name not in _GENERIC_ORGS and not _ASKING.search(name):
            found.append(name)
    return tuple(dict.fromkeys(found))


def organisations(text: str) -> tuple[str, ...]:
    """Organisation names written in ``text`` (市财政局, 政数局, 东莞市政务服务数据管理局)."""
    found: list[str] = []
    for match in _ORG.finditer(text):
        name = _ORG_LEADING_NOISE.sub("", match.group(0))
        if len(name) >= 3 and name not in _GENERIC_ORGS and not _ASKING.search(name):
            found.append(name)
    return tuple(dict.fromkeys(found))


@dataclass(frozen=True)
class SourceText:
    """Everything a cited clause vouches for: its text, heading path, document title and metadata."""

    text: str  # normalised, whitespace removed

    @classmethod
    def of_hits(cls, hits: Iterable[Hit], history: Sequence[str] = ()) -> SourceText:
        """The grounding text of ``hits`` (their chunks, heading paths and documents) and the
        earlier questions."""
        parts: list[str] = list(history)
        seen_docs: set[str] = set()
        for hit in hits:
            parts.append(" ".join((*hit.chunk.section, hit.chunk.text)))
            if hit.doc.doc_id not in seen_docs:
                seen_docs.add(hit.doc.doc_id)
                parts.append(document_metadata_text(hit.doc))
        return cls(_fold(" ".join(parts)))


def document_metadata_text(doc: DocumentInfo) -> str:
    """The document's title, 文号, issuer, addressee, date and proposal number as text."""
    fields = [doc.title, doc.doc_number, doc.issuer, doc.addressee, doc.proposal_number]
    if doc.date:
        year, _, rest = doc.date.partition("-")
        month, _, day = rest.partition("-")
        fields.append(f"{year}年{int(month)}月{int(day)}日" if month and day else f"{year}年")
    return " ".join(f for f in fields if f)


def _fold(text: str) -> str:
    text = years_as_digits(normalize_text(text))
    return _SPACES.sub("", text)


def is_grounded(detail: Detail, source: SourceText) -> bool:
    """True when ``source`` names ``detail`` in one of its accepted forms."""
    text = source.text
    value = _fold(detail.text)
    if value in text:
        return True
    if detail.kind == "year":
        if value in _FIVE_YEAR_PLANS:
            years = _FIVE_YEAR_PLANS[value]
            return any(str(y) in text for y in (years.start, years.stop - 1))
        year = int(value)
        # A plan's first or last year is named by the plan (十四五 … 2025年 targets).
        return any(plan in text and year in (years.start, years.stop - 1) for plan, years in _FIVE_YEAR_PLANS.items()) \
            or _in_year_range(year, text)
    if detail.kind == "place":
        core = value
        for suffix in _PLACE_SUFFIXES:
            if core.endswith(suffix) and len(core) > len(suffix) + 1:
                core = core[: -len(suffix)]
                break
        return core in text
    if detail.kind == "org":
        return any(_abbreviates(value, name) for name in _known_names(text))
    if detail.kind == "article":
        return _article_digits(value) in {_article_digits(a) for a in _ARTICLE.findall(text)}
    return False


def _in_year_range(year: int, text: str) -> bool:
    # "2021-2025年" / "2021年至2025年" covers every year between.
    for match in re.finditer(r"((?:19|20)\d{2})年?(?:-|—|–|~|至|到)((?:19|20)\d{2})", text):
        if int(match.group(1)) <= year <= int(match.group(2)):
            return True
    return False


def _known_names(text: str) -> list[str]:
    names = list(organisations(text))
    for full, alias in _DEFINED_ALIAS.findall(text):
        names.extend((full, alias))
    return names


def _abbreviates(short: str, full: str) -> bool:
    """``short`` is ``full`` or an abbreviation of it: its characters in order, the office word kept."""
    if short in full or full in short:
        return True
    short, full = short.lstrip("市省区县"), full
    if not short or short[-1] != full[-1]:
        return False
    position = 0
    for char in short:
        position = full.find(char, position)
        if position < 0:
            return False
        position += 1
    return True


def _article_digits(article: str) -> str:
    digits = article.strip("第条")
    if digits.isdigit():
        return str(int(digits))
    return str(chinese_number(digits))


def ungrounded(details: Sequence[Detail], source: SourceText) -> tuple[Detail, ...]:
    """The details ``source`` does not name."""
    return tuple(d for d in details if not is_grounded(d, source))


# Details that bind to the sentence that states them: a year two sentences away in the same
# clause belongs to another fact (2021年排名第3 answers nothing about 2022).
SENTENCE_BOUND = ("year",)


def missing_details(details: Sequence[Detail], hits: Sequence[Hit], quotes: Sequence[str],
                    history: Sequence[str] = ()) -> tuple[Detail, ...]:
    """The details that the answer's sources do not name: years in the quoted sentences (with
    the heading paths, documents' metadata and earlier questions), the rest anywhere in the
    cited clauses."""
    clause_level = [d for d in details if d.kind not in SENTENCE_BOUND]
    sentence_level = [d for d in details if d.kind in SENTENCE_BOUND]
    missing = list(ungrounded(clause_level, SourceText.of_hits(hits, history))) if clause_level else []
    if sentence_level:
        frame = [" ".join(h.chunk.section) + " " + document_metadata_text(h.doc) for h in hits]
        missing += ungrounded(sentence_level, SourceText(_fold(" ".join([*quotes, *frame, *history]))))
    return tuple(missing)


def describe_missing(missing: Sequence[Detail]) -> str:
    """The abstention notice: which details no cited source names."""
    return "所引资料中没有“" + "”“".join(d.text for d in missing) + "”"
