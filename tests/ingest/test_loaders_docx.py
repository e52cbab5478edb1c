"""DOCX loader: paragraphs, headings and tables in reading order."""

from __future__ import annotations

import copy
from pathlib import Path

import docx
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

    lines = load_file(path).pages[0].split("\n")
    assert lines == ["一、总体要求", "坚持统筹规划。", "指标 目标值", "政务服务事项网办率 95%", "二、保障措施"]


def test_merged_table_cells_are_not_repeated(tmp_path):
    document = docx.Document()
    table = document.add_table(rows=1, cols=3)
    table.cell(0, 0).merge(table.cell(0, 1)).text = "合并单元格"
    table.cell(0, 2).text = "末列"
    path = tmp_path / "merged.docx"
    document.save(path)
    assert load_file(path).pages == ("合并单元格 末列",)


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


def test_chinese_clause_numbering_restarts_under_each_parent(tmp_path):
    document = docx.Document()
    num_id = "5"  # the default template's "List Number" list
    set_list_format(document, num_id, {0: ("chineseCounting", "%1、"), 1: ("chineseCounting", "（%2）")})
    for text, level in [("总体要求", 0), ("指导思想", 1), ("基本原则", 1), ("主要任务", 0), ("夯实数字底座", 1)]:
        number_paragraph(document.add_paragraph(text), num_id, level)
    path = tmp_path / "clauses.docx"
    document.save(path)
    assert load_file(path).pages[0].split("\n") == [
        "一、总体要求", "（一）指导思想", "（二）基本原则", "二、主要任务", "（一）夯实数字底座",
    ]
