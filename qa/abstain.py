"""Honest abstention: say "资料中未找到" when retrieval does not hold the answer.

The confidence of a question is a weighted coverage of its content terms by the best
retrieved clauses (specific terms — long words, numbers, years, names — count more), mixed
with the dense similarity of the best hit. Unanswerable questions on the corpus topics share
most generic words with it but miss the specific one (a year not covered, a district never
mentioned); the weighted coverage is what separates them. The threshold is calibrated on
the dev questions against the dev unanswerable questions (``evals/calibrate_abstention.py``).

The score alone cannot tell a near-topic question from an answerable one, so the answerer
also checks the question's hard constraints against the sentences it selected
(``find_unmet_constraints``): a place no retrieved clause mentions (虎门镇), the object of
a yes/no question that none mentions (数字人民币), a quoted name or a year the selected
clauses do not state, or a kind of fact (an amount in 元, a count, a date, a rank, a
place) the selected sentences do not hold. Each unmet constraint is a reason to abstain,
recorded in the answer's notice (未作答：…). These rules catch nearly all near-topic
questions on the dev set, so the calibrated score threshold is low: it only catches
questions retrieval finds almost nothing for.
"""

from __future__ import annotations

import logging

import re
from collections.abc import Sequence
from dataclasses import dataclass

from policyqa.records import Answer, Citation, Hit
from qa.citations import make_citation
from qa.intent import Tokenize, analyze_question, expected_answer_kinds, states_answer_kind, years_in
from qa.ranking import term_weight
from qa.sentences import split_sentences

_KIND_LABELS = {"money": "金额", "count": "数量", "time": "时间", "rank": "排名", "place": "地点"}
_SPACES = re.compile(r"\s+")
_PLACE_SUFFIXES = ("镇", "街道", "区", "县", "村", "社区", "市", "省")
_QUOTED = re.compile(r"[“\"]([^”\"]+)[”\"]")
_PUNCT = re.compile(r"[、，,；;：:]")
_WHETHER = re.compile(r"有没有|是否|能否|能不能|可不可以")
_COUNTED = re.compile(r"[一二三四五六七八九十两]+个")

NOT_FOUND_TEXT = "资料中未找到该问题的答案。以下是最接近的资料，仅供参考。"

# Calibrated on the dev split (evals/calibrate_abstention.py); see the report there.
DEFAULT_THRESHOLD = 0.23


@dataclass(frozen=True)
class Confidence:
    """How sure retrieval is that the hits answer the question, with the parts of the score."""

    score: float
    coverage: float  # weighted share of question terms found in the top clauses
    missing: tuple[str, ...]  # question terms found in none of them
    dense: float  # cosine similarity of the best dense hit (0 when unknown)


class AbstentionPolicy:
    """Decides from the retrieved hits whether to answer or abstain."""

    def __init__(
        self,
        tokenize: Tokenize,
        threshold: float = DEFAULT_THRESHOLD,
        top_k: int = 3,
        dense_weight: float = 0.3,
        missing_number_factor: float = 0.7,
    ):
        self.tokenize = tokenize
        self.threshold = threshold
        self.top_k = top_k
        self.dense_weight = dense_weight
        self.missing_number_factor = missing_number_factor

    def assess(self, question: str, hits: Sequence[Hit]) -> Confidence:
        """The confidence that the first ``top_k`` hits answer ``question``."""
        intent = analyze_question(question, self.tokenize)
        top = list(hits[: self.top_k])
        if not top or not intent.terms:
            return Confidence(score=0.0, coverage=0.0, missing=intent.terms, dense=0.0)
        found: set[str] = set()
        for hit in top:
            found.update(hit.matched_terms)
            found.update(self.tokenize(" ".join((hit.doc.title or "", *hit.chunk.section, hit.chunk.text))))
        weights = {t: term_weight(t) for t in intent.terms}
        coverage = sum(w for t, w in weights.items() if t in found) / sum(weights.values())
        dense = max((h.scores.get("dense", 0.0) for h in top), default=0.0)
        score = (1 - self.dense_weight) * coverage + self.dense_weight * dense
        missing = tuple(t for t in intent.terms if t not in found)
        if any(any(ch.isdigit() for ch in t) for t in missing):
            # A year, amount or number the question names and no top clause holds: the corpus
            # is about another year or figure (the commonest unanswerable question).
            score *= self.missing_number_factor
        return Confidence(score=score, coverage=coverage, missing=missing, dense=dense)

    def should_abstain(self, confidence: Confidence) -> bool:
        """True when the confidence is below the calibrated threshold."""
        return confidence.score < self.threshold

    def review(self, question: str, answer: Answer, hits: Sequence[Hit], history: Sequence[str] = ()) -> Answer:
        """``answer``, or the abstention when its cited clauses (with their headings, their
        documents' titles and metadata, and the earlier questions) do not name every detail the
        question names (``qa.grounding``). Any answerer's answer passes through here."""
        from qa.grounding import describe_missing, missing_details, question_details

        by_chunk = {h.chunk.chunk_id: h for h in hits}
        cited = [by_chunk[c.chunk_id] for c in answer.citations if c.chunk_id in by_chunk]
        details = question_details(question, tag_words)
        if not details:
            return answer
        # Years must be in the lead (answering) sentence; other details anywhere in the cited clauses
        # (measured on dev: holding every detail to the quoted sentence alone wrongly refused
        # more answerable questions than it caught).
        missing = missing_details(details, cited, [c.quote for c in answer.citations[:1]], history)
        if not missing:
            return answer
        return abstained_answer(question, hits, notice="未作答：" + describe_missing(missing))


