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
    """A document that already dealt with a draft's topic."""

    doc: DocumentInfo
    score: float
    clauses: tuple[Citation, ...]
    commitments: tuple[str, ...] = ()
    link: ProposalLink | None = None


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


def extract_key_phrases(draft: str, top_k: int = 12) -> list[str]:
    """The draft's key phrases by jieba TF-IDF (nouns and verbs of the topic, not filler)."""
    import jieba
    import jieba.analyse  # loads its dictionary on first use, not at import

    jieba.setLogLevel(logging.WARNING)  # its dictionary-loading chatter is not for CLI users
    return jieba.analyse.extract_tags(draft, topK=top_k)


class PrecedentFinder:
    """Finds and explains the documents relevant to a draft proposal."""

    def __init__(self, retriever: Retriever, store: DocumentTexts, settings: FinderSettings = FinderSettings()):
        self.retriever = retriever
        self.store = store
        self.settings = settings

    def find(self, draft: str, k: int = 5, prefer_replies: bool = True) -> list[Precedent]:
        """The ``k`` most relevant documents for ``draft``, best first."""
        draft = draft.strip()
        if not draft:
            raise InvalidQueryError("the draft is empty")
        if len(draft) > MAX_DRAFT_CHARS:
            raise InvalidQueryError(f"the draft is longer than {MAX_DRAFT_CHARS} characters")
        check_text(draft, "草稿")
        phrases = extract_key_phrases(draft, self.settings.key_phrases)
        scores: dict[str, float] = defaultdict(float)
        best_hits: dict[str, list[Hit]] = defaultdict(list)
        for query in self._sub_queries(draft, phrases):
            self._accumulate(self.retriever.retrieve(query, k=self.settings.hits_per_query), scores, best_hits)
        docs = {hits[0].doc.doc_id: hits[0].doc for hits in best_hits.values()}
        for doc_id, doc in docs.items():
            if prefer_replies and doc.doc_type == "proposal_reply":
                scores[doc_id] *= self.settings.reply_boost
        ranked = sorted(scores, key=lambda d: -scores[d])[:k]
        return [self._precedent(docs[d], scores[d], best_hits[d], phrases) for d in ranked]

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

    def _precedent(self, doc: DocumentInfo, score: float, hits: list[Hit], phrases: Sequence[str]) -> Precedent:
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
        commitments = extract_commitments(text) if doc.doc_type == "proposal_reply" else []
        return Precedent(doc, round(score, 6), tuple(clauses), tuple(commitments), link_reply(doc, text))


def _most_topical_sentence(text: str, phrases: Sequence[str]) -> tuple[int, int]:
    spans = split_sentences(text) or [(0, len(text))]
    return max(spans, key=lambda s: (sum(p in text[s[0]: s[1]] for p in phrases), -s[0]))
