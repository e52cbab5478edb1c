"""Answer text keeps document numbers whole; questions about errors are no place questions (issue 22)."""

from __future__ import annotations

import pytest

from qa.answerers.extractive import display_sentence
from qa.intent import expected_answer_kinds


def test_a_bracketed_year_in_a_document_number_survives_into_the_answer():
    quoted = "根据《国家能源局综合司关于下达2021年能源领域行业标准制（修）订计划的通知》（国能综通科技[2021]92号）"
    assert "国能综通科技[2021]92号" in display_sentence(quoted)


def test_footnote_calls_recognised_at_ingest_are_left_out_of_answers():
    assert display_sentence("绩效得分77.20分，等级为“中”⁽¹⁾。") == "绩效得分77.20分，等级为“中”。"


@pytest.mark.parametrize("question", ["这份报告错在哪里？", "在哪里出错了？", "问题在哪里？"])
def test_asking_what_is_wrong_is_not_a_place_question(question):
    assert "place" not in expected_answer_kinds(question)


def test_a_real_place_question_still_is_one():
    assert "place" in expected_answer_kinds("市民服务中心在哪里？")
