"""Evaluate on more than one corpus in one run: the broader evaluation corpus (dev and test,
blind gold) and the demo corpus (its own gold), each in a data dir of its own.

``policyqa eval --corpus evals/corpus`` (and ``make eval``) ingests each corpus into
``evals/.data/<name>`` with the settings in force (files already stored unchanged are not read
again; the index generation follows the store), runs every suite on each target and prints one
report: a summary table of the targets side by side, then each target's full tables.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evals.report import EvalReport, print_report, render_markdown, report_as_json

REPO_ROOT = Path(__file__).resolve().parent.parent
DEMO_CORPUS = REPO_ROOT / "corpus"
DEMO_GOLD = REPO_ROOT / "evals" / "gold"
EVAL_DATA_ROOT = REPO_ROOT / "evals" / ".data"
# What a corpus folder may hold besides documents: its notes, UTF-8 text copies, its gold set.
DOCUMENT_SUFFIXES = (".txt", ".pdf", ".docx", ".html", ".htm", ".md")
NOT_DOCUMENTS = ("README", "MANIFEST")


@dataclass(frozen=True)
class EvalTarget:
    """One measured combination: a corpus, its gold set and a split of it."""

    label: str
    corpus_dir: Path
    gold_dir: Path
    split: str
    files: tuple[Path, ...]


def corpus_files(corpus_dir: Path, pattern: str = "*") -> tuple[Path, ...]:
    """The documents of a corpus folder: its top-level files, notes excluded."""
    return tuple(sorted(
        p for p in Path(corpus_dir).glob(pattern)
        if p.is_file() and p.suffix.lower() in DOCUMENT_SUFFIXES and not p.name.startswith(NOT_DOCUMENTS)
    ))


def standard_targets(corpus_dir: Path, splits: Sequence[str] = ("dev", "test")) -> list[EvalTarget]:
    """The broader corpus's splits (gold in ``<corpus>/gold``), then the demo gold on the demo corpus."""
    corpus_dir = Path(corpus_dir)
    broader = [EvalTarget(f"{corpus_dir.name} · {split}", corpus_dir, corpus_dir / "gold", split,
                          corpus_files(corpus_dir)) for split in splits]
    demo = EvalTarget("demo corpus · own gold (all)", DEMO_CORPUS, DEMO_GOLD, "all", corpus_files(DEMO_CORPUS, "*.txt"))
    return [*broader, demo]


def prepare_data_dir(settings: Any, target: EvalTarget, root: Path = EVAL_DATA_ROOT) -> Path:
    """``root/<corpus name>`` holding exactly the target's documents, indexed with ``settings``."""
    from ui.workspace import Workspace

    data_dir = Path(root) / data_dir_name(target.corpus_dir)
    with Workspace.open(replace_data_dir(settings, data_dir)) as workspace:
        reports = workspace.ingestor.ingest_paths(list(target.files), progress=False)
        failed = [f"{r.source}: {r.error}" for r in reports if r.status not in ("added", "replaced", "unchanged")]
        if failed:
            raise RuntimeError("evaluation corpus files failed to ingest: " + "; ".join(failed))
        # A stored document is named by its file name (``DocumentInfo.source``).
        wanted = {p.name for p in target.files}
        for document in workspace.store.list_documents():
            if Path(document.source).name not in wanted:
                workspace.store.delete_document(document.doc_id)
        workspace.sync_index()
    return data_dir


def data_dir_name(corpus_dir: Path) -> str:
    """A data dir name unique per corpus folder: its path from the repository, ``/`` as ``-``
    (``corpus`` for the demo corpus, ``evals-corpus`` for the evaluation corpus)."""
    path = Path(corpus_dir).resolve()
    try:
        return "-".join(path.relative_to(REPO_ROOT).parts)
    except ValueError:
        return "-".join(path.parts[-2:])


def replace_data_dir(settings: Any, data_dir: Path) -> Any:
    """The same settings over another data dir."""
    return settings.model_copy(update={"data_dir": Path(data_dir)})


SUMMARY_FIGURES = (
    ("retrieval", "hybrid hit@5", "hybrid hit@5"),
    ("retrieval", "hybrid MRR@10", "hybrid MRR@10"),
    ("answers", "abstain_recall", "unanswerable abstain"),
    ("answers", "answerable_abstained", "answerable abstain"),
    ("answers", "gold_evidence_cited", "gold evidence cited"),
    ("answers", "fact_in_first_sentence", "fact in 1st sentence"),
    ("answers", "factual_answer_median_chars", "median chars"),
    ("answers", "cross_doc_all_sources_cited", "cross-doc both cited"),
    ("claims", "accuracy", "claim accuracy"),
    ("claims", "recall_contradicted", "contradicted recall"),
    ("claims", "not_supported_called_supported", "not supported → supported"),
    ("precedents", "hit@1", "precedent hit@1"),
    ("precedents", "hit@3", "precedent hit@3"),
    ("precedents", "no_precedent_recall", "no-precedent drafts flagged"),
    ("precedents", "covered_called_no_precedent", "covered drafts flagged (count)"),
)


