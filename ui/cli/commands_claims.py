"""`policyqa verify | precedents | related`: claim checking, precedent search, citation graph."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

import typer

from ui.cli.batch import read_batch

EXIT_OK, EXIT_USAGE = 0, 1
_LABELS = {"supported": "[green]有依据[/green]", "contradicted": "[red]与资料矛盾[/red]", "not_found": "[yellow]资料未提及[/yellow]"}


def _echo_json(payload: dict[str, Any]) -> None:
    typer.echo(json.dumps(payload, ensure_ascii=False))


def _check_arguments(text: Optional[str], batch: Optional[Path], what: str) -> None:
    if (text is None) == (batch is None):
        typer.echo(f"error: give either a {what} or --batch FILE.jsonl", err=True)
        raise typer.Exit(EXIT_USAGE)


def verify(
    ctx: typer.Context,
    text: Optional[str] = typer.Argument(None, help="A claim or a pasted paragraph of a report."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    batch: Optional[Path] = typer.Option(None, "--batch", help="JSONL file of objects with `id` and `claim`."),
) -> None:
    """Check each claim against the documents: supported, contradicted or not found."""
    from policyqa.errors import InvalidQueryError, PolicyQAError
    from qa.claims.serialize import verdict_to_dict
    from ui.workspace import Workspace

    _check_arguments(text, batch, "CLAIM")
    try:
        checker = Workspace.open(ctx.obj).claims
        if batch is None:
            verdicts = checker.check(text)
            if as_json:
                _echo_json({"claims": [verdict_to_dict(v) for v in verdicts]})
            else:
                _print_verdicts(verdicts)
            return
        for item in read_batch(batch, ("claim",)):
            try:
                verdict = verdict_to_dict(checker.check_claim(item["claim"].strip()))
            except InvalidQueryError as exc:
                _echo_json({"id": item.get("id"), "error": str(exc)})
                continue
            _echo_json({"id": item.get("id"), **{k: v for k, v in verdict.items() if k != "claim"}})
    except PolicyQAError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from exc


def precedents(
    ctx: typer.Context,
    draft: Optional[str] = typer.Argument(None, help="A draft proposal (100–2000 characters)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    batch: Optional[Path] = typer.Option(None, "--batch", help="JSONL file of objects with `id` and `draft`."),
    k: int = typer.Option(5, "--k", min=1, max=50, help="How many documents."),
    replies_first: bool = typer.Option(
        True, "--replies-first/--no-replies-first", help="Boost replies to proposals (the drafter's view)."
    ),
) -> None:
    """Find what was asked and answered before: the documents a draft proposal builds on."""
    from policyqa.errors import InvalidQueryError, PolicyQAError
    from qa.precedents.serialize import precedent_to_dict
    from ui.workspace import Workspace

    _check_arguments(draft, batch, "DRAFT")
    try:
        finder = Workspace.open(ctx.obj).precedents
        items = [{"id": None, "draft": draft}] if batch is None else read_batch(batch, ("draft",))
        for item in items:
            try:
                result = finder.search(item["draft"], k=k, prefer_replies=replies_first)
            except InvalidQueryError as exc:
                _echo_json({"id": item.get("id"), "error": str(exc)})
                continue
            payload = {"no_precedent": result.no_precedent,
                       "documents": [precedent_to_dict(p) for p in result.precedents]}
            if batch is not None:
                _echo_json({"id": item.get("id"), **payload})
            elif as_json:
                _echo_json(payload)
            else:
                if result.no_precedent:
                    typer.echo("未找到相近的先例；以下为最接近的文件：")
                _print_precedents(payload["documents"])
    except PolicyQAError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from exc


def related(
    ctx: typer.Context,
    doc: str = typer.Argument(..., help="A document id, source file name or its stem."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Which documents DOC cites and which cite it (by 《title》 and 文号)."""
    from policyqa.errors import PolicyQAError
    from qa.precedents.factory import build_citation_graph, open_store

    try:
        with open_store(ctx.obj.data_dir) as store:
            info = store.find_document(doc)
            result = build_citation_graph(store).related(info.doc_id)
    except PolicyQAError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from exc
    payload = {"doc_id": info.doc_id, "source": info.source, "title": info.title, **result}
    if as_json:
        _echo_json(payload)
        return
    typer.echo(f"{info.title or info.source}（{info.doc_id}）")
    for key, label in (("cites", "引用"), ("cited_by", "被引用")):
        typer.echo(f"{label}：")
        for entry in payload[key] or [{"title": "（无）", "via": "", "doc_id": ""}]:
            typer.echo(f"  - {entry['title'] or entry['source']} {entry['doc_id']} {entry['via']}".rstrip())
    if payload["mentions"]:
        typer.echo("提及但未收录：" + "、".join(payload["mentions"][:20]))


def _print_verdicts(verdicts) -> None:
    from rich.console import Console

    from qa.citations import format_source

    console = Console()
    for n, verdict in enumerate(verdicts, 1):
        console.print(f"{n}. {verdict.claim}  {_LABELS[verdict.label]}", highlight=False)
        for d in verdict.differences:
            console.print(f"   [red]{d.kind}[/red]：声称“{d.claim}”，资料为“{d.source}”", highlight=False)
        for c in verdict.evidence:
            console.print(f"   出处：{format_source(c)}", highlight=False)
            console.print(f"   “{c.quote}”", style="dim", highlight=False)


def _print_precedents(documents: list[dict[str, Any]]) -> None:
    from rich.console import Console

    console = Console()
    for n, doc in enumerate(documents, 1):
        console.print(f"[bold]{n}. {doc['title'] or doc['source']}[/bold] {doc['doc_number'] or ''} "
                      f"({doc['doc_type']}, {doc['score']:.3f})", highlight=False)
        proposal = doc.get("proposal")
        if proposal:
            console.print(f"   答复：{proposal['session'] or ''} 第{proposal['proposal_number']}号 "
                          f"{proposal['proposal_title'] or ''}（{'、'.join(proposal['deputies'])}）", highlight=False)
        for c in doc["clauses"]:
            console.print(f"   “{c['quote']}”", style="dim", highlight=False)
        for item in doc["commitments"]:
            console.print(f"   承诺：{item}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add `verify`, `precedents` and `related` to the CLI."""
    app.command("verify")(verify)
    app.command("precedents")(precedents)
    app.command("related")(related)
