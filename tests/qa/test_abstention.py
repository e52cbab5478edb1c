"""Abstention on the real demo index: near-topic questions the corpus cannot answer say so,
while answerable numeric questions still get their figures (dev gold items)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from evals.gold import DEFAULT_GOLD_DIR, load_gold

pytestmark = pytest.mark.slow

_GOLD = load_gold(DEFAULT_GOLD_DIR).select("dev")
_UNANSWERABLE = {u.id: u for u in _GOLD.unanswerable}
_ANSWERABLE = {q.id: q for q in _GOLD.questions}


@pytest.mark.parametrize(
    "item_id",
    [
        "u-plan-002",  # a town (虎门) the corpus never mentions
        "u-plan-001",  # the company is described, its registered capital is not
        "u-let-009",  # rankings exist for 2020 and 2021, not for the year asked
    ],
)
def test_question_the_corpus_cannot_answer_abstains_with_nearest_sources(qa_components, document_texts, item_id) -> None:
    item = _UNANSWERABLE[item_id]
    answer = qa_components.service.ask(item.question)
    assert answer.abstained, answer.text
    assert answer.text.startswith("资料中未找到") and not answer.citations
    assert answer.nearest, "the nearest sources must be listed"
    assert {Path(n.source).stem for n in answer.nearest} & set(item.near_docs)
    for near in answer.nearest:
        assert document_texts[near.doc_id][near.start : near.end] == near.quote
    assert answer.notice  # why it abstained is recorded for the reader


@pytest.mark.parametrize("item_id", ["q-plan-007", "q-let-051"])
def test_answerable_numeric_question_still_answers_with_its_figure(qa_components, item_id) -> None:
    item = _ANSWERABLE[item_id]
    answer = qa_components.service.ask(item.question)
    assert not answer.abstained, answer.notice
    figures = {n for e in item.evidence for n in re.findall(r"\d+", e)}
    cited = " ".join(c.quote for c in answer.citations)
    assert figures & set(re.findall(r"\d+", cited)), answer.text
