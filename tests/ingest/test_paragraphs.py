"""Paragraph rebuilding on the PDF-extracted TXT files of the corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.paragraphs import join_lines, pages_for_span

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def cleaned(stem: str) -> str:
    path = next(CORPUS.glob(f"{stem}_*.txt"))
    return join_lines([path.read_text(encoding="utf-8")]).text


@pytest.fixture(scope="module")
def letter() -> list[str]:
    return cleaned("000").split("\n")


def test_a_title_wrapped_over_two_lines_is_one_paragraph(letter):
    assert "关于东莞市政务数据大脑暨智慧城市 IOC 运行中心建设项目绩效评价整改情况的反馈函" in letter
    assert "市财政局：" in letter


def test_sentences_broken_at_the_page_width_are_joined(letter):
    text = "\n".join(letter)
    assert "通过方案库、立项库、建设库进行动态跟踪。" in text  # "立\n 项库" in the file
    assert "400 万元至 3000 万元之间" in text


def test_a_heading_stays_its_own_paragraph(letter):
    assert "一、规范项目实施管理，优化项目建设模式" in letter
    assert "四、加强项目统筹力度，着力驱动部门参与" in letter


def test_a_wrapped_heading_is_joined_but_not_to_its_body():
    paragraphs = cleaned("001").split("\n")
    assert "（一）数字政府建设管理机制基本确立，进一步加强统筹力度" in paragraphs
    reply = cleaned("003").split("\n")
    assert "二、关于“数字政府也要保障老年群体的使用体验”的建议" in reply


def test_paragraph_per_line_files_keep_their_paragraphs_and_lose_markdown():
    plan = cleaned("002")
    assert "#" not in plan and "**" not in plan
    assert "东莞市民服务中心被评为广东省首届市级政务服务标杆大厅。" in plan
    assert "《政务数据大脑人员账号及权限管理规范》" in cleaned("004")


def test_page_starts_and_page_lookup():
    pages = ["第一页第一行。\n第一页第二行。\n", "第二页的内容。\n", "", "第四页。"]
    result = join_lines(pages)
    assert result.text == "第一页第一行。\n第一页第二行。\n第二页的内容。\n第四页。"
    second = result.text.index("第二页")
    assert result.page_starts[1] == second
    assert pages_for_span(result, 0, 5) == (1,)
    assert pages_for_span(result, second - 3, second + 3) == (1, 2)
    assert pages_for_span(result, result.text.index("第四页"), len(result.text)) == (4,)


def test_a_sentence_running_over_a_page_break_is_joined_and_spans_both_pages():
    line = "这是一个很长的句子，它在第一页的末尾被截断了，没有任何标点符号结束，所以"
    pages = [f"{line}\n{line}", "继续在第二页写完。"]
    result = join_lines(pages)
    assert "\n" not in result.text.split(line)[-1]
    assert result.text.endswith("所以继续在第二页写完。")
    assert pages_for_span(result, 0, len(result.text)) == (1, 2)
