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


# -- issue 22: real-world heads -------------------------------------------------------------
def test_a_doc_number_glued_to_the_title_line_is_split_off():
    text = "国防部文件\n国防部发〔2012〕21号国防部关于加强军队机关公文格式规范管理工作的通知\n各军区：\n一、总则\n正文。"
    found = extract_metadata(text, "x.pdf")
    assert found["doc_number"] == "国防部发〔2012〕21号"
    assert found["title"] == "国防部关于加强军队机关公文格式规范管理工作的通知"
    assert found["issuer"] == "国防部" and found["doc_type"] == "notice"


@pytest.mark.parametrize(("line", "iso"), [
    ("——2025年1月15日在某某省第十四届人民代表大会第三次会议上", "2025-01-15"),
    ("（2023年3月）", "2023-03"),
    ("2011-12-30发布", "2011-12-30"),
    ("2012-06-29发布        2012-07-01实施", "2012-06-29"),
])
def test_report_and_standard_date_lines_are_read(line, iso):
    from ingest.dates import date_line

    assert date_line(line) == iso
    assert extract_metadata(f"政府工作报告\n{line}\n各位代表：\n一、回顾\n正文。", "r.docx")["date"] == iso


STANDARD_HEAD = (
    "ICS 27.120.20\nF 69\n备案号：\nNB\n中华人民共和国能源行业标准\nNB/T 20588—2025\n核电厂定期安全评价导则\n"
    "Guidelines for periodic safety review of nuclear power plants\n（征求意见稿）\n2025-××-××发布 2025-××-××实施\n"
    "国家能源局 发布\n前言\n本文件按照GB/T 1.1—2020《标准化工作导则 第1部分：标准化文件的结构和起草规则》的规定起草。\n"
    "本文件由中国电力企业联合会提出并归口。\n1 范围\n本文件规定了核电厂定期安全评价的要求。\n2 规范性引用文件\n下列文件…\n"
    "附录A（资料性）示例\n图A.1 样式\n2012年7月1日\n"
)


def test_a_standard_draft_is_read_from_its_cover_not_its_foreword_or_samples():
    found = extract_metadata(STANDARD_HEAD, "draft.docx")
    assert found["title"] == "核电厂定期安全评价导则"
    assert found["standard_number"] == "NB/T 20588—2025"
    assert found["addressee"] is None  # "备案号：" is a cover label, not an addressee
    assert found["issuer"] == "国家能源局" and found["doc_type"] == "standard"
    assert found["date"] is None  # a draft's "2025-××-××发布"; never the sample figure's 2012年7月1日


def test_a_standard_number_in_running_headers_is_used_when_the_cover_lacks_it():
    text = "中华人民共和国国家标准\n党政机关公文格式\n2012-06-29发布 2012-07-01实施\n1 范围\n正文。\n2 规范\n正文。"
    found = extract_metadata(text, "gb.pdf", furniture=("GB/T 9704—2012", "GB/T 9704—2012"))
    assert found["standard_number"] == "GB/T 9704—2012" and found["date"] == "2012-06-29"


def test_without_a_title_line_the_title_comes_from_the_title_property_then_the_file_name():
    text = "（2024年1月）\n各位代表：\n一、2023年工作回顾\n正文。"
    assert extract_metadata(text, "2024年某某省政府工作报告.pdf")["title"] == "2024年某某省政府工作报告"
    assert extract_metadata(text, "x.pdf", property_title="2024年政府工作报告")["title"] == "2024年政府工作报告"
    assert extract_metadata(text, "000_72e0c38bb21918d5.pdf")["title"] is None  # a hash is no title
    assert extract_metadata(text, "a.pdf", property_title="Microsoft Word - 报告.doc")["title"] is None
    assert extract_metadata(text, "2024年某某省政府工作报告.pdf")["doc_type"] == "work_report"


@pytest.mark.parametrize(("title", "doc_type"), [
    ("国务院关于加强数字政府建设的指导意见", "opinion"),
    ("某某市公共数据管理办法", "regulation"),
    ("某某省数据条例", "regulation"),
    ("关于报送2023年政务数据共享需求的函", "letter"),
    ("关于印发《某某市公共数据管理办法》的通知", "notice"),
    ("《核电厂定期安全评价导则》（征求意见稿）编制说明", "explanation"),
    ("2024年某某省政府工作报告", "work_report"),
    ("关于某某的情况汇报", "other"),
])
def test_document_types_follow_the_title(title, doc_type):
    assert extract_metadata(f"{title}\n一、总则\n正文。", "x.txt")["doc_type"] == doc_type


def test_a_doc_number_sharing_its_line_with_the_signer():
    text = "某某市人民政府文件\n某府〔2024〕3号    签发人：张三\n某某市人民政府关于某事项的请示\n省人民政府：\n一、基本情况\n正文。"
    assert extract_metadata(text, "x.pdf")["doc_number"] == "某府〔2024〕3号"
