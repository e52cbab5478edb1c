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
    from ui.api.hygiene import private_umask

    private_umask()  # keys, store, audit log, kept originals: readable by this account only
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


EXIT_STORAGE = 4


def main() -> None:
    """Console-script entry point.

    A full disk or a read-only data dir is a condition of the machine, not a bug: it is said
    in one line (exit status 4), never as a traceback. Read-only commands keep working.
    """
    import sqlite3
    import sys

    from policyqa.errors import StorageError
    from policyqa.storage import storage_error

    try:
        app()
    except (OSError, sqlite3.Error, StorageError) as exc:
        refusal = storage_error(exc)
        if refusal is None:
            raise
        typer.echo(f"error: {refusal}", err=True)
        sys.exit(EXIT_STORAGE)
