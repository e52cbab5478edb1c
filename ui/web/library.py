"""Library tab: upload (background ingest with progress), list with status, clause tree, delete.

Uploads go through the API's ``IngestJobs`` (one ingest thread for API and UI alike), after
the same content check the API applies; only editors may upload or delete when keys exist
(other keys see the buttons disabled, and the handlers refuse them anyway). Only files that
reached the server through Gradio's upload route are taken, never a server path named in a
payload; the temporary copy is deleted once queued. A delete takes two clicks: the first
names the document in a warning with a 确认删除 button, the second removes it under the same
ingest lock the API's delete takes; the pending confirmation belongs to the key that asked.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import gradio as gr
from gradio.utils import get_upload_folder

from ingest.lock import ingest_lock
from policyqa.errors import AccessDeniedError, IndexBusyError, InvalidAccessLevelError, NotFoundError, PolicyQAError
from policyqa.records import DocumentInfo, Section
from policyqa.storage import storage_errors
from ui.api.auth import Principal
from ui.api.jobs import IngestJobs, JobRecord
from ui.api.uploads import check_content, safe_filename
from ui.web.access import owned, owned_value
from ui.web.context import UiContext
from ui.web.filters import FilterBar, build_filter_bar, make_filter
from ui.web.html import FileLink, access_label, doc_type_label, empty_note, esc, file_url

LIST_HEADERS = ["标题", "文种", "日期", "状态", "访问级别", "发文机关", "文号", "页数", "条块数", "文件名"]
STATUS_LABELS = {"queued": "排队中", "ingesting": "解析中", "indexing": "建立索引", "ready": "已入库", "failed": "失败"}
UPLOAD_WAIT_S = 600  # the progress bar gives up waiting (the job itself continues)
# A delete waits this long for a running ingest (an upload's or `policyqa ingest`'s) to let go
# of the data dir, then tells the user to retry: holding a UI worker for minutes helps nobody.
DELETE_LOCK_WAIT_S = 3.0
EDITORS_ONLY = "只有编辑或管理员角色的密钥可以上传或删除文档。"
BUSY_NOTE = "正在入库，请稍后再删除（其他上传或命令行入库完成后，再点「确认删除」）。"
GONE_NOTE = "该文档不存在或已被删除。"


def document_rows(documents: Sequence[DocumentInfo], jobs: Sequence[JobRecord] = ()) -> list[list]:
    """Table rows: stored documents (status 已入库, OCR noted) then uploads still in progress or failed."""
    rows = [
        [d.title or "", doc_type_label(d.doc_type), d.date or "", "已入库（OCR）" if d.ocr else "已入库",
         access_label(d.access), d.issuer or "", d.doc_number or "", d.pages, d.chunks, d.source]
        for d in documents
    ]
    for job in jobs:
        if job.status != "ready":
            status = STATUS_LABELS.get(job.status, job.status)
            if job.error:
                status += f"：{job.error}"
            rows.append(["", "", "", status, access_label(job.access), "", "", "", "", job.source])
    return rows


def render_section_tree(info: DocumentInfo, sections: Sequence[Section], file_link: FileLink = file_url) -> str:
    """A document's metadata, a link (made by ``file_link``) to its file and its clause tree as foldable lists."""
    facts = [("标题", info.title), ("文号", info.doc_number), ("发文机关", info.issuer), ("主送", info.addressee),
             ("日期", info.date), ("文种", doc_type_label(info.doc_type)), ("建议编号", info.proposal_number),
             ("访问级别", access_label(info.access))]
    meta = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in facts if v)
    tree = _tree(sections) if sections else empty_note("未识别出章节结构。")
    return (
        f'<div class="pq-doc"><dl class="pq-meta">{meta}</dl>'
        f'<p><a href="{file_link(info.doc_id)}" target="_blank" rel="noopener">查看原文件</a></p>'
        f'<h4>章节结构</h4>{tree}</div>'
    )


def _tree(sections: Sequence[Section], depth: int = 0) -> str:
    items = []
    for s in sections:
        if s.children:
            # Long plans have hundreds of clauses: branches fold, the first level shows.
            items.append(f"<li><details><summary>{esc(s.title)}</summary>{_tree(s.children, depth + 1)}</details></li>")
        else:
            items.append(f"<li>{esc(s.title)}</li>")
    return f'<ul class="pq-tree">{"".join(items)}</ul>'


