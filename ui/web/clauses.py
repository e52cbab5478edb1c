"""A cited clause shown inside its section: the quote highlighted, pages and a file link.

Shared by the chat side panel and the claim-check evidence column.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from policyqa.records import Citation, Section
from ui.web.html import FileLink, citation_heading, esc, file_url, mark_span, pages_label

CONTEXT_CHARS = 900  # a long section is shown as a window around the quote


class ClauseSource(Protocol):
    """What the panel needs from the document store."""

    def document_text(self, doc_id: str) -> str: ...

    def document_sections(self, doc_id: str) -> tuple[Section, ...]: ...


def innermost_section(sections: Sequence[Section], start: int, end: int) -> Section | None:
    """The deepest section whose span holds ``[start, end)``."""
    for section in sections:
        if section.start <= start and end <= section.end:
            return innermost_section(section.children, start, end) or section
    return None


@dataclass(frozen=True)
class ClauseWindow:
    """The part of a document shown around a quote (offsets in the document's text)."""

    section_title: str | None
    start: int
    end: int
    trimmed_before: bool
    trimmed_after: bool


def clause_window(text_length: int, sections: Sequence[Section], start: int, end: int,
                  max_chars: int = CONTEXT_CHARS) -> ClauseWindow:
    """The innermost section around ``[start, end)``, cut to a window when it is long."""
    section = innermost_section(sections, start, end)
    lo, hi = (section.start, section.end) if section else (max(0, start - 200), min(text_length, end + 200))
    natural_lo, natural_hi = lo, hi
    if hi - lo > max_chars:
        spare = max(0, max_chars - (end - start)) // 2
        lo, hi = max(lo, start - spare), min(hi, end + spare)
    return ClauseWindow(section.title if section else None, lo, hi,
                        trimmed_before=lo > natural_lo or section is None and lo > 0,
                        trimmed_after=hi < natural_hi or section is None and hi < text_length)


def render_clause(citation: Citation, store: ClauseSource, anchor: str | None = None,
                  file_link: FileLink = file_url) -> str:
    """One card: origin line, the section text with the quote marked, a link to the original (by ``file_link``)."""
    text = store.document_text(citation.doc_id)
    window = clause_window(len(text), store.document_sections(citation.doc_id), citation.start, citation.end)
    body = mark_span(text[window.start:window.end], citation.start - window.start, citation.end - window.start)
    anchor_attr = f' id="{esc(anchor)}"' if anchor else ""
    pages = pages_label(citation.pages)
    return (
        f'<section class="pq-card"{anchor_attr}>'
        f'<header><span class="pq-marker">[{citation.marker}]</span> {citation_heading(citation)}</header>'
        f'<div class="pq-clause">{"…" if window.trimmed_before else ""}{body}{"…" if window.trimmed_after else ""}</div>'
        f'<footer>{esc(pages) + " · " if pages else ""}'
        f'<a href="{file_link(citation.doc_id, citation.pages)}" target="_blank" rel="noopener">查看原文</a></footer>'
        "</section>"
    )
