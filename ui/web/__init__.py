"""The Gradio UI for drafters, evaluators and librarians, mounted by the API at ``/ui``.

``build_ui(workspace)`` lays out four tabs (问答, 先例检索, 陈述核查, 文档库) over the shared
workspace. Nothing is loaded when the UI is built: the first question loads the index.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr

from ui.web.access import KeyGate
from ui.web.chat import build_chat_tab
from ui.web.claims import build_claims_tab
from ui.web.context import UiContext
from ui.web.filters import FilterBar, filter_updates
from ui.web.library import build_library_tab
from ui.web.precedents import build_precedents_tab

ASSETS = Path(__file__).parent / "assets"
OPEN_MODE_NOTE = "本地开放模式：未配置 API 密钥，所有人可查看与修改全部文档。"
KEYED_MODE_NOTE = "已启用访问控制：请填写 API 密钥，只显示该密钥有权查看的文档。"


def ui_assets() -> tuple[str, str]:
    """The UI's stylesheet and its citation-panel script."""
    return (ASSETS / "style.css").read_text(encoding="utf-8"), (ASSETS / "cite.js").read_text(encoding="utf-8")


def build_ui(workspace: Any, jobs: Any | None = None) -> gr.Blocks:
    """The Gradio app over ``workspace``.

    ``jobs`` is the API's ``IngestJobs`` so uploads from the UI and the API share one ingest
    queue and one status list; without it (UI served alone) the UI keeps its own queue.
    """
    from ui.api.jobs import IngestJobs

    gate = KeyGate.for_data_dir(workspace.settings.data_dir)
    ctx = UiContext(workspace, gate)
    if jobs is None:
        jobs = IngestJobs(workspace, workspace.settings.data_dir / "uploads")
    css, script = ui_assets()
    with gr.Blocks(title="政策文件问答", fill_width=True) as blocks:
        # Styles and the marker script travel inside the page itself, so they apply however
        # the app is mounted (gr.mount_gradio_app resets app-level css/js).
        gr.HTML(f"<style>{css}</style>", js_on_load=script, elem_id="pq-assets", padding=False)
        with gr.Row(elem_classes="pq-header"):
            with gr.Column(scale=3, min_width=260):
                gr.Markdown("# 政策文件智能问答\n答复均引用原文条款；可检索既往答复、核查陈述、管理文档库。")
                mode = gr.Markdown("", elem_classes="pq-mode")
            with gr.Column(scale=2, min_width=240):
                api_key = gr.Textbox(label="API 密钥", type="password", placeholder="pqa_…", visible=False,
                                     elem_id="pq-api-key")
        bars: list[FilterBar] = []
        with gr.Tabs():
            with gr.Tab("问答", id="chat"):
                bars.append(build_chat_tab(ctx, api_key))
            with gr.Tab("先例检索", id="precedents"):
                bars.append(build_precedents_tab(ctx, api_key))
            with gr.Tab("陈述核查", id="claims"):
                bars.append(build_claims_tab(ctx, api_key))
            with gr.Tab("文档库", id="library"):
                library = build_library_tab(ctx, api_key, jobs)
                bars.append(library.filters)

        choice_outputs = [widget for bar in bars for widget in (bar.year, bar.issuers)]

        def personalise(key: str, request: gr.Request):
            """Key field, mode note, filter choices, library list and editor controls for whoever is looking."""
            required = gate.keys_required()
            header = [gr.update(visible=required), KEYED_MODE_NOTE if required else OPEN_MODE_NOTE]
            try:
                principal = gate.principal(key, request)
            except gr.Error:
                empty = [gr.update(choices=[])] * len(choice_outputs)
                return *header, *empty, [], gr.update(choices=[]), *library.permit(None)
            years, issuers = filter_updates(ctx.visible_documents(principal))
            table, picker = library.refresh(key, (), None, (), request)
            return *header, *[years, issuers] * len(bars), table, picker, *library.permit(principal)

        outputs = [api_key, mode, *choice_outputs, library.table, library.picker, *library.controls]
        blocks.load(personalise, [api_key], outputs)
        api_key.submit(personalise, [api_key], outputs)
        api_key.blur(personalise, [api_key], outputs)
    return blocks


def mount_ui(app: Any, workspace: Any, path: str = "/ui", jobs: Any | None = None) -> Any:
    """Mount the UI on a FastAPI ``app`` at ``path`` (what ``create_app`` calls)."""
    return gr.mount_gradio_app(app, build_ui(workspace, jobs), path=path, footer_links=[])


__all__ = ["build_ui", "mount_ui", "ui_assets"]