def best_baselines(report: EvalReport) -> dict[str, tuple[str, float, float]]:
    """Per question type (and ``overall``): the best baseline's name, hit@5 and MRR@10."""
    retrieval = report.result("retrieval")
    if retrieval is None or not retrieval.available:
        return {}
    by_type = retrieval.details.get("by_type", {})
    overall = {row[0]: row for row in retrieval.tables[0].rows}
    best: dict[str, tuple[str, float, float]] = {}
    for system, per_type in by_type.items():
        if not system.startswith("naive"):  # bm25 and dense are the product's own two sides
            continue
        rows = {**{t: (s["hit_rate@5"], s["mrr@10"]) for t, s in per_type.items()},
                "overall": (overall[system][3], overall[system][4])}
        for qtype, (hit5, mrr) in rows.items():
            if qtype not in best or (mrr, hit5) > (best[qtype][2], best[qtype][1]):
                best[qtype] = (system, float(hit5), float(mrr))
    return best


def hybrid_vs_baselines(report: EvalReport) -> list[tuple[str, int, float, float, str, float, float]]:
    """Rows (type, n, hybrid hit@5, hybrid MRR@10, best baseline, its hit@5, its MRR@10)."""
    retrieval = report.result("retrieval")
    if retrieval is None or not retrieval.available:
        return []
    best = best_baselines(report)
    by_type = retrieval.details["by_type"].get("hybrid", {})
    counts = {row[1]: row[2] for row in retrieval.tables[1].rows if row[0] == "hybrid"}
    hybrid_overall = next(row for row in retrieval.tables[0].rows if row[0] == "hybrid")
    rows = [("overall", hybrid_overall[1], hybrid_overall[3], hybrid_overall[4], *best.get("overall", ("-", 0, 0)))]
    for qtype, scores in sorted(by_type.items()):
        rows.append((qtype, counts.get(qtype, 0), round(scores["hit_rate@5"], 3), round(scores["mrr@10"], 3),
                     *best.get(qtype, ("-", 0.0, 0.0))))
    return [(t, n, h5, m, b, round(bh5, 3), round(bm, 3)) for t, n, h5, m, b, bh5, bm in rows]


def summary_rows(results: Sequence[tuple[EvalTarget, EvalReport]]) -> list[tuple[str, ...]]:
    """One row per headline figure, one column per target."""
    rows = []
    for suite, key, label in SUMMARY_FIGURES:
        cells = []
        for _, report in results:
            result = report.result(suite)
            value = result.headline.get(key) if result is not None and result.available else None
            cells.append("n/a" if value is None or value != value else (f"{value:.3f}" if value <= 1.5 else f"{value:.0f}"))
        rows.append((label, *cells))
    return rows


def render_combined_markdown(results: Sequence[tuple[EvalTarget, EvalReport]]) -> str:
    """The summary, the hybrid-vs-baselines tables, then each target's own report."""
    labels = [t.label for t, _ in results]
    lines = ["# policyqa evaluation report", "",
             "Targets: " + "; ".join(f"**{t.label}** (gold `{_rel(t.gold_dir)}`, {len(t.files)} documents)"
                                      for t, _ in results), "",
             "The defaults were tuned on the dev split of the broader corpus (and the demo gold's dev items); "
             "the test split is frozen: only its aggregate figures are read.", "",
             "## Summary", "", "| figure | " + " | ".join(labels) + " |", "|---|" + "---:|" * len(labels)]
    lines += ["| " + " | ".join(row) + " |" for row in summary_rows(results)]
    for target, report in results:
        rows = hybrid_vs_baselines(report)
        if rows:
            lines += ["", f"## Hybrid vs the best baseline per question type — {target.label}", "",
                      "| type | n | hybrid hit@5 | hybrid MRR@10 | best baseline | its hit@5 | its MRR@10 |",
                      "|---|---:|---:|---:|---|---:|---:|"]
            lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    for target, report in results:
        body = render_markdown(report).split("\n", 1)[1]  # drop the per-target title
        lines += ["", f"# {target.label}", body.replace("\n## ", "\n## ").rstrip()]
    return "\n".join(lines).rstrip() + "\n"


def _rel(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def print_combined(results: Sequence[tuple[EvalTarget, EvalReport]], console: Any = None) -> None:
    """The combined report on the terminal: each target's tables, then the summary side by side."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    for target, report in results:
        console.rule(target.label)
        print_report(report, console)
    for target, report in results:
        table = Table(title=f"Hybrid vs the best baseline — {target.label}", title_justify="left")
        for column in ("type", "n", "hybrid hit@5", "hybrid MRR@10", "best baseline", "its hit@5", "its MRR@10"):
            table.add_column(column)
        for row in hybrid_vs_baselines(report):
            table.add_row(*(str(c) for c in row))
        console.print(table)
    summary = Table(title="Summary", title_justify="left")
    summary.add_column("figure")
    for target, _ in results:
        summary.add_column(target.label, justify="right")
    for row in summary_rows(results):
        summary.add_row(*row)
    console.print(summary)


def write_combined(results: Sequence[tuple[EvalTarget, EvalReport]], out_dir: Path, stem: str = "latest") -> list[Path]:
    """``<stem>.md`` and ``<stem>.json`` (every target's full report) in ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    markdown = out_dir / f"{stem}.md"
    markdown.write_text(render_combined_markdown(results), encoding="utf-8")
    data = {t.label: {"gold": _rel(t.gold_dir), "split": t.split, **report_as_json(r)} for t, r in results}
    json_path = out_dir / f"{stem}.json"
    json_path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return [markdown, json_path]
