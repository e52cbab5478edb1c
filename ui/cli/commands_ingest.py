"""`policyqa ingest | documents | show | remove` (filled in by the ingest stage)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Attach the ingest commands to the root app."""
