"""The default answerer: selects and cites sentences of the retrieved clauses (offline)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace

from policyqa.records import Answer, Citation, Hit
from qa.abstain import abstained_answer, find_unmet_constraints
from qa.citations import make_citation
from qa.intent import Expand, Tokenize, analyze_question
from qa.ranking import RankingWeights, ScoredSentence, SentenceRanker, is_heading_line

_END_PUNCTUATION = re.compile(r"[。！？!?]$")
FACTUAL_MAX_SENTENCES = 2
# Footnote calls, recognised at ingest and stored as ⁽¹⁾ (ingest.footnotes): the note is not
# quoted with them. Nothing else is stripped: "国能综通科技[2021]92号" is a document number.
_FOOTNOTE_CALL = re.compile("⁽[⁰¹²³⁴⁵⁶⁷⁸⁹]+⁾")
_SOFT_END = re.compile(r"[；;，,、：:]+$")
# Spaces next to a CJK character are PDF extraction artefacts, not words apart.
_CJK_SPACE = re.compile(r"\s+(?=[^\x00-\x7f])|(?<=[^\x00-\x7f])\s+")


class ExtractiveAnswerer:
    """Answers with the sentences of the retrieved clauses that best cover the question.

    The selection is short and non-redundant: the best sentence, then further sentences
    scoring at least ``min_relative_score`` of it and not repeating an already chosen one,
    up to ``max_sentences`` and ``max_chars``. List questions take the enumerated items of
    the best clause in their order. Each sentence ends with its ``[n]`` marker; the
    citation quotes the sentence verbatim. With ``expand`` (the tokenizer's synonym
    lookup) a sentence in the documents' wording (老年人) holds the question's word (老人).
    """

    def __init__(
        self,
        tokenize: Tokenize,
        max_sentences: int = 4,
        max_chars: int = 360,
        top_hits: int = 6,
        min_relative_score: float = 0.55,
        max_redundancy: float = 0.6,
        weights: RankingWeights = RankingWeights(),
        expand: Expand | None = None,
    ):
        self.tokenize = tokenize
        self.expand = expand
        self.max_sentences = max_sentences
        self.max_chars = max_chars
        self.min_relative_score = min_relative_score
        self.max_redundancy = max_redundancy
        self.ranker = SentenceRanker(tokenize, top_hits=top_hits, weights=weights)

    def answer(self, question: str, hits: Sequence[Hit]) -> Answer:
        """Answer ``question`` from ``hits``; abstain when no sentence shares a term with it or the
        selected sentences leave one of its constraints unmet (the reasons go into the notice)."""
        intent = analyze_question(question, self.tokenize, self.expand)
        ranked = prefer_grounded(question, self.ranker.rank(intent, hits))
        if not ranked or ranked[0].coverage == 0:
            return abstained_answer(question, hits)
        chosen = self.select(ranked, wants_list=intent.wants_list, factual=bool(intent.kinds) or intent.wants_number)
        reasons = find_unmet_constraints(
            question,
            chosen[0].text,  # the lead sentence must state what was asked (the answer comes first)
            retrieved_text({s.hit.chunk.chunk_id: s.hit for s in chosen}.values()),
            retrieved_text(hits),
        )
        if reasons:
            return abstained_answer(question, hits, notice="未作答：" + "；".join(reasons))
        return compose_answer(question, chosen)

    def select(self, ranked: Sequence[ScoredSentence], wants_list: bool = False,
               factual: bool = False) -> list[ScoredSentence]:
        """The short, non-redundant set of sentences to answer with, the answer first.

        A factual question (an amount, a date, a rank…) gets its answering sentence and at
        most one supporting sentence: the figure, not a page about it."""
        best = ranked[0]
        chosen = [best]
        limit = min(self.max_sentences, FACTUAL_MAX_SENTENCES) if factual and not wants_list else self.max_sentences
        used = len(best.text)
        floor = best.score * self.min_relative_score
        pool: list[ScoredSentence] = list(ranked[1:])
        if wants_list and best.list_item:
            # The siblings of an enumerated item answer a list question together, in order.
            siblings = [
                s for s in pool
                if s.list_item and not is_heading_line(s.text) and s.hit.chunk.chunk_id == best.hit.chunk.chunk_id
            ]
            pool = sorted(siblings, key=lambda s: s.start) + [s for s in pool if s not in siblings]
            floor = min(floor, min((s.score for s in siblings), default=floor))
        for candidate in pool:
            if len(chosen) >= limit:
                break
            if candidate.score < floor or used + len(candidate.text) > self.max_chars:
                continue
            if any(_redundancy(candidate, c) > self.max_redundancy for c in chosen):
                continue
            chosen.append(candidate)
            used += len(candidate.text)
        return order_for_answer(chosen, wants_list)


# A sentence whose clause does not name a detail the question names (its 文号, year, place…)
# answers another question; it may still support, but it never leads.
UNGROUNDED_FACTOR = 0.4


def prefer_grounded(question: str, ranked: Sequence[ScoredSentence]) -> list[ScoredSentence]:
    """``ranked`` re-ordered so that sentences whose clause (with its document's metadata) names
    every detail of the question come first (``qa.grounding``)."""
    from qa.abstain import tag_words
    from qa.grounding import missing_details, question_details

    details = question_details(question, tag_words)
    if not details:
        return list(ranked)
    def factor(sentence: ScoredSentence) -> float:
        return UNGROUNDED_FACTOR if missing_details(details, [sentence.hit], [sentence.text]) else 1.0

    rescored = [replace(s, score=s.score * factor(s)) for s in ranked]
    return sorted(rescored, key=lambda s: (-s.score, s.doc_start))


def retrieved_text(hits: Iterable[Hit]) -> str:
    """Titles, headings and texts of the clauses of ``hits``: where a question's names are looked up."""
    return " ".join(" ".join((h.doc.title or "", *h.chunk.section, h.chunk.text)) for h in hits)


def order_for_answer(sentences: Sequence[ScoredSentence], wants_list: bool = False) -> list[ScoredSentence]:
    """The answer first: sentences by how well they answer, best first. The items of a list
    keep their own order after the best one (一是…二是… read in sequence)."""
    ranked = sorted(sentences, key=lambda s: -s.score)
    if not wants_list:
        return ranked
    lead, rest = ranked[0], ranked[1:]
    items = sorted((s for s in rest if s.list_item), key=lambda s: (s.hit.chunk.doc_id != lead.hit.chunk.doc_id, s.doc_start))
    return [lead, *items, *(s for s in rest if not s.list_item)]


def compose_answer(question: str, sentences: Sequence[ScoredSentence], notice: str | None = None) -> Answer:
    """The answer text, one ``[n]`` marker closing each sentence, and its citations."""
    parts: list[str] = []
    citations: list[Citation] = []
    for marker, sentence in enumerate(sentences, 1):
        citations.append(make_citation(marker, sentence.hit, None, sentence.start, sentence.end))
        parts.append(f"{display_sentence(sentence.text)}[{marker}]")
    return Answer(question=question, text="".join(parts), abstained=False, citations=tuple(citations), notice=notice)


def display_sentence(text: str) -> str:
    """A quoted clause as a sentence of the answer: whitespace runs collapsed, closed by 。."""
    text = _FOOTNOTE_CALL.sub("", _CJK_SPACE.sub("", " ".join(text.split())))
    text = _SOFT_END.sub("", text)
    return text if _END_PUNCTUATION.search(text) else text + "。"


def _redundancy(a: ScoredSentence, b: ScoredSentence) -> float:
    if a.hit.chunk.doc_id == b.hit.chunk.doc_id and a.doc_start < b.doc_start + len(b.text) and b.doc_start < a.doc_start + len(a.text):
        return 1.0  # the same words, reached through two overlapping chunks
    if not a.terms or not b.terms:
        return 0.0
    return len(a.terms & b.terms) / min(len(a.terms), len(b.terms))
