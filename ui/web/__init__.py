"""The Gradio UI for drafters, evaluators and librarians, mounted by the API at ``/ui``.

``build_ui(workspace)`` lays out four tabs (问答, 先例检索, 陈述核查, 文档库) over the shared
workspace. Nothing is loaded when the UI is built: the first question loads the index.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import gradio as gr

from ui.web.access import KeyGate, identity_note
from ui.web.chat import build_chat_tab
from ui.web.claims import build_claims_tab
from ui.web.context import UiContext
from ui.web.filters import FilterBar, filter_updates
from ui.web.library import build_library_tab
from ui.web.precedents import build_precedents_tab

ASSETS = Path(__file__).parent / "assets"
OPEN_MODE_NOTE = "本地开放模式：未配置 API 密钥，所有人可查看与修改全部文档。"
# Gradio's temporary uploads: removed an hour after upload (checked every ten minutes), and
# all of them when the server restarts. The library deletes its own at once after queuing.
UPLOAD_CACHE_SWEEP = (600, 3600)


def ui_assets() -> tuple[str, str]:
    """The UI's stylesheet and its citation-panel script."""
    return (ASSETS / "style.css").read_text(encoding="utf-8"), (ASSETS / "cite.js").read_text(encoding="utf-8")


def build_ui(workspace: Any, jobs: Any | None = None, gate: KeyGate | None = None) -> gr.Blocks:
    """The Gradio app over ``workspace``.

    ``jobs`` is the API's ``IngestJobs`` so uploads from the UI and the API share one ingest
    queue and one status list; without it (UI served alone) the UI keeps its own queue.
    ``gate`` applies the API's access policy; without it, one over the data dir's keys.
    """
    from ui.api.jobs import IngestJobs

    gate = gate or KeyGate.for_workspace(workspace)
    ctx = UiContext(workspace, gate)
    if jobs is None:
        jobs = IngestJobs(workspace, workspace.settings.data_dir / "uploads")
    css, script = ui_assets()
    with gr.Blocks(title="政策文件问答", fill_width=True, delete_cache=UPLOAD_CACHE_SWEEP) as blocks:
        # Styles and the marker script travel inside the page itself, so they apply however
        # the app is mounted (gr.mount_gradio_app resets app-level css/js).
        gr.HTML(f"<style>{css}</style>", js_on_load=script, elem_id="pq-assets", padding=False)
        with gr.Row(elem_classes="pq-header"):
            with gr.Column(scale=3, min_width=260):
                gr.Markdown("# 政策文件智能问答\n答复均引用原文条款；可检索既往答复、核查陈述、管理文档库。")
                mode = gr.Markdown("", elem_classes="pq-mode", elem_id="pq-identity")
        bars: list[FilterBar] = []
        with gr.Tabs():
            with gr.Tab("问答", id="chat"):
                bars.append(build_chat_tab(ctx))
            with gr.Tab("先例检索", id="precedents"):
                bars.append(build_precedents_tab(ctx))
            with gr.Tab("陈述核查", id="claims"):
                bars.append(build_claims_tab(ctx))
            with gr.Tab("文档库", id="library"):
                library = build_library_tab(ctx, jobs)
                bars.append(library.filters)

        choice_outputs = [widget for bar in bars for widget in (bar.year, bar.issuers)]

        def personalise(request: gr.Request):
            """Identity note, filter choices, library list and editor controls for whoever is looking."""
            try:
                principal = gate.principal(request)
            except gr.Error:
                empty = [gr.update(choices=[])] * len(choice_outputs)
                return "请重新登录。", *empty, [], gr.update(choices=[]), *library.permit(None)
            note = identity_note(principal) if gate.keys_required() else OPEN_MODE_NOTE
            years, issuers = filter_updates(ctx.visible_documents(principal))
            table, picker = library.refresh((), None, (), request)
            return note, *[years, issuers] * len(bars), table, picker, *library.permit(principal)

        outputs = [mode, *choice_outputs, library.table, library.picker, *library.controls]
        blocks.load(personalise, None, outputs)
    return blocks


def mount_ui(app: Any, workspace: Any, path: str = "/ui", jobs: Any | None = None, policy: Any | None = None) -> Any:
    """Mount the UI on a FastAPI ``app`` at ``path`` (what ``create_app`` calls), locked down:

    - file inputs take uploaded bytes only: Gradio checks a payload's file paths against its
      upload folder only once the app counts as launched, which a mounted app never does by
      itself, so a path like ``/dev/zero`` or ``data/keys.sqlite3`` was copied and hashed;
    - uploads are capped at ``max_file_mb`` and land under ``<data_dir>/uploads/.gradio``
      (mode 0700 with the data dir, swept by ``UPLOAD_CACHE_SWEEP``), not in a shared /tmp;
    - errors that are not the UI's own messages are not shown (no paths, no internals);
    - the 登录 page (``ui.web.login``) is routed before the Gradio app.
    """
    from ui.web.login import router as login_router

    settings = workspace.settings
    os.environ.setdefault("GRADIO_TEMP_DIR", str(Path(settings.data_dir).resolve() / "uploads" / ".gradio"))
    gate = KeyGate(policy) if policy is not None else None
    app.include_router(login_router)
    blocks = build_ui(workspace, jobs, gate)
    gr.mount_gradio_app(app, blocks, path=path, footer_links=[], show_error=False,
                        max_file_size=settings.max_file_mb * 1024 * 1024)
    blocks.has_launched = True  # enables Gradio's own path allow-list (see above)
    return app


__all__ = ["build_ui", "mount_ui", "ui_assets"]
