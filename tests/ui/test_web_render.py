"""The UI's HTML renderers on real records: answers, verdicts and precedents from the demo index.

Every record here comes from the real stages over the real corpus; only the escaping test
puts markup into a real record, to prove document text can never become live HTML.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import lxml.html
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
GOLD = REPO_ROOT / "evals" / "gold"


def _gold(name: str) -> list[dict]:
    return [json.loads(line) for line in (GOLD / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def select(node, selector: str) -> list:
    """Elements under ``node`` matching a simple CSS selector (tag, .class, [attr^=v], descendant, >).

    A tiny translation to XPath, so the tests need nothing beyond lxml.
    """
    paths = []
    for alternative in selector.split(","):
        xpath, axis = ".", "//"
        for token in re.findall(r">|[^\s>]+", alternative.strip()):
            if token == ">":
                axis = "/"
                continue
            match = re.fullmatch(r"([\w*]*)((?:\.[\w-]+)*)(?:\[(\w+)\^=\"([^\"]*)\"\])?", token)
            tag, classes, attr, prefix = match.groups()
            tests = [f"contains(concat(' ', normalize-space(@class), ' '), ' {c} ')" for c in classes.split(".")[1:]]
            if attr:
                tests.append(f"starts-with(@{attr}, '{prefix}')")
            xpath += axis + (tag or "*") + "".join(f"[{t}]" for t in tests)
            axis = "//"
        paths.append(xpath)
    return node.xpath(" | ".join(paths))


def _tree(fragment: str):
    return lxml.html.fragment_fromstring(fragment, create_parent="div")


@pytest.fixture(scope="module")
def workspace(demo_index_source: Path):
    from ui.settings import Settings
    from ui.workspace import Workspace

    with Workspace.open(Settings(data_dir=demo_index_source)) as ws:
        yield ws


@pytest.fixture(scope="module")
def numeric_answer(workspace):
    # The first dev numeric gold question the service answers (abstention is the QA stage's call).
    for question in _gold("questions.jsonl"):
        if question["type"] == "numeric" and question["split"] == "dev":
            answer = workspace.qa.ask(question["question"])
            if not answer.abstained:
                assert answer.citations, answer
                return answer
    pytest.fail("the service abstains on every dev numeric question")


def test_every_answer_marker_links_to_a_card_showing_its_quote_in_context(workspace, numeric_answer):
    from ui.web.chat import answer_segments, render_panel, render_sources

    chat = _tree("".join(answer_segments(numeric_answer, turn=1)))
    panel = _tree(render_panel([numeric_answer], workspace.store))
    links = {a.get("href").lstrip("#") for a in select(chat, "a.pq-cite")}
    assert links == {f"pq-c1-{c.marker}" for c in numeric_answer.citations}
    for citation in numeric_answer.citations:
        card = panel.get_element_by_id(f"pq-c1-{citation.marker}")
        marked = select(card, "mark.pq-hl")
        assert [m.text_content() for m in marked] == [citation.quote]
        clause = select(card, ".pq-clause")[0].text_content()
        assert len(clause) > len(citation.quote)  # the quote is shown inside its section, not alone
        if citation.pages:
            assert f"第{citation.pages[0]}页" in card.text_content()
        assert select(card, f'a[href^="/api/documents/{citation.doc_id}/file"]')
    sources = _tree(render_sources(numeric_answer, 1))
    assert len(select(sources, "li")) == len(numeric_answer.citations)


def test_chat_text_keeps_the_answer_words_and_earlier_turns_stay_in_the_panel(workspace, numeric_answer):
    from ui.web.chat import answer_segments, render_panel

    shown = _tree("".join(answer_segments(numeric_answer, 1))).text_content()
    # Markdown escapes (backslashes) are dropped by the chatbot's renderer, as here.
    assert numeric_answer.text.strip() in shown.replace("\\", "")
    follow_up = workspace.qa.ask("那存储资源呢？", history=[numeric_answer.question])
    panel = _tree(render_panel([numeric_answer, follow_up], workspace.store))
    turns = select(panel, "details.pq-turn")
    assert len(turns) == (1 + bool(follow_up.citations or follow_up.nearest))
    assert turns[0].get("open") is not None and all(t.get("open") is None for t in turns[1:])
    assert panel.get_element_by_id(f"pq-c1-{numeric_answer.citations[0].marker}") is not None


def test_verdict_table_colours_each_label_and_marks_the_differing_fact(workspace):
    from ui.web.claims import render_verdicts

    claims = _gold("claims.jsonl")
    supported = next(c for c in claims if c["label"] == "supported" and c["split"] == "dev" and c["kind"] == "number")
    contradicted = next(c for c in claims if c["label"] == "contradicted" and c["kind"] == "number")
    verdicts = [workspace.claims.check(c["claim"])[0] for c in (supported, contradicted)]
    assert [v.label for v in verdicts] == ["supported", "contradicted"]
    table = _tree(render_verdicts(verdicts))
    rows = select(table, "tbody tr")
    assert [r.get("class") for r in rows] == ["pq-verdict-supported", "pq-verdict-contradicted"]
    assert select(rows[0], ".pq-badge-supported")[0].text_content() == "有依据"
    assert select(rows[1], ".pq-badge-contradicted")[0].text_content() == "与原文不符"
    differing = {d.claim for d in verdicts[1].differences}
    marked_in_claim = {m.text_content() for m in select(select(rows[1], "td")[1], "mark.pq-diff")}
    assert differing and differing <= marked_in_claim
    evidence = select(rows[1], ".pq-evidence .pq-quote")[0]
    assert {d.source for d in verdicts[1].differences} <= {m.text_content() for m in select(evidence, "mark")}


def test_not_found_claim_is_grey_with_no_evidence(workspace):
    from ui.web.claims import render_verdicts

    verdict = workspace.claims.check("东莞市在2021年建成了覆盖全市的低空无人机物流配送网络。")[0]
    assert verdict.label == "not_found"
    row = select(_tree(render_verdicts([verdict])), "tbody tr")[0]
    assert row.get("class") == "pq-verdict-not_found"
    assert select(row, ".pq-badge-not_found")[0].text_content() == "未找到依据"


def test_document_text_is_escaped_wherever_it_is_rendered(workspace, numeric_answer):
    from ui.web.chat import answer_segments, render_sources
    from ui.web.claims import render_verdicts

    payload = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    citation = dataclasses.replace(numeric_answer.citations[0], quote=payload + numeric_answer.citations[0].quote,
                                   title=payload)
    answer = dataclasses.replace(numeric_answer, text=payload + numeric_answer.text, citations=(citation,),
                                 notice=payload)
    verdict = dataclasses.replace(workspace.claims.check(_gold("claims.jsonl")[0]["claim"])[0], claim=payload)
    for fragment in ("".join(answer_segments(answer, 1)), render_sources(answer, 1), render_verdicts([verdict])):
        tree = _tree(fragment)
        assert not select(tree, "img, script"), fragment
        assert "<img src=x" in tree.text_content()  # shown as text


def test_precedents_show_the_reply_with_its_proposal_number_commitments_and_file_link(workspace):
    from ui.web.precedents import render_precedents

    draft = next(p for p in _gold("precedents.jsonl") if p["docs"][0].startswith("004"))
    found = workspace.precedents.find(draft["draft"], k=3)
    top = found[0]
    assert top.doc.source.startswith("004")
    cards = select(_tree(render_precedents(found)), "li.pq-precedent")
    assert len(cards) == len(found)
    first = cards[0]
    assert select(first, "a.pq-doc-link")[0].get("href") == f"/api/documents/{top.doc.doc_id}/file"
    number = (top.link.proposal_number if top.link else None) or top.doc.proposal_number
    assert number and number in select(first, ".pq-facts")[0].text_content()
    listed = [li.text_content() for li in select(first, ".pq-commitments li")]
    assert listed == list(top.commitments)


def test_library_lists_documents_and_shows_a_nested_section_tree(workspace):
    from ui.web.library import document_rows, render_section_tree

    documents = workspace.store.list_documents()
    rows = document_rows(documents)
    from ui.web.library import LIST_HEADERS

    column = {name: i for i, name in enumerate(LIST_HEADERS)}
    assert [r[column["文件名"]] for r in rows] == [d.source for d in documents]
    assert all(r[column["状态"]].startswith("已入库") for r in rows)
    plan = next(d for d in documents if d.source.startswith("002"))
    sections = workspace.store.document_sections(plan.doc_id)
    tree = _tree(render_section_tree(plan, sections))
    top_items = select(tree, ".pq-doc > ul.pq-tree > li")
    assert len(top_items) == len(sections)
    assert select(tree, "ul.pq-tree details > ul.pq-tree li")  # nested clauses fold under their parent
    assert plan.title in select(tree, ".pq-meta")[0].text_content()
