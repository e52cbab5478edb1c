"""One evaluation report in four forms: a rich terminal table, Markdown, JSON and a PNG chart."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evals.suites.base import MetricTable, SuiteResult

REPORT_STEM = "latest"
CHART_METRICS = (("hit_rate@5", "hit@5"), ("mrr@10", "MRR@10"))


@dataclass(frozen=True)
class EvalReport:
    """The configuration an eval ran with and what each suite measured."""

    config: dict[str, Any]
    results: tuple[SuiteResult, ...]
    timings: dict[str, float] = field(default_factory=dict)  # seconds per suite, and total

    def result(self, name: str) -> SuiteResult | None:
        """The result of the suite called ``name``, if it ran."""
        return next((r for r in self.results if r.name == name), None)


@dataclass(frozen=True)
class ReportFiles:
    """Where ``write_report`` put the report."""

    markdown: Path
    json: Path
    chart: Path | None


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
    return "" if value is None else str(value)


def print_report(report: EvalReport, console: Any = None) -> None:
    """The report as rich tables on the terminal."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    console.print(_config_table(report, Table))
    for result in report.results:
        if not result.available:
            console.print(f"[bold]{result.name}[/bold]: [yellow]{result.note}[/yellow]")
            continue
        for table in result.tables:
            rich_table = Table(title=table.title, title_justify="left")
            for i, column in enumerate(table.columns):
                rich_table.add_column(column, justify="left" if i < _label_columns(table) else "right")
            for row in table.rows:
                rich_table.add_row(*(_cell(v) for v in row))
            console.print(rich_table)


def _config_table(report: EvalReport, table_cls: Any) -> Any:
    table = table_cls(title="Configuration", title_justify="left", show_header=False)
    table.add_column("setting")
    table.add_column("value")
    for key, value in _config_lines(report):
        table.add_row(key, value)
    return table


def _config_lines(report: EvalReport) -> list[tuple[str, str]]:
    lines = [(k, v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)) for k, v in report.config.items()]
    if "total" in report.timings:
        lines.append(("eval seconds", f"{report.timings['total']:.1f}"))
    return lines


def _label_columns(table: MetricTable) -> int:
    # Leading text columns (system, type, split) are left-aligned; numbers right-aligned.
    count = 0
    for i in range(len(table.columns)):
        if table.rows and all(isinstance(row[i], str) for row in table.rows):
            count = i + 1
        else:
            break
    return count


def render_markdown(report: EvalReport, chart_name: str | None = None) -> str:
    """The report as a Markdown document."""
    lines = ["# policyqa evaluation report", ""]
    lines += ["## Configuration", "", "| setting | value |", "|---|---|"]
    lines += [f"| {k} | {_escape(v)} |" for k, v in _config_lines(report)]
    for result in report.results:
        lines += ["", f"## {result.name.capitalize()}", ""]
        if not result.available:
            lines.append(f"_{result.note}_")
            continue
        if result.note:
            lines += [result.note, ""]
        for table in result.tables:
            lines += [f"### {table.title}", "", _markdown_table(table), ""]
        if result.name == "retrieval" and chart_name:
            lines += [f"![per-type retrieval metrics]({chart_name})", ""]
        systems = result.details.get("systems") if result.details else None
        if systems:
            lines += ["Systems:", ""] + [f"- **{n}**: {d}" for n, d in systems.items()] + [""]
    return "\n".join(lines).rstrip() + "\n"


def _escape(text: str) -> str:
    return text.replace("|", "\\|")


def _markdown_table(table: MetricTable) -> str:
    labels = _label_columns(table)
    head = "| " + " | ".join(table.columns) + " |"
    rule = "|" + "|".join("---" if i < labels else "---:" for i in range(len(table.columns))) + "|"
    body = ["| " + " | ".join(_escape(_cell(v)) for v in row) + " |" for row in table.rows]
    return "\n".join([head, rule, *body])


def report_as_json(report: EvalReport) -> dict[str, Any]:
    """The report as plain JSON data (tables as lists of records, per-item details kept)."""
    return {
        "config": report.config,
        "timings": report.timings,
        "suites": {
            r.name: {
                "available": r.available,
                "note": r.note,
                "headline": r.headline,
                "tables": {t.title: t.as_records() for t in r.tables},
                "details": r.details,
            }
            for r in report.results
        },
    }


def draw_chart(report: EvalReport, path: Path) -> Path | None:
    """A grouped bar chart of per-type retrieval metrics per system; ``None`` without retrieval."""
    retrieval = report.result("retrieval")
    if retrieval is None or not retrieval.available or not retrieval.details.get("by_type"):
        return None
    import matplotlib

    matplotlib.use("Agg")  # files only; never needs a display
    import matplotlib.pyplot as plt
    import numpy as np

    by_type: dict[str, dict[str, dict[str, float]]] = retrieval.details["by_type"]
    systems = list(by_type)
    types = sorted({t for per_type in by_type.values() for t in per_type})
    fig, axes = plt.subplots(1, len(CHART_METRICS), figsize=(6 * len(CHART_METRICS), 4.2), sharey=True)
    width = 0.8 / max(len(systems), 1)
    positions = np.arange(len(types))
    for ax, (metric, label) in zip(np.atleast_1d(axes), CHART_METRICS):
        for i, system in enumerate(systems):
            values = [by_type[system].get(t, {}).get(metric, 0.0) for t in types]
            ax.bar(positions + (i - (len(systems) - 1) / 2) * width, values, width, label=system)
        ax.set_xticks(positions, types, rotation=20)
        ax.set_ylim(0, 1.05)
        ax.set_title(f"{label} by question type")
        ax.grid(axis="y", alpha=0.3)
    np.atleast_1d(axes)[0].legend(loc="lower left", fontsize="small")
    split = report.config.get("split", "")
    fig.suptitle(f"Retrieval per question type (split {split})")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_report(report: EvalReport, out_dir: Path, stem: str = REPORT_STEM) -> ReportFiles:
    """``<stem>.md``, ``<stem>.json`` and ``<stem>.png`` in ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    chart = draw_chart(report, out_dir / f"{stem}.png")
    markdown = out_dir / f"{stem}.md"
    markdown.write_text(render_markdown(report, chart.name if chart else None), encoding="utf-8")
    json_path = out_dir / f"{stem}.json"
    json_path.write_text(json.dumps(report_as_json(report), ensure_ascii=False, indent=1), encoding="utf-8")
    return ReportFiles(markdown, json_path, chart)

