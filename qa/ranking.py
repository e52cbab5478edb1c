"""Scoring the sentences of retrieved clauses against a question."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from policyqa.records import SECTION_SEP, Hit
from qa.citations import sentence_section
from qa.injection import looks_like_instruction
from qa.intent import (
    QuestionIntent,
    Tokenize,
    holds_quantity,
    is_glossary_entry,
    is_list_item,
    is_preamble,
    numbers_in,
    states_answer_kind,
)
from qa.sentences import split_sentences

# A sentence proper ends with a terminator (maybe followed by a closing mark); a heading
# line such as 一、关于“…”的建议 does not, and restates the question rather than answering it.
_ASKS_DEFINITION = re.compile(r"是什么|指什么|什么意思|含义|定义|是指|何谓|叫什么")
_SENTENCE_END = re.compile(r"[。！？；!?;][”’）)》」』】]*$")


@dataclass(frozen=True)
class ScoredSentence:
    """One sentence of one hit's chunk, with its relevance to the question."""

    hit: Hit
    start: int  # local offsets in hit.chunk.text
    end: int
    text: str
    terms: frozenset[str]
    score: float
    coverage: float  # weighted share of the question's terms the sentence (or its section) holds
    list_item: bool

    @property
    def doc_start(self) -> int:
        """Offset of the sentence in its document's cleaned text (the deduplication key)."""
        return self.hit.chunk.start + self.start


@dataclass(frozen=True)
class RankingWeights:
    """How the parts of a sentence's score add up (tuned on the dev questions)."""

    section: float = 0.35  # question terms found in the clause's heading path or the document's title
    rank: float = 0.25  # bonus of the first hit; decays as 1/(1+position)
    number: float = 0.2  # numeric question and a sentence holding a quantity
    list_item: float = 0.3  # list question and an enumerated item
    heading_penalty: float = 0.25  # factor for heading-like lines without closing punctuation
    answer_kind: float = 0.35  # the question asks for an amount/date/rank… and the sentence states one
    missing_kind: float = 0.6  # factor when it asks for one and the sentence states none
    preamble_penalty: float = 0.4  # factor for a document's opening/closing formula
    glossary_penalty: float = 0.5  # factor for a glossary definition when no definition is asked for


def term_weight(term: str) -> float:
    """A term's weight in coverage: longer and numeric terms are more specific."""
    weight = 1.0 + math.log(max(len(term), 1))
    if any(ch.isdigit() for ch in term):
        weight *= 1.5
    return weight


