"""Claim facts are bound to what they are about (issue: claim verdicts bound to subjects).

Two numbers swapped between their subjects, a rank that belongs to another indicator, an
award or rating level, a quarter, a formula's operand and a claim about something the corpus
never names: the patterns an outside evaluator found called *supported* (or wrongly
contradicted), each on sentences shaped like the corpus's.
"""

from __future__ import annotations

import pytest

from qa.claims.compare import compare_facts, subject_of
from qa.claims.facts import compact_text, extract_facts


def differences(claim: str, source: str) -> list[tuple[str, str, str, str]]:
    return [(d.kind, d.claim, d.source, d.subject) for d in compare_facts(claim, source).differences]


def test_two_numbers_swapped_between_their_subjects_contradict() -> None:
    source = "项目组共37人，其中市政数局26人、从各部门抽调11人"
    assert differences("共37人，其中市政数局11人，抽调26人", source) == [("swap", "11人", "26人", "市政数局")]
    assert differences("共37人，其中市政数局26人，抽调11人", source) == []


def test_a_number_that_belongs_to_another_body_contradicts() -> None:
    source = "汇聚市政法委167个目录、市自然资源局53个目录"
    found = differences("汇聚市自然资源局167个目录", source)
    assert found and found[0][:3] == ("swap", "167个", "53个") and "自然资源局" in found[0][3]


def test_a_rank_is_bound_to_its_indicator() -> None:
    source = "在全省考核中，无障碍服务排第21名，减时间排第12名"
    found = differences("无障碍服务指标排在全省第12名", source)
    assert found and found[0][0] == "rank" and "21" in found[0][2] and "无障碍" in found[0][3]
    assert differences("减时间指标排在全省第12名", source) == []


@pytest.mark.parametrize(("claim", "source", "kind"), [
    ("该案例获评全省政务服务创新一等奖", "该案例获评全省政务服务创新三等奖", "level"),
    ("该建议的办理结果为A类", "该建议的办理结果为B类", "level"),
    ("该机构被评定为五星级养老机构", "该机构被评定为四星级养老机构", "level"),
    ("平台于2021年第三季度启动建设", "平台于2021年第四季度启动建设", "quarter"),
])
def test_levels_and_quarters_are_compared(claim: str, source: str, kind: str) -> None:
    assert [d[0] for d in differences(claim, source)] == [kind]
    assert differences(source, source) == []


def test_a_formula_operand_is_not_a_stated_value() -> None:
    assert not [f for f in extract_facts("电子证照用证率=用证次数/办件总次数×100%") if f.kind == "number"]
    assert differences("电子证照用证率为95%", "电子证照用证率=用证次数/办件总次数×100%") == []


def test_the_subject_of_a_fact_is_its_clause_up_to_the_fact() -> None:
    text = compact_text("其中市政数局26人、抽调11人")
    facts = [f for f in extract_facts(text) if f.kind == "number"]
    assert [subject_of(text, f, facts) for f in facts] == ["市政数局", "抽调"]


@pytest.mark.parametrize(("claim", "source"), [
    ("这项任务的牵头单位是市民政局", "任务：培训养老护理员；牵头单位：市人力资源社会保障局；配合单位：市民政局"),
    ("深化餐饮油烟治理由市生态环境局牵头，市城管委作为配合单位", "深化餐饮油烟治理，市城管委牵头，市生态环境局、市市场监管局配合"),
    ("该建议由市城管委主办", "该建议由市生态环境局主办，市城管委、市市场监管局协办"),
])
def test_an_organisation_in_another_role_contradicts(claim: str, source: str) -> None:
    found = differences(claim, source)
    assert found and found[0][0] == "department" and found[0][3] == "牵头", found
