"""Fact extraction, comparison and claim splitting on sentences taken from the real corpus.

Each contradicted claim is made by changing one fact of a real source sentence, the way an
evaluator's report gets a figure wrong; the unchanged restatement must show no difference.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.claims.compare import compare_facts
from qa.claims.facts import compact_text, extract_facts
from qa.claims.split import split_claims

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def corpus_sentence(stem_prefix: str, needle: str) -> str:
    """The sentence (up to 。；) of a corpus document that holds ``needle`` (whitespace ignored)."""
    path = next(CORPUS.glob(f"{stem_prefix}_*.txt"))
    text = compact_text(path.read_text(encoding="utf-8"))
    at = text.index(compact_text(needle))
    start = max(text.rfind(mark, 0, at) for mark in "。；") + 1
    end = min(i for i in (text.find("。", at), text.find("；", at), len(text)) if i >= 0)
    return text[start:end + 1]


def kinds(claim: str, source: str, **kwargs) -> list[str]:
    return [d.kind for d in compare_facts(claim, source, **kwargs).differences]


def test_amounts_are_normalised_with_unit_magnitude_and_bound():
    facts = {f.text: f for f in extract_facts(corpus_sentence("004", "汇聚数据超 360 亿条")) if f.kind == "number"}
    assert facts["超360亿条"].value == pytest.approx(3.6e10)
    assert facts["超360亿条"].unit == "条" and facts["超360亿条"].op == ">"
    money = [f for f in extract_facts(corpus_sentence("000", "总投资 400 万元以下")) if f.kind == "number"]
    assert money[0].value == pytest.approx(4e6) and money[0].unit == "元" and money[0].op == "<="
    score = [f for f in extract_facts(corpus_sentence("001", "绩效得分 77.20 分")) if f.kind == "number"]
    assert [(f.value, f.unit) for f in score] == [(77.2, "分")]


def test_document_numbers_and_dates_are_not_amounts():
    facts = extract_facts("东政数函〔2021〕53 号，2021 年 6 月 24 日")
    assert [f.kind for f in facts] == ["date"]
    assert facts[0].value == (2021, 6, 24)


@pytest.mark.parametrize(
    ("prefix", "needle", "claim", "kind"),
    [
        ("004", "汇聚数据超 360 亿条", "市政务数据大脑已对接84个单位的信息系统。", "number"),
        ("004", "汇聚数据超 360 亿条", "市政务数据大脑汇聚的数据已超过36亿条。", "magnitude"),
        ("004", "5.9 亿条数据", "市政法委已汇聚167个目录共5.9万条数据。", "magnitude"),
        ("003", "超 700 项业务", "市民服务中心有700项以下业务可以通过快递办理。", "number"),
        ("004", "2016 年，我市全面推进", "我市于2018年全面推进社会服务管理智网工程建设。", "year"),
        ("001", "等级为“中”", "2019-2021年度数字政府建设项目绩效得分77.20分，等级为“良”。", "grade"),
        ("004", "在全省仅次于深圳、广州", "雪亮工程视频联网共享服务平台接入超19万路视频，在全省仅次于深圳、佛山。", "rank"),
        ("004", "由市委政法委牵头", "加快推进基层社会治理事项标准化，由市公安局牵头组织相关部门开展治理事项标准化梳理。", "department"),
        ("003", "我市已建成政务云平台", "我市尚未建成政务云平台。", "negation"),
        ("001", "尚未真正形成齐管共建的工作格局", "统筹管理模式已经真正形成齐管共建的工作格局。", "negation"),
        ("003", "我市将组建东莞市数字经济发展集团", "我市已经组建东莞市数字经济发展集团有限公司，承接数字政府项目运维。", "modality"),
    ],
)
def test_each_kind_of_changed_fact_is_a_difference(prefix, needle, claim, kind):
    source = corpus_sentence(prefix, needle)
    assert kind in kinds(claim, source), (claim, source)


@pytest.mark.parametrize(
    ("prefix", "needle", "claim"),
    [
        ("004", "汇聚数据超 360 亿条", "市政务数据大脑已对接74个单位的344个信息系统，汇聚数据超过360亿条。"),
        ("003", "超 700 项业务", "东莞市民服务中心有700多项业务可以通过快递寄递办理。"),
        ("001", "等级为“中”", "2019-2021年度数字政府建设项目绩效得分为77.20分，评价等级为中。"),
        ("004", "在全省仅次于深圳、广州", "雪亮工程接入的视频在全省排在深圳、广州之后。"),
        ("003", "我市已建成政务云平台", "我市已经建成了政务云平台。"),
    ],
)
def test_a_faithful_restatement_has_no_difference(prefix, needle, claim):
    comparison = compare_facts(claim, corpus_sentence(prefix, needle))
    assert comparison.differences == ()
    assert comparison.missing == ()


def test_a_body_the_source_never_names_is_missing_not_matched():
    source = corpus_sentence("003", "超 700 项业务")
    comparison = compare_facts("市财政局负责的市民服务中心有超700项业务可快递办理。", source)
    assert [f.text for f in comparison.matched if f.kind == "body"] == ["市民服务中心"]
    assert "department" in [d.kind for d in comparison.differences] or comparison.missing


def test_the_issuer_speaks_as_我局():
    source = corpus_sentence("003", "我局推广不见面审批服务")
    claim = "东莞市政务服务数据管理局推广不见面审批服务，让老年人办事一次不跑。"
    assert compare_facts(claim, source).missing
    assert not compare_facts(claim, source, context_bodies=["东莞市政务服务数据管理局"]).missing


def test_a_draft_title_is_not_an_issued_document():
    source = corpus_sentence("004", "（送审稿）》已报政府审定")
    claim = "《东莞市建立健全政务数据共享协调机制加快推进数据有序共享实施方案》已经印发实施。"
    assert "modality" in kinds(claim, source)


def test_split_claims_separates_clauses_that_each_hold_a_fact():
    paragraph = (
        "2019-2021年度数字政府建设项目绩效得分为77.20分，等级为“中”。"
        "市政务数据大脑汇聚数据超360亿条，同时形成数据资源目录4384个；"
        "我市已建成政务云平台，并对各单位开放使用。"
    )
    claims = split_claims(paragraph)
    assert claims[1:3] == ["市政务数据大脑汇聚数据超360亿条", "形成数据资源目录4384个"]
    assert "我市已建成政务云平台，并对各单位开放使用" in claims  # the second clause has no fact of its own
    assert len(claims) == 4
