"""`policyqa search | reindex | check` against the demo index, through the real CLI."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from ui.cli import app

HIT_KEYS = {"rank", "score", "chunk_id", "doc_id", "source", "title", "section", "pages", "text"}


def _run(data_dir, *args):
    # Wide enough that rich never wraps a file name inside the table.
    return CliRunner(env={"COLUMNS": "250"}).invoke(app, ["--data-dir", str(data_dir), *args], catch_exceptions=False)


def test_search_json_follows_the_contract(demo_index_dir, demo_snapshot):
    result = _run(demo_index_dir, "search", "东政数函〔2022〕37号", "-k", "4", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["query"] == "东政数函〔2022〕37号"
    assert [h["rank"] for h in payload["hits"]] == [1, 2, 3, 4]
    assert all(set(h) == HIT_KEYS for h in payload["hits"])
    top = payload["hits"][0]
    assert top["source"] == "004_342d9834cd5d19b4.txt"
    stored = demo_snapshot.catalog.store.get_chunks([top["chunk_id"]])[0]
    assert top["text"] == stored.text and top["section"] == stored.section_path


def test_search_batch_loads_once_and_answers_every_line_with_its_id(demo_index_dir, tmp_path):
    batch = tmp_path / "queries.jsonl"
    batch.write_text(
        "\n".join(json.dumps(q, ensure_ascii=False) for q in (
            {"id": "a", "query": "东政数函〔2021〕53号"},
            {"id": "b", "question": "一网统管怎么推进"},
        )),
        "utf-8",
    )
    result = _run(demo_index_dir, "search", "--batch", str(batch), "-k", "3", "--json")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert [line["id"] for line in lines] == ["a", "b"]
    assert lines[0]["hits"][0]["source"].startswith("003_")
    assert all(len(line["hits"]) == 3 for line in lines)


def test_search_filters_from_the_command_line(demo_index_dir):
    result = _run(demo_index_dir, "search", "东政数函〔2022〕37号", "-k", "5", "--json",
                  "--source", "002_4a82e6608af59380.txt")
    sources = {h["source"] for h in json.loads(result.stdout)["hits"]}
    assert sources == {"002_4a82e6608af59380.txt"}


def test_search_table_shows_section_path(demo_index_dir, demo_snapshot):
    hit = demo_snapshot.retriever("hybrid").retrieve("一网统管怎么推进", k=1)[0]
    result = _run(demo_index_dir, "search", "一网统管怎么推进", "-k", "1")
    assert result.exit_code == 0
    assert hit.doc.source in result.stdout
    assert hit.chunk.section[-1][:6] in result.stdout


def test_empty_query_is_a_usage_error(demo_index_dir):
    result = CliRunner().invoke(app, ["--data-dir", str(demo_index_dir), "search", "  ", "--json"])
    assert result.exit_code == 1


def test_check_is_ok_on_a_synced_index_and_reindex_rebuilds(scratch_index_dir):
    assert _run(scratch_index_dir, "check").exit_code == 0
    result = _run(scratch_index_dir, "reindex")
    assert result.exit_code == 0 and "chunks" in result.stdout
    report = json.loads(_run(scratch_index_dir, "check", "--json").stdout)
    assert report["ok"] and report["index_chunks"] == report["store_chunks"]
