"""Follow-up questions are rewritten with the conversation's topic before retrieval."""

from __future__ import annotations

import pytest

from qa.conversation import is_follow_up, rewrite_follow_up


@pytest.fixture(scope="module")
def tokenize():
    from index.tokenize import ChineseTokenizer

    return ChineseTokenizer().tokenize


def test_elliptical_what_about_question_carries_the_previous_topic(tokenize) -> None:
    history = ["政务服务一网通办对企业有哪些便利措施？"]
    rewritten = rewrite_follow_up("那老年人呢？", history, tokenize)
    assert rewritten.startswith("那老年人呢")
    assert "一网通办" in rewritten or "政务服务" in rewritten


def test_pronoun_question_is_resolved_through_a_chain_of_turns(tokenize) -> None:
    history = ["东莞市政务数据大脑是哪年建成的？", "它汇聚了多少数据？"]
    rewritten = rewrite_follow_up("这个项目的绩效得分呢？", history, tokenize)
    assert "数据大脑" in rewritten


def test_self_contained_question_is_left_alone(tokenize) -> None:
    question = "2019-2021年度数字政府建设项目绩效评价得分是多少？"
    assert not is_follow_up(question)
    assert rewrite_follow_up(question, ["东莞市政务数据大脑是哪年建成的？"], tokenize) == question


def test_no_history_means_no_rewrite(tokenize) -> None:
    assert rewrite_follow_up("那老年人呢？", [], tokenize) == "那老年人呢？"
