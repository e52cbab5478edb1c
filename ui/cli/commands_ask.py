"""`policyqa ask`: a short answer whose every sentence cites the clause it rests on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import typer

from ui.cli.batch import read_batch

if TYPE_CHECKING:  # stages are imported inside the command so `--help` stays fast
    from policyqa.records import Answer

EXIT_OK, EXIT_USAGE = 0, 1


def answer_to_dict(answer: Answer) -> dict[str, Any]:
    """The `ask --json` contract: question, answer, abstained, citations (and nearest/notice)."""
    from qa.citations import citation_to_dict

    payload: dict[str, Any] = {
        "question": answer.question,
        "answer": answer.text,
        "abstained": answer.abstained,
        "citations": [citation_to_dict(c) for c in answer.citations],
    }
    if answer.nearest:
        payload["nearest"] = [citation_to_dict(c) for c in answer.nearest]
    if answer.notice:
        payload["notice"] = answer.notice
    return payload


def _print_answer(answer: Answer) -> None:
    from rich.console import Console

    from qa.citations import format_source

    console = Console()
    console.print(f"[bold]问：[/bold]{answer.question}")
    if answer.notice:
        console.print(f"[yellow]提示：{answer.notice}[/yellow]")
    console.print(f"[bold]答：[/bold]{answer.text}", highlight=False)
    if answer.citations:
        console.print("\n[bold]出处[/bold]")
        for c in answer.citations:
            console.print(f"[cyan][{c.marker}][/cyan] {format_source(c)}", highlight=False)
            console.print(f"    “{c.quote}”", style="dim", highlight=False)
    if answer.nearest:
        console.print("\n[bold]最接近的资料（并非答案）[/bold]")
        for c in answer.nearest:
            console.print(f"  - {format_source(c)}", highlight=False)
            console.print(f"    “{c.quote}”", style="dim", highlight=False)


def ask(
    ctx: typer.Context,
    question: Optional[str] = typer.Argument(None, help="The question, in Chinese."),
    as_json: bool = typer.Option(False, "--json", help="Print the answer as one JSON object."),
    batch: Optional[Path] = typer.Option(
        None, "--batch", help="JSONL file, one object per line with `id` and `question` (or `query`)."
    ),
    history: list[str] = typer.Option(
        [], "--history", "-H", help="An earlier question of the conversation (repeat, oldest first)."
    ),
    extractive: bool = typer.Option(False, "--extractive", help="Never call the LLM endpoint, even if configured."),
) -> None:
    """Answer a question from the ingested documents, citing a clause for every sentence."""
    from policyqa.errors import InvalidQueryError, PolicyQAError
    from ui.workspace import Workspace

    settings = ctx.obj
    if extractive:
        settings = settings.model_copy(update={"llm_base_url": None})
    if (question is None) == (batch is None):
        typer.echo("error: give either a QUESTION or --batch FILE.jsonl", err=True)
        raise typer.Exit(EXIT_USAGE)
    try:
        service = Workspace.open(settings).qa
        if batch is None:
            answer = service.ask(question, history=history)
            if as_json:
                typer.echo(json.dumps(answer_to_dict(answer), ensure_ascii=False))
            else:
                _print_answer(answer)
            return
        for item in read_batch(batch, ("question", "query")):
            text = item.get("question") or item.get("query") or ""
            try:
                answer = service.ask(text, history=item.get("history") or ())
            except InvalidQueryError as exc:
                typer.echo(json.dumps({"id": item.get("id"), "question": text, "error": str(exc)}, ensure_ascii=False))
                continue
            if as_json:
                typer.echo(json.dumps({"id": item.get("id"), **answer_to_dict(answer)}, ensure_ascii=False))
            else:
                _print_answer(answer)
                typer.echo("")
    except PolicyQAError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from exc


def register(app: typer.Typer) -> None:
    """Add `ask` to the CLI."""
    app.command("ask")(ask)
