"""Issue 22 on the team's hard fixtures (tests/fixtures/layouts) and on the snippets the issue quotes.

The fixtures are ingested through the real pipeline and scored by evals/layout_fidelity.py
against their truth files: every paragraph boundary, table cell, clause path and metadata
field must be right. The three fixtures that need OCR (picture tables, a sample-form page, a
chart) are marked slow.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.layout_fidelity import FIXTURES, score_fixture
from ingest.headings import match_heading
from ingest.loaders.ocr import holds_sentences, is_placeholder
from ingest.paragraphs import join_lines
from ingest.structure import iter_sections, parse_sections

OCR_FIXTURES = {"gongwen_notice", "national_standard", "training_handout"}
TRUTHS = sorted(FIXTURES.glob("*.truth.json"))


def _fixture_params() -> list:
    params = []
    for path in TRUTHS:
        name = path.name.removesuffix(".truth.json")
        params.append(pytest.param(path, id=name, marks=[pytest.mark.slow] if name in OCR_FIXTURES else []))
    return params


@pytest.mark.parametrize("truth", _fixture_params())
def test_hard_fixture_is_ingested_as_its_author_meant(truth, tmp_path):
    scores = score_fixture(truth, tmp_path)
    assert (scores.precision, scores.recall) == (1.0, 1.0), "paragraph boundaries"
    assert scores.cells[0] == scores.cells[1], "table cells"
    assert scores.clauses[0] == scores.clauses[1], scores.misses
    wrong = {name: pair for name, pair in scores.metadata.items() if name not in scores.metadata_right}
    assert not wrong, wrong
    assert not scores.absent_found
    assert scores.notes[0] == scores.notes[1], scores.misses


def paragraphs(text: str) -> list[str]:
    return join_lines([text]).text.split("\n")


def test_short_lines_do_not_glue_headings_to_bodies():
    # Issue: "SSCs 构筑物、系统和部件5  定期安全评价的策划和准备5.1  确定评价范围和内容5.1.1 一般而言…"
    text = ("PSR  定期安全评价\nSSCs 构筑物、系统和部件\n5  定期安全评价的策划和准备\n5.1  确定评价范围和内容\n"
            "5.1.1 一般而言，定期安全评价应覆盖核电厂运行的所有方面。\n")
    assert paragraphs(text) == ["PSR  定期安全评价", "SSCs 构筑物、系统和部件", "5  定期安全评价的策划和准备",
                                "5.1  确定评价范围和内容", "5.1.1 一般而言，定期安全评价应覆盖核电厂运行的所有方面。"]


def test_a_standard_heading_is_not_glued_to_its_first_sentence():
    # Issue: "4  公文用纸主要技术指标公文用纸一般使用…"
    text = "3.2 行 line\n一行指一个汉字的高度。\n4  公文用纸主要技术指标\n公文用纸一般使用纸张定量为60g/m2～80g/m2的胶版印刷纸。"
    assert "4  公文用纸主要技术指标" in paragraphs(text)


def test_a_doc_number_line_is_not_glued_to_the_title():
    # Issue: the title read "国防部发〔2012〕21号国防部关于…" and the 文号 was empty.
    assert paragraphs("国防部文件\n国防部发〔2012〕21号\n国防部关于加强公文格式管理工作的通知\n各军区：")[1:3] == [
        "国防部发〔2012〕21号", "国防部关于加强公文格式管理工作的通知"]


@pytest.mark.parametrize("sentence", ["第二条红色双线位于发文字号之下4mm处。", "附录B给出了评价范围确定的示例。",
                                      "附件：公文格式检查要点", "2.5 亿元用于平台建设。"])
def test_sentences_that_start_like_headings_are_body_text(sentence):
    text = f"关于某事项的通知\n一、总体要求\n{sentence}\n二、工作措施\n内容。"
    titles = [path[-1] for path, _ in iter_sections(parse_sections(text))]
    assert titles == ["正文", "一、总体要求", "二、工作措施"]


def test_a_table_of_contents_without_leaders_is_not_a_run_of_headings():
    # Issue: a Word TOC without leaders or page numbers put every chapter under "前 言".
    toc = ["目  次", "前言", "1  范围", "2  规范性引用文件", "3  术语和定义"]
    body = ["前  言", "本文件按照GB/T 1.1—2020起草。", "1  范围", "本文件规定了要求。", "2  规范性引用文件",
            "下列文件必不可少。", "3  术语和定义", "3.1  字  word", "一字指一个汉字宽度的距离。"]
    sections = parse_sections("\n".join(["党政机关公文格式", *toc, *body]), front_title="党政机关公文格式")
    assert [s.title for s in sections] == ["党政机关公文格式", "前言", "1 范围", "2 规范性引用文件", "3 术语和定义"]
    assert [c.title for c in sections[-1].children] == ["3.1 字 word"]


def test_an_annex_holds_its_items_even_when_they_are_numbered_like_the_report():
    # Issue: the ten items of 附件1 became siblings of the report's own 一、…
    text = "政府工作报告\n一、2024年工作回顾\n正文。\n二、2025年任务\n正文。\n附件1\n一、新建幼儿园120所。\n二、新增养老床位8000张。"
    sections = parse_sections(text)
    assert [s.title for s in sections] == ["正文", "一、2024年工作回顾", "二、2025年任务", "附件1"]
    assert [c.title for c in sections[-1].children] == ["一、新建幼儿园120所", "二、新增养老床位8000张"]


def test_standard_clause_numbers_need_their_parent_clause():
    text = "关于某事项的报告\n一、基本情况\n项目总投资如下。\n3.5 亿元用于平台\n二、问题"
    assert [s.title for s in parse_sections(text)] == ["正文", "一、基本情况", "二、问题"]
    assert match_heading("5.1.1 一般而言，定期安全评价应覆盖核电厂运行的所有方面。") == (3, "std3")


def test_sample_form_text_is_not_worth_indexing():
    figure = ["000001", "机密★1年", "XXXXXXXX文件", "XXX〔2012〕10号", "2012年7月1日", "图A.1 公文首页版式"]
    assert is_placeholder("XXXXXXXX文件") and not is_placeholder("2012年7月1日")
    assert not holds_sentences([line for line in figure if not is_placeholder(line)], "......")
    assert holds_sentences(["各单位要高度重视，认真抓好落实。"], ".")


def test_letter_spaced_words_are_closed_up():
    from ingest.clean import collapse_letter_spacing

    assert collapse_letter_spacing("6.1  标 点 符 号") == "6.1  标点符号"
    assert collapse_letter_spacing("前 言") == "前言"
    assert collapse_letter_spacing("东莞 市 政府") == "东莞 市 政府"  # PDF spacing around words stays


def test_a_header_on_even_pages_only_is_still_a_running_header():
    # Issue: "GB/T 9704—2012" stayed in the text ten times because it was on fewer than half the pages.
    from ingest.clean import strip_page_furniture

    pages = [f"GB/T 9704—2012\n第{n}页的正文。" if n % 2 == 0 else f"第{n}页的正文。\n— {n} —" for n in range(1, 8)]
    assert not any("GB/T" in page for page in strip_page_furniture(pages))


def test_the_corpus_letter_pdf_keeps_the_paragraphs_its_docx_has():
    """Geometry-based joining against the author's own paragraph marks (the DOCX twin)."""
    from evals.layout_fidelity import boundary_scores
    from ingest.chunk import ClauseChunker
    from ingest.extract import extract
    from ingest.loaders import load_file

    formats = Path(__file__).resolve().parents[2] / "corpus" / "formats"
    docx_paragraphs, pdf_paragraphs = (
        extract("x", load_file(formats / f"004_342d9834cd5d19b4.{kind}"), ClauseChunker()).cleaned.text.split("\n")
        for kind in ("docx", "pdf")
    )
    precision, recall = boundary_scores(docx_paragraphs, pdf_paragraphs)
    assert precision >= 0.95 and recall >= 0.95


def test_a_table_attached_mid_document_does_not_swallow_the_chapters_after_it():
    text = "某某报告\n一、基本情况\n正文。\n二、项目清单\n附表1 项目清单\n项目一。\n三、存在问题\n正文。\n附件\n1.名词解释\n2.项目表"
    sections = parse_sections(text)
    # 附表1 stands on its own (its place is not known when it starts); 三、 goes on with the body.
    assert [s.title for s in sections] == ["正文", "一、基本情况", "二、项目清单", "附表1 项目清单", "三、存在问题", "附件"]
    assert [c.title for c in sections[-1].children] == ["1.名词解释", "2.项目表"]
