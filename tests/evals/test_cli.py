"""`policyqa eval` end to end through the real command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.evals.conftest import write_mini_gold
from ui.cli import app

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_eval_prints_the_report_and_writes_three_files(
    demo_index_dir: Path, real_gold_dir: Path, tmp_path: Path
) -> None:
    write_mini_gold(real_gold_dir, tmp_path / "gold")
    out = tmp_path / "reports"

    result = CliRunner().invoke(
        app,
        ["--data-dir", str(demo_index_dir), "eval", "--gold", str(tmp_path / "gold"), "--out", str(out),
         "--systems", "hybrid,bm25,dense", "--suites", "retrieval,claims"],
    )

    assert result.exit_code == 0, result.output
    assert "hit@5" in result.output and "MRR@10" in result.output
    assert "no claims" in result.output  # a suite with nothing to measure says so instead of failing
    assert "answers" not in result.output  # not asked for
    markdown = (out / "latest.md").read_text(encoding="utf-8")
    assert "| hybrid |" in markdown and "| dense |" in markdown and "latest.png" in markdown
    data = json.loads((out / "latest.json").read_text(encoding="utf-8"))
    assert data["suites"]["retrieval"]["available"]
    assert data["config"]["cores"] >= 1 and data["config"]["corpus hash"]
    overall = next(iter(data["suites"]["retrieval"]["tables"].values()))
    assert [row["system"] for row in overall] == ["hybrid", "bm25", "dense"]
    assert (out / "latest.png").read_bytes()[:8] == PNG_MAGIC


def test_eval_without_an_index_says_what_to_run(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["--data-dir", str(tmp_path / "empty"), "eval", "--out", str(tmp_path)])

    assert result.exit_code == 1
    assert "policyqa" in result.output and "ingest" in result.output
    assert not (tmp_path / "latest.md").exists()


def test_eval_refuses_an_unknown_split(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["--data-dir", str(tmp_path), "eval", "--split", "train"])

    assert result.exit_code == 2


def test_eval_refuses_an_unknown_suite(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["--data-dir", str(tmp_path), "eval", "--suites", "retrieval,vibes"])

    assert result.exit_code == 2
    assert "retrieval" in result.output


def test_eval_measures_the_configured_product_and_says_so(demo_index_dir: Path, real_gold_dir: Path,
                                                           tmp_path: Path, monkeypatch) -> None:
    """A changed setting changes what eval measures and reports (here: the answer length)."""
    write_mini_gold(real_gold_dir, tmp_path / "gold")
    figures = {}
    for sentences in ("1", "4"):
        monkeypatch.setenv("POLICYQA_ANSWER_MAX_SENTENCES", sentences)
        out = tmp_path / f"out{sentences}"
        result = CliRunner().invoke(app, ["--data-dir", str(demo_index_dir), "eval", "--gold", str(tmp_path / "gold"),
                                          "--out", str(out), "--suites", "answers"])
        assert result.exit_code == 0, result.output
        data = json.loads((out / "latest.json").read_text(encoding="utf-8"))
        assert data["config"]["answer settings"]["max_sentences"] == int(sentences)
        assert data["config"]["dense backend"] == "faiss"
        answers = data["suites"]["answers"]["details"]
        figures[sentences] = max(answer["answer"].count("[") for answer in answers.values())
    assert figures["1"] <= 1 < figures["4"]


@pytest.mark.slow
def test_eval_corpus_reports_dev_test_and_the_demo_gold_side_by_side(real_gold_dir: Path, tmp_path: Path) -> None:
    """`policyqa eval --corpus DIR`: DIR's own data dir, its dev and test, the demo gold on the demo
    corpus, the naive baselines, one report."""
    from tests.conftest import CORPUS_DIR

    corpus = tmp_path / "mini"
    corpus.mkdir()
    for source in sorted(CORPUS_DIR.glob("*.txt")):
        (corpus / source.name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    (corpus / "gold").mkdir()
    for split in ("dev", "test"):
        write_mini_gold(real_gold_dir, corpus / "gold" / split)
        path = corpus / "gold" / split / "questions.jsonl"
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        rows = [{**r, "id": f"{split}-{r['id']}", "split": split} for r in rows
                if set(r["docs"]) <= {p.stem for p in corpus.glob("*.txt")}]
        assert rows, "the mini gold names the mini corpus's documents"
        path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["eval", "--corpus", str(corpus), "--corpus-data", str(tmp_path / "data"),
                                      "--out", str(out), "--suites", "retrieval",
                                      "--systems", "hybrid,naive-bm25,naive-rrf"])
    assert result.exit_code == 0, result.output
    report = (out / "latest.md").read_text(encoding="utf-8")
    assert "mini · dev" in report and "mini · test" in report and "demo corpus · own gold" in report
    assert "best baseline" in report and "naive-" in report
    data = json.loads((out / "latest.json").read_text(encoding="utf-8"))
    assert data["mini · dev"]["split"] == "dev" and data["mini · test"]["split"] == "test"
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["corpus", "-".join(corpus.resolve().parts[-2:])]
