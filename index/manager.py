"""Building, switching and loading index generations.

Layout under ``root``::

    CURRENT            name of the live generation (replaced atomically)
    gen-000007/        manifest.json, rows.json, terms.txt, bm25/, dense.faiss
    gen-000006/        the previous generation, kept
    write.lock         serialises writers; readers never take it

A writer builds ``gen-N.tmp``, renames it to ``gen-N`` and only then points ``CURRENT`` at it,
so a crash at any moment leaves the last good generation live and a reader in another
process always opens a complete one. SQLite stays the source of truth: every file here can
be rebuilt from the store.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import bm25s
import faiss
import numpy as np

from index.bm25 import build_bm25, load_bm25, save_bm25
from index.catalog import ChunkCatalog
from index.dense import (
    build_faiss,
    describe_faiss,
    load_faiss,
    save_faiss,
    stack_row_vectors,
    stored_row_vectors,
    vector_owners,
)
from index.embedders.base import Embedder
from index.manifest import REINDEX_HINT, Manifest
from index.snapshot import IndexSnapshot
from index.terms import mine_terms
from index.texts import DEFAULT_DENSE_FIELDS, DEFAULT_KEYWORD_FIELDS, compose_index_text
from index.tokenize import ChineseTokenizer
from index.windows import DEFAULT_DENSE_WINDOW, split_windows
from policyqa.errors import IndexBusyError, IndexMismatchError
from policyqa.faults import crash_point, write_point

if TYPE_CHECKING:  # the store is passed in; importing it here only serves the annotations
    from ingest.store import DocumentStore

CURRENT_NAME = "CURRENT"
LOCK_NAME = "write.lock"
_PREFIX = "gen-"


@dataclass(frozen=True)
class SyncReport:
    """What a sync changed."""

    generation: str
    added: int
    removed: int
    kept: int
    embedded: int  # passages sent to the embedder (not reused from the previous generation)
    chunk_count: int
    seconds: float
    changed: bool = True


@dataclass(frozen=True)
class ConsistencyReport:
    """``policyqa check``: does the live index agree with the store and the settings?"""

    generation: str | None
    index_chunks: int
    store_chunks: int
    missing_from_index: tuple[str, ...] = ()
    missing_from_store: tuple[str, ...] = ()
    problems: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """True when nothing is missing on either side and the manifest fits the settings."""
        return not (self.missing_from_index or self.missing_from_store or self.problems)


class IndexManager:
    """Owns the index directory of one data dir: sync/rebuild write generations, load reads one."""

    def __init__(
        self,
        root: Path,
        embedder: Embedder,
        tokenizer: ChineseTokenizer,
        chunk_params: dict[str, Any],
        keyword_fields: tuple[str, ...] = DEFAULT_KEYWORD_FIELDS,
        dense_fields: tuple[str, ...] = DEFAULT_DENSE_FIELDS,
        faiss_exact_max: int = 50_000,
        lock_timeout_s: float = 600.0,
        dense_window: int = DEFAULT_DENSE_WINDOW,
    ):
        self.root = Path(root)
        self.embedder = embedder
        self.tokenizer = tokenizer
        self.chunk_params = dict(chunk_params)
        self.keyword_fields = tuple(keyword_fields)
        self.dense_fields = tuple(dense_fields)
        self.faiss_exact_max = faiss_exact_max
        self.lock_timeout_s = lock_timeout_s
        self.dense_window = dense_window

    def expected_manifest(self, chunk_count: int = 0, corpus_hash: str = "") -> Manifest:
        """The manifest a generation built now, with these settings, would carry."""
        return Manifest(
            embedder=self.embedder.name,
            dim=self.embedder.dim,
            tokenizer_version=self.tokenizer.version,
            chunk_params=self.chunk_params,
            keyword_fields=self.keyword_fields,
            dense_fields=self.dense_fields,
            chunk_count=chunk_count,
            corpus_hash=corpus_hash,
            dense_window=self.dense_window,
        )

    def current_generation(self) -> Path | None:
        """The live generation directory, or None before the first build."""
        try:
            name = (self.root / CURRENT_NAME).read_text("utf-8").strip()
        except FileNotFoundError:
            return None
        return self.root / name if name else None

    def load(self, store: DocumentStore) -> IndexSnapshot:
        """Open the live generation; ``IndexMismatchError`` when absent or built with other settings."""
        for attempt in range(3):
            generation = self.current_generation()
            if generation is None:
                raise IndexMismatchError(f"there is no index in {self.root} yet; {REINDEX_HINT}")
            try:
                return self._load_generation(generation, store)
            except FileNotFoundError:
                # A writer retired this generation between our reading CURRENT and its files.
                if attempt == 2:
                    raise
                time.sleep(0.05)
        raise AssertionError("unreachable")

    def sync(self, store: DocumentStore) -> SyncReport:
        """Bring the index in line with the store: embed only new chunks, drop deleted ones."""
        return self._write_generation(store, reuse=True)

    def rebuild(self, store: DocumentStore) -> SyncReport:
        """A fresh generation from the store, reusing nothing from earlier generations."""
        return self._write_generation(store, reuse=False)

    def check(self, store: DocumentStore) -> ConsistencyReport:
        """Compare the live generation with the store's chunks and with the settings."""
        store_ids = store.chunk_ids()
        generation = self.current_generation()
        if generation is None:
            return ConsistencyReport(None, 0, len(store_ids), tuple(sorted(store_ids)), (), ("no index built yet",))
        problems = []
        manifest = Manifest.read(generation)
        problems.extend(manifest.differences(self.expected_manifest()))
        index_ids = {chunk_id for chunk_id, _doc in _read_rows(generation)}
        if manifest.chunk_count != len(index_ids):
            problems.append(f"manifest says {manifest.chunk_count} chunks, rows.json has {len(index_ids)}")
        problems.extend(_row_count_problems(generation, len(index_ids)))
        return ConsistencyReport(
            generation.name,
            len(index_ids),
            len(store_ids),
            tuple(sorted(store_ids - index_ids)),
            tuple(sorted(index_ids - store_ids)),
            tuple(problems),
        )

    def _load_generation(self, generation: Path, store: DocumentStore) -> IndexSnapshot:
        manifest = Manifest.read(generation)
        manifest.require_compatible(self.expected_manifest(), generation)
        rows = _read_rows(generation)
        catalog = ChunkCatalog(store, [c for c, _ in rows], [d for _, d in rows])
        terms = (generation / "terms.txt").read_text("utf-8").split()
        return IndexSnapshot(
            generation=generation,
            manifest=manifest,
            catalog=catalog,
            bm25=load_bm25(generation / "bm25"),
            faiss_index=load_faiss(generation / "dense.faiss"),
            tokenizer=self.tokenizer.with_terms(terms),
            embedder=self.embedder,
        )

    def _write_generation(self, store: DocumentStore, reuse: bool) -> SyncReport:
        started = time.perf_counter()
        with self._writer_lock():
            previous = self._reusable_vectors(store) if reuse else None
            corpus_hash = store.corpus_hash()
            if previous is not None and previous[0].corpus_hash == corpus_hash:
                count = len(previous[1])
                return SyncReport(self.current_generation().name, 0, 0, count, 0, count,
                                  time.perf_counter() - started, changed=False)
            documents = {d.doc_id: d for d in store.list_documents()}
            chunks = [c for c in store.iter_chunks() if c.doc_id in documents]
            old_vectors = previous[1] if previous else {}
            terms = mine_terms(c.text for c in chunks)
            tokenizer = self.tokenizer.with_terms(terms)
            keyword_tokens = [
                tokenizer.tokenize(compose_index_text(documents[c.doc_id], c, self.keyword_fields)) for c in chunks
            ]
            to_embed = [i for i, c in enumerate(chunks) if c.chunk_id not in old_vectors]
            # Each chunk is embedded as its sentence windows; the dense side scores it by its best one.
            windows = [
                split_windows(compose_index_text(documents[chunks[i].doc_id], chunks[i], self.dense_fields),
                              self.dense_window)
                for i in to_embed
            ]
            flat = self.embedder.embed([w for ws in windows for w in ws], "passage")
            offsets = np.cumsum([0, *(len(ws) for ws in windows)])
            new_vectors = {i: flat[offsets[n]:offsets[n + 1]] for n, i in enumerate(to_embed)}
            vectors = [old_vectors[c.chunk_id] if c.chunk_id in old_vectors else new_vectors[i]
                       for i, c in enumerate(chunks)]
            manifest = self.expected_manifest(len(chunks), corpus_hash)
            name = self._publish(manifest, chunks, terms, keyword_tokens, vectors)
            kept = sum(1 for c in chunks if c.chunk_id in old_vectors)
            return SyncReport(name, len(chunks) - kept, len(set(old_vectors) - {c.chunk_id for c in chunks}),
                              kept, len(to_embed), len(chunks), time.perf_counter() - started)

    def _reusable_vectors(self, store: DocumentStore) -> tuple[Manifest, dict[str, np.ndarray]] | None:
        """The live generation's vectors by chunk id, if it was built with the settings in force."""
        generation = self.current_generation()
        if generation is None:
            return None
        try:
            manifest = Manifest.read(generation)
            if manifest.differences(self.expected_manifest()):
                return None
            rows = _read_rows(generation)
            vectors = stored_row_vectors(load_faiss(generation / "dense.faiss"))
            return manifest, {chunk_id: vectors[i] for i, (chunk_id, _doc) in enumerate(rows)}
        except (IndexMismatchError, OSError, RuntimeError, ValueError, KeyError):
            return None  # a damaged generation is simply not reused

    def _publish(self, manifest, chunks, terms, keyword_tokens, vectors) -> str:
        self.root.mkdir(parents=True, exist_ok=True)
        name = f"{_PREFIX}{self._next_number():06d}"
        staging = self.root / f"{name}.tmp"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        try:
            rows = [[c.chunk_id, c.doc_id] for c in chunks]
            (staging / "rows.json").write_text(json.dumps(rows, ensure_ascii=False), "utf-8")
            (staging / "terms.txt").write_text("\n".join(terms), "utf-8")
            save_bm25(build_bm25(keyword_tokens), staging / "bm25")
            crash_point("during_index_save")
            crash_point("enospc_during_index_save")
            stacked, owners = stack_row_vectors(vectors, self.embedder.dim)
            dense = build_faiss(stacked, self.faiss_exact_max, owners)
            save_faiss(dense, staging / "dense.faiss")
            manifest = replace(manifest, dense_index=describe_faiss(dense))
            manifest.write(staging)  # last: a generation without a manifest is never complete
            _fsync_tree(staging)
        except BaseException:
            # A full disk must not also be left holding a half-written generation.
            shutil.rmtree(staging, ignore_errors=True)
            raise
        live = self.current_generation()
        staging.rename(self.root / name)
        crash_point("between_generations")
        pointer = self.root / f"{CURRENT_NAME}.tmp"
        pointer.write_text(name, "utf-8")
        _fsync_file(pointer)
        os.replace(pointer, self.root / CURRENT_NAME)
        # Keep the generation that was live until now (readers may still be opening it), not
        # merely the next-newest: after a crash between rename and switch that is an orphan.
        keep = {name, live.name} if live is not None else {name, *self._previous_names(name)}
        self._retire_old_generations(keep=keep)
        return name

    def _finished_generations(self) -> list[tuple[int, str]]:
        """(number, name) of complete generations, oldest first; ``.tmp`` leftovers are not generations."""
        found = []
        for path in self.root.glob(f"{_PREFIX}*"):
            number = path.name[len(_PREFIX):]
            if path.is_dir() and number.isdigit():
                found.append((int(number), path.name))
        return sorted(found)

    def _next_number(self) -> int:
        return max((n for n, _ in self._finished_generations()), default=0) + 1

    def _previous_names(self, current: str) -> list[str]:
        return [name for _n, name in self._finished_generations() if name != current][-1:]

    def _retire_old_generations(self, keep: set[str]) -> None:
        for path in self.root.glob(f"{_PREFIX}*"):
            if path.name not in keep and path.is_dir():
                shutil.rmtree(path, ignore_errors=True)

    @contextmanager
    def _writer_lock(self) -> Iterator[None]:
        write_point("index_write")
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / LOCK_NAME, "a+") as handle:
            deadline = time.monotonic() + self.lock_timeout_s
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise IndexBusyError(f"another process is writing the index in {self.root}")
                    time.sleep(0.2)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _row_count_problems(generation: Path, rows: int) -> list[str]:
    """BM25 and FAISS address chunks by row number, so each must hold exactly one row per chunk id.

    Both are memory-mapped, not read: ``/readyz`` runs this check on every probe.
    """
    problems = []
    try:
        bm25 = bm25s.BM25.load(str(generation / "bm25"), show_progress=False, allow_pickle=False, mmap=True)
        if int(bm25.scores["num_docs"]) != rows:
            problems.append(f"BM25 index has {bm25.scores['num_docs']} rows, rows.json has {rows}")
    except (OSError, ValueError, KeyError) as exc:
        problems.append(f"BM25 index unreadable: {exc}")
    try:
        dense = faiss.read_index(str(generation / "dense.faiss"), faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY)
        owned = np.unique(vector_owners(dense))
        if len(owned) != rows or (rows and owned[-1] != rows - 1):
            problems.append(f"FAISS index has vectors for {len(owned)} rows, rows.json has {rows}")
    except (OSError, RuntimeError) as exc:
        problems.append(f"FAISS index unreadable: {exc}")
    return problems


def _read_rows(generation: Path) -> list[tuple[str, str]]:
    return [(c, d) for c, d in json.loads((generation / "rows.json").read_text("utf-8"))]


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _fsync_tree(directory: Path) -> None:
    for path in directory.rglob("*"):
        if path.is_file():
            _fsync_file(path)