class Library:
    """The library's actions for one principal at a time."""

    def __init__(self, ctx: UiContext, jobs: IngestJobs):
        self.ctx = ctx
        self.jobs = jobs

    def visible_jobs(self, principal: Principal) -> list[JobRecord]:
        return [j for j in self.jobs.list() if principal.access is None or j.access in principal.access]

    def rows(self, principal: Principal, doc_types=(), year=None, issuers=()) -> list[list]:
        wanted = make_filter(doc_types, year, issuers)
        docs = [d for d in self.ctx.visible_documents(principal) if wanted.allows(d)]
        return document_rows(docs, self.visible_jobs(principal))

    def upload(self, principal: Principal, paths: Sequence[str], access: str, progress: gr.Progress) -> list[str]:
        """Check and queue each file, then follow the jobs; returns one Chinese line per file."""
        try:
            access = principal.upload_access(access)
        except InvalidAccessLevelError:
            raise gr.Error("访问级别无效：只能由小写字母、数字、- 或 _ 组成。") from None
        except AccessDeniedError as exc:
            raise gr.Error(f"该密钥不能上传访问级别为「{exc.requested}」的文档。") from None
        limit = self.ctx.workspace.settings.max_file_mb * 1024 * 1024
        lines, queued = [], []
        for raw in paths:
            path = Path(raw)
            name = safe_filename(path.name)
            if not uploaded_through_gradio(path):
                lines.append(f"{name}：不是通过本页面上传的文件，未入库")
                continue
            if path.stat().st_size > limit:
                lines.append(f"{name}：超过 {limit // (1024 * 1024)} MB 的大小限制，未上传")
                continue
            try:
                check_content(path, name)
            except PolicyQAError as error:
                lines.append(f"{name}：不支持的文件内容（{error}）")
                continue
            try:
                queued.append(self._queue(path, name, access))
            except PolicyQAError as error:  # a full or read-only data dir: said, not a stack trace
                lines.append(f"{name}：未能入库（{error}）")
        deadline = time.monotonic() + UPLOAD_WAIT_S
        while queued and time.monotonic() < deadline:
            states = [self.jobs.get(j.upload_id) or j for j in queued]
            done = sum(s.status in ("ready", "failed") for s in states)
            current = next((s for s in states if s.status not in ("ready", "failed")), None)
            desc = f"{current.source}：{STATUS_LABELS.get(current.status, current.status)}" if current else "完成"
            progress(done / len(states), desc=desc)
            if current is None:
                break
            time.sleep(0.5)
        for job in queued:
            state = self.jobs.get(job.upload_id) or job
            status = STATUS_LABELS.get(state.status, state.status)
            lines.append(f"{state.source}：{status}" + (f"（{state.error}）" if state.error else ""))
        return lines

    def _queue(self, path: Path, name: str, access: str) -> JobRecord:
        """Copy Gradio's upload into the jobs' incoming folder and queue it; the job owns (and
        deletes) its copy, Gradio's goes at once."""
        temp = None
        try:
            with storage_errors("接收上传文件"):
                self.jobs.incoming_dir.mkdir(parents=True, exist_ok=True)
                handle, temp = tempfile.mkstemp(prefix="upload-", dir=self.jobs.incoming_dir)
                with open(handle, "wb") as out, open(path, "rb") as src:
                    shutil.copyfileobj(src, out)
            job = self.jobs.submit(Path(temp), name, access)
        except BaseException:
            if temp is not None:
                Path(temp).unlink(missing_ok=True)
            raise
        finally:
            discard_upload(path)
        return job

    def visible_document(self, principal: Principal, doc_id: str | None) -> DocumentInfo | None:
        """The stored document ``doc_id`` when ``principal`` may see it, else None (never say which)."""
        if not doc_id:
            return None
        try:
            info = self.ctx.workspace.store.get_document(doc_id)
        except NotFoundError:
            return None
        return info if principal.may_see(info) else None

    def delete(self, doc_id: str) -> DocumentInfo:
        """Remove a document and sync the index under the ingest lock, as ``DELETE /api/documents``
        does, so it never interleaves with an upload's or the CLI's ingest.

        ``IndexBusyError`` when an ingest keeps the lock for ``DELETE_LOCK_WAIT_S``.
        """
        workspace = self.ctx.workspace
        with ingest_lock(workspace.settings.data_dir, wait_s=DELETE_LOCK_WAIT_S):
            info = workspace.ingestor.remove(doc_id)
            workspace.sync_index()
        return info


