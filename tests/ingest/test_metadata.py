"""Metadata of the five real documents, checked against what the documents say."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.metadata import extract_metadata, normalize_doc_number, parse_date
from ingest.paragraphs import join_lines

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def metadata(stem: str) -> dict:
    path = next(CORPUS.glob(f"{stem}_*.txt"))
    return extract_metadata(join_lines([path.read_text(encoding="utf-8")]).text, path.name)


LETTERS = {
    "000": {
        "title": "关于东莞市政务数据大脑暨智慧城市IOC运行中心建设项目绩效评价整改情况的反馈函",
        "doc_number": None,  # the letter has none; 东财函〔2021〕1159号 is the letter it answers
        "issuer": "东莞市政务服务数据管理局",
        "addressee": "市财政局",
        "date": "2021-12-10",
        "doc_type": "rectification_letter",
        "proposal_number": None,
    },
    "003": {
        "title": "关于对东莞市十六届人大六次会议代表建议第20210142号提案办理答复的函",
        "doc_number": "东政数函〔2021〕53号",
        "issuer": "东莞市政务服务数据管理局",
        "addressee": "吴焯光代表",
        "date": "2021-06-24",
        "doc_type": "proposal_reply",
        "proposal_number": "20210142",
    },
    "004": {
        "title": "关于东莞市十七届人大一次会议第20220388号代表建议的意见",
        "doc_number": "东政数函〔2022〕37号",
        "issuer": "东莞市政务服务数据管理局",
        "addressee": "郑俊彦、余映涛委员",
        "date": "2022-07-11",
        "doc_type": "proposal_reply",
        "proposal_number": "20220388",
    },
}


@pytest.mark.parametrize("stem", sorted(LETTERS))
def test_letters_metadata_is_exact(stem):
    found = metadata(stem)
    assert {key: found[key] for key in LETTERS[stem]} == LETTERS[stem]


def test_evaluation_report_is_authored_by_the_evaluator():
    found = metadata("001")
    assert found["doc_type"] == "evaluation_report"
    assert found["title"] == "2019-2021年度东莞市数字政府建设项目绩效评价报告"
    assert found["issuer"] == "广东三胜管理顾问有限公司"
    # No signature date and no addressee line: nothing is better than a guess.
    assert found["date"] is None and found["addressee"] is None and found["doc_number"] is None


def test_plan_metadata():
    found = metadata("002")
    assert found["doc_type"] == "plan"
    assert found["title"] == "东莞市数字政府改革建设“十四五”规划"
    assert found["date"] == "2022-04"
    assert found["issuer"] is None and found["doc_number"] is None


def test_cites_name_titles_and_document_numbers_once():
    letter = metadata("000")["cites"]
    assert "东财函〔2021〕1159号" in letter
    assert "《关于东莞市政务数据大脑暨智慧城市IOC运行中心建设项目绩效评价结果的函》" in letter
    assert len(letter) == len(set(letter))
    plan = metadata("002")["cites"]
    assert "《广东省数字政府改革建设“十四五”规划》" in plan and "粤府〔2021〕44号" in plan
    report = metadata("001")["cites"]
    assert "《实施方案》" not in report  # an alias ("以下简称《实施方案》"), not a document
    reply = metadata("003")
    assert reply["doc_number"] not in reply["cites"]


def test_document_numbers_and_dates_are_normalised():
    assert normalize_doc_number("东政数函 〔 2021 〕 53 号") == "东政数函〔2021〕53号"
    assert normalize_doc_number("粤府[2021]44号") == "粤府〔2021〕44号"
    assert parse_date("2021 年 12 月 10 日") == "2021-12-10"
    assert parse_date("二〇二一年十二月十日") == "2021-12-10"
    assert parse_date("二〇二二年七月三十一日") == "2022-07-31"
    assert parse_date("2021 年 13 月 1 日") is None
    assert parse_date("于 2021 年 12 月 10 日召开") is None
