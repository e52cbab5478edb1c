"""Page cleaning: furniture out, artefacts repaired, citation text otherwise untouched."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.clean import repair_characters, strip_page_furniture
from ingest.loaders import load_file

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


@pytest.mark.parametrize("number_line", ["- 3 -", "— 12 —", "－ 7 －", "第3页", "第 3 页 共 10 页", "3/10", "Page 4", "8"])
def test_page_number_lines_are_dropped(number_line):
    pages = [f"正文第一段。\n{number_line}", f"{number_line}\n正文第二段。", "正文第三段。"]
    assert strip_page_furniture(pages) == ("正文第一段。", "正文第二段。", "正文第三段。")


def test_a_number_inside_the_text_is_not_a_page_number():
    pages = ["一、主要指标\n目标值为\n95\n以上。", "二、其他\n2021\n说明"]
    assert strip_page_furniture(pages) == tuple(pages)


def test_a_single_page_text_keeps_a_number_on_its_last_line():
    assert strip_page_furniture(["附表合计\n128"]) == ("附表合计\n128",)


BODIES = ["完善数据共享机制。", "夯实数据共享底座。", "开展一网统管工作。", "推进基层治理平台建设。", "构建网格化管理模式。"]


def test_running_headers_and_footers_repeated_on_most_pages_are_dropped():
    pages = [
        f"东莞市数字政府建设项目绩效评价报告\n{body}\n2021年东莞市财政局 第 {n} 页 共 5 页"
        for n, body in enumerate(BODIES, start=1)
    ]
    assert strip_page_furniture(pages) == tuple(BODIES)


def test_a_line_on_two_pages_only_is_not_furniture():
    pages = ["东莞市政务服务数据管理局\n正文一", "正文二", "正文三", "正文四\n东莞市政务服务数据管理局"]
    assert strip_page_furniture(pages) == tuple(pages)


def test_page_numbers_left_in_pdf_derived_txt_are_dropped():
    raw = load_file(CORPUS / "001_285a30d5b4a086e4.txt").pages
    assert "— 5 —" in raw[0]
    assert "— 5 —" not in strip_page_furniture(raw)[0]


def test_kangxi_radicals_become_ideographs():
    assert repair_characters("\u2f8f政\u2f45案") == "行政方案"  # ⾏ ⽅ from PDF fonts
    assert repair_characters("\u2ee3") == "骨"  # CJK Radicals Supplement, via its Kangxi twin


def test_invisible_and_bidi_controls_are_removed_and_odd_spaces_become_plain():
    assert repair_characters("数\u200b据\u200d共\u202e享\ufeff") == "数据共享"
    assert repair_characters("东莞\u00a0市\u3000政府") == "东莞 市 政府"


def test_citation_punctuation_is_kept_as_printed():
    text = "《规划》“一网统管”东政数函〔2021〕53号（试行）２０２１"
    assert repair_characters(text) == text


def test_roman_page_numbers_of_front_matter_are_dropped():
    pages = ["前言\n本标准起草。\nⅠ", "目次\n1 范围\nⅡ", "1 范围\n正文。\n1"]
    assert strip_page_furniture(pages) == ("前言\n本标准起草。", "目次\n1 范围", "1 范围\n正文。")
