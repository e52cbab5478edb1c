"""Every detail a question names must be in the sources of its answer (qa/grounding.py).

Questions about another city, an unknown proposal number or a Latin-script figure the
documents never name abstain and say which detail was not found; the same questions with
the corpus's own details are answered. Runs on the real demo index.
"""

from __future__ import annotations

import pytest

from qa.abstain import tag_words
from qa.grounding import Detail, SourceText, is_grounded, question_details


def _kinds(question: str) -> set[tuple[str, str]]:
    return {(d.kind, d.text) for d in question_details(question, tag_words)}


def test_details_a_question_names_are_found() -> None:
    assert ("place", "惠州市") in _kinds("惠州市政务数据大脑目前汇聚了多少条数据？")
    assert ("proposal", "20210150") in _kinds("第20210150号代表建议是关于什么的？")
    assert ("doc_number", "东政数函〔2022〕37号") in _kinds("东政数函〔2022〕37号答复的是哪位代表的建议？")
    assert ("article", "第三十二条") in _kinds("温州市机动车停车管理办法第三十二条规定了什么？")
    assert {("place", "禅城区"), ("place", "祖庙街道")} <= _kinds("佛山市禅城区祖庙街道的嵌入式养老试点什么时候建成？")
    assert ("term", "gdp") in _kinds("东莞的GDP是多少？")
    assert ("org", "市政数局") in _kinds("市政数局2022年部门预算一共多少钱？")
    # Colloquial words the tagger takes for places, and counted shorthands, are not details.
    assert not {d for d in _kinds("市里和镇里要专门设一个什么职位来牵头管数据？") if d[0] == "place"}
    assert not {d for d in _kinds("智慧监管建设以哪“七个一”为目标？") if d[0] == "quoted"}


@pytest.mark.parametrize(("detail", "source", "grounded"), [
    (Detail("org", "政数局"), "东莞市政务服务数据管理局关于……的函", True),  # an abbreviation, characters in order
    (Detail("org", "市财政局"), "东莞市政务服务数据管理局关于……的函", False),
    (Detail("org", "数据局"), "广东省政务服务数据管理局（以下简称“省政数局”）", True),
    (Detail("year", "2022"), "二〇二二年六月二十日", True),  # a year written in Chinese numerals
    (Detail("year", "2023"), "规划期限为2021-2025年", True),  # inside a stated range
    (Detail("year", "2025"), "“十四五”时期全市养老床位", True),  # the plan's last year
    (Detail("year", "2019"), "“十四五”时期全市养老床位", False),
    (Detail("year", "十四五"), "到2025年，全市养老床位达到", True),
    (Detail("place", "东莞市"), "东莞数字治理指数位列全国第九", True),
    (Detail("place", "惠州市"), "东莞数字治理指数位列全国第九", False),
    (Detail("article", "第三十二条"), "依照本办法第32条的规定", True),
    (Detail("proposal", "20210150"), "第20210142号代表建议", False),
])
def test_a_detail_is_grounded_in_its_usual_forms(detail: Detail, source: str, grounded: bool) -> None:
    assert is_grounded(detail, SourceText(SourceText.of_hits([], [source]).text)) is grounded


@pytest.mark.slow
@pytest.mark.parametrize(("question", "missing"), [
    ("惠州市政务数据大脑目前汇聚了多少条数据？", "惠州市"),
    ("第20210150号代表建议是关于什么的？", "20210150"),
])
def test_a_question_about_something_the_sources_do_not_name_abstains(qa_components, question: str, missing: str) -> None:
    answer = qa_components.service.ask(question)
    assert answer.abstained, answer.text
    assert missing in (answer.notice or ""), answer.notice
    assert answer.nearest, "the nearest sources are still listed"


@pytest.mark.slow
@pytest.mark.parametrize("question", [
    "东莞市政务数据大脑汇聚了多少条数据？",
    "第20210142号建议是谁提的？",
    "市政数局答复吴焯光代表“数字政府”建议的那份函，文号是多少？",
])
def test_the_same_questions_with_the_corpus_details_are_answered(qa_components, question: str) -> None:
    answer = qa_components.service.ask(question)
    assert not answer.abstained, answer.notice
    assert answer.citations
