"""``policyqa eval`` without the command line: load the gold set, run the suites, collect a report."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from evals.gold import load_gold
from evals.report import EvalReport
from evals.suites import EvalContext, Suite, default_suites
from evals.systems import fusion_params, open_snapshot

SPLITS = ("dev", "test", "all")
REPO_ROOT = Path(__file__).resolve().parent.parent


def run_eval(
    gold_dir: Path,
    workspace: Any,
    split: str = "all",
    suites: Sequence[Suite] | None = None,
    on_suite: Callable[[str], None] | None = None,
) -> EvalReport:
    """Evaluate the product ``workspace`` assembles (``ui.workspace.Workspace``) against the gold
    set in ``gold_dir``: its settings (embedder, backends, fusion, answer settings) are what is
    measured. ``on_suite(name)`` is called as each suite starts (progress display). The index
    must already exist (``IndexMismatchError`` otherwise: eval never builds one behind your back).
    """
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; use one of {SPLITS}")
    started = time.perf_counter()
    gold = load_gold(gold_dir)
    context = EvalContext(gold.select(split), split, workspace)
    snapshot = open_snapshot(context)  # fail fast, before any suite, when there is no index
    timings: dict[str, float] = {}
    results = []
    for suite in suites if suites is not None else default_suites():
        if on_suite is not None:
            on_suite(suite.name)
        suite_started = time.perf_counter()
        results.append(suite.run(context))
        timings[suite.name] = round(time.perf_counter() - suite_started, 2)
    timings["total"] = round(time.perf_counter() - started, 2)
    # Suites add what they were configured with (answerer, thresholds) to ``context.config``.
    config = {**describe_configuration(context, snapshot, gold_dir), **context.config}
    return EvalReport(config=config, results=tuple(results), timings=timings)


def describe_configuration(context: EvalContext, snapshot: Any, gold_dir: Path) -> dict[str, Any]:
    """What a reader needs to reproduce the figures."""
    from evals.baselines import NAIVE_CHUNK_OVERLAP, NAIVE_CHUNK_SIZE

    manifest = snapshot.manifest
    fusion = fusion_params(context)
    gold = context.gold
    return {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "git commit": git_commit(),
        "cores": os.cpu_count() or 1,
        "data dir": str(context.data_dir),
        "index generation": snapshot.generation.name,
        "corpus hash": manifest.corpus_hash,
        "chunks": manifest.chunk_count,
        "embedder": f"{manifest.embedder} (dim {manifest.dim})",
        "dense backend": context.workspace.settings.dense_backend,
        "keyword backend": "bm25s (jieba + policy dictionary)",
        "answer settings": {"max_sentences": context.workspace.settings.answer_max_sentences,
                            "abstain_threshold": context.workspace.settings.abstain_threshold,
                            "llm": context.workspace.settings.llm_model or "none (extractive)"},
        "tokenizer version": manifest.tokenizer_version,
        "chunk params": manifest.chunk_params,
        "indexed fields": {"bm25": list(manifest.keyword_fields), "dense": list(manifest.dense_fields)},
        "fusion": {
            "method": fusion.method,
            "rrf_k": fusion.rrf_k,
            "bm25_weight": fusion.bm25_weight,
            "dense_weight": fusion.dense_weight,
            "candidates": fusion.candidates,
        },
        "naive baseline": {"chunk_size": NAIVE_CHUNK_SIZE, "chunk_overlap": NAIVE_CHUNK_OVERLAP},
        "gold dir": str(gold_dir),
        "split": context.split,
        "gold items": {
            "questions": len(gold.questions),
            "unanswerable": len(gold.unanswerable),
            "claims": len(gold.claims),
            "precedents": len(gold.precedents),
        },
    }


def git_commit() -> str:
    """The checkout's commit (with ``+dirty`` when files changed), or ``unknown`` outside git."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=5
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO_ROOT, capture_output=True, text=True, timeout=5,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{commit}+dirty" if commit and dirty else commit or "unknown"
