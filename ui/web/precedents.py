"""Precedents tab: a pasted draft proposal → ranked past replies with their commitments."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import gradio as gr

from policyqa.errors import InvalidQueryError, PolicyQAError
from ui.api.scoping import scoped
from ui.web.access import restrict
from ui.web.context import UiContext
from ui.web.filters import FilterBar, build_filter_bar, make_filter
from ui.web.html import FileLink, citation_heading, doc_type_label, empty_note, esc, file_url

DEFAULT_K = 5


def render_precedents(precedents: Sequence[Any], file_link: FileLink = file_url, no_precedent: bool = False) -> str:
    """Cards, best first: title (linked by ``file_link``), proposal number, type, relevance in
    words, clauses, commitments; "未找到相近的先例" above them when none is a close precedent.

    ``precedents`` are ``qa.precedents.Precedent`` records (``doc``, ``relevance_label``,
    ``clauses``, ``commitments`` and, for a reply letter, ``link`` to the proposal it answers).
    """
    if not precedents:
        return empty_note("没有找到相关的既往答复或文件。")
    cards = "".join(_card(i, p, file_link) for i, p in enumerate(precedents, 1))
    notice = (empty_note("未找到相近的先例：没有文件覆盖草稿的主题。以下为最接近的文件，仅供参考。")
              if no_precedent else "")
    return f'{notice}<ol class="pq-precedents">{cards}</ol>'


def _card(rank: int, precedent: Any, file_link: FileLink) -> str:
    doc = precedent.doc
    link = getattr(precedent, "link", None)
    number = getattr(link, "proposal_number", None) or doc.proposal_number
    facts = [f"类型：{doc_type_label(doc.doc_type)}"]
    if number:
        facts.append(f"建议/提案编号：{number}")
    if doc.doc_number:
        facts.append(f"文号：{doc.doc_number}")
    if doc.date:
        facts.append(f"日期：{doc.date}")
    if link is not None and getattr(link, "session", None):
        facts.append(f"会议：{link.session}")
    if link is not None and getattr(link, "deputies", ()):
        facts.append(f"{link.role or '代表'}：{'、'.join(link.deputies)}")
    proposal = getattr(link, "proposal_title", None) if link is not None else None
    clauses = "".join(
        f'<li><div class="pq-quote">{esc(c.quote)}</div><div class="pq-origin">{citation_heading(c)}</div></li>'
        for c in precedent.clauses
    )
    commitments = "".join(f"<li>{esc(c)}</li>" for c in precedent.commitments)
    return (
        f'<li class="pq-precedent"><div class="pq-precedent-head">'
        f'<span class="pq-rank">{rank}</span>'
        f'<a class="pq-doc-link" href="{file_link(doc.doc_id)}" target="_blank" rel="noopener">'
        f"{esc(doc.title or doc.source)}</a>"
        f'<span class="pq-score">相关度：{esc(getattr(precedent, "relevance_label", "低"))}</span></div>'
        f'<div class="pq-facts">{" ｜ ".join(esc(f) for f in facts)}</div>'
        + (f'<div class="pq-proposal">所答复的建议：{esc(proposal)}</div>' if proposal else "")
        + (f'<details open><summary>相关条款</summary><ul class="pq-clauses">{clauses}</ul></details>' if clauses else "")
        + (f'<div class="pq-commitments"><h5>答复中的承诺事项</h5><ul>{commitments}</ul></div>' if commitments else "")
        + "</li>"
    )


def build_precedents_tab(ctx: UiContext) -> FilterBar:
    """Lay out the precedents tab and wire it; returns its filter bar."""
    draft = gr.Textbox(label="建议/提案草稿", lines=6, elem_id="pq-draft",
                       placeholder="粘贴拟提交的建议或提案草稿（100–2000 字），查找已答复过的同类建议及相关文件。")
    with gr.Row():
        k = gr.Slider(1, 10, value=DEFAULT_K, step=1, label="返回条数", min_width=160)
        run = gr.Button("查找先例", variant="primary", elem_id="pq-precedents-run", min_width=120)
    filters = build_filter_bar()
    result = gr.HTML(empty_note("相关的既往答复将按相关度排列在此。"), elem_id="pq-precedents-result")

    def find(text: str, limit: float, doc_types, year, issuers, request: gr.Request) -> str:
        principal = ctx.gate.principal(request)
        wanted = restrict(principal, make_filter(doc_types, year, issuers))
        try:
            result = scoped(ctx.workspace.precedents, wanted).search(text, k=int(limit))
        except InvalidQueryError as error:
            return empty_note(f"无法检索：{error}")
        except PolicyQAError as error:
            raise gr.Error(f"服务暂时无法检索：{error}") from error
        return render_precedents(result.precedents, ctx.file_link(principal), result.no_precedent)

    run.click(find, [draft, k, *filters.inputs], result, concurrency_limit=2)
    return filters
