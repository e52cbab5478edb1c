"""Claim check tab: a pasted paragraph checked claim by claim, verdicts coloured.

The differences a verdict names (a number, a year, a body ...) are marked in both the
claim and the evidence, so an evaluator sees at a glance what does not match.
"""

from __future__ import annotations

from collections.abc import Sequence

import gradio as gr

from policyqa.errors import InvalidQueryError, PolicyQAError
from policyqa.records import Verdict
from ui.api.scoping import scoped
from ui.web.access import restrict
from ui.web.context import UiContext
from ui.web.filters import FilterBar, build_filter_bar, make_filter
from ui.web.html import FileLink, citation_heading, empty_note, esc, file_url, mark_terms

VERDICT_LABELS = {"supported": "有依据", "contradicted": "与原文不符", "not_found": "未找到依据"}
DIFFERENCE_LABELS = {
    "number": "数值", "magnitude": "数量级", "date": "日期", "year": "年份", "grade": "等级",
    "rank": "排名", "department": "部门", "negation": "否定", "modality": "措辞强度",
}


def render_verdicts(verdicts: Sequence[Verdict], file_link: FileLink = file_url) -> str:
    """A table: claim, coloured verdict, evidence with its origin (file hrefs by ``file_link``), differences marked."""
    if not verdicts:
        return empty_note("没有可核查的陈述。")
    rows = [_verdict_row(i, v, file_link) for i, v in enumerate(verdicts, 1)]
    counts = {label: sum(v.label == label for v in verdicts) for label in VERDICT_LABELS}
    summary = "，".join(f"{VERDICT_LABELS[k]} {n} 条" for k, n in counts.items() if n)
    return (
        f'<p class="pq-summary">共 {len(verdicts)} 条陈述：{esc(summary)}</p>'
        '<div class="pq-table-wrap"><table class="pq-verdicts"><thead><tr>'
        "<th>#</th><th>陈述</th><th>结论</th><th>依据</th><th>差异</th>"
        f'</tr></thead><tbody>{"".join(rows)}</tbody></table></div>'
    )


def _verdict_row(index: int, verdict: Verdict, file_link: FileLink) -> str:
    claim_terms = [d.claim for d in verdict.differences]
    source_terms = [d.source for d in verdict.differences]
    evidence = "".join(
        f'<div class="pq-evidence"><div class="pq-quote">{mark_terms(c.quote, source_terms)}</div>'
        f'<div class="pq-origin">{citation_heading(c)} '
        f'<a href="{file_link(c.doc_id, c.pages)}" target="_blank" rel="noopener">原文</a></div></div>'
        for c in verdict.evidence
    ) or '<span class="pq-muted">—</span>'
    differences = "".join(
        f'<li><b>{esc(DIFFERENCE_LABELS.get(d.kind, d.kind))}</b>：陈述为 <mark class="pq-diff">{esc(d.claim)}</mark>，'
        f'原文为 <mark class="pq-diff pq-diff-source">{esc(d.source)}</mark></li>'
        for d in verdict.differences
    )
    label = VERDICT_LABELS.get(verdict.label, verdict.label)
    return (
        f'<tr class="pq-verdict-{esc(verdict.label)}">'
        f'<td data-label="#">{index}</td>'
        f'<td data-label="陈述">{mark_terms(verdict.claim, claim_terms)}</td>'
        f'<td data-label="结论"><span class="pq-badge pq-badge-{esc(verdict.label)}">{esc(label)}</span></td>'
        f'<td data-label="依据">{evidence}</td>'
        f'<td data-label="差异">{f"<ul>{differences}</ul>" if differences else "<span class=pq-muted>—</span>"}</td>'
        "</tr>"
    )


def build_claims_tab(ctx: UiContext) -> FilterBar:
    """Lay out the claim check tab and wire it; returns its filter bar."""
    text = gr.Textbox(label="待核查的段落", lines=6, elem_id="pq-claims-input",
                      placeholder="粘贴一段文字（如评估报告、新闻稿中的表述），系统将逐条核对原文。")
    with gr.Row():
        run = gr.Button("逐条核查", variant="primary", elem_id="pq-claims-run", min_width=120)
    filters = build_filter_bar()
    result = gr.HTML(empty_note("核查结果将在此显示：绿色为有依据，红色为与原文不符，灰色为未找到依据。"),
                     elem_id="pq-claims-result")

    def check(paragraph: str, doc_types, year, issuers, request: gr.Request) -> str:
        principal = ctx.gate.principal(request)
        wanted = restrict(principal, make_filter(doc_types, year, issuers))
        try:
            verdicts = scoped(ctx.workspace.claims, wanted).check(paragraph)
        except InvalidQueryError as error:
            return empty_note(f"无法核查：{error}")
        except PolicyQAError as error:
            raise gr.Error(f"服务暂时无法核查：{error}") from error
        return render_verdicts(verdicts, ctx.file_link(principal))

    run.click(check, [text, *filters.inputs], result, concurrency_limit=2)
    return filters
