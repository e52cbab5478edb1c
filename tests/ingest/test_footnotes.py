"""Footnotes recognised at ingest from their shape and position (issue 22, item 5)."""

from __future__ import annotations

from ingest.footnotes import rewrite_footnotes
from ingest.paragraphs import join_lines


def rewritten(text: str) -> str:
    pages, marks, _ = rewrite_footnotes([text])
    return join_lines(pages, marks).text


def test_a_call_with_its_note_becomes_the_printed_superscript():
    text = "绩效得分为77.20分，等级为“中”[1]。\n证照分离改革全面推行。[2]\n[1]等级分为优、良、中、差。\n[2]自2024年7月1日起。"
    assert rewritten(text).split("\n") == [
        "绩效得分为77.20分，等级为“中”⁽¹⁾。", "证照分离改革全面推行。⁽²⁾",
        "⁽¹⁾等级分为优、良、中、差。", "⁽²⁾自2024年7月1日起。",
    ]


def test_a_bracketed_year_of_a_document_number_is_never_a_footnote():
    # The answer read "国能综通科技92号": a regex over answers had eaten "[2021]".
    text = "根据《通知》（国能综通科技[2021]92号）起草[1]。\n[1]见附件。"
    assert "（国能综通科技[2021]92号）起草⁽¹⁾。" in rewritten(text)
    assert rewritten("按照国办发[2024]5号要求执行。") == "按照国办发[2024]5号要求执行。"


def test_brackets_without_a_note_stay_as_printed():
    assert rewritten("见参考文献[3]。\n正文继续。") == "见参考文献[3]。\n正文继续。"


def test_a_note_label_alone_on_its_line_joins_its_text():
    text = "等级为“中”[1]。\n[1]\n 说明：等级评价结果分为优、良、中、差。"
    assert rewritten(text).split("\n") == ["等级为“中”⁽¹⁾。", "⁽¹⁾说明：等级评价结果分为优、良、中、差。"]


def test_docx_footnotes_are_numbered_in_call_order(tmp_path):
    import docx
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    from ingest.loaders import load_file

    document = docx.Document()
    paragraph = document.add_paragraph("全省地区生产总值增长5.2%")
    run = paragraph.add_run()
    run._r.append(parse_xml(f'<w:footnoteReference {nsdecls("w")} w:id="7"/>'))
    paragraph.add_run("。")
    path = tmp_path / "notes.docx"
    document.save(path)
    # A footnotes part with note 7 (python-docx cannot write one): the fixtures' own writer.
    from tests.fixtures.make_layouts import write_footnotes

    work = path
    write_footnotes(work, [(7, "按不变价格计算。")])
    loaded = load_file(work)
    pages, marks, count = rewrite_footnotes(loaded.pages, loaded.marks)
    assert count == 1
    assert pages[0].split("\n") == ["全省地区生产总值增长5.2%⁽¹⁾。", "⁽¹⁾按不变价格计算。"]


def test_superscript_calls_from_a_pdf_and_units_set_as_superscripts():
    text = "增长5.2%¹，纸张定量为60g/m²的胶版纸。\n[1]按不变价格计算。\n[2]见附表。"
    first, note, _ = rewritten(text).split("\n")
    assert first == "增长5.2%⁽¹⁾，纸张定量为60g/m²的胶版纸。"  # "m²" is a unit, though a note [2] exists
    assert note == "⁽¹⁾按不变价格计算。"


def test_a_page_foot_note_waits_for_the_paragraph_it_interrupts():
    pages = ["一、总体情况\n全年一般公共预算收入增长百分之六点八⁽¹⁾，税收收入占比提高，财政运行\n⁽¹⁾增幅按同口径计算。",
             "总体平稳，民生支出占比保持在八成左右。\n二、主要任务"]
    cleaned = join_lines(pages, ["cOn", "cc"])
    assert cleaned.text.split("\n") == [
        "一、总体情况", "全年一般公共预算收入增长百分之六点八⁽¹⁾，税收收入占比提高，财政运行总体平稳，民生支出占比保持在八成左右。",
        "⁽¹⁾增幅按同口径计算。", "二、主要任务"]
    assert cleaned.roles == "..n."
    assert cleaned.text[cleaned.page_starts[1]:].startswith("总体平稳")