def uploaded_through_gradio(path: Path) -> bool:
    """True for a regular file (not a link) inside Gradio's upload folder: the only files a
    library upload takes. Gradio checks this too; a payload naming ``/etc/…`` or the data
    dir's own kept originals must never be read, whatever Gradio's settings."""
    try:
        folder = Path(get_upload_folder()).resolve()
        return path.resolve().is_relative_to(folder) and not path.is_symlink() and path.is_file()
    except OSError:
        return False


def discard_upload(path: Path) -> None:
    """Delete Gradio's temporary copy of an upload (and its folder, once empty)."""
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)
        path.parent.rmdir()


@dataclass(frozen=True)
class LibraryTab:
    """What the page-level events refresh: the filters, the table, the document picker and the
    editor-only controls (``permit(principal)`` gives the updates for ``controls``)."""

    filters: FilterBar
    table: gr.Dataframe
    picker: gr.Dropdown
    refresh: Callable[..., tuple]
    controls: list[gr.components.Component]
    permit: Callable[[Principal | None], tuple]


def editor_controls(principal: Principal | None) -> tuple[dict, dict, dict, dict]:
    """Updates for the upload button, the delete button, the role note and the admins' access
    panel: enabled for editors and admins; disabled, with the note saying why, for readers and
    callers without a valid key; the access panel shown to admins only."""
    allowed = principal is not None and principal.can("editor")
    admin = principal is not None and principal.can("admin")
    return (gr.update(interactive=allowed), gr.update(interactive=allowed),
            gr.update(value="" if allowed else EDITORS_ONLY, visible=not allowed), gr.update(visible=admin))