class SentenceRanker:
    """Scores every sentence of the top hits by overlap with the question's content terms,
    the clause heading, the hit's rank and the question's numeric/list intent."""

    def __init__(self, tokenize: Tokenize, top_hits: int = 6, weights: RankingWeights = RankingWeights()):
        self.tokenize = tokenize
        self.top_hits = top_hits
        self.weights = weights

    def rank(self, intent: QuestionIntent, hits: Sequence[Hit]) -> list[ScoredSentence]:
        """Sentences of the first ``top_hits`` hits, best first, one per document position."""
        if not intent.terms:
            return []
        forms = {t: frozenset(intent.forms(t)) for t in intent.terms}

        def held(tokens: frozenset[str]) -> frozenset[str]:
            # The question terms ``tokens`` hold, in the question's wording or a synonym's.
            return frozenset(t for t, f in forms.items() if not f.isdisjoint(tokens))

        raw: list[tuple[int, Hit, int, int, str, frozenset[str], frozenset[str], frozenset[str]]] = []
        for position, hit in enumerate(hits[: self.top_hits]):
            # The title frames every clause of a document as its heading path frames the clause:
            # "规划提出…" is about the sentences of the 规划.
            # A packed chunk holds several clauses: each sentence is framed by its own heading path.
            paths: dict[str, frozenset[str]] = {}
            heading_terms: frozenset[str] = frozenset()
            text = hit.chunk.text
            for start, end in split_sentences(text):
                sentence = text[start:end]
                if looks_like_instruction(sentence):
                    continue  # an injected instruction is data, never an answer
                section = sentence_section(hit.chunk, start)
                if section not in paths:
                    paths[section] = frozenset(self.tokenize(" ".join((hit.doc.title or "", section))))
                    heading_terms = frozenset()  # a new clause: earlier inline headings frame it no more
                path_terms = paths[section]
                context_terms = path_terms | heading_terms
                terms = frozenset(self.tokenize(sentence))
                raw.append((position, hit, start, end, sentence, terms, held(terms), held(context_terms)))
                if is_heading_line(sentence) or sentence.lstrip().startswith("**"):
                    # A heading inside the chunk (not parsed as a section; a bold lead-in such as
                    # "**加强非税支付平台建设。**") frames what follows it in its paragraph.
                    heading_terms = terms
        idf = _local_idf(intent.terms, [r[6] for r in raw])
        weights = {t: term_weight(t) * idf[t] for t in intent.terms}
        total = sum(weights.values()) or 1.0

        best: dict[tuple[str, int], ScoredSentence] = {}
        for position, hit, start, end, sentence, terms, matched, section_matched in raw:
            overlap = sum(w for t, w in weights.items() if t in matched) / total
            in_section = sum(w for t, w in weights.items() if t in section_matched and t not in matched) / total
            score = overlap + self.weights.section * in_section
            score += self.weights.rank / (1 + position)
            # A glossary's numbered definitions look like list items but list nothing asked for.
            glossary = is_glossary_entry(sentence, tuple(sentence_section(hit.chunk, start).split(SECTION_SEP)))
            list_item = is_list_item(sentence) and not glossary
            if glossary and not _ASKS_DEFINITION.search(intent.question):
                score *= self.weights.glossary_penalty  # a definition answers "what is X", nothing else
            if intent.wants_number and (holds_quantity(sentence) or len(numbers_in(sentence)) >= 2):
                score += self.weights.number
            if intent.kinds:
                # The answer itself, not a sentence about the same thing: a date for 哪天, 元 for 多少钱.
                if any(states_answer_kind(sentence, kind) for kind in intent.kinds if kind != "place"):
                    # Only as much as the sentence is about the question: a figure about
                    # something else must not outrank the sentence that names the thing asked.
                    score += self.weights.answer_kind * overlap
                elif not (intent.kinds == ("place",)):
                    score *= self.weights.missing_kind
            if is_preamble(sentence, intent.question):
                score *= self.weights.preamble_penalty
            if intent.wants_list and list_item:
                score += self.weights.list_item
            if is_heading_line(sentence) and not (intent.wants_number and is_table_row(sentence)):
                score *= self.weights.heading_penalty
            if overlap == 0:
                score *= 0.3  # a sentence sharing no term with the question answers nothing
            scored = ScoredSentence(
                hit=hit,
                start=start,
                end=end,
                text=sentence,
                terms=terms,
                score=score,
                coverage=min(1.0, overlap + in_section),
                list_item=list_item,
            )
            # Overlapping chunks repeat sentences: keep the copy from the better hit.
            key = (hit.chunk.doc_id, hit.chunk.start + start)
            if key not in best or best[key].score < score:
                best[key] = scored
        return sorted(best.values(), key=lambda s: (-s.score, s.doc_start))


def is_heading_line(sentence: str) -> bool:
    """True for a short line without closing punctuation (一、关于…的建议), not a sentence."""
    return len(sentence) < 60 and not _SENTENCE_END.search(sentence)


def is_table_row(line: str) -> bool:
    """True for a tab-separated line ending in a figure (15\t好差评(分)\t8\t9.5): a row of an
    indicator table, which answers numeric questions although it has no closing punctuation."""
    cells = [c for c in line.split("\t") if c.strip()]
    return len(cells) >= 3 and bool(numbers_in(cells[-1]))


def _local_idf(terms: Sequence[str], sentence_terms: Sequence[frozenset[str]]) -> dict[str, float]:
    """IDF of the question terms over the candidate sentences (the question terms each
    sentence holds, synonyms included), floored so no term vanishes."""
    n = len(sentence_terms)
    idf: dict[str, float] = {}
    for term in terms:
        df = sum(1 for s in sentence_terms if term in s)
        idf[term] = max(0.3, math.log((n + 1) / (df + 0.5))) if n else 1.0
    return idf
