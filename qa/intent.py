"""What a question asks for: its content terms (with their synonyms) and whether it wants a number or a list."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

Tokenize = Callable[[str], list[str]]
# Everyday word → the document words for it (``ChineseTokenizer.synonyms.expansions``).
Expand = Callable[[str], list[str]]

# Words that shape a question but never appear in the clause that answers it. The index
# tokenizer already drops function words; these are the asking words it keeps.
_ASKING_WORDS = frozenset(
    "主要 具体 分别 情况 内容 方面 哪些方面 有哪些 包括 包含 多大 几个 哪一年 哪年 何时 "
    "什么时候 是什么 指什么 怎么样 怎么办 做了 做好 采取 要求 提到 提出 规定 说 讲 目前 现在 "
    "一共 总共 共 大概 大约 吗 呢 么 相关 方面的 哪家 哪个部门 部门 单位 时候 打算 能 拿到 这次 才能 "
    "一天 哪一天 第几 哪几 哪几个 哪个 没有 有没有 建 所 名 后 得 要 想 叫 用".split()
)
_NUMERIC_CUES = re.compile(
    r"多少|(?<!哪)几(?![类种方])[个项家条年次名]?|多大|多高|多长|比例|占比|百分之|百分比|金额|资金|预算|投资|得分|分数|评分|"
    r"分值|几分|何时|哪一?年|什么时候|日期|时间|数量|规模|增长|达到|排名|第几|文号|编号|号"
)
_LIST_CUES = re.compile(r"哪些|哪几|几个方面|几方面|几类|几种|包括|包含|措施|举措|任务|内容有|有什么|分别|列举|清单|方面")
_LIST_ITEM = re.compile(
    r"(?:^|[：:]\s*)(?:[一二三四五六七八九十]+是|[（(][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十]+、|\d+[.、．]|[①②③④⑤⑥⑦⑧⑨⑩]|第[一二三四五六七八九十]+[，,、])"
)
_QUANTITY = re.compile(
    r"\d+(?:\.\d+)?\s*(?:%|％|万亿|亿元|万元|千元|元|亿条|万条|亿|万|分|个月|年|月|日|条|项|个|家|人|次|套|台|天|小时|倍|TB|PB|GB|km)"
    r"|[〔\[]\s*\d{4}\s*[〕\]]\s*\d+\s*号|\d{8}"
)
_NUMBER = re.compile(r"\d+(?:\.\d+)?")

# The kind of fact a question asks for, and what a sentence must hold to state it. A
# near-topic question the corpus cannot answer usually lands on a sentence about the right
# thing that lacks the figure asked for (a company's scope but no registered capital).
_ANSWER_KINDS: dict[str, re.Pattern[str]] = {
    "money": re.compile(
        r"多少钱|花了多少|(?:多少|几)(?:万|亿)?元|(?:费用|金额|资本|补贴|投资|预算|资金|经费|造价|单价|价格)[^，。？?]{0,6}(?:多少|几)"
        r"|(?:多少|几)[^，。？?]{0,6}(?:费用|金额|资本|补贴|经费|钱)"
    ),
    "count": re.compile(r"多少(?:名|所|位|家|人|路|台|套|个|项|件|条|次)|几(?:名|所|位|家)"),
    "time": re.compile(r"什么时候|何时|哪一天|哪天|哪一年|哪年|几月|几号|什么时间"),
    "rank": re.compile(r"第几|排名|排第|名次"),
    "place": re.compile(
        r"哪个城市|哪座城市|哪个(?:镇|街道|区|县|省|地方)|哪(?:几|些)个?(?:镇|街|区|县|城市|地方)|建在哪|什么地方|什么地点"
        # "错在哪里" / "问题在哪里" / "在哪里出错" ask what is wrong, not where.
        r"|(?<!错)(?<!问题)(?<!不足)(?<!差距)(?<!原因)在哪(?:里|儿)(?!出错|出了?问题|有问题|不对|错了)"
    ),
}
_CN_NUMERAL = "零一二三四五六七八九十两百千万"
_ANSWER_HOLDERS: dict[str, re.Pattern[str]] = {
    # Only 元 makes an amount of money: 2亿条 or 1.5万路 count other things.
    "money": re.compile(r"\d[\d,，.]*\s*(?:万亿|亿|万|千)?元|[%s]+(?:万|亿)?元" % _CN_NUMERAL),
    # 一 is left out: 一批/一个 say "some", not how many.
    "count": re.compile(r"\d|[%s]+\s*(?:名|所|位|家|人|路|台|套|个|项|件|条|次)" % _CN_NUMERAL.replace("一", "")),
    "time": re.compile(
        r"\d{4}\s*年|\d{1,2}\s*月|\d{1,2}\s*日|年底|年内|年前|年初|年中|月底|季度|今年|明年|[%s]+月" % _CN_NUMERAL
    ),
    "rank": re.compile(r"第\s*[\d%s]+|前\s*[\d%s]+|\d+\s*名|梯队|位列|首位|首个|领先" % (_CN_NUMERAL, _CN_NUMERAL)),
    # A place is mostly recognised by the tagger (qa.abstain.names_places); this catches
    # the towns it does not know (石龙镇).
    "place": re.compile(r"[\u4e00-\u9fff]{2}镇(?!街)"),
}
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
# A definition entry: an optional item number, a short term, a colon, then what the term
# means ("1.“一网通办”：依托……", "数据经纪人：开展……", "xx：指……").
_DEFINITION_ENTRY = re.compile(r"^(?:\d{1,3}\s*[.．、]\s*)?[^，。；：:！？\n]{1,30}[：:]\s*\S.{4,}", re.S)
_GLOSSARY_HEADING = re.compile(r"名词解释|名词术语|术语|释义|词汇|用语说明|名词定义")
_ANNEX_HEADING = re.compile(r"^附(?:件|录)")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class QuestionIntent:
    """The parts of a question the answerer scores sentences against."""

    question: str
    terms: tuple[str, ...]  # content terms, in question order, unique
    wants_number: bool
    wants_list: bool
    numbers: tuple[str, ...]  # numbers the question itself names (years, amounts, ids)
    # The kinds of fact asked for (money, count, time, rank, place): what the lead sentence must hold.
    kinds: tuple[str, ...] = ()
    # Document words standing for a term (老人 → 老年人, 适老化), for the terms that have any.
    alternatives: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def forms(self, term: str) -> tuple[str, ...]:
        """``term`` followed by its alternatives: a sentence holding any of them holds the term."""
        for listed, alternatives in self.alternatives:
            if listed == term:
                return (term, *alternatives)
        return (term,)


def analyze_question(question: str, tokenize: Tokenize, expand: Expand | None = None) -> QuestionIntent:
    """Split ``question`` into its content terms and its numeric/list intent.

    With ``expand`` (the synonym table's lookup), each term also gets the document words
    the table lists for it, tokenized like the sentences they are matched against.
    """
    seen: dict[str, None] = {}
    for token in tokenize(question):
        if token not in _ASKING_WORDS:
            seen.setdefault(token, None)
    terms = tuple(seen)
    alternatives = []
    if expand is not None:
        for term in terms:
            found = term_alternatives(term, tokenize, expand, exclude=seen)
            if found:
                alternatives.append((term, found))
    return QuestionIntent(
        question=question,
        terms=terms,
        wants_number=bool(_NUMERIC_CUES.search(question)),
        wants_list=bool(_LIST_CUES.search(question)),
        numbers=tuple(_NUMBER.findall(question)),
        alternatives=tuple(alternatives),
        kinds=expected_answer_kinds(question),
    )


def term_alternatives(term: str, tokenize: Tokenize, expand: Expand, exclude: Iterable[str] = ()) -> tuple[str, ...]:
    """The tokens of the document words ``expand`` gives for ``term``, each once.

    Single characters are dropped: tokenizing 总承包 or 适老化 leaves 总 and 适, which occur
    everywhere. So are the question's own terms (``exclude``), which are credited anyway.
    """
    skip = {term, *exclude}
    found: dict[str, None] = {}
    for word in expand(term):
        for token in tokenize(word):
            if len(token) > 1 and token not in skip:
                found.setdefault(token, None)
    return tuple(found)


# The opening and closing formulas of a 公文 (为贯彻落实…, 现印发给你们…, 请认真贯彻执行): they
# match any question naming the document and answer none, unless the question asks for them.
_PREAMBLE = re.compile(
    r"^(?:为(?:深入)?贯彻落实|为进一步|根据.{0,60}(?:精神|要求|规定)，|按照.{0,40}(?:部署|要求)，)"
    r"|现(?:印发|转发)给你们|请认真(?:贯彻执行|组织实施|抓好落实)|结合我[市省区县]实际，制定本|特制定本|现将.{0,20}(?:通知|答复)如下"
    r"|感谢您|欢迎.{0,10}继续|执行中遇到的?问题"
)
_ASKS_ABOUT_BASIS = re.compile(r"依据|根据什么|为什么制定|目的|印发|发文|背景")


def is_preamble(sentence: str, question: str) -> bool:
    """True for a document's opening or closing formula that the question does not ask about."""
    return bool(_PREAMBLE.search(sentence.strip())) and not _ASKS_ABOUT_BASIS.search(question)


def expected_answer_kinds(question: str) -> tuple[str, ...]:
    """The kinds of fact ``question`` asks for (money, count, time, rank), if any."""
    return tuple(kind for kind, cue in _ANSWER_KINDS.items() if cue.search(question))


def states_answer_kind(text: str, kind: str) -> bool:
    """True when ``text`` holds a fact of ``kind`` (an amount in 元 for money, a date for time...)."""
    return bool(_ANSWER_HOLDERS[kind].search(text))


def years_in(text: str) -> tuple[str, ...]:
    """The four-digit years (19xx, 20xx) written in ``text``, in order, unique."""
    return tuple(dict.fromkeys(_YEAR.findall(text)))


def holds_quantity(sentence: str) -> bool:
    """True when ``sentence`` states a number with a unit, a 文号 or a proposal number."""
    return bool(_QUANTITY.search(sentence))


def is_list_item(sentence: str) -> bool:
    """True when ``sentence`` opens an enumerated item (一是 / （一） / 1. / ①)."""
    return bool(_LIST_ITEM.match(sentence.lstrip()) or _LIST_ITEM.search(sentence[:40]))


def is_glossary_entry(sentence: str, section: Sequence[str]) -> bool:
    """True when ``sentence`` is a "term：definition" entry of a glossary (名词解释, 术语, 释义).

    Such entries are numbered like list items but list nothing a question asks for. The
    glossary is known by a heading of ``section`` (the clause's heading path) or, because a
    公文 annex gives its title (附件2 / 名词解释) on an unnumbered line that stays in the
    annex's text, by an annex clause whose own heading is the entry itself.
    """
    text = sentence.strip()
    if not _DEFINITION_ENTRY.match(text):
        return False
    if any(_GLOSSARY_HEADING.search(heading) for heading in section):
        return True
    if len(section) < 2 or not any(_ANNEX_HEADING.match(heading.strip()) for heading in section[:-1]):
        return False
    own_heading = _SPACES.sub("", section[-1])
    return bool(own_heading) and _SPACES.sub("", text).startswith(own_heading)


def numbers_in(text: str) -> tuple[str, ...]:
    """The decimal numbers written in ``text`` (whitespace inside them ignored)."""
    return tuple(_NUMBER.findall(text))