def build_library_tab(ctx: UiContext, jobs: IngestJobs) -> LibraryTab:
    """Lay out the library tab and wire it."""
    library = Library(ctx, jobs)
    filters = build_filter_bar()
    table = gr.Dataframe(headers=LIST_HEADERS, value=[], interactive=False, wrap=True,
                         label="文档列表", elem_id="pq-library-table")
    refresh = gr.Button("刷新列表", min_width=100)
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=300):
            # Custom values pass to the handler, which checks visibility: a value outside the
            # choices would otherwise be refused with Gradio's message listing every choice.
            picker = gr.Dropdown(choices=[], label="选择文档查看章节结构", elem_id="pq-doc-picker",
                                 allow_custom_value=True)
            tree = gr.HTML(empty_note("选择一个文档以查看其元数据与章节结构。"), elem_id="pq-tree")
        with gr.Column(scale=2, min_width=280):
            role_note = gr.Markdown("", visible=False, elem_id="pq-library-role")
            files = gr.File(label="上传文档（PDF / DOCX / OFD / TXT / 扫描件）", file_count="multiple",
                            file_types=[".pdf", ".docx", ".ofd", ".txt", ".md", ".html", ".htm"], elem_id="pq-upload")
            access = gr.Dropdown(choices=[("公开", "public"), ("内部", "internal")], value="public",
                                 allow_custom_value=True, label="访问级别")
            upload = gr.Button("上传并入库", variant="primary", min_width=100, elem_id="pq-upload-run")
            upload_log = gr.Textbox(label="上传结果", interactive=False, lines=3, elem_id="pq-upload-log")
            delete = gr.Button("删除所选文档", variant="stop", min_width=100, elem_id="pq-delete")
            # Gradio has no confirm dialog: the first click shows this warning, naming the document.
            with gr.Column(visible=False, variant="panel", elem_id="pq-delete-confirm") as confirm_box:
                confirm_note = gr.Markdown("")
                with gr.Row():
                    confirm = gr.Button("确认删除", variant="stop", min_width=100, elem_id="pq-delete-yes")
                    cancel = gr.Button("取消", min_width=100, elem_id="pq-delete-no")
            delete_log = gr.Markdown("", elem_id="pq-delete-log")
            with gr.Column(visible=False, variant="panel", elem_id="pq-access-panel") as access_panel:
                new_level = gr.Dropdown(choices=[("公开", "public"), ("内部", "internal")], value="internal",
                                        allow_custom_value=True, label="修改所选文档的访问级别（管理员）")
                change = gr.Button("修改访问级别", min_width=100, elem_id="pq-access-change")
                change_log = gr.Markdown("", elem_id="pq-access-log")
    # owned(principal, doc id) the confirmation names; the second click deletes that one
    pending = gr.State(None)

    def refresh_all(doc_types, year, issuers, request: gr.Request):
        principal = ctx.gate.principal(request)
        docs = ctx.visible_documents(principal)
        return (library.rows(principal, doc_types, year, issuers),
                gr.update(choices=[(d.title or d.source, d.doc_id) for d in docs]))

    def show(doc_id, request: gr.Request):
        if not doc_id:
            return empty_note("选择一个文档以查看其元数据与章节结构。")
        principal = ctx.gate.principal(request)
        info = library.visible_document(principal, doc_id)
        if info is None:
            return empty_note(GONE_NOTE)
        return render_section_tree(info, ctx.workspace.store.document_sections(doc_id), ctx.file_link(principal))

    def do_upload(paths, level, request: gr.Request, progress=gr.Progress()):
        principal = ctx.gate.editor(request)
        if not paths:
            raise gr.Error("请先选择要上传的文件。")
        return "\n".join(library.upload(principal, paths, level, progress)), None

    def closed():
        """Values for pending and confirm_box with no confirmation showing."""
        return None, gr.update(visible=False)

    def ask_delete(doc_id, request: gr.Request):
        principal = ctx.gate.editor(request)
        if not doc_id:
            raise gr.Error("请先在上方选择要删除的文档。")
        info = library.visible_document(principal, doc_id)
        if info is None:
            return *closed(), "", GONE_NOTE
        name = esc(info.title or info.source)
        warning = (f"**确认删除《{name}》？**\n\n文件 {esc(info.source)} 及其全部条款将从文档库和检索中移除，"
                   "无法恢复。")
        return owned(principal, doc_id), gr.update(visible=True), warning, ""

    def do_delete(stored, request: gr.Request):
        principal = ctx.gate.editor(request)
        doc_id = owned_value(principal, stored)
        if library.visible_document(principal, doc_id) is None:
            return *closed(), GONE_NOTE, None
        try:
            info = library.delete(doc_id)
        except IndexBusyError:
            # The confirmation stays up, so retrying is one click once the ingest is done.
            return stored, gr.update(visible=True), BUSY_NOTE, gr.update()
        except NotFoundError:  # deleted by someone else while we waited for the lock
            return *closed(), GONE_NOTE, None
        except PolicyQAError as error:  # a full or read-only data dir
            return stored, gr.update(visible=True), f"未能删除：{esc(str(error))}", gr.update()
        return *closed(), f"已删除：{esc(info.title or info.source)}", None

    def change_access(doc_id, level, request: gr.Request):
        principal = ctx.gate.principal(request)
        if not principal.can("admin"):
            raise gr.Error("只有管理员可以修改文档的访问级别。", title="权限不足")
        info = library.visible_document(principal, doc_id)
        if info is None:
            return GONE_NOTE
        try:
            with ingest_lock(ctx.workspace.settings.data_dir, wait_s=DELETE_LOCK_WAIT_S):
                ctx.workspace.set_access(info.doc_id, (level or "").strip())
        except IndexBusyError:
            return BUSY_NOTE
        except PolicyQAError as error:  # an invalid level, a read-only data dir
            return f"未能修改：{esc(str(error))}"
        return f"《{esc(info.title or info.source)}》的访问级别已由「{esc(access_label(info.access))}」改为「{esc(access_label(level))}」"

    listing = filters.inputs
    refresh.click(refresh_all, listing, [table, picker])
    for widget in filters.inputs:
        widget.change(refresh_all, listing, [table, picker])
    picker.change(show, [picker], tree)
    # A confirmation only ever names the document currently picked.
    picker.change(closed, None, [pending, confirm_box])
    upload.click(do_upload, [files, access], [upload_log, files], concurrency_limit=1).then(
        refresh_all, listing, [table, picker])
    delete.click(ask_delete, [picker], [pending, confirm_box, confirm_note, delete_log])
    cancel.click(lambda: (*closed(), ""), None, [pending, confirm_box, delete_log])
    confirm.click(do_delete, [pending], [pending, confirm_box, delete_log, picker],
                  concurrency_limit=1).then(refresh_all, listing, [table, picker])
    change.click(change_access, [picker, new_level], change_log, concurrency_limit=1).then(
        refresh_all, listing, [table, picker])
    return LibraryTab(filters, table, picker, refresh_all, [upload, delete, role_note, access_panel], editor_controls)
