"""Sentence spans and citations: what an answer may quote and how it points into a document."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.citations import citation_to_dict, make_citation
from qa.sentences import split_sentences


def _sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


def test_sentences_end_at_chinese_terminators_and_line_breaks() -> None:
    text = "一是加强统筹；二是提升能力！要做好吗？\n三、保障措施\n完成建设。"
    assert _sentences(text) == ["一是加强统筹；", "二是提升能力！", "要做好吗？", "三、保障措施", "完成建设。"]


def test_titles_quotations_and_doc_numbers_are_never_cut() -> None:
    text = "根据《关于做好工作的通知；补充》（东政数函〔2022〕37号）要求。他说：“要做好。要快！”然后执行。"
    assert _sentences(text) == ["根据《关于做好工作的通知；补充》（东政数函〔2022〕37号）要求。", "他说：“要做好。要快！”然后执行。"]


def test_decimal_numbers_stay_whole() -> None:
    text = "绩效得分为77.20分，等级为“中”。增长3.5%。"
    assert _sentences(text) == ["绩效得分为77.20分，等级为“中”。", "增长3.5%。"]


def test_an_unclosed_bracket_does_not_swallow_the_next_paragraph() -> None:
    text = "（一）数据共享（含接口\n下一段。"
    assert _sentences(text) == ["（一）数据共享（含接口", "下一段。"]


@pytest.fixture(scope="module")
def stored_chunk(ingested_data_dir: Path):
    from ingest.store import DocumentStore

    with DocumentStore(ingested_data_dir / "policyqa.sqlite3") as store:
        doc = next(d for d in store.list_documents() if d.doc_number)
        chunk = next(c for c in store.iter_chunks([doc.doc_id]) if c.ordinal > 0)
        yield doc, chunk, store.document_text(doc.doc_id)


def test_citation_quotes_the_document_verbatim_at_its_offsets(stored_chunk) -> None:
    doc, chunk, document_text = stored_chunk
    start, end = split_sentences(chunk.text)[0]
    citation = make_citation(3, chunk, doc, start, end)
    assert citation.quote == chunk.text[start:end].strip()
    assert document_text[citation.start : citation.end] == citation.quote
    payload = citation_to_dict(citation)
    assert payload["marker"] == 3 and payload["doc_number"] == doc.doc_number
    assert payload["source"].endswith(".txt") and payload["section"] == chunk.section_path


def test_citation_refuses_a_span_outside_the_chunk(stored_chunk) -> None:
    doc, chunk, _ = stored_chunk
    with pytest.raises(ValueError):
        make_citation(1, chunk, doc, 0, len(chunk.text) + 5)


def test_a_citation_names_the_heading_its_sentence_stands_under_in_a_packed_chunk() -> None:
    from policyqa.records import Chunk
    from qa.citations import sentence_section

    text = ("1.落实基本养老服务清单。全面落实服务清单，各区于6月底前完成修订。\n"
            "2.推进老年人能力综合评估。全年完成评估不少于2.5万人次。")
    chunk = Chunk(chunk_id="c", doc_id="d", ordinal=0,
                  section=("三、重点任务", "（一）完善基本养老服务制度", "1.落实基本养老服务清单"), pages=(1,),
                  start=0, end=len(text), text=text)
    second = text.index("全年完成")
    assert sentence_section(chunk, second) == "三、重点任务 > （一）完善基本养老服务制度 > 2.推进老年人能力综合评估"
    assert sentence_section(chunk, text.index("全面落实")).endswith("> 1.落实基本养老服务清单")
    top = Chunk(chunk_id="t", doc_id="d", ordinal=0, section=("一、关于工作基础",), pages=(1,), start=0,
                end=20, text="一、关于工作基础\n已建成20个。\n二、关于下一步打算\n将新增5个。")
    assert sentence_section(top, top.text.index("将新增")) == "二、关于下一步打算"
    # A line that only looks like a heading (another kind) is no clause of its own.
    look_alike = Chunk(chunk_id="l", doc_id="d", ordinal=0, section=("一、统一版头格式",), pages=(1,), start=0, end=40,
                       text="一、统一版头格式\n版头由份号等组成。\n第二条红色双线位于发文字号之下4mm处。")
    assert sentence_section(look_alike, look_alike.text.index("第二条")) == "一、统一版头格式"
