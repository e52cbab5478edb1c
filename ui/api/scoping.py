"""Per-request views of shared components that can only retrieve what a key may see.

The claim checker and the precedent finder call their retriever themselves. Rather than
trust every internal call to pass the caller's filter along, each request gets a shallow
copy of the component whose retriever imposes the filter on every call: a forgotten
argument deep inside a component cannot leak a document.
"""

from __future__ import annotations

import copy
from typing import TypeVar

from index.base import Retriever
from policyqa.records import Hit, SearchFilter

T = TypeVar("T")


def merge_filters(imposed: SearchFilter, requested: SearchFilter | None) -> SearchFilter:
    """``requested`` narrowed by ``imposed``: user restrictions kept, access levels intersected."""
    if requested is None:
        return imposed
    access = imposed.access
    if requested.access is not None:
        access = requested.access if access is None else tuple(a for a in requested.access if a in access)
    return SearchFilter(
        doc_types=requested.doc_types or imposed.doc_types,
        issuers=requested.issuers or imposed.issuers,
        sources=requested.sources or imposed.sources,
        doc_ids=requested.doc_ids or imposed.doc_ids,
        date_from=requested.date_from or imposed.date_from,
        date_to=requested.date_to or imposed.date_to,
        access=access,
    )


class ScopedRetriever:
    """A retriever that applies ``imposed`` inside every search, whatever the caller passes."""

    def __init__(self, inner: Retriever, imposed: SearchFilter):
        self.inner = inner
        self.imposed = imposed

    def retrieve(self, query: str, k: int = 10, filters: SearchFilter | None = None) -> list[Hit]:
        """Search ``inner`` with the imposed filter merged into ``filters``."""
        return self.inner.retrieve(query, k=k, filters=merge_filters(self.imposed, filters))


def scoped(component: T, filters: SearchFilter) -> T:
    """A shallow copy of ``component`` whose retrievers all impose ``filters``.

    Every attribute that retrieves is wrapped, not only ``retriever``: the claim checker also
    holds a BM25 ``lexical`` pass, and a retriever a component gains later must not slip past.
    """
    view = copy.copy(component)
    for name, value in list(vars(view).items()):
        if callable(getattr(value, "retrieve", None)):
            setattr(view, name, ScopedRetriever(value, filters))
    return view


__all__ = ["ScopedRetriever", "merge_filters", "scoped"]
