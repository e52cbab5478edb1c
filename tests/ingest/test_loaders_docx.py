"""DOCX loader: paragraphs, headings and tables in reading order."""

from __future__ import annotations

import copy
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn

from ingest.loaders import load_file

FORMATS = Path(__file__).resolve().parents[2] / "corpus" / "formats"


def test_corpus_docx_keeps_the_clause_numbering():
    text = load_file(FORMATS / "004_342d9834cd5d19b4.docx").pages[0]
    lines = [line for line in text.split("\n") if line.strip()]
    assert lines[0] == "东莞市政务服务数据管理局"
    assert lines.index("一、主要工作成效") < lines.index("（一）完善数据共享机制")


def test_headings_paragraphs_and_tables_come_in_document_order(tmp_path):
    document = docx.Document()
    document.add_heading("一、总体要求", level=1)
    document.add_paragraph("坚持统筹规划。")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "指标"
    table.cell(0, 1).text = "目标值"
    table.cell(1, 0).text = "政务服务事项网办率"
    table.cell(1, 1).text = "95%"
    document.add_paragraph("二、保障措施")
    path = tmp_path / "plan.docx"
    document.save(path)

    loaded = load_file(path)
    assert loaded.pages[0].split("\n") == ["一、总体要求", "坚持统筹规划。", "指标：政务服务事项网办率；目标值：95%", "二、保障措施"]
    assert loaded.marks == ("pprp",)  # every line a whole paragraph, the table row a row


def test_merged_table_cells_are_not_repeated(tmp_path):
    document = docx.Document()
    table = document.add_table(rows=1, cols=3)
    table.cell(0, 0).merge(table.cell(0, 1)).text = "合并单元格"
    table.cell(0, 2).text = "末列"
    path = tmp_path / "merged.docx"
    document.save(path)
    assert load_file(path).pages == ("合并单元格；末列",)


def test_cells_come_from_the_xml_grid_not_from_equal_text(tmp_path):
    document = docx.Document()
    table = document.add_table(rows=4, cols=4)
    rows = [("类别", "因素", "E1", "E2"), ("设备", "SF4", "×", "×"), ("", "SF5", "×", "×"), ("管理", "SF11", "满足", "")]
    table.cell(1, 0).merge(table.cell(2, 0))  # vertical merge: 设备 covers two rows
    table.cell(3, 2).merge(table.cell(3, 3))  # horizontal merge under E1 and E2
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            if text and not (r == 3 and c == 3):
                table.cell(r, c).paragraphs[0].text = text
    path = tmp_path / "grid.docx"
    document.save(path)
    # Two neighbouring "×" that are not merged stay two values (issue 22: a 16×16 matrix kept one per row).
    assert load_file(path).pages[0].split("\n") == [
        "类别：设备；因素：SF4；E1：×；E2：×",
        "类别：设备；因素：SF5；E1：×；E2：×",
        "类别：管理；因素：SF11；E1、E2：满足",
    ]


def test_docx_paragraphs_are_never_rejoined_and_pages_come_from_breaks(tmp_path):
    from docx.enum.text import WD_BREAK

    from ingest.paragraphs import join_lines

    document = docx.Document()
    for text in ["SSCs 构筑物、系统和部件", "5  定期安全评价的策划和准备", "5.1  确定评价范围和内容"]:
        document.add_paragraph(text)
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    document.add_paragraph("5.1.1 一般而言，定期安全评价应覆盖核电厂运行的所有方面")
    path = tmp_path / "std.docx"
    document.save(path)
    loaded = load_file(path)
    assert loaded.paginated and len(loaded.pages) == 2
    cleaned = join_lines(loaded.pages, loaded.marks)
    assert cleaned.text.split("\n") == ["SSCs 构筑物、系统和部件", "5  定期安全评价的策划和准备", "5.1  确定评价范围和内容",
                                       "5.1.1 一般而言，定期安全评价应覆盖核电厂运行的所有方面"]


def test_a_docx_without_page_breaks_has_no_page_numbers(tmp_path):
    document = docx.Document()
    document.add_paragraph("正文。")
    path = tmp_path / "one.docx"
    document.save(path)
    assert not load_file(path).paginated


def set_list_format(document, num_id: str, formats: dict[int, tuple[str, str]]) -> None:
    """Make list ``num_id`` use ``{level: (numFmt, lvlText)}``, as a Chinese Word template does."""
    numbering = document.part.numbering_part.element
    num = next(n for n in numbering.findall(qn("w:num")) if n.get(qn("w:numId")) == num_id)
    abstract_id = num.find(qn("w:abstractNumId")).get(qn("w:val"))
    abstract = next(a for a in numbering.findall(qn("w:abstractNum")) if a.get(qn("w:abstractNumId")) == abstract_id)
    first = abstract.find(qn("w:lvl"))
    for ilvl, (number_format, template) in formats.items():
        level = next((lvl for lvl in abstract.findall(qn("w:lvl")) if lvl.get(qn("w:ilvl")) == str(ilvl)), None)
        if level is None:  # the default template's lists have one level only
            level = copy.deepcopy(first)
            level.set(qn("w:ilvl"), str(ilvl))
            abstract.append(level)
        level.find(qn("w:numFmt")).set(qn("w:val"), number_format)
        level.find(qn("w:lvlText")).set(qn("w:val"), template)


def number_paragraph(paragraph, num_id: str, level: int) -> None:
    properties = paragraph._p.get_or_add_pPr()
    num_pr = properties.get_or_add_numPr()
    num_pr.get_or_add_ilvl().val = level
    num_pr.get_or_add_numId().val = int(num_id)


def test_automatic_list_numbers_are_written_out(tmp_path):
    document = docx.Document()
    document.add_paragraph("第一项", style="List Number")
    document.add_paragraph("第二项", style="List Number")
    path = tmp_path / "list.docx"
    document.save(path)
    assert load_file(path).pages[0].split("\n") == ["1.第一项", "2.第二项"]


@pytest.mark.parametrize("top_format", ["chineseCounting", "japaneseCounting"])
def test_chinese_clause_numbering_restarts_under_each_parent(tmp_path, top_format):
    # WPS and Word for Chinese write 一、 as japaneseCounting as often as chineseCounting.
    document = docx.Document()
    num_id = "5"  # the default template's "List Number" list
    set_list_format(document, num_id, {0: (top_format, "%1、"), 1: ("chineseCounting", "（%2）")})
    for text, level in [("总体要求", 0), ("指导思想", 1), ("基本原则", 1), ("主要任务", 0), ("夯实数字底座", 1)]:
        number_paragraph(document.add_paragraph(text), num_id, level)
    path = tmp_path / "clauses.docx"
    document.save(path)
    assert load_file(path).pages[0].split("\n") == [
        "一、总体要求", "（一）指导思想", "（二）基本原则", "二、主要任务", "（一）夯实数字底座",
    ]


def test_a_manual_line_break_inside_a_paragraph_joins_a_title_but_not_a_signature(tmp_path):
    from ingest.paragraphs import join_lines

    document = docx.Document()
    title = document.add_paragraph("关于加强军队机关公文格式规范")
    title.add_run().add_break()
    title.add_run("管理工作的通知")
    document.add_paragraph("正文。")
    signature = document.add_paragraph("国防部")
    signature.add_run().add_break()
    signature.add_run("2012年6月29日")
    path = tmp_path / "breaks.docx"
    document.save(path)
    loaded = load_file(path)
    assert join_lines(loaded.pages, loaded.marks).text.split("\n") == [
        "关于加强军队机关公文格式规范管理工作的通知", "正文。", "国防部", "2012年6月29日"]
