"""The library: upload (background ingest), list, show with clause tree, original file, delete,
and (admins) a document's access level."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import FileResponse, RedirectResponse

from ingest.lock import ingest_lock
from policyqa.errors import AccessDeniedError, NotFoundError
from ui.api.auth import Principal
from ui.api.deps import ServiceState, get_file_principal, get_principal, get_state, require
from ui.api.links import file_path
from ui.api.schemas import AccessChange, ChunkOut, DocumentDetail, DocumentList, DocumentOut, SectionOut, UploadJob
from ui.api.uploads import check_content, receive_upload

router = APIRouter(prefix="/api/documents", tags=["documents"])

_MB = 1024 * 1024


def signed_file_url(state: ServiceState, principal: Principal, doc_id: str) -> str:
    """The file address for ``principal``: signed when the service has keys, since a browser
    opening it sends none; plain in open mode, where nothing is checked."""
    return file_path(doc_id, state.workspace.file_links.query_for(doc_id, principal))


@router.post(
    "", status_code=202, response_model=UploadJob,
    summary="Upload a document (multipart field `file`, optional `access`); ingest runs in the background",
    description="The size limit is enforced on the bytes received (413); the type is checked from the content "
                "(415). Poll `GET /api/documents/uploads/{upload_id}` or the list for the status.",
)
async def upload(
    request: Request, state: ServiceState = Depends(get_state), principal: Principal = Depends(require("editor")),
) -> UploadJob:
    limit = state.settings.max_file_mb * _MB
    received = await receive_upload(
        request.headers.get("content-type"), request.headers.get("content-length"), request.stream(), limit,
        state.jobs.incoming_dir,
    )
    try:
        check_content(received.path, received.filename)
        access = principal.upload_access(received.fields.get("access"))
        job = state.jobs.submit(received.path, received.filename, access)  # journalled: survives a crash
    except AccessDeniedError as exc:
        received.path.unlink(missing_ok=True)
        raise HTTPException(403, str(exc)) from None
    except BaseException:
        received.path.unlink(missing_ok=True)
        raise
    state.audit.record(principal.key_id, "upload", received.filename, status=202)
    return job.to_model()


@router.get("/uploads/{upload_id}", response_model=UploadJob, summary="Status of one upload's ingest")
async def upload_status(
    upload_id: str, state: ServiceState = Depends(get_state), principal: Principal = Depends(get_principal),
) -> UploadJob:
    job = state.jobs.get(upload_id)
    if job is None or not (principal.access is None or job.access in principal.access):
        raise NotFoundError(f"no upload {upload_id}")
    return job.to_model()


@router.get("", response_model=DocumentList, summary="Documents the key may see, with metadata and ingest status")
async def list_documents(
    state: ServiceState = Depends(get_state), principal: Principal = Depends(get_principal),
) -> DocumentList:
    documents = [DocumentOut.of(info) for info in state.workspace.store.list_documents() if principal.may_see(info)]
    uploads = [
        job.to_model() for job in state.jobs.list()
        if job.status != "ready" and (principal.access is None or job.access in principal.access)
    ]
    state.audit.record(principal.key_id, "list", None, [d.doc_id for d in documents])
    return DocumentList(documents=documents, uploads=uploads)


@router.get("/{doc_id}", response_model=DocumentDetail, summary="One document: metadata, text, clause tree, chunks")
async def get_document(
    doc_id: str, state: ServiceState = Depends(get_state), principal: Principal = Depends(get_principal),
) -> DocumentDetail:
    info = state.visible_document(principal, doc_id)
    store = state.workspace.store
    chunks = list(store.iter_chunks([doc_id]))
    state.audit.record(principal.key_id, "show", doc_id, [doc_id])
    return DocumentDetail(
        doc_id=info.doc_id, source=info.source, content_hash=info.content_hash, title=info.title,
        doc_number=info.doc_number, issuer=info.issuer, addressee=info.addressee, date=info.date,
        doc_type=info.doc_type, proposal_number=info.proposal_number, cites=list(info.cites), pages=info.pages,
        ocr=info.ocr, access=info.access, text=store.document_text(doc_id),
        sections=[SectionOut.of(s) for s in store.document_sections(doc_id)],
        chunks=[ChunkOut(chunk_id=c.chunk_id, section=c.section_path, pages=list(c.pages), start=c.start,
                         end=c.end, text=c.text) for c in chunks],
        file_url=signed_file_url(state, principal, doc_id),
    )


@router.get(
    "/{doc_id}/file", response_class=FileResponse,
    summary="The original file as ingested; `?page=N` redirects to `…/file#page=N` (PDF viewers open that page)",
    description="Authorised by the API key headers or by the signed link (`kid`, `exp`, `sig`) that "
                "`GET /api/documents/{doc_id}` returns as `file_url`, so a browser can open it.",
)
async def get_file(
    doc_id: str, request: Request, page: int | None = None, state: ServiceState = Depends(get_state),
    principal: Principal = Depends(get_file_principal),
) -> Response:
    info = state.visible_document(principal, doc_id)
    if page is not None:
        # The rest of the query (a signed link's kid/exp/sig) goes along, or the target would be refused.
        kept = [(k, v) for k, v in request.query_params.multi_items() if k != "page"]
        return RedirectResponse(f"{file_path(doc_id, kept)}#page={max(page, 1)}", status_code=307)
    path = _original_path(state, info.doc_id, info.source, info.path)
    state.audit.record(principal.key_id, "file", doc_id, [doc_id])
    # inline: a browser opens the PDF (and honours #page=N) instead of downloading it.
    headers = {"X-Content-Type-Options": "nosniff"}
    if path.suffix.lower() != ".pdf":
        # An uploaded HTML page (or anything a browser might render) must not run its scripts
        # as this origin: the CSP sandbox gives it an opaque origin without script. PDFs are
        # spared because Chromium's viewer refuses to open inside a sandboxed document.
        headers["Content-Security-Policy"] = "sandbox"
    return FileResponse(path, filename=info.source, content_disposition_type="inline", headers=headers)


def _original_path(state: ServiceState, doc_id: str, source: str, ingested_from: str) -> Path:
    kept = state.settings.data_dir / "files" / doc_id / source
    if kept.is_file():
        return kept
    # Documents ingested without a kept copy (older stores): serve the ingested path if it is still there.
    if Path(ingested_from).is_file():
        return Path(ingested_from)
    raise NotFoundError(f"the original file of {quote(source)} is no longer available")


@router.delete("/{doc_id}", status_code=204, summary="Delete a document and its chunks from the store and indexes")
async def delete_document(
    doc_id: str, state: ServiceState = Depends(get_state), principal: Principal = Depends(require("editor")),
) -> Response:
    state.visible_document(principal, doc_id)
    await state.pool.run(_remove_and_sync, state, doc_id)
    state.audit.record(principal.key_id, "delete", doc_id, [doc_id], status=204)
    return Response(status_code=204)


def _remove_and_sync(state: ServiceState, doc_id: str) -> None:
    # Fails fast (409) rather than holding a request worker while another ingest runs.
    with ingest_lock(state.settings.data_dir):
        state.workspace.ingestor.remove(doc_id)
        state.workspace.sync_index()


@router.patch("/{doc_id}", response_model=DocumentOut,
              summary="Change a document's access level (admins); the index filters follow at once")
async def change_access(
    doc_id: str, body: AccessChange, state: ServiceState = Depends(get_state),
    principal: Principal = Depends(require("admin")),
) -> DocumentOut:
    before = state.visible_document(principal, doc_id)
    await state.pool.run(_set_access, state, doc_id, body.access)
    state.audit.record(principal.key_id, "access", f"{before.access} -> {body.access}", [doc_id])
    return DocumentOut.of(state.workspace.store.get_document(doc_id))


def _set_access(state: ServiceState, doc_id: str, access: str) -> None:
    with ingest_lock(state.settings.data_dir):
        state.workspace.set_access(doc_id, access)
