"""Small HTML helpers shared by the tabs: escaping, highlighting, Chinese labels.

Every piece of document text goes through ``esc`` (or a helper built on it) before it
reaches the page: stored documents may contain HTML or script that must show as text.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Mapping, Sequence

from policyqa.records import Citation, DocumentInfo
from ui.api.links import file_path

DOC_TYPE_LABELS = {
    "plan": "规划",
    "proposal_reply": "建议/提案答复函",
    "evaluation_report": "绩效评价报告",
    "rectification_letter": "整改反馈函",
    "notice": "通知",
    "opinion": "意见",
    "regulation": "办法/条例",
    "work_report": "工作报告",
    "standard": "标准",
    "explanation": "编制说明",
    "letter": "函",
    "other": "其他",
}

ACCESS_LABELS = {"public": "公开", "internal": "内部"}


def esc(text: object) -> str:
    """``text`` as inert HTML (quotes escaped too, so it is safe inside attributes)."""
    return html.escape("" if text is None else str(text), quote=True)


def doc_type_label(doc_type: str) -> str:
    """The Chinese name of a document type."""
    return DOC_TYPE_LABELS.get(doc_type, doc_type)


def access_label(access: str) -> str:
    """The Chinese name of an access level (named groups are shown as they are)."""
    return ACCESS_LABELS.get(access, f"分组：{access}")


def pages_label(pages: Sequence[int]) -> str:
    """``第3页`` or ``第3–4页``; empty when the page is unknown."""
    if not pages:
        return ""
    return f"第{pages[0]}页" if len(pages) == 1 or pages[0] == pages[-1] else f"第{pages[0]}–{pages[-1]}页"


def document_name(title: str | None, source: str) -> str:
    """What users call a document: its title, else its file name."""
    return title or source


def citation_heading(citation: Citation) -> str:
    """Escaped one-line origin of a citation: title, 文号, section, pages."""
    parts = [document_name(citation.title, citation.source)]
    parts += [p for p in (citation.doc_number, citation.section, pages_label(citation.pages)) if p]
    return esc("，".join(parts))


def file_url(doc_id: str, pages: Sequence[int] = (), query: Mapping[str, str] | None = None) -> str:
    """The API address of a document's original file, escaped for an ``href``.

    ``query`` (a signed link's ``kid``/``exp``/``sig``) goes before the ``#page=`` anchor of the
    first cited page: a fragment never reaches the server.
    """
    anchor = f"#page={pages[0]}" if pages else ""
    return esc(file_path(doc_id, query or {}) + anchor)


# What renderers call for each file href: ``link(doc_id, pages)``. The plain ``file_url`` serves
# open mode; with keys, ``UiContext.file_link`` signs each href for the viewer's key.
FileLink = Callable[..., str]


def mark_span(text: str, start: int, end: int, css_class: str = "pq-hl") -> str:
    """``text`` escaped with ``[start, end)`` wrapped in ``<mark>``."""
    start, end = max(0, start), min(len(text), end)
    if start >= end:
        return esc(text)
    return f'{esc(text[:start])}<mark class="{css_class}">{esc(text[start:end])}</mark>{esc(text[end:])}'


def mark_terms(text: str, terms: Iterable[str], css_class: str = "pq-diff") -> str:
    """``text`` escaped with every occurrence of each term wrapped in ``<mark>``.

    Longer terms win where terms overlap, so "3.5亿元" is marked whole rather than "3.5".
    """
    spans: list[tuple[int, int]] = []
    for term in sorted({t for t in terms if t and t.strip()}, key=len, reverse=True):
        begin = text.find(term)
        while begin >= 0:
            end = begin + len(term)
            if all(end <= s or begin >= e for s, e in spans):
                spans.append((begin, end))
            begin = text.find(term, end)
    out, cursor = [], 0
    for begin, end in sorted(spans):
        out.append(esc(text[cursor:begin]))
        out.append(f'<mark class="{css_class}">{esc(text[begin:end])}</mark>')
        cursor = end
    out.append(esc(text[cursor:]))
    return "".join(out)


def years_of(documents: Iterable[DocumentInfo]) -> list[str]:
    """The distinct years of the documents' dates, newest first."""
    return sorted({d.date[:4] for d in documents if d.date}, reverse=True)


def empty_note(message: str) -> str:
    """A muted one-line message in place of results."""
    return f'<p class="pq-empty">{esc(message)}</p>'
