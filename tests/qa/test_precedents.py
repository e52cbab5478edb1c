"""Precedent search, reply→proposal links and the citation graph on the real corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

DRAFT_ON_004 = (
    "当前我市各部门信息系统各自建设，数据难以互通，形成了“信息孤岛”和“数据壁垒”，城市治理缺少统一的指挥平台。"
    "建议依托政务数据大脑打通各部门数据，推进城市治理“一网统管”，在镇街推广基层治理综合调度平台，"
    "并结合网格化管理提升基层治理的精细化水平。"
)


@pytest.fixture(scope="session")
def store(demo_index_dir: Path):
    from qa.precedents.factory import open_store

    with open_store(demo_index_dir) as opened:
        yield opened


def by_prefix(store, prefix: str):
    return next(d for d in store.list_documents() if d.source.startswith(prefix))


@pytest.mark.parametrize(
    ("prefix", "number", "deputies", "session"),
    [("003", "20210142", ("吴焯光",), "十六届人大六次会议"), ("004", "20220388", ("郑俊彦", "余映涛"), "十七届人大一次会议")],
)
def test_a_reply_is_linked_to_the_proposal_it_answers(store, prefix, number, deputies, session):
    from qa.precedents.links import link_reply

    doc = by_prefix(store, prefix)
    link = link_reply(doc, store.document_text(doc.doc_id))
    assert (link.proposal_number, link.deputies, link.session) == (number, deputies, session)
    assert link.proposal_title.startswith("《关于") and link.proposal_title.endswith("的建议》")


def test_documents_that_are_not_replies_have_no_proposal(store):
    from qa.precedents.links import link_reply

    plan = by_prefix(store, "002")
    assert link_reply(plan, store.document_text(plan.doc_id)) is None


def test_the_plan_is_cited_where_a_document_names_it(store):
    from qa.precedents.factory import build_citation_graph

    graph = build_citation_graph(store)
    plan, report = by_prefix(store, "002"), by_prefix(store, "001")
    cited_by = graph.related(plan.doc_id)["cited_by"]
    assert [e["doc_id"] for e in cited_by] == [report.doc_id]
    assert "十四五" in cited_by[0]["via"]
    assert plan.doc_id in [e["doc_id"] for e in graph.related(report.doc_id)["cites"]]


def test_a_draft_on_the_topic_of_004_finds_004_first_with_its_commitments(demo_index_dir: Path):
    from qa.precedents.factory import build_precedent_finder

    found = build_precedent_finder(demo_index_dir).find(DRAFT_ON_004, k=3)
    top = found[0]
    assert top.doc.source.startswith("004")
    assert top.link is not None and top.link.proposal_number == "20220388"
    assert top.clauses and all(c.doc_id == top.doc.doc_id for c in top.clauses)
    assert 1 <= len(top.commitments) <= 5
    assert any("将" in c or "计划" in c or "推进" in c for c in top.commitments)


def test_precedents_and_related_cli(demo_index_dir: Path):
    from ui.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["--data-dir", str(demo_index_dir), "precedents", DRAFT_ON_004, "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    documents = payload["documents"]
    assert payload["no_precedent"] is False
    assert documents[0]["source"].startswith("004")
    assert {"doc_id", "source", "title", "doc_type", "doc_number", "score", "relevance", "clauses",
            "commitments"} <= set(documents[0])
    assert documents[0]["relevance"] == "高"

    result = runner.invoke(app, ["--data-dir", str(demo_index_dir), "related", "002_4a82e6608af59380", "--json"])
    assert result.exit_code == 0, result.output
    related = json.loads(result.stdout)
    assert [e["source"][:3] for e in related["cited_by"]] == ["001"]


def test_a_precedent_never_lists_the_same_clause_twice(demo_index_dir: Path) -> None:
    from qa.precedents.factory import build_precedent_finder

    # Overlapping neighbour chunks share sentences; the drafter must not read one clause twice.
    draft = ("关于打通部门数据壁垒、提升城市治理协同水平的建议。目前我市各部门业务系统仍各自建设、各管一摊，人口、房屋、"
             "地址等基础数据重复采集、口径不一。建议依托政务数据大脑建设全市统一的人口库、地址库等基础库，推动数据回流镇街，"
             "加快建设城市治理“一网统管”平台，实现市、镇、村三级联动指挥调度。")
    for precedent in build_precedent_finder(demo_index_dir).find(draft, k=5):
        quotes = [c.quote for c in precedent.clauses]
        assert len(quotes) == len(set(quotes)), quotes


# A topic no demo document addresses: public charging piles for electric cars.
DRAFT_NO_PRECEDENT = (
    "关于加快居民小区新能源汽车充电桩建设的建议。近年来我市新能源汽车保有量快速增长，但老旧小区普遍缺少充电桩，"
    "车主只能到公共充电站排队充电，夜间充电难、私拉电线充电引发火灾隐患的问题突出。建议：一是将小区充电桩纳入老旧小区"
    "改造内容，简化报装手续；二是由供电部门对小区电网扩容给予补贴；三是推广智能有序充电和共享充电桩模式。"
)


def test_a_draft_no_document_addresses_says_so_and_still_lists_the_nearest(demo_index_dir: Path) -> None:
    from qa.precedents.factory import build_precedent_finder

    finder = build_precedent_finder(demo_index_dir)
    result = finder.search(DRAFT_NO_PRECEDENT, k=3)
    assert result.no_precedent, [(p.doc.source, p.relevance) for p in result.precedents]
    assert result.precedents and all(p.relevance_label != "高" for p in result.precedents)
    covered = finder.search(DRAFT_ON_004, k=3)
    assert not covered.no_precedent


def test_commitments_are_on_the_draft_topic_never_thanks_or_status_lines(demo_index_dir: Path) -> None:
    from qa.precedents.factory import build_precedent_finder

    top = build_precedent_finder(demo_index_dir).search(DRAFT_ON_004, k=3).precedents[0]
    assert top.commitments
    for commitment in top.commitments:
        assert not any(word in commitment for word in ("感谢", "欢迎", "办理结果", "联系人")), commitment
