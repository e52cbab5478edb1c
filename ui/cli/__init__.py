"""The ``policyqa`` command line. Each command group lives in its own module."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ui.settings import Settings

app = typer.Typer(
    name="policyqa",
    help="Question answering with clause citations over Chinese government documents.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def _root(
    ctx: typer.Context,
    data_dir: Optional[Path] = typer.Option(
        None, "--data-dir", help="Data directory (default: $POLICYQA_DATA_DIR, else ./data)."
    ),
) -> None:
    settings = Settings()
    if data_dir is not None:
        settings = settings.model_copy(update={"data_dir": data_dir})
    ctx.obj = settings


def _register_commands() -> None:
    # Command modules import their stages lazily inside each command, so `policyqa --help`
    # stays fast and no model loads at import.
    from ui.cli import commands_ask, commands_claims, commands_eval, commands_ingest, commands_search, commands_serve

    for module in (commands_ingest, commands_search, commands_eval, commands_ask, commands_serve, commands_claims):
        module.register(app)


_register_commands()


def main() -> None:
    """Console-script entry point."""
    app()
