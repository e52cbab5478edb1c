"""`policyqa search | reindex | check`: retrieval from the command line.

``search --json`` prints the contract of issue 3 exactly (one object per query); without
``--json`` a table with the section path and the matched terms highlighted.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import typer

from ui.cli.batch import read_batch

if TYPE_CHECKING:  # stages are imported inside the commands so `--help` stays fast
    from policyqa.records import Hit, SearchFilter
    from ui.workspace import Workspace

EXIT_OK, EXIT_USAGE, EXIT_INCONSISTENT = 0, 1, 2


def hit_to_json(hit: Hit) -> dict[str, Any]:
    """One hit in the CLI/API contract: rank, score, ids, source file, title, section, pages, text."""
    return {
        "rank": hit.rank,
        "score": round(hit.score, 6),
        "chunk_id": hit.chunk.chunk_id,
        "doc_id": hit.doc.doc_id,
        "source": hit.doc.source,
        "title": hit.doc.title,
        "section": hit.chunk.section_path,
        "pages": list(hit.chunk.pages),
        "text": hit.chunk.text,
    }


def _filters(doc_type: list[str], issuer: list[str], source: list[str], date_from: str | None,
             date_to: str | None, access: list[str]) -> SearchFilter | None:
    from policyqa.records import SearchFilter

    search_filter = SearchFilter(
        doc_types=tuple(doc_type), issuers=tuple(issuer), sources=tuple(source),
        date_from=date_from, date_to=date_to, access=tuple(access) if access else None,
    )
    return None if search_filter == SearchFilter() else search_filter


def _retriever(workspace: Workspace, mode: str) -> Any:
    from index.backends import make_retriever
    from ui.workspace import fusion_from_settings

    s = workspace.settings
    return make_retriever(workspace.snapshot, mode, fusion_from_settings(s), backend=s.dense_backend,
                          data_dir=s.data_dir, milvus_uri=s.milvus_uri)


def _print_table(query: str, hits: list[Hit]) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(title=f"{query}  ({len(hits)} hits)", show_lines=True, expand=True)
    table.add_column("#", justify="right", width=3)
    table.add_column("score", justify="right", width=7)
    table.add_column("document / section", ratio=2, overflow="fold")
    table.add_column("text (matched terms highlighted)", ratio=5, overflow="fold")
    for hit in hits:
        where = Text(f"{hit.doc.source}\n", style="bold")
        where.append(hit.doc.title or "", style="cyan")
        where.append(f"\n{hit.chunk.section_path or '—'}", style="green")
        where.append(f"\np. {','.join(map(str, hit.chunk.pages)) or '—'}", style="dim")
        body = Text(hit.chunk.text)
        # Terms are the tokenizer's (normalised) forms; most occur verbatim in the text.
        body.highlight_words(hit.matched_terms, style="bold black on yellow")
        table.add_row(str(hit.rank), f"{hit.score:.4f}", where, body)
    Console().print(table)


def search(
    ctx: typer.Context,
    query: Optional[str] = typer.Argument(None, help="The question or keywords (or use --batch)."),
    k: int = typer.Option(10, "-k", "--top-k", min=1, max=200, help="Number of hits."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    batch: Optional[Path] = typer.Option(None, "--batch", exists=True, dir_okay=False,
                                         help="JSONL file, one {id, query|question} per line."),
    mode: str = typer.Option("hybrid", "--mode", help="hybrid | bm25 | dense."),
    doc_type: list[str] = typer.Option([], "--doc-type", help="Only these document types."),
    issuer: list[str] = typer.Option([], "--issuer", help="Only documents whose issuer contains this."),
    source: list[str] = typer.Option([], "--source", help="Only these ingested file names."),
    date_from: Optional[str] = typer.Option(None, "--date-from", help="ISO date, inclusive."),
    date_to: Optional[str] = typer.Option(None, "--date-to", help="ISO date, inclusive."),
    access: list[str] = typer.Option([], "--access", help="Allowed access levels (default: all)."),
) -> None:
    """Find the chunks that best answer QUERY (hybrid BM25 + dense by default)."""
    from policyqa.errors import PolicyQAError
    from ui.workspace import Workspace

    if (query is None) == (batch is None):
        typer.echo("error: give either a QUERY or --batch FILE.jsonl", err=True)
        raise typer.Exit(EXIT_USAGE)
    filters = _filters(doc_type, issuer, source, date_from, date_to, access)
    items = read_batch(batch, ("query", "question")) if batch else [{"id": None, "query": query}]
    try:
        with Workspace.open(ctx.obj) as workspace:
            retriever = _retriever(workspace, mode)  # loaded once for the whole batch
            for item in items:
                hits = retriever.retrieve(item["query"], k=k, filters=filters)
                if as_json:
                    result: dict[str, Any] = {"query": item["query"], "hits": [hit_to_json(h) for h in hits]}
                    if batch:
                        result = {"id": item["id"], **result}
                    sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
                    sys.stdout.flush()
                else:
                    _print_table(item["query"], hits)
    except PolicyQAError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE)


def reindex(ctx: typer.Context) -> None:
    """Rebuild the index from the document store (new generation; cached vectors are reused).

    Documents stored with older ingest rules are first extracted again from their kept
    originals, so a data directory gets the ingest fixes of a new version.
    """
    from ingest.lock import ingest_lock
    from policyqa.errors import IndexBusyError, PolicyQAError
    from ui.workspace import Workspace

    try:
        with Workspace.open(ctx.obj) as workspace:
            with ingest_lock(workspace.settings.data_dir):
                refreshed = workspace.ingestor.refresh_stale()
            report_refreshed(refreshed)
            report = workspace.index_manager.rebuild(workspace.store)
    except (PolicyQAError, IndexBusyError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE)
    typer.echo(
        f"index {report.generation}: {report.chunk_count} chunks, {report.embedded} passage vectors "
        f"computed or read from the embedding cache, {report.seconds:.1f} s"
    )


def report_refreshed(reports) -> None:
    """One line per document extracted again under new ingest rules (and why one failed)."""
    if not reports:
        return
    done = [r for r in reports if r.status != "failed"]
    typer.echo(f"按新入库规则重新提取了 {len(done)} 个文档")
    for report in reports:
        if report.status == "failed":
            typer.echo(f"error: {report.source}: {report.error}", err=True)


def check(ctx: typer.Context, as_json: bool = typer.Option(False, "--json")) -> None:
    """Check that the live index matches the SQLite store and the settings; exit 2 when not."""
    from dataclasses import asdict

    from ui.workspace import Workspace

    with Workspace.open(ctx.obj) as workspace:
        report = workspace.index_manager.check(workspace.store)
    if as_json:
        typer.echo(json.dumps({**asdict(report), "ok": report.ok}, ensure_ascii=False))
    else:
        typer.echo(f"generation: {report.generation or '-'}")
        typer.echo(f"chunks: index {report.index_chunks}, store {report.store_chunks}")
        typer.echo(f"missing from index: {len(report.missing_from_index)}; "
                   f"in index but not in store: {len(report.missing_from_store)}")
        for problem in report.problems:
            typer.echo(f"problem: {problem}")
        typer.echo("OK" if report.ok else "INCONSISTENT: run `policyqa reindex`")
    if not report.ok:
        raise typer.Exit(EXIT_INCONSISTENT)


def register(app: typer.Typer) -> None:
    """Add `search`, `reindex` and `check` to the root app."""
    app.command("search")(search)
    app.command("reindex")(reindex)
    app.command("check")(check)
