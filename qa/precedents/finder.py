"""Precedent search: a draft proposal in, the documents that already answer it out.

The draft is long and discursive, so it is not sent as one query: its key phrases
(jieba TF-IDF), the phrases joined, and its most topical sentences each run as a sub-query.
Clause hits are fused per document: in each sub-query a document counts by its best clause
(reciprocal rank), summed over the sub-queries, so a long plan does not win by size; replies to proposals are
boosted when the user is a drafter, and each document comes back with its best clauses
as citations, its commitments and, for replies, the proposal it answers.
"""

from __future__ import annotations

import logging
import re

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from index.base import Retriever
from policyqa.errors import InvalidQueryError
from policyqa.validation import check_text
from policyqa.records import Citation, DocumentInfo, Hit
from qa.citations import make_citation
from qa.precedents.commitments import extract_commitments
from qa.precedents.links import ProposalLink, link_reply
from qa.sentences import split_sentences

MAX_DRAFT_CHARS = 5000


class DocumentTexts(Protocol):
    """Where the finder reads a document's full cleaned text (``ingest.store.DocumentStore``)."""

    def document_text(self, doc_id: str) -> str:
        """The cleaned text of ``doc_id``."""
        ...


@dataclass(frozen=True)
class Precedent:
    """A document that already dealt with a draft's topic.

    ``score`` ranks documents against each other; ``relevance`` (0–1) says how much of the
    draft's topic the document covers on its own (the weighted share of the draft's key
    phrases it contains), so it can be read across drafts: ``relevance_label`` 高/中/低.
    """

    doc: DocumentInfo
    score: float
    clauses: tuple[Citation, ...]
    commitments: tuple[str, ...] = ()
    link: ProposalLink | None = None
    relevance: float = 0.0
    relevance_label: str = "低"


@dataclass(frozen=True)
class PrecedentResult:
    """The documents found for a draft, and whether any of them is a real precedent."""

    precedents: tuple[Precedent, ...]
    no_precedent: bool


@dataclass(frozen=True)
class FinderSettings:
    """Fusion and boosting knobs (tuned on the DEV precedent drafts)."""

    hits_per_query: int = 12
    key_phrases: int = 12
    topical_sentences: int = 3
    rrf_k: int = 20
    same_doc_decay: float = 0.0  # weight of a document's 2nd, 3rd ... clause within one sub-query
    reply_boost: float = 1.3
    clauses_per_doc: int = 3
    # Relevance in words and the no-precedent decision, calibrated on the DEV drafts
    # (evals/calibrate_precedents.py): 高 at or above ``high``, 中 at or above ``medium``;
    # no document at ``medium`` means no close precedent.
    relevance_high: float = 0.85
    relevance_medium: float = 0.58  # dev: no-precedent drafts ≤ 0.50, covered ≥ 0.66
    commitments_per_doc: int = 4


def weighted_key_phrases(draft: str, top_k: int = 12) -> list[tuple[str, float]]:
    """The draft's key phrases with their TF-IDF weights, best first."""
    import jieba
    import jieba.analyse  # loads its dictionary on first use, not at import

    jieba.setLogLevel(logging.WARNING)  # its dictionary-loading chatter is not for CLI users
    return [(p, float(w)) for p, w in jieba.analyse.extract_tags(draft, topK=top_k, withWeight=True)]


def topic_coverage(text: str, phrases: Sequence[tuple[str, float]]) -> float:
    """The weighted share of the draft's key phrases that ``text`` contains (0–1)."""
    total = sum(w for _, w in phrases)
    return sum(w for p, w in phrases if p in text) / total if total else 0.0