def find_unmet_constraints(question: str, answer_text: str, support_text: str, context_text: str) -> tuple[str, ...]:
    """Why the selected sentences cannot answer ``question``, one reason each (empty: none).

    ``answer_text`` is the selected sentences, ``support_text`` the clauses they come from
    (headings included), ``context_text`` everything retrieved: a place the question names
    that occurs nowhere in it is absent from the corpus for practical purposes, since
    retrieval ranks the clauses naming it first.
    """
    answer_text, support_text, context_text = (_SPACES.sub("", t) for t in (answer_text, support_text, context_text))
    reasons = [f"资料中未出现“{name}”" for name in question_places(question) if name not in context_text]
    if _WHETHER.search(question):
        # Yes or no needs the thing asked about: if no clause names it, the corpus says neither.
        reasons += [f"资料中未出现“{noun}”" for noun in question_nouns(question) if noun not in context_text]
    reasons += [f"所选条文未提及“{term}”" for term in quoted_terms(question) if term not in support_text]
    reasons += [f"所选条文未涉及{year}" for year in question_years(question) if year not in support_text]
    reasons += [
        f"所选条文没有所问的{_KIND_LABELS[kind]}"
        for kind in expected_answer_kinds(question)
        if not states_answer_kind(answer_text, kind) and not (kind == "place" and names_place(answer_text, question))
    ]
    return tuple(reasons)


def tag_words(text: str) -> list[tuple[str, str]]:
    """``text`` cut into (word, part-of-speech flag) pairs by jieba's tagger."""
    import jieba
    import jieba.posseg  # deferred: the tagger loads its model on first use

    jieba.setLogLevel(logging.WARNING)  # its dictionary-loading chatter is not for CLI users
    return [(pair.word, pair.flag) for pair in jieba.posseg.cut(text)]


def question_nouns(question: str) -> tuple[str, ...]:
    """The nouns of two or more characters in ``question``."""
    return tuple(dict.fromkeys(w for w, flag in tag_words(question) if flag.startswith("n") and len(w) >= 2))


def question_places(question: str) -> tuple[str, ...]:
    """The places (towns, districts, streets) ``question`` names, as jieba tags them."""
    pairs = tag_words(question)
    places: list[str] = []
    for (word, flag), following in zip(pairs, [*pairs[1:], ("", "")]):
        if flag != "ns" or len(word) < 2:
            continue
        # The tagger also marks colloquial words (镇里, 上提) as places; a real one carries
        # an administrative suffix or is followed by one. 虎门镇 is looked up as 虎门.
        if word.endswith(_PLACE_SUFFIXES) and not word.endswith(("市", "省")):
            places.append(word[:-1] if word.endswith("镇") else word)
        elif following[0].startswith(_PLACE_SUFFIXES):
            places.append(word)
    return tuple(dict.fromkeys(places))


def names_place(text: str, question: str) -> bool:
    """True when ``text`` names a place the question does not already name (the answer to 哪个城市)."""
    known = {"东莞", "东莞市", "城市", "全市", "本市"}  # the corpus's own city answers no 哪里
    return any(
        flag == "ns" and len(word) >= 2 and word not in known and word not in question for word, flag in tag_words(text)
    )


def quoted_terms(question: str) -> tuple[str, ...]:
    """Short names the question puts in quotation marks (“智慧交通”): what it is about."""
    # A counted summary (“七个一”) is the asker's shorthand, seldom the document's wording.
    terms = (t for t in _QUOTED.findall(question) if 2 <= len(t) <= 8 and not _PUNCT.search(t) and not _COUNTED.match(t))
    return tuple(dict.fromkeys(terms))


def question_years(question: str) -> tuple[str, ...]:
    """The years ``question`` restricts itself to, as they must be written in a clause.

    A fiscal year (2022年度) must be written as such: a clause dated 2022年4月 is not
    about the 2022 fiscal year."""
    return tuple(f"{y}年度" if f"{y}年度" in question and f"-{y}年度" not in question else y for y in years_in(question))


def abstained_answer(question: str, hits: Sequence[Hit], max_nearest: int = 3, notice: str | None = None) -> Answer:
    """The "资料中未找到…" answer, listing the nearest clauses as such (not as support)."""
    nearest: list[Citation] = []
    seen_docs: set[str] = set()
    for hit in hits:
        if len(nearest) >= max_nearest:
            break
        if hit.chunk.doc_id in seen_docs:
            continue
        span = _lead_sentence(hit.chunk.text)
        if span is None:
            continue
        seen_docs.add(hit.chunk.doc_id)
        nearest.append(make_citation(len(nearest) + 1, hit, None, *span))
    return Answer(question=question, text=NOT_FOUND_TEXT, abstained=True, nearest=tuple(nearest), notice=notice)


def _lead_sentence(text: str, min_chars: int = 12) -> tuple[int, int] | None:
    """The first sentence of a clause long enough to show what it is about."""
    spans = split_sentences(text)
    for start, end in spans:
        if end - start >= min_chars:
            return start, end
    return spans[0] if spans else None
