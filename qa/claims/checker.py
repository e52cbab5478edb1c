"""Check claims against the corpus: supported, contradicted or not found.

For each atomic claim the checker retrieves clauses, splits them into sentences and aligns
the claim with each sentence (share of the claim's wording found in it, plus the fact slots
they share). Then:

- supported: an aligned sentence (or two neighbouring ones) holds every key fact of the
  claim (amounts, years, grades, ranks, bodies, 《titles》), contradicts none of them, and covers enough of the claim's wording — a
  claim is never supported on topic similarity alone;
- contradicted: the best-aligned sentences talk about the same thing (enough shared
  wording) but a key fact, the negation or the modality differs;
- not_found: nothing aligned well enough, or the aligned sentence is silent on a key fact.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container, Iterable
from dataclasses import dataclass

from index.base import Retriever
from policyqa.errors import InvalidQueryError
from policyqa.validation import check_text
from policyqa.records import Citation, Hit, Verdict
from qa.citations import make_citation
from qa.claims.compare import KEY_KINDS, FactComparison, compare_facts
from qa.claims.facts import compact_text, extract_facts
from qa.claims.split import split_claims
from qa.sentences import split_sentences

_CJK_OR_DIGIT = re.compile(r"[\u4e00-\u9fffA-Za-z0-9.]+")
MAX_CLAIM_CHARS = 2000
_STATUS_SECTIONS = ("现状", "基础与形势", "成效", "存在问题", "引言")


@dataclass(frozen=True)
class Thresholds:
    """Decision thresholds on wording coverage (share of the claim's bigrams in the sentence).

    Tuned on the DEV claims only (``evals/suites/claims.py`` reports dev and test apart).
    """

    support: float = 0.4  # coverage a supporting sentence needs when key facts match
    support_without_facts: float = 0.5  # a claim with no key fact needs more of its wording
    contradict: float = 0.3  # coverage that makes a differing sentence "about the same thing"
    margin: float = 0.1  # how much better aligned a contradicting sentence must be than a clean one
    candidates: int = 6  # best-aligned sentences examined
    pair_candidates: int = 4
    pair_distance: int = 400  # two sentences support a claim together only when this close


@dataclass(frozen=True)
class _Candidate:
    hit: Hit
    start: int  # sentence span, local to the chunk text
    end: int
    coverage: float
    alignment: float
    comparison: FactComparison


def _bigrams(text: str) -> set[str]:
    grams: set[str] = set()
    for run in _CJK_OR_DIGIT.findall(compact_text(text)):
        grams.update(run[i: i + 2] for i in range(max(len(run) - 1, 1)))
    return grams


def coverage(claim: str, sentence: str) -> float:
    """Share of the claim's character bigrams that the sentence contains."""
    mine = _bigrams(claim)
    return len(mine & _bigrams(sentence)) / len(mine) if mine else 0.0


# Common nouns only: the tagger's person names (nr) are often mis-cut pairs such as 云向 or 库由.
_NOUN_FLAGS = ("n", "nz", "nt", "eng")
_NOT_NOUNS = ("nr",)


class KnownWords:
    """Whether the corpus uses a word: its index tokens are in the BM25 vocabulary."""

    def __init__(self, tokenize: Callable[[str], list[str]], vocabulary: Container[str]):
        self.tokenize = tokenize
        self.vocabulary = vocabulary

    def __contains__(self, word: object) -> bool:
        tokens = self.tokenize(str(word))
        return bool(tokens) and all(t in self.vocabulary for t in tokens)

    @classmethod
    def of(cls, lexical: object) -> KnownWords | None:
        """The vocabulary of a BM25 retriever (``index.bm25.Bm25Retriever``), if it is one."""
        model, tokenizer = getattr(lexical, "model", None), getattr(lexical, "tokenizer", None)
        vocab = getattr(model, "vocab_dict", None)
        return cls(tokenizer.tokenize, vocab) if vocab is not None and tokenizer is not None else None


def unknown_subjects(claim: str, hits: Iterable[Hit], known: Container[str] | None = None) -> tuple[str, ...]:
    """Nouns of ``claim`` that no retrieved clause (text, headings, title) contains, not even in
    part (none of their character pairs), and that the corpus never uses (``known``): what the
    claim is about but the corpus never names."""
    from qa.abstain import tag_words

    seen = compact_text(" ".join(" ".join((h.doc.title or "", *h.chunk.section, h.chunk.text)) for h in hits))
    grams = {seen[i:i + 2] for i in range(len(seen) - 1)}
    missing = []
    for word, flag in tag_words(compact_text(claim)):
        if flag.startswith(_NOUN_FLAGS) and not flag.startswith(_NOT_NOUNS) and len(word) >= 2 \
                and not any(word[i:i + 2] in grams for i in range(len(word) - 1)) \
                and (known is None or word not in known):
            missing.append(word)
    return tuple(missing)


def _distance(a: _Candidate, b: _Candidate) -> float:
    """Characters between two sentences of one document (infinite across documents)."""
    if a.hit.doc.doc_id != b.hit.doc.doc_id:
        return float("inf")
    a_start, b_start = a.hit.chunk.start + a.start, b.hit.chunk.start + b.start
    return abs(a_start - b_start)


def _default_modality(hit: Hit) -> str | None:
    """A plan's task sections state what is to be done, with or without 将/计划."""
    if hit.doc.doc_type != "plan":
        return None
    section = hit.chunk.section_path
    return None if any(word in section for word in _STATUS_SECTIONS) else "planned"


class ClaimChecker:
    """Checks the claims of a paragraph against a retriever's clauses."""

    def __init__(
        self,
        retriever: Retriever,
        k: int = 12,
        known_bodies: Iterable[str] = (),
        thresholds: Thresholds = Thresholds(),
        lexical: Retriever | None = None,
    ):
        """``lexical`` (a BM25 retriever) adds exact-wording hits: a claim turns on its exact
        figures and titles, which dense fusion may rank below paraphrases."""
        self.retriever = retriever
        self.lexical = lexical
        self.k = k
        self.known_bodies = tuple(known_bodies)
        self.thresholds = thresholds
        # The corpus vocabulary (from the BM25 pass) tells a claim about an unknown thing.
        self.known_words = KnownWords.of(lexical)

    def check(self, text: str) -> list[Verdict]:
        """One verdict per atomic claim of ``text`` (a claim or a pasted paragraph)."""
        stripped = text.strip()
        if not stripped:
            raise InvalidQueryError("the claim is empty")
        if len(stripped) > MAX_CLAIM_CHARS:
            raise InvalidQueryError(f"the text is longer than {MAX_CLAIM_CHARS} characters")
        check_text(stripped, "陈述")
        return [self.check_claim(claim) for claim in split_claims(stripped) or [stripped]]

    def check_claim(self, claim: str) -> Verdict:
        """The verdict on one atomic claim."""
        t = self.thresholds
        hits = self._retrieve(claim)
        candidates = self._candidates(claim, hits)
        has_slots = any(f.kind in KEY_KINDS for f in extract_facts(claim, self.known_bodies))
        support = self._supporting(claim, candidates, has_slots)
        rival = next((c for c in candidates[:2] if c.comparison.differences and c.coverage >= t.contradict), None)
        # A contradiction wins unless a clean sentence is about as well aligned: the claim is
        # judged against what the corpus says about the very same thing.
        if rival and rival not in support and (not support or rival.coverage > support[0].coverage + t.margin):
            if unknown_subjects(claim, hits, self.known_words):
                # The claim is about something no retrieved clause names (火星基地): the corpus
                # says nothing about it, so a differing year elsewhere contradicts nothing.
                return Verdict(claim, "not_found")
            return Verdict(claim, "contradicted", (self._cite(rival),), rival.comparison.differences)
        if support:
            return Verdict(claim, "supported", tuple(self._cite(c, i) for i, c in enumerate(support, 1)))
        return Verdict(claim, "not_found")

    def _supporting(self, claim: str, candidates: list[_Candidate], has_slots: bool) -> list[_Candidate]:
        """One clean sentence that supports the claim, or two of one document that together do."""
        t = self.thresholds
        for cand in candidates:
            comp = cand.comparison
            if comp.differences or comp.missing:
                continue
            needed = t.support if comp.matched else t.support_without_facts
            if cand.coverage >= needed and (comp.matched or not has_slots):
                return [cand]
        # A claim may join two facts the source states in neighbouring sentences; the pair
        # is compared as one text, so a fact "differing" from one sentence may sit in the other.
        partial = [c for c in candidates[: t.pair_candidates] if c.comparison.matched]
        for first in partial:
            for second in candidates:
                if second is first or _distance(first, second) > t.pair_distance:
                    continue
                joined = self._text(first) + self._text(second)
                comp = self._compare_text(claim, joined, first.hit)
                if not comp.differences and not comp.missing and coverage(claim, joined) >= t.support:
                    return sorted([first, second], key=lambda c: (c.hit.chunk.start + c.start))
        return []

    def _candidates(self, claim: str, hits: list[Hit]) -> list[_Candidate]:
        """Sentences of the retrieved clauses, best-aligned first (duplicates from overlaps dropped)."""
        claim_slots = {(f.kind, f.unit) for f in extract_facts(claim, self.known_bodies) if f.kind in KEY_KINDS}
        seen: set[str] = set()
        scored: list[tuple[float, float, Hit, int, int]] = []
        for hit in hits:
            for start, end in split_sentences(hit.chunk.text):
                sentence = hit.chunk.text[start:end]
                key = compact_text(sentence)
                if key in seen:
                    continue
                seen.add(key)
                cov = coverage(claim, sentence)
                slots = {(f.kind, f.unit) for f in extract_facts(sentence, self.known_bodies)}
                shared = len(claim_slots & slots) / len(claim_slots) if claim_slots else 0.0
                # Rank breaks ties between equally worded sentences in favour of retrieval.
                scored.append((cov + 0.15 * shared - 0.002 * hit.rank, cov, hit, start, end))
        scored.sort(key=lambda s: -s[0])
        return [
            _Candidate(hit, start, end, cov, align, self._compare(claim, hit, start, end))
            for align, cov, hit, start, end in scored[: self.thresholds.candidates]
        ]

    def _retrieve(self, claim: str) -> list[Hit]:
        hits = self.retriever.retrieve(claim, k=self.k)
        if self.lexical is not None:
            seen = {h.chunk.chunk_id for h in hits}
            hits += [h for h in self.lexical.retrieve(claim, k=self.k // 2) if h.chunk.chunk_id not in seen]
        return hits

    def _compare(self, claim: str, hit: Hit, start: int, end: int) -> FactComparison:
        return self._compare_text(claim, hit.chunk.text[start:end], hit)

    def _compare_text(self, claim: str, source: str, hit: Hit) -> FactComparison:
        # The issuing body speaks as 我局/我市 without naming itself in the sentence.
        context = [name for name in (hit.doc.issuer,) if name]
        return compare_facts(claim, source, self.known_bodies, context, _default_modality(hit))

    @staticmethod
    def _text(cand: _Candidate) -> str:
        return cand.hit.chunk.text[cand.start: cand.end]

    @staticmethod
    def _cite(cand: _Candidate, marker: int = 1) -> Citation:
        return make_citation(marker, cand.hit, None, cand.start, cand.end)