class PrecedentFinder:
    """Finds and explains the documents relevant to a draft proposal."""

    def __init__(self, retriever: Retriever, store: DocumentTexts, settings: FinderSettings = FinderSettings()):
        self.retriever = retriever
        self.store = store
        self.settings = settings

    def search(self, draft: str, k: int = 5, prefer_replies: bool = True) -> PrecedentResult:
        """The ``k`` most relevant documents for ``draft`` and whether any is a close precedent."""
        found = self.find(draft, k, prefer_replies)
        no_precedent = not found or max(p.relevance for p in found) < self.settings.relevance_medium
        return PrecedentResult(tuple(found), no_precedent)

    def find(self, draft: str, k: int = 5, prefer_replies: bool = True) -> list[Precedent]:
        """The ``k`` most relevant documents for ``draft``, best first."""
        draft = draft.strip()
        if not draft:
            raise InvalidQueryError("草稿为空 (the draft is empty)")
        if len(draft) > MAX_DRAFT_CHARS:
            raise InvalidQueryError(f"草稿过长：上限 {MAX_DRAFT_CHARS} 字 (the draft is longer than {MAX_DRAFT_CHARS} characters)")
        check_text(draft, "草稿")
        weighted = weighted_key_phrases(draft, self.settings.key_phrases)
        phrases = [p for p, _ in weighted]
        scores: dict[str, float] = defaultdict(float)
        best_hits: dict[str, list[Hit]] = defaultdict(list)
        for query in self._sub_queries(draft, phrases):
            self._accumulate(self.retriever.retrieve(query, k=self.settings.hits_per_query), scores, best_hits)
        docs = {hits[0].doc.doc_id: hits[0].doc for hits in best_hits.values()}
        for doc_id, doc in docs.items():
            if prefer_replies and doc.doc_type == "proposal_reply":
                scores[doc_id] *= self.settings.reply_boost
        ranked = sorted(scores, key=lambda d: -scores[d])[:k]
        return [self._precedent(docs[d], scores[d], best_hits[d], weighted) for d in ranked]

    def _sub_queries(self, draft: str, phrases: Sequence[str]) -> list[str]:
        queries = [draft[:500], " ".join(phrases)]
        sentences = [draft[s:e] for s, e in split_sentences(draft)]
        topical = sorted(sentences, key=lambda s: -sum(p in s for p in phrases))
        queries += [s for s in topical[: self.settings.topical_sentences] if len(s) >= 8]
        return list(dict.fromkeys(q for q in queries if q.strip()))

    def _accumulate(self, hits: Sequence[Hit], scores: dict[str, float], best_hits: dict[str, list[Hit]]) -> None:
        seen_per_doc: dict[str, int] = defaultdict(int)
        for hit in hits:
            doc_id = hit.doc.doc_id
            weight = self.settings.same_doc_decay ** seen_per_doc[doc_id]
            seen_per_doc[doc_id] += 1
            scores[doc_id] += weight / (self.settings.rrf_k + hit.rank)
            if all(h.chunk.chunk_id != hit.chunk.chunk_id for h in best_hits[doc_id]):
                best_hits[doc_id].append(hit)

    def _precedent(self, doc: DocumentInfo, score: float, hits: list[Hit],
                   weighted: Sequence[tuple[str, float]]) -> Precedent:
        phrases = [p for p, _ in weighted]
        clauses: list = []
        for hit in sorted(hits, key=lambda h: h.rank):
            if len(clauses) >= self.settings.clauses_per_doc:
                break
            start, end = _most_topical_sentence(hit.chunk.text, phrases)
            citation = make_citation(len(clauses) + 1, hit, None, start, end)
            # Neighbouring chunks overlap: their most topical sentence may be the same one.
            if all(c.quote != citation.quote for c in clauses):
                clauses.append(citation)
        text = self.store.document_text(doc.doc_id)
        relevance = topic_coverage(re.sub(r"\s+", "", text), weighted)
        commitments = extract_commitments(text, self.settings.commitments_per_doc, topic=weighted)
        label = "高" if relevance >= self.settings.relevance_high else "中" if relevance >= self.settings.relevance_medium else "低"
        return Precedent(doc, round(score, 6), tuple(clauses), tuple(commitments), link_reply(doc, text),
                         round(relevance, 3), label)


def _most_topical_sentence(text: str, phrases: Sequence[str]) -> tuple[int, int]:
    spans = split_sentences(text) or [(0, len(text))]
    return max(spans, key=lambda s: (sum(p in text[s[0]: s[1]] for p in phrases), -s[0]))
