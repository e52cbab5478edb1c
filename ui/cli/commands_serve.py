"""`policyqa serve` and `policyqa keys create | list | revoke`."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Optional

import typer

keys_app = typer.Typer(help="Manage API keys (hashed at rest; the token is shown once).", no_args_is_help=True)


def serve(
    ctx: typer.Context,
    host: Optional[str] = typer.Option(None, "--host", help="Interface to bind (default: settings, 127.0.0.1)."),
    port: Optional[int] = typer.Option(None, "--port", help="Port (default: settings, 8000)."),
    workers: Optional[int] = typer.Option(None, "--workers", help="Threads for CPU-bound work."),
    queue_size: Optional[int] = typer.Option(None, "--queue-size", help="Requests that may wait; beyond: 503."),
    no_ui: bool = typer.Option(False, "--no-ui", help="Serve the API only, without the Gradio UI at /ui."),
) -> None:
    """Serve the REST API, the OpenAI-compatible endpoint and the UI (at /ui) in one process."""
    import uvicorn

    from ui.api.app import create_app

    updates = {name: value for name, value in
               (("host", host), ("port", port), ("workers", workers), ("queue_size", queue_size))
               if value is not None}
    settings = ctx.obj.model_copy(update=updates)
    app = create_app(settings, mount_ui=not no_ui)
    typer.echo(f"policyqa: http://{settings.host}:{settings.port}/  (UI /ui, API docs /docs, "
               f"data {settings.data_dir})", err=True)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="info")


@keys_app.command("create")
def create_key(
    ctx: typer.Context,
    role: str = typer.Option("reader", "--role", help="reader, editor or admin."),
    groups: str = typer.Option("public", "--groups", help="Comma-separated access levels the key may see."),
    label: Optional[str] = typer.Option(None, "--label", help="Who or what the key is for."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Create a key and print its token (once: only a hash is stored)."""
    from ui.api.auth import InvalidKeyError

    try:
        created = _keys(ctx).create(role, groups.split(","), label)
    except InvalidKeyError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    record = created.record
    if as_json:
        typer.echo(json.dumps({"key_id": record.key_id, "token": created.token, "role": record.role,
                               "groups": list(record.groups), "label": record.label}, ensure_ascii=False))
        return
    typer.echo(f"key {record.key_id}  role={record.role}  groups={','.join(record.groups)}")
    typer.echo(created.token)
    typer.echo("Store this token now: it cannot be shown again.", err=True)


@keys_app.command("list")
def list_keys(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List keys (ids, roles, groups; never tokens)."""
    records = _keys(ctx).list()
    rows = [{"key_id": r.key_id, "role": r.role, "groups": list(r.groups), "label": r.label,
             "created": _iso(r.created_at), "revoked": _iso(r.revoked_at) if r.revoked_at else None}
            for r in records]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        typer.echo("no keys: the service is open to anyone who can reach it")
    for row in rows:
        state = f"revoked {row['revoked']}" if row["revoked"] else "active"
        typer.echo(f"{row['key_id']}  {row['role']:<6}  {','.join(row['groups']):<24}  {state}  {row['label'] or ''}")


@keys_app.command("revoke")
def revoke_key(ctx: typer.Context, key_id: str = typer.Argument(..., help="The key id from `keys list`.")) -> None:
    """Revoke a key; requests with it are refused from now on."""
    from policyqa.errors import NotFoundError

    try:
        _keys(ctx).revoke(key_id)
    except NotFoundError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"revoked {key_id}")


def _keys(ctx: typer.Context):
    from ui.api.auth import KEYS_FILE_NAME, KeyStore

    settings = ctx.find_root().obj
    return KeyStore(settings.data_dir / KEYS_FILE_NAME)


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).isoformat(timespec="seconds")


def register(app: typer.Typer) -> None:
    """Attach `serve` and the `keys` group to the root app."""
    app.command("serve")(serve)
    app.add_typer(keys_app, name="keys")
