"""The citation graph of the corpus: which stored document names which.

A document cites another when its text names the other's title in 《》, or its ``cites``
metadata names that title or the other's 文号. Titles are compared in a folded form (NFKC, no whitespace, quotation
marks unified) because PDF-derived text wraps long titles over lines.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from policyqa.errors import NotFoundError
from policyqa.records import DocumentInfo

_TITLE_REF = re.compile(r"《([^《》]{2,120})》")
_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "〈": "<", "〉": ">"})


def fold_reference(text: str) -> str:
    """The comparable form of a title or 文号."""
    folded = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).translate(_QUOTES)
    return folded.strip("《》#")


@dataclass(frozen=True)
class CitationEdge:
    """``source`` names ``target`` through ``via`` (the title in 《》 or the 文号 as written)."""

    source: str
    target: str
    via: str


def references_in(text: str, cites: Iterable[str] = ()) -> dict[str, str]:
    """Every 《title》 and 文号 a document names: folded form → the form as written
    (titles keep their 《》), in order of first mention."""
    # 文号 come from the ingest metadata (``cites``): found in running text, the issuer's
    # abbreviation cannot be told from the words before it (…管理局东政数函〔2021〕53号).
    written = [m.group() for m in _TITLE_REF.finditer(re.sub(r"\s+", "", text))]
    written += [re.sub(r"\s+", "", c) for c in cites]
    found: dict[str, str] = {}
    for surface in written:
        folded = fold_reference(surface)
        if folded and folded not in found:
            found[folded] = surface
    return found


class CitationGraph:
    """Edges between stored documents, queryable in both directions."""

    def __init__(self, documents: dict[str, DocumentInfo], edges: Iterable[CitationEdge], mentions: dict[str, list[str]]):
        self.documents = documents
        self.edges = tuple(edges)
        self.mentions = mentions  # references (as written) that name no stored document

    @classmethod
    def build(cls, documents: Iterable[tuple[DocumentInfo, str]]) -> CitationGraph:
        """Build from ``(info, cleaned text)`` pairs of every stored document."""
        docs = list(documents)
        by_key: dict[str, str] = {}
        for info, _ in docs:
            for key in (info.title, info.doc_number):
                if key and len(fold_reference(key)) >= 4:
                    by_key[fold_reference(key)] = info.doc_id
        edges, mentions = [], {}
        for info, text in docs:
            own = {fold_reference(k) for k in (info.title, info.doc_number) if k}
            unresolved = []
            for ref, surface in references_in(text, info.cites).items():
                target = by_key.get(ref)
                if ref in own or target == info.doc_id:
                    continue
                if target:
                    edges.append(CitationEdge(info.doc_id, target, surface))
                else:
                    unresolved.append(surface)
            mentions[info.doc_id] = unresolved
        unique = {(e.source, e.target): e for e in edges}
        return cls({info.doc_id: info for info, _ in docs}, unique.values(), mentions)

    def related(self, doc_id: str) -> dict[str, list[dict]]:
        """``{"cites": [...], "cited_by": [...], "mentions": [...]}`` for a stored document."""
        if doc_id not in self.documents:
            raise NotFoundError(f"no document {doc_id!r}")
        return {
            "cites": [self._entry(e.target, e.via) for e in self.edges if e.source == doc_id],
            "cited_by": [self._entry(e.source, e.via) for e in self.edges if e.target == doc_id],
            "mentions": list(self.mentions.get(doc_id, [])),
        }

    def _entry(self, doc_id: str, via: str) -> dict:
        info = self.documents[doc_id]
        return {"doc_id": doc_id, "source": info.source, "title": info.title,
                "doc_number": info.doc_number, "doc_type": info.doc_type, "via": via}
