"""The filter row every tab carries: document type, year and issuer.

Choices are computed per user (only from documents their key may see), so an issuer
name of an internal document never reaches a public key's drop-down.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import gradio as gr

from policyqa.records import DocumentInfo, SearchFilter
from ui.web.html import DOC_TYPE_LABELS, years_of

ALL_YEARS = "全部年份"


@dataclass(frozen=True)
class FilterBar:
    """The three filter widgets of one tab."""

    doc_types: gr.Dropdown
    year: gr.Dropdown
    issuers: gr.Dropdown

    @property
    def inputs(self) -> list[gr.components.Component]:
        return [self.doc_types, self.year, self.issuers]


def build_filter_bar() -> FilterBar:
    """Render the filter widgets (inside a collapsed accordion, to keep narrow screens tidy)."""
    with gr.Accordion("筛选条件（文种 / 年份 / 发文机关）", open=False, elem_classes="pq-filters"):
        with gr.Row():
            doc_types = gr.Dropdown(
                choices=[(label, value) for value, label in DOC_TYPE_LABELS.items()],
                value=[], multiselect=True, label="文种", min_width=180,
            )
            # Choices differ per key; a value outside them is checked by make_filter, never
            # refused with Gradio's message that lists the choices it last sent.
            year = gr.Dropdown(choices=[ALL_YEARS], value=ALL_YEARS, label="年份", min_width=120,
                               allow_custom_value=True)
            issuers = gr.Dropdown(choices=[], value=[], multiselect=True, allow_custom_value=True,
                                  label="发文机关", min_width=180)
    return FilterBar(doc_types, year, issuers)


def make_filter(doc_types: Iterable[str] | None, year: str | None, issuers: Iterable[str] | None) -> SearchFilter:
    """The ``SearchFilter`` a user's choices describe (access is imposed separately)."""
    year = None if not year or year == ALL_YEARS or not (len(year) == 4 and year.isdigit()) else year
    return SearchFilter(
        doc_types=tuple(doc_types or ()),
        issuers=tuple(i for i in (issuers or ()) if i and i.strip()),
        date_from=f"{year}-01-01" if year else None,
        date_to=f"{year}-12-31" if year else None,
    )


def filter_updates(documents: Iterable[DocumentInfo]) -> tuple[dict, dict]:
    """New year and issuer choices from the documents a user may see."""
    docs = list(documents)
    issuers = sorted({d.issuer for d in docs if d.issuer})
    return (
        gr.update(choices=[ALL_YEARS, *years_of(docs)]),
        gr.update(choices=issuers),
    )
