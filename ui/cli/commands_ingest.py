"""`policyqa ingest | documents | show | remove | access`: a thin layer over ``ingest.pipeline.Ingestor``."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer

if TYPE_CHECKING:  # stages are imported inside the commands so `--help` stays fast
    from ingest.pipeline import FileReport
    from ingest.store import DocumentStore
    from policyqa.records import DocumentInfo, Section
    from ui.settings import Settings

EXIT_OK, EXIT_USAGE, EXIT_PARTIAL, EXIT_BUSY = 0, 1, 2, 3
DATABASE_NAME = "policyqa.sqlite3"

_LIST_FIELDS = (
    "doc_id", "source", "title", "doc_number", "issuer", "addressee", "date", "doc_type",
    "proposal_number", "standard_number", "pages", "chunks", "ocr", "access",
)


def _error(message: str) -> None:
    typer.echo(f"error: {message}", err=True)


def open_store(settings: Settings) -> DocumentStore:
    """The document store of the configured data directory (opened)."""
    from ingest.store import DocumentStore

    return DocumentStore(Path(settings.data_dir) / DATABASE_NAME).open()


def document_summary(info: DocumentInfo) -> dict:
    """The fields `documents --json` prints for one document."""
    values = asdict(info)
    return {name: values[name] for name in _LIST_FIELDS}


def sections_tree(sections: tuple[Section, ...]) -> list[dict]:
    """The clause tree as `show --json` prints it."""
    return [
        {"title": s.title, "start": s.start, "end": s.end, "children": sections_tree(s.children)}
        for s in sections
    ]


def _print_reports(reports: list[FileReport]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Ingest", show_lines=False)
    for column in ("file", "status", "chunks", "pages", "OCR", "warnings / error"):
        table.add_column(column, justify="right" if column in ("chunks", "pages") else "left")
    for report in reports:
        notes = report.error if report.status == "failed" else "; ".join(report.warnings)
        style = {"failed": "red", "duplicate": "yellow", "unchanged": "dim"}.get(report.status, "green")
        table.add_row(
            report.source, f"[{style}]{report.status}[/]", str(report.chunks), str(report.pages),
            "yes" if report.ocr else "no", notes or "",
        )
    Console().print(table)
    counts: dict[str, int] = {}
    for report in reports:
        counts[report.status] = counts.get(report.status, 0) + 1
    typer.echo(", ".join(f"{n} {status}" for status, n in counts.items()) or "no files")


def ingest(
    ctx: typer.Context,
    paths: list[Path] = typer.Argument(..., help="Files or folders (searched recursively)."),
    access: Optional[str] = typer.Option(
        None, "--access",
        help="Access level: public, internal or a group ([a-z0-9_-]{1,32}). Given, it applies to already "
             "stored files too; omitted, new documents are public and stored ones keep theirs.",
    ),
    wait: float = typer.Option(0.0, "--wait", min=0.0, help="Seconds to wait for another running ingest (default: fail at once)."),
    workers: Optional[int] = typer.Option(
        None, "--workers", min=1,
        help="Files parsed at once, each in its own process (default: POLICYQA_INGEST_WORKERS, 2).",
    ),
) -> None:
    """Ingest documents (PDF, DOCX, OFD, TXT in any Chinese encoding, scans) into the store."""
    from ingest.lock import ingest_lock
    from policyqa.errors import IndexBusyError, InvalidAccessLevelError
    from policyqa.validation import check_access_level
    from ui.cli.commands_search import report_refreshed
    from ui.workspace import build_ingestor

    enforce_access = access is not None
    access = access if access is not None else "public"
    try:
        check_access_level(access)
    except InvalidAccessLevelError as exc:
        _error(str(exc))
        raise typer.Exit(EXIT_USAGE) from None
    missing = [path for path in paths if not _exists(path)]
    for path in missing:
        _error(f"{path}: no such file or directory")
    if missing:
        raise typer.Exit(EXIT_USAGE)
    settings = ctx.obj
    try:
        with ingest_lock(Path(settings.data_dir), wait_s=wait):
            with open_store(settings) as store:
                # workers=None: the configured number (build_ingestor reads it from the settings).
                ingestor = build_ingestor(settings, store, access, enforce_access=enforce_access)
                reports = ingestor.ingest_paths(paths, progress=True, workers=workers)
                _print_reports(reports)
                # Documents stored under older ingest rules are extracted again from their originals.
                report_refreshed(ingestor.refresh_stale())
                index_error = _sync_index(settings, store)
                _refresh_access(settings, store, reports)
    except IndexBusyError as exc:
        _error(str(exc))
        raise typer.Exit(EXIT_BUSY) from None
    failed = [report for report in reports if report.status == "failed"]
    for report in failed:
        _error(f"{report.source}: {report.error}")
    if index_error:
        _error(index_error)
    if failed or index_error:
        raise typer.Exit(EXIT_PARTIAL)


def _refresh_access(settings: Settings, store: DocumentStore, reports: list[FileReport]) -> None:
    """Re-index the filter fields of documents whose access level this ingest changed."""
    from ui.workspace import refresh_filter_fields

    changed = [r.doc_id for r in reports if r.doc_id and any(w.startswith("access level changed") for w in r.warnings)]
    refresh_filter_fields(settings, store, changed)


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:  # a name too long for the file system, for one, exists nowhere
        return False


def _sync_index(settings: Settings, store: DocumentStore) -> str | None:
    """Bring the index up to date with the store, building it when there is none yet, so the
    first search after an ingest never pays for embedding.

    Returns a message when the documents are stored but the index could not follow.
    """
    from policyqa.errors import PolicyQAError
    from ui.workspace import Workspace

    # Synced even when nothing new was added: an earlier ingest killed after its store commit
    # left the index behind, and sync is a cheap no-op when the corpus hash already matches.
    # The workspace only assembles the manager from the settings; its own store is never opened.
    manager = Workspace(settings).index_manager
    try:
        report = manager.sync(store)
    except (OSError, PolicyQAError) as exc:
        # The store is the source of truth and already committed; the last good index stays live.
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return f"documents stored, but the index was not updated ({reason}); run `policyqa reindex`"
    if report.changed:
        typer.echo(f"index {report.generation}: {report.chunk_count} chunks ({report.embedded} embedded)")
    return None


def documents(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """List the stored documents with their metadata."""
    with open_store(ctx.obj) as store:
        infos = store.list_documents()
    if as_json:
        typer.echo(json.dumps([document_summary(info) for info in infos], ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(infos)} documents")
    for column in ("doc_id", "source", "title", "文号", "issuer", "date", "type", "pages", "chunks"):
        table.add_column(column)
    for info in infos:
        table.add_row(
            info.doc_id, info.source, info.title or "", info.doc_number or "", info.issuer or "",
            info.date or "", info.doc_type, str(info.pages), str(info.chunks),
        )
    Console().print(table)


def show(
    ctx: typer.Context,
    doc: str = typer.Argument(..., help="doc_id or source file name."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of readable text."),
) -> None:
    """Show one document: metadata, clause tree and chunks."""
    from policyqa.errors import NotFoundError

    with open_store(ctx.obj) as store:
        try:
            info = store.find_document(doc)
        except NotFoundError as exc:
            _error(str(exc))
            raise typer.Exit(EXIT_USAGE) from None
        text = store.document_text(info.doc_id)
        sections = store.document_sections(info.doc_id)
        chunks = list(store.iter_chunks([info.doc_id]))
    if as_json:
        payload = {
            **asdict(info),
            "cites": list(info.cites),
            "text": text,
            "sections": sections_tree(sections),
            "chunks": [
                {
                    "chunk_id": c.chunk_id, "section": c.section_path, "pages": list(c.pages),
                    "start": c.start, "end": c.end, "text": c.text,
                }
                for c in chunks
            ],
        }
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    _print_document(info, sections, chunks)


def _print_document(info, sections, chunks) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.tree import Tree

    console = Console()
    meta = Table(show_header=False, title=info.source)
    for name in ("doc_id", "title", "doc_number", "standard_number", "issuer", "addressee", "date", "doc_type",
                 "proposal_number", "pages", "chunks", "ocr", "access"):
        meta.add_row(name, str(getattr(info, name) if getattr(info, name) is not None else ""))
    meta.add_row("cites", "\n".join(info.cites))
    console.print(meta)
    tree = Tree("sections")

    def add(node, items):
        for section in items:
            add(node.add(section.title), section.children)

    add(tree, sections)
    console.print(tree)
    listing = Table(title="chunks")
    for column in ("#", "section", "pages", "span", "text"):
        listing.add_column(column)
    for chunk in chunks:
        preview = chunk.text if len(chunk.text) <= 60 else chunk.text[:60] + "…"
        listing.add_row(
            str(chunk.ordinal), chunk.section_path, ",".join(map(str, chunk.pages)),
            f"{chunk.start}-{chunk.end}", preview.replace("\n", " "),
        )
    console.print(listing)


def remove(
    ctx: typer.Context,
    doc: str = typer.Argument(..., help="doc_id or source file name."),
) -> None:
    """Delete a stored document and its chunks."""
    from ingest.lock import ingest_lock
    from policyqa.errors import IndexBusyError, NotFoundError
    from ui.workspace import build_ingestor

    try:
        with ingest_lock(Path(ctx.obj.data_dir)), open_store(ctx.obj) as store:
            try:
                info = build_ingestor(ctx.obj, store).remove(doc)
            except NotFoundError as exc:
                _error(str(exc))
                raise typer.Exit(EXIT_USAGE) from None
            index_error = _sync_index(ctx.obj, store)
    except IndexBusyError as exc:
        _error(str(exc))
        raise typer.Exit(EXIT_BUSY) from None
    typer.echo(f"removed {info.source} ({info.doc_id})")
    if index_error:
        _error(index_error)
        raise typer.Exit(EXIT_PARTIAL)


def access(
    ctx: typer.Context,
    doc: str = typer.Argument(..., help="doc_id or source file name."),
    level: str = typer.Argument(..., help="New access level: public, internal or a group ([a-z0-9_-]{1,32})."),
) -> None:
    """Change a stored document's access level (and the index's filter fields for it)."""
    from ingest.lock import ingest_lock
    from policyqa.errors import IndexBusyError, InvalidAccessLevelError, NotFoundError
    from policyqa.validation import check_access_level
    from ui.workspace import refresh_filter_fields

    try:
        check_access_level(level)
    except InvalidAccessLevelError as exc:
        _error(str(exc))
        raise typer.Exit(EXIT_USAGE) from None
    try:
        with ingest_lock(Path(ctx.obj.data_dir)), open_store(ctx.obj) as store:
            try:
                info = store.find_document(doc)
            except NotFoundError as exc:
                _error(str(exc))
                raise typer.Exit(EXIT_USAGE) from None
            if info.access == level:
                typer.echo(f"{info.source} ({info.doc_id}) is already {level}")
                return
            store.set_access(info.doc_id, level)
            refresh_filter_fields(ctx.obj, store, [info.doc_id])
    except IndexBusyError as exc:
        _error(str(exc))
        raise typer.Exit(EXIT_BUSY) from None
    typer.echo(f"{info.source} ({info.doc_id}): access {info.access} -> {level}")


def register(app: typer.Typer) -> None:
    """Attach the ingest commands to the root app."""
    app.command("access")(access)
    app.command("ingest")(ingest)
    app.command("documents")(documents)
    app.command("show")(show)
    app.command("remove")(remove)
