"""Chat tab: streamed answers whose [n] markers open the cited clause in a side panel.

The conversation is kept in a ``gr.State`` of ``Answer`` records owned by the principal that
asked (``ui.web.access.owned``); follow-ups pass the earlier questions to ``QAService.ask`` so
elliptical questions are understood. A question under another key starts a new conversation:
the earlier answers, their cards and their links are never rendered for it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

import gradio as gr

from policyqa.errors import InvalidQueryError, PolicyQAError
from policyqa.records import Answer, Citation
from ui.web.access import owned, owned_value, restrict
from ui.web.clauses import ClauseSource, render_clause
from ui.web.context import UiContext
from ui.web.filters import FilterBar, build_filter_bar, make_filter
from ui.web.html import FileLink, citation_heading, empty_note, esc, file_url

_MARKERS = re.compile(r"((?:\[\d+\])+)")
_MARKER = re.compile(r"\[(\d+)\]")
# CommonMark lets any ASCII punctuation be backslash-escaped; these are the ones that
# would otherwise turn quoted document text into emphasis, links, headings or tables.
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-!|~])")
PANEL_PLACEHOLDER = "点击回答中的 [n] 标记，在此查看被引用条款在原文章节中的位置。"


def card_anchor(turn: int, marker: int) -> str:
    """The element id of a citation card (turn is 1-based)."""
    return f"pq-c{turn}-{marker}"


def md_text(text: str) -> str:
    """Document text made inert for the markdown chatbot: no markup, no HTML."""
    return esc(_MARKDOWN_SPECIALS.sub(r"\\\1", text))


def answer_segments(answer: Answer, turn: int) -> list[str]:
    """The answer as chatbot markdown, one segment per cited sentence (streamed in turn).

    Each ``[n]`` becomes a link to its card in the side panel; a marker with no citation
    (which the answerer never emits) stays plain text.
    """
    known = {c.marker for c in _cited(answer)}

    def link(match: re.Match[str]) -> str:
        n = int(match.group(1))
        if n not in known:
            return esc(match.group())
        return f'<a class="pq-cite" href="#{card_anchor(turn, n)}" title="查看引用 {n}">[{n}]</a>'

    pieces = _MARKERS.split(answer.text)
    segments: list[str] = []
    for i in range(0, len(pieces), 2):
        body = md_text(pieces[i])
        markers = _MARKER.sub(link, pieces[i + 1]) if i + 1 < len(pieces) else ""
        if body or markers:
            segments.append(body + markers)
    if answer.notice:
        segments.insert(0, f"*{md_text(answer.notice)}*\n\n")
    if answer.abstained and answer.nearest:
        links = " ".join(link(_MARKER.match(f"[{c.marker}]")) for c in answer.nearest)
        segments.append(f"\n\n最接近的条款（仅供参考，不构成答案）：{links}")
    return segments


def render_sources(answer: Answer | None, turn: int, file_link: FileLink = file_url) -> str:
    """The sources list of an answer (or, when it abstained, the nearest clauses); ``file_link`` makes
    the file hrefs."""
    if answer is None:
        return empty_note("尚无来源。")
    cited = answer.citations or answer.nearest
    if not cited:
        return empty_note("本次回答没有引用来源。")
    heading = "最接近的条款（未找到答案）" if answer.abstained else "来源"
    items = []
    for c in cited:
        items.append(
            f'<li><a class="pq-cite" href="#{card_anchor(turn, c.marker)}">[{c.marker}]</a> '
            f"{citation_heading(c)} "
            f'<a class="pq-file" href="{file_link(c.doc_id, c.pages)}" target="_blank" rel="noopener">原文</a>'
            f'<div class="pq-quote">{esc(c.quote)}</div></li>'
        )
    return f'<div class="pq-sources"><h4>{heading}</h4><ol>{"".join(items)}</ol></div>'


def render_panel(answers: Sequence[Answer], store: ClauseSource, file_link: FileLink = file_url) -> str:
    """Every turn's cited clauses, the latest turn open, earlier ones folded; ``file_link`` makes the
    file hrefs."""
    if not answers:
        return empty_note(PANEL_PLACEHOLDER)
    blocks = []
    for turn in range(len(answers), 0, -1):
        answer = answers[turn - 1]
        cards = "".join(render_clause(c, store, card_anchor(turn, c.marker), file_link) for c in _cited(answer))
        if not cards:
            continue
        summary = f"第{turn}问：{esc(answer.question)}"
        opened = " open" if turn == len(answers) else ""
        blocks.append(f'<details class="pq-turn"{opened}><summary>{summary}</summary>{cards}</details>')
    return "".join(blocks) or empty_note(PANEL_PLACEHOLDER)


def _cited(answer: Answer) -> tuple[Citation, ...]:
    return answer.citations or answer.nearest


def build_chat_tab(ctx: UiContext) -> FilterBar:
    """Lay out the chat tab and wire its events; returns its filter bar."""
    with gr.Row(equal_height=False, elem_classes="pq-chat-row"):
        with gr.Column(scale=3, min_width=300):
            chatbot = gr.Chatbot(label="对话", elem_id="pq-chat", height=460, buttons=["copy"],
                                 placeholder="请输入关于规划、建议答复函、绩效评价或整改反馈的问题。")
            question = gr.Textbox(label="问题", placeholder="例如：数字政府建设的主要目标是什么？", lines=2,
                                  elem_id="pq-question")
            with gr.Row():
                ask = gr.Button("提问", variant="primary", elem_id="pq-ask", min_width=100)
                clear = gr.Button("清空对话", min_width=100)
            filters = build_filter_bar()
        with gr.Column(scale=2, min_width=280, elem_classes="pq-side"):
            gr.Markdown("#### 引用原文")
            panel = gr.HTML(empty_note(PANEL_PLACEHOLDER), elem_id="pq-panel")
            sources = gr.HTML(empty_note("尚无来源。"), elem_id="pq-sources")
    answers = gr.State(None)  # owned(principal, [Answer, ...])

    def respond(text: str, history: list, stored, doc_types, year, issuers,
                request: gr.Request) -> Iterator[tuple]:
        principal = ctx.gate.principal(request)
        if not (text or "").strip():
            gr.Warning("请输入问题。")
            return
        kept: list[Answer] = owned_value(principal, stored, None)
        panel_now, sources_now = gr.skip(), gr.skip()
        if kept is None:
            # A new conversation, or one another key held: nothing of it is shown or continued.
            kept, history = [], []
            panel_now, sources_now = empty_note(PANEL_PLACEHOLDER), empty_note("尚无来源。")
        history = list(history or []) + [{"role": "user", "content": md_text(text.strip())},
                                         {"role": "assistant", "content": "正在检索相关条款…"}]
        yield history, owned(principal, kept), panel_now, sources_now, ""
        wanted = restrict(principal, make_filter(doc_types, year, issuers))
        try:
            answer = ctx.workspace.qa.ask(text, history=[a.question for a in kept], filters=wanted)
        except InvalidQueryError as error:
            history[-1]["content"] = md_text(f"无法处理该问题：{error}")
            yield history, owned(principal, kept), gr.skip(), gr.skip(), text
            return
        except PolicyQAError as error:
            raise gr.Error(f"服务暂时无法回答：{error}") from error
        kept = [*kept, answer]
        turn = len(kept)
        shown = ""
        for segment in answer_segments(answer, turn):
            shown += segment
            history[-1]["content"] = shown
            yield history, owned(principal, kept), gr.skip(), gr.skip(), ""
        file_link = ctx.file_link(principal)  # signed for this viewer's key: the browser sends none
        panel_html = render_panel(kept, ctx.workspace.store, file_link)
        yield history, owned(principal, kept), panel_html, render_sources(answer, turn, file_link), ""

    inputs = [question, chatbot, answers, *filters.inputs]
    outputs = [chatbot, answers, panel, sources, question]
    ask.click(respond, inputs, outputs, concurrency_limit=2)
    question.submit(respond, inputs, outputs, concurrency_limit=2)
    clear.click(lambda: ([], None, empty_note(PANEL_PLACEHOLDER), empty_note("尚无来源。"), ""),
                None, outputs, queue=False)
    return filters
