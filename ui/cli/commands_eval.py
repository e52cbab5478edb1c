"""`policyqa eval`: measure retrieval (and, once built, answers, claims, precedents) on a gold set."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer


def register(app: typer.Typer) -> None:
    """Attach the eval command to the root app."""
    app.command("eval")(eval_command)


def eval_command(
    ctx: typer.Context,
    gold: Optional[Path] = typer.Option(
        None, "--gold", help="Gold set directory (questions.jsonl, ...); default: the shipped evals/gold."
    ),
    split: str = typer.Option("all", "--split", help="Which gold items: dev, test or all."),
    out: Optional[Path] = typer.Option(
        None, "--out", help="Where latest.md/.json/.png go; default: evals/reports."
    ),
    systems: str = typer.Option(
        "hybrid,bm25,dense,naive,naive-bm25,naive-dense,naive-rrf", "--systems",
        help="Retrieval systems to compare, comma-separated."
    ),
    corpus: Optional[Path] = typer.Option(
        None, "--corpus",
        help="Evaluate this corpus folder (gold in <corpus>/gold: dev and test) AND the demo gold on the demo "
             "corpus, each in its own data dir under --corpus-data; one combined report.",
    ),
    corpus_data: Optional[Path] = typer.Option(
        None, "--corpus-data", help="Where --corpus keeps a data dir per corpus; default: evals/.data."
    ),
    suites: str = typer.Option(
        "retrieval,answers,claims,precedents", "--suites", help="Suites to run, comma-separated."
    ),
) -> None:
    """Evaluate the data dir's index against a gold set and print one report."""
    from rich.console import Console

    from evals.gold import DEFAULT_GOLD_DIR
    from evals.report import print_report, write_report
    from evals.runner import SPLITS, run_eval
    from evals.suites import default_suites
    from evals.systems import SYSTEM_NAMES
    from policyqa.errors import PolicyQAError
    from ui.workspace import Workspace

    settings = ctx.obj
    console = Console()
    if split not in SPLITS:
        raise typer.BadParameter(f"use one of {', '.join(SPLITS)}", param_hint="--split")
    chosen = tuple(s.strip() for s in systems.split(",") if s.strip())
    if not chosen or set(chosen) - set(SYSTEM_NAMES):
        raise typer.BadParameter(f"choose among {', '.join(SYSTEM_NAMES)}", param_hint="--systems")
    all_suites = default_suites(chosen)
    wanted = tuple(s.strip() for s in suites.split(",") if s.strip())
    known = tuple(suite.name for suite in all_suites)
    if not wanted or set(wanted) - set(known):
        raise typer.BadParameter(f"choose among {', '.join(known)}", param_hint="--suites")
    gold_dir = gold or DEFAULT_GOLD_DIR
    out_dir = out or DEFAULT_GOLD_DIR.parent / "reports"
    chosen_suites = [s for s in all_suites if s.name in wanted]
    if corpus is not None:
        _eval_corpora(console, settings, corpus, split, chosen_suites, out_dir, corpus_data)
        return
    try:
        with console.status("opening the index…") as status, Workspace.open(settings) as workspace:

            def show_suite(name: str) -> None:
                # The naive baseline's windows are embedded once per machine (then cached).
                status.update(f"evaluating {name}…")

            report = run_eval(gold_dir, workspace, split, suites=chosen_suites, on_suite=show_suite)
    except PolicyQAError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(code=1) from exc
    print_report(report, console)
    files = write_report(report, out_dir)
    written = ", ".join(str(p) for p in (files.markdown, files.json, files.chart) if p)
    console.print(f"report written: {written}")


def _eval_corpora(console, settings, corpus: Path, split: str, suites, out_dir: Path,
                  data_root: Optional[Path] = None) -> None:
    """The broader corpus's splits and the demo gold, each in its own data dir; one combined report."""
    from evals.corpora import (
        EVAL_DATA_ROOT,
        prepare_data_dir,
        print_combined,
        replace_data_dir,
        standard_targets,
        write_combined,
    )
    from evals.runner import run_eval
    from policyqa.errors import PolicyQAError
    from ui.workspace import Workspace

    if not corpus.is_dir() or not (corpus / "gold").is_dir():
        raise typer.BadParameter(f"{corpus} is not a corpus folder with a gold/ subfolder", param_hint="--corpus")
    splits = ("dev", "test") if split == "all" else (split,)
    targets = standard_targets(corpus, splits)
    results = []
    try:
        with console.status("preparing the corpora…") as status:
            data_dirs = {}
            for target in targets:
                if target.corpus_dir not in data_dirs:
                    status.update(f"ingesting and indexing {target.corpus_dir.name}…")
                    data_dirs[target.corpus_dir] = prepare_data_dir(settings, target, data_root or EVAL_DATA_ROOT)
            for target in targets:
                def show_suite(name: str, label: str = target.label) -> None:
                    status.update(f"{label}: evaluating {name}…")

                with Workspace.open(replace_data_dir(settings, data_dirs[target.corpus_dir])) as workspace:
                    report = run_eval(target.gold_dir, workspace, target.split, suites=suites, on_suite=show_suite)
                results.append((target, report))
    except PolicyQAError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(code=1) from exc
    print_combined(results, console)
    files = write_combined(results, out_dir)
    console.print("report written: " + ", ".join(str(p) for p in files))
