"""Retrieval metrics: ranx wiring on hand-computed rankings, and a real mini run over the demo index."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.gold import load_gold
from evals.matching import chunk_hits_any, fold_for_matching
from evals.runner import run_eval
from evals.suites.retrieval import QuestionOutcome, RetrievalSuite, score_outcomes
from evals.systems import stored_chunks
from tests.evals.conftest import write_mini_gold

STORE_NAME = "policyqa.sqlite3"


def test_metrics_follow_the_rank_of_the_first_relevant_chunk() -> None:
    outcomes = [
        QuestionOutcome("second", ("x", "gold", "z"), frozenset({"gold"}), 0.0),
        QuestionOutcome("first", ("gold",), frozenset({"gold", "other"}), 0.0),
        QuestionOutcome("absent", ("x", "y"), frozenset({"gold"}), 0.0),
        QuestionOutcome("unreachable", ("x",), frozenset(), 0.0),
        QuestionOutcome("empty result", (), frozenset({"gold"}), 0.0),
    ]
    scores = score_outcomes(outcomes)
    assert scores["hit_rate@1"] == pytest.approx(1 / 5)
    assert scores["hit_rate@5"] == pytest.approx(2 / 5)
    assert scores["mrr@10"] == pytest.approx((1 / 2 + 1) / 5)
    assert 0 < scores["ndcg@10"] < scores["hit_rate@5"]


def test_every_gold_question_has_a_stored_chunk_that_hits_its_quotes(
    ingested_data_dir: Path, real_gold_dir: Path
) -> None:
    from ingest.store import DocumentStore

    with DocumentStore(ingested_data_dir / STORE_NAME) as store:
        chunks = [(stem, fold_for_matching(text)) for _cid, stem, text in stored_chunks(store)]
    unreachable = [
        q.id
        for q in load_gold(real_gold_dir).questions
        if not any(
            stem in q.docs and chunk_hits_any(text, [fold_for_matching(e) for e in q.evidence])
            for stem, text in chunks
        )
    ]
    assert unreachable == []


def test_mini_run_over_the_demo_index(demo_index_dir: Path, real_gold_dir: Path, tmp_path: Path) -> None:
    types = write_mini_gold(real_gold_dir, tmp_path / "gold")

    from ui.settings import Settings
    from ui.workspace import Workspace

    with Workspace.open(Settings(data_dir=demo_index_dir)) as workspace:
        report = run_eval(tmp_path / "gold", workspace, "all", suites=[RetrievalSuite(("hybrid", "bm25"))])

    result = report.result("retrieval")
    assert result is not None and result.available
    overall = {row["system"]: row for row in result.tables[0].as_records()}
    assert set(overall) == {"hybrid", "bm25"}
    for row in overall.values():
        assert row["n"] == 4
        assert row["no gold chunk"] == 0
        assert 0 <= row["hit@1"] <= row["MRR@10"] <= 1
        assert row["hit@1"] <= row["hit@5"] <= 1
        assert 0 <= row["nDCG@10"] <= 1
        assert row["p95 ms"] >= row["p50 ms"] > 0
    # A question that is literally its evidence sentence must be found at rank 1 by BM25.
    ranks = {q["id"]: q["first_relevant_rank"] for q in result.details["questions"]["bm25"]}
    assert ranks["verbatim"] == 1
    by_type = result.tables[1].as_records()
    assert sum(r["n"] for r in by_type if r["system"] == "hybrid") == 4
    assert {r["type"] for r in by_type} == set(types.values())
    assert report.config["corpus hash"] and report.config["embedder"].startswith("e5-small-q4")
