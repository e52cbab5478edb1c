"""`policyqa ingest | documents | show | remove` through the real CLI app."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ui.cli import app

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
LIST_KEYS = {"doc_id", "source", "title", "doc_number", "issuer", "addressee", "date", "doc_type",
             "proposal_number", "standard_number", "pages", "chunks", "ocr", "access"}


@pytest.fixture
def run(tmp_path):
    runner = CliRunner()
    data_dir = tmp_path / "data"

    def invoke(*args: str):
        return runner.invoke(app, ["--data-dir", str(data_dir), *args])

    return invoke


@pytest.fixture
def corpus(tmp_path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for path in (CORPUS / "003_66915094b21ed0ba.txt", CORPUS / "004_342d9834cd5d19b4.txt"):
        shutil.copy(path, folder / path.name)
    return folder


def test_ingest_list_show_and_remove(run, corpus):
    result = run("ingest", str(corpus))
    assert result.exit_code == 0, result.output
    assert "003_66915094b21ed0ba.txt" in result.stdout and "added" in result.stdout

    listed = json.loads(run("documents", "--json").stdout)
    assert [d["source"] for d in listed] == ["003_66915094b21ed0ba.txt", "004_342d9834cd5d19b4.txt"]
    assert set(listed[0]) == LIST_KEYS
    assert listed[1]["doc_number"] == "东政数函〔2022〕37号" and listed[1]["chunks"] > 0

    shown = json.loads(run("show", "004_342d9834cd5d19b4.txt", "--json").stdout)
    assert shown["addressee"] == "郑俊彦、余映涛委员"
    assert [s["title"] for s in shown["sections"]][1:3] == ["一、主要工作成效", "二、下一步计划"]
    assert shown["sections"][1]["children"][0]["title"] == "（一）完善数据共享机制"
    for chunk in shown["chunks"]:
        assert set(chunk) == {"chunk_id", "section", "pages", "start", "end", "text"}
        assert chunk["section"] and shown["text"][chunk["start"] : chunk["end"]] == chunk["text"]
    assert json.loads(run("show", listed[1]["doc_id"], "--json").stdout)["doc_id"] == listed[1]["doc_id"]
    assert run("show", "004_342d9834cd5d19b4.txt").exit_code == 0
    assert run("documents").exit_code == 0

    again = run("ingest", str(corpus))
    assert again.exit_code == 0 and "unchanged" in again.stdout

    removed = run("remove", "003_66915094b21ed0ba.txt")
    assert removed.exit_code == 0
    assert [d["source"] for d in json.loads(run("documents", "--json").stdout)] == ["004_342d9834cd5d19b4.txt"]


def test_a_failing_file_gives_exit_2_and_one_line_on_stderr(run, corpus):
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj\n<<")  # truncated PDF
    result = run("ingest", str(corpus))
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and "broken.pdf" in errors[0]
    assert "Traceback" not in result.output
    assert len(json.loads(run("documents", "--json").stdout)) == 2


def test_usage_errors_exit_1(run, corpus):
    result = run("ingest", str(corpus / "no-such-file.txt"))
    assert result.exit_code == 1 and "no-such-file.txt" in result.stderr
    missing = run("show", "nothing-stored.txt")
    assert missing.exit_code == 1 and "nothing-stored.txt" in missing.stderr
    assert run("remove", "nothing-stored.txt").exit_code == 1


def test_workers_come_from_the_option_else_the_settings(run, corpus, monkeypatch):
    from ingest.pipeline import Ingestor

    seen: list[int] = []
    real = Ingestor.ingest_paths

    def recording(self, paths, progress=True, workers=None):
        seen.append(self.workers if workers is None else workers)
        return real(self, paths, progress=progress, workers=workers)

    monkeypatch.setattr(Ingestor, "ingest_paths", recording)
    result = run("ingest", "--workers", "3", str(corpus))
    assert result.exit_code == 0, result.output
    assert result.stdout.count("added") >= 2
    monkeypatch.setenv("POLICYQA_INGEST_WORKERS", "1")
    again = run("ingest", str(corpus))
    assert again.exit_code == 0 and "unchanged" in again.stdout
    assert seen == [3, 1]
