"""Library tab: upload (background ingest with progress), list with status, clause tree, delete.

Uploads go through the API's ``IngestJobs`` (one ingest thread for API and UI alike), after
the same content check the API applies; only editors may upload or delete when keys exist.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from policyqa.errors import AccessDeniedError, NotFoundError, PolicyQAError
from policyqa.records import DocumentInfo, Section
from ui.api.auth import Principal
from ui.api.jobs import IngestJobs, JobRecord
from ui.api.uploads import check_content, safe_filename
from ui.web.context import UiContext
from ui.web.filters import FilterBar, build_filter_bar, make_filter
from ui.web.html import FileLink, access_label, doc_type_label, empty_note, esc, file_url

LIST_HEADERS = ["标题", "文种", "日期", "状态", "访问级别", "发文机关", "文号", "页数", "条块数", "文件名"]
STATUS_LABELS = {"queued": "排队中", "ingesting": "解析中", "indexing": "建立索引", "ready": "已入库", "failed": "失败"}
UPLOAD_WAIT_S = 600  # the progress bar gives up waiting (the job itself continues)


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
        except AccessDeniedError as exc:
            raise gr.Error(f"该密钥不能上传访问级别为「{exc.requested}」的文档。") from None
        limit = self.ctx.workspace.settings.max_file_mb * 1024 * 1024
        lines, queued = [], []
        for raw in paths:
            path = Path(raw)
            name = safe_filename(path.name)
            if path.stat().st_size > limit:
                lines.append(f"{name}：超过 {limit // (1024 * 1024)} MB 的大小限制，未上传")
                continue
            try:
                check_content(path, name)
            except PolicyQAError as error:
                lines.append(f"{name}：不支持的文件内容（{error}）")
                continue
            # The job owns (and deletes) the file it is given; Gradio keeps its own copy.
            handle, temp = tempfile.mkstemp(prefix="pq-upload-")
            with open(handle, "wb") as out, open(path, "rb") as src:
                shutil.copyfileobj(src, out)
            queued.append(self.jobs.submit(Path(temp), name, access))
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

    def delete(self, doc_id: str) -> str:
        info = self.ctx.workspace.store.get_document(doc_id)
        self.ctx.workspace.ingestor.remove(doc_id)
        self.ctx.workspace.sync_index()
        return f"已删除：{info.title or info.source}"


@dataclass(frozen=True)
class LibraryTab:
    """What the page-level events refresh: the filters, the table and the document picker."""

    filters: FilterBar
    table: gr.Dataframe
    picker: gr.Dropdown
    refresh: Callable[..., tuple]


def build_library_tab(ctx: UiContext, api_key: gr.Textbox, jobs: IngestJobs) -> LibraryTab:
    """Lay out the library tab and wire it."""
    library = Library(ctx, jobs)
    filters = build_filter_bar()
    table = gr.Dataframe(headers=LIST_HEADERS, value=[], interactive=False, wrap=True,
                         label="文档列表", elem_id="pq-library-table")
    refresh = gr.Button("刷新列表", min_width=100)
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=300):
            picker = gr.Dropdown(choices=[], label="选择文档查看章节结构", elem_id="pq-doc-picker")
            tree = gr.HTML(empty_note("选择一个文档以查看其元数据与章节结构。"), elem_id="pq-tree")
        with gr.Column(scale=2, min_width=280):
            files = gr.File(label="上传文档（PDF / DOCX / TXT / 扫描件）", file_count="multiple",
                            file_types=[".pdf", ".docx", ".txt", ".md", ".html", ".htm"], elem_id="pq-upload")
            access = gr.Dropdown(choices=[("公开", "public"), ("内部", "internal")], value="public",
                                 allow_custom_value=True, label="访问级别")
            upload = gr.Button("上传并入库", variant="primary", min_width=100)
            upload_log = gr.Textbox(label="上传结果", interactive=False, lines=3)
            delete = gr.Button("删除所选文档", variant="stop", min_width=100)
            delete_log = gr.Markdown("")

    def refresh_all(key, doc_types, year, issuers, request: gr.Request):
        principal = ctx.gate.principal(key, request)
        docs = ctx.visible_documents(principal)
        return (library.rows(principal, doc_types, year, issuers),
                gr.update(choices=[(d.title or d.source, d.doc_id) for d in docs]))

    def show(doc_id, key, request: gr.Request):
        if not doc_id:
            return empty_note("选择一个文档以查看其元数据与章节结构。")
        principal = ctx.gate.principal(key, request)
        try:
            info = ctx.workspace.store.get_document(doc_id)
        except NotFoundError:
            return empty_note("该文档不存在或已被删除。")
        if not principal.may_see(info):
            return empty_note("该文档不存在或已被删除。")
        return render_section_tree(info, ctx.workspace.store.document_sections(doc_id), ctx.file_link(principal))

    def do_upload(paths, level, key, request: gr.Request, progress=gr.Progress()):
        principal = ctx.gate.editor(key, request)
        if not paths:
            raise gr.Error("请先选择要上传的文件。")
        return "\n".join(library.upload(principal, paths, level, progress)), None

    def do_delete(doc_id, key, request: gr.Request):
        principal = ctx.gate.editor(key, request)
        if not doc_id:
            raise gr.Error("请先在上方选择要删除的文档。")
        try:
            info = ctx.workspace.store.get_document(doc_id)
        except NotFoundError:
            return "该文档不存在或已被删除。", None
        if not principal.may_see(info):
            return "该文档不存在或已被删除。", None
        return library.delete(doc_id), None

    listing = [api_key, *filters.inputs]
    refresh.click(refresh_all, listing, [table, picker])
    for widget in filters.inputs:
        widget.change(refresh_all, listing, [table, picker])
    picker.change(show, [picker, api_key], tree)
    upload.click(do_upload, [files, access, api_key], [upload_log, files], concurrency_limit=1).then(
        refresh_all, listing, [table, picker])
    delete.click(do_delete, [picker, api_key], [delete_log, picker], concurrency_limit=1).then(
        refresh_all, listing, [table, picker])
    return LibraryTab(filters, table, picker, refresh_all)
