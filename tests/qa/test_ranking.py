"""Which sentences the extractive answerer picks: synonyms of the question's words, glossary
entries under list questions, and the document title as context.

The behaviour tests feed the answerer real clauses of the corpus (ingested through the real
pipeline) in a fixed retrieval order, so they exercise sentence selection alone.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from policyqa.records import SECTION_SEP, Hit
from qa.answerers.extractive import ExtractiveAnswerer
from qa.intent import analyze_question, is_glossary_entry


@pytest.fixture(scope="module")
def tokenizer():
    from index.tokenize import ChineseTokenizer

    return ChineseTokenizer()


@pytest.fixture(scope="module")
def answerer(tokenizer) -> ExtractiveAnswerer:
    return ExtractiveAnswerer(tokenizer.tokenize, expand=tokenizer.synonyms.expansions)


@pytest.fixture(scope="module")
def clauses(ingested_data_dir: Path):
    """``hits(*snippets)``: the stored clauses holding each snippet, as hits ranked in that order."""
    from ingest.store import DocumentStore

    with DocumentStore(ingested_data_dir / "policyqa.sqlite3") as store:
        docs = {d.doc_id: d for d in store.list_documents()}
        chunks = list(store.iter_chunks())

    def hits(*snippets: str) -> list[Hit]:
        found = []
        for rank, snippet in enumerate(snippets, 1):
            chunk = next(c for c in chunks if snippet in c.text)
            found.append(Hit(chunk=chunk, doc=docs[chunk.doc_id], score=1.0 / rank, rank=rank))
        return found

    return hits


# -- question analysis -------------------------------------------------------------------


def test_forms_of_a_term_are_the_term_then_the_document_words_for_it(tokenizer) -> None:
    intent = analyze_question("规划对老人有什么照顾？", tokenizer.tokenize, tokenizer.synonyms.expansions)
    forms = intent.forms("老人")
    assert forms[0] == "老人"
    assert "老年人" in forms and "群体" in forms  # 老年人, 老年群体
    assert intent.forms("规划") == ("规划",)  # no synonym listed


def test_single_characters_and_the_questions_own_terms_are_not_alternatives(tokenizer) -> None:
    # 总承包 tokenizes to 总 + 承包: the lone 总 would match every 总体 and 总结.
    intent = analyze_question("哪家公司是总包？", tokenizer.tokenize, tokenizer.synonyms.expansions)
    assert "承包" in intent.forms("总包") and "承包商" in intent.forms("总包")
    assert all(len(form) > 1 for term in intent.terms for form in intent.forms(term)[1:])
    both = analyze_question("企业和公司的合作", tokenizer.tokenize, tokenizer.synonyms.expansions)
    assert both.forms("企业") == ("企业",) and both.forms("公司") == ("公司",)


def test_without_a_synonym_lookup_a_term_has_only_its_own_form(tokenizer) -> None:
    intent = analyze_question("规划对老人有什么照顾？", tokenizer.tokenize)
    assert intent.forms("老人") == ("老人",) and intent.alternatives == ()


@pytest.mark.parametrize(
    ("sentence", "section"),
    [
        # The corpus glossary: 附件 2's title (名词解释) is body text, each entry heads its own clause.
        (
            "1.“一网通办”：依托一体化政务服务平台，推行政务服务事项网上办理。",
            ("附件 2", "1.“一网通办”：依托一体化政务服务平台"),
        ),
        ("19.数据经纪人：开展数据交易行为，促成交易的相关组织人员。", ("附件 2", "19.数据经纪人：开展数据交易行为")),
        ("数据经纪人：指开展数据交易行为的组织人员。", ("五、名词解释",)),
        ("（三）首席数据官：指组织领导本单位数据工作的负责人。", ("第一章 总则", "第三条 术语和定义")),
    ],
)
def test_definition_entries_of_a_glossary_are_glossary_entries(sentence: str, section: tuple[str, ...]) -> None:
    assert is_glossary_entry(sentence, section)


@pytest.mark.parametrize(
    ("sentence", "section"),
    [
        # A step of a process chart in the evaluation report: a list item, not a definition.
        (
            "1.需求收集：市政服务数据管理局、需求小组",
            ("一、项目基本情况", "（一）项目（政策）概况", "1.需求收集：市政服务数据管理局、需求小组"),
        ),
        ("一是加快首席数据官制度落地，建立市、镇两级首席数据官制度。", ("名词解释",)),
        ("1.数据共享：推动政务数据汇聚共享。", ("附件 1",)),  # annex text, not an entry heading its clause
    ],
)
def test_list_items_and_running_text_are_not_glossary_entries(sentence: str, section: tuple[str, ...]) -> None:
    assert not is_glossary_entry(sentence, section)


# -- sentence selection on real clauses ----------------------------------------------------


def test_question_in_everyday_words_picks_the_sentence_in_the_documents_wording(answerer, clauses) -> None:
    # 钱 is 资金 in the documents; the first clause shares 三年 and 一共-like words but no amount.
    hits = clauses("（二）依托项目总承包方式", "5. 统筹集约建设效益初步显现")
    answer = answerer.answer("三年里一共省下了多少钱？", hits)
    assert not answer.abstained
    assert "盘活资金约 13 亿元" in answer.citations[0].quote, answer.text


def test_list_question_does_not_take_glossary_definitions_as_its_list(answerer, clauses) -> None:
    # Retrieval ranks two glossary entries (一网通办, 零跑动) above the clause that answers.
    hits = clauses("一网通办”：依托", "零跑动”：由", "建立统一非税支付渠道")
    answer = answerer.answer("网上交非税费用有哪些付款方式？", hits)
    assert not answer.abstained
    first = answer.citations[0]
    assert not is_glossary_entry(first.quote, tuple(first.section.split(SECTION_SEP))), answer.text
    assert any("支付宝、微信" in c.quote for c in answer.citations), answer.text
    ranked = answerer.ranker.rank(analyze_question("网上交非税费用有哪些付款方式？", answerer.tokenize), hits)
    assert not any(s.list_item for s in ranked if s.hit.chunk.section[0] == "附件 2")


def test_question_naming_the_plan_picks_a_sentence_of_the_plan(answerer, clauses) -> None:
    # The reply letter ranks first and is about 老年人 too; only the plan's title says 十四五规划.
    hits = clauses("积极引导各智能化办事渠道配备适老化服务", "推动信息服务适老化改造优化")
    answer = answerer.answer("十四五规划怎么照顾老年人？", hits)
    assert not answer.abstained
    assert "十四五" in (answer.citations[0].title or ""), answer.text


def test_factory_gives_the_answerer_the_tokenizers_synonyms(tokenizer) -> None:
    from qa.factory import assemble_qa

    service = assemble_qa(object(), tokenizer, object())
    assert service.answerer.expand == tokenizer.synonyms.expansions
