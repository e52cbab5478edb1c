"""The gold set: typed loading, validation, and the verbatim-quote check.

A gold directory holds four JSONL files (``questions``, ``unanswerable``, ``claims``,
``precedents``; see ``evals/README.md``). Documents are referred to by their file stem
(``002_4a82e6608af59380``), which is how a user names their own files too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from policyqa.errors import PolicyQAError

QuestionType = Literal[
    "lexical", "paraphrase", "numeric", "date", "list", "who_what", "why_how", "cross_doc", "follow_up"
]
# What makes an unanswerable question hard (the blind gold set names it; the demo gold does not).
UnanswerableKind = Literal[
    "other_place", "other_year", "other_number", "absent_figure", "adjacent_detail", "yes_no_absent", "other"
]
# The one change that makes a contradicted claim wrong (``none`` for supported, ``absent`` for not found).
ClaimChange = Literal[
    "none", "number", "rank", "level", "date", "org_swap", "negation", "swap", "absent", "other"
]
UserRole = Literal["staff", "drafter", "evaluator"]
Split = Literal["dev", "test"]
ClaimLabel = Literal["supported", "contradicted", "not_found"]

GOLD_FILES = ("questions", "unanswerable", "claims", "precedents")
DEFAULT_GOLD_DIR = Path(__file__).resolve().parent / "gold"

_WHITESPACE = re.compile(r"\s+")


class GoldFormatError(PolicyQAError):
    """A gold file is missing or one of its lines breaks the format; the message names file and line."""


class _GoldItem(BaseModel):
    # Unknown keys are refused: a typo such as "evidnce" would otherwise silently drop the quotes.
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1)
    split: Split


class GoldQuestion(_GoldItem):
    """An answerable question with the verbatim evidence that answers it.

    ``evidence`` is a list of quotes, or for a ``cross_doc`` question an object
    ``{stem: [quotes]}`` giving each source document its own quotes (kept in ``evidence_by_doc``;
    ``evidence`` is then every quote). ``fact`` is the expected answer's key string (a number with
    its unit, a date, a 文号, a name), verbatim in one of the quotes. ``history`` holds the earlier
    user turns of a follow-up question, oldest first.
    """

    question: str = Field(min_length=2)
    type: QuestionType
    user: UserRole
    docs: tuple[str, ...] = Field(min_length=1)
    evidence: tuple[str, ...] = Field(min_length=1, max_length=8)
    evidence_by_doc: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    answer: str = Field(min_length=1)
    fact: str | None = None
    history: tuple[str, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _evidence_per_document(cls, data: object) -> object:
        if isinstance(data, dict) and isinstance(data.get("evidence"), dict):
            per_doc = {stem: tuple(quotes) for stem, quotes in data["evidence"].items()}
            data = {**data, "evidence_by_doc": per_doc, "evidence": [q for qs in per_doc.values() for q in qs]}
        return data

    @field_validator("evidence")
    @classmethod
    def _quotes_not_blank(cls, quotes: tuple[str, ...]) -> tuple[str, ...]:
        if any(not q.strip() for q in quotes):
            raise ValueError("an evidence quote is empty")
        return quotes

    @model_validator(mode="after")
    def _shape_of_type(self) -> GoldQuestion:
        if self.evidence_by_doc and set(self.evidence_by_doc) - set(self.docs):
            raise ValueError("evidence names a document that is not in docs")
        if self.type == "cross_doc" and len(self.evidence_by_doc) < 2:
            raise ValueError("a cross_doc question needs evidence from at least two documents ({stem: [quotes]})")
        if self.type == "follow_up" and not self.history:
            raise ValueError("a follow_up question needs its history (the earlier questions)")
        if self.fact is not None and not any(
            strip_whitespace(self.fact) in strip_whitespace(q) for q in self.evidence
        ):
            raise ValueError("the fact is not verbatim in any evidence quote")
        return self


class GoldUnanswerable(_GoldItem):
    """A plausible question the corpus does not answer."""

    question: str = Field(min_length=2)
    near_docs: tuple[str, ...] = ()
    why: str = Field(min_length=1)
    kind: UnanswerableKind | None = None


class ClaimDiff(BaseModel):
    """The changed span of a contradicted claim, as it reads in the claim and in the source."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    claim: str = Field(min_length=1)
    source: str = Field(min_length=1)


class GoldClaim(_GoldItem):
    """A claim with its expected verdict and the evidence behind it."""

    claim: str = Field(min_length=2)
    label: ClaimLabel
    kind: str | None = None  # the demo gold's free-form kind
    change: ClaimChange | None = None  # the blind gold's one change
    subject: str | None = None  # what the changed fact belongs to
    docs: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    diff: ClaimDiff | None = None

    @property
    def change_kind(self) -> str:
        """The change (blind gold) or the kind (demo gold)."""
        return self.change or self.kind or "unknown"

    @model_validator(mode="after")
    def _label_needs_evidence(self) -> GoldClaim:
        if self.kind is None and self.change is None:
            raise ValueError("a claim needs its change (or kind)")
        # A supported or contradicted claim without evidence cannot be checked against the corpus.
        if self.label != "not_found" and not (self.docs and self.evidence):
            raise ValueError(f"a {self.label} claim needs docs and evidence")
        if self.label == "contradicted" and self.diff is None:
            raise ValueError("a contradicted claim needs a diff")
        return self


class GoldPrecedent(_GoldItem):
    """A new draft proposal with the documents that already answer it, most relevant first."""

    draft: str = Field(min_length=10)
    # Most relevant first; empty when no document of the corpus addresses the draft.
    docs: tuple[str, ...] = ()
    # Verbatim commitments (下一步/将/计划…) of the replies that bear on the draft's topic.
    commitments: tuple[str, ...] = ()


_ItemT = TypeVar("_ItemT", bound=_GoldItem)


@dataclass(frozen=True)
class GoldSet:
    """The four gold lists of one directory."""

    questions: tuple[GoldQuestion, ...]
    unanswerable: tuple[GoldUnanswerable, ...]
    claims: tuple[GoldClaim, ...]
    precedents: tuple[GoldPrecedent, ...]
    source_dir: Path

    def select(self, split: str) -> GoldSet:
        """The items of one split (``dev`` or ``test``); ``all`` keeps everything."""
        if split == "all":
            return self

        def keep(items: tuple[_ItemT, ...]) -> tuple[_ItemT, ...]:
            return tuple(i for i in items if i.split == split)

        return GoldSet(
            questions=keep(self.questions),
            unanswerable=keep(self.unanswerable),
            claims=keep(self.claims),
            precedents=keep(self.precedents),
            source_dir=self.source_dir,
        )

    def referenced_docs(self) -> set[str]:
        """Every document stem the gold items name."""
        stems: set[str] = set()
        for q in self.questions:
            stems.update(q.docs)
        for u in self.unanswerable:
            stems.update(u.near_docs)
        for c in self.claims:
            stems.update(c.docs)
        for p in self.precedents:
            stems.update(p.docs)
        return stems


def load_gold(gold_dir: Path) -> GoldSet:
    """Read and validate the four files of ``gold_dir``.

    ``questions.jsonl`` is required; the other three may be absent (a user's own gold set may
    only have questions). A directory whose splits were written apart holds them as
    subdirectories (``dev/``, ``test/``), each in this format; they are read together.
    Raises :class:`GoldFormatError` on any invalid line or duplicate id.
    """
    gold_dir = Path(gold_dir)
    parts = [gold_dir / split for split in ("dev", "test") if (gold_dir / split / "questions.jsonl").is_file()]
    if parts and not (gold_dir / "questions.jsonl").is_file():
        loaded = [load_gold(part) for part in parts]
        gold = GoldSet(
            questions=tuple(q for g in loaded for q in g.questions),
            unanswerable=tuple(u for g in loaded for u in g.unanswerable),
            claims=tuple(c for g in loaded for c in g.claims),
            precedents=tuple(p for g in loaded for p in g.precedents),
            source_dir=gold_dir,
        )
        _refuse_duplicate_ids(gold)
        for part, part_gold in zip(parts, loaded):
            wrong = [i.id for i in (*part_gold.questions, *part_gold.unanswerable, *part_gold.claims,
                                    *part_gold.precedents) if i.split != part.name]
            if wrong:
                raise GoldFormatError(f"{part}: items {wrong[:5]} do not have split {part.name!r}")
        return gold
    if not (gold_dir / "questions.jsonl").is_file():
        raise GoldFormatError(f"{gold_dir}: no questions.jsonl (see evals/README.md for the gold format)")
    gold = GoldSet(
        questions=_read_items(gold_dir / "questions.jsonl", GoldQuestion),
        unanswerable=_read_items(gold_dir / "unanswerable.jsonl", GoldUnanswerable),
        claims=_read_items(gold_dir / "claims.jsonl", GoldClaim),
        precedents=_read_items(gold_dir / "precedents.jsonl", GoldPrecedent),
        source_dir=gold_dir,
    )
    _refuse_duplicate_ids(gold)
    return gold


def _read_items(path: Path, model: type[_ItemT]) -> tuple[_ItemT, ...]:
    if not path.is_file():
        return ()
    items: list[_ItemT] = []
    with path.open(encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                items.append(model.model_validate(json.loads(line)))
            except json.JSONDecodeError as exc:
                raise GoldFormatError(f"{path.name}:{line_no}: not JSON ({exc.msg})") from exc
            except ValidationError as exc:
                problems = "; ".join(
                    f"{'.'.join(map(str, e['loc'])) or 'item'}: {e['msg']}" for e in exc.errors()
                )
                raise GoldFormatError(f"{path.name}:{line_no}: {problems}") from exc
    return tuple(items)


def _refuse_duplicate_ids(gold: GoldSet) -> None:
    seen: set[str] = set()
    for item in (*gold.questions, *gold.unanswerable, *gold.claims, *gold.precedents):
        if item.id in seen:
            raise GoldFormatError(f"duplicate gold id {item.id!r}")
        seen.add(item.id)


@dataclass(frozen=True)
class QuoteProblem:
    """A gold quote that is not found in any of its documents (or a document that is missing)."""

    item_id: str
    doc_stems: tuple[str, ...]
    quote: str
    reason: str

    def __str__(self) -> str:
        return f"{self.item_id}: {self.reason}: {self.quote!r} (docs {', '.join(self.doc_stems)})"


def strip_whitespace(text: str) -> str:
    """``text`` with every whitespace character removed (the quote check is whitespace-insensitive)."""
    return _WHITESPACE.sub("", text)


def document_text_path(corpus_dir: Path, stem: str) -> Path | None:
    """The UTF-8 text gold quotes are checked against: ``text/<stem>.txt`` (the text of a PDF, a
    DOCX or a TXT in another encoding) or the document itself when it is ``<stem>.txt`` in UTF-8."""
    for path in (corpus_dir / "text" / f"{stem}.txt", corpus_dir / f"{stem}.txt"):
        if path.is_file():
            try:
                path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue
            return path
    return None


def check_quotes(gold_dir: Path, corpus_dir: Path) -> list[QuoteProblem]:
    """Every evidence quote of ``gold_dir`` that is not verbatim in one of its documents.

    A document stem maps to its UTF-8 text (``document_text_path``). The comparison ignores whitespace only:
    the quotes are what citations will show, so any other difference is a broken quote.
    """
    gold = load_gold(gold_dir)
    texts: dict[str, str | None] = {}

    def text_of(stem: str) -> str | None:
        if stem not in texts:
            path = document_text_path(Path(corpus_dir), stem)
            texts[stem] = strip_whitespace(path.read_text(encoding="utf-8")) if path else None
        return texts[stem]

    items: Iterable[GoldQuestion | GoldClaim] = (*gold.questions, *gold.claims)
    problems: list[QuoteProblem] = []
    for item in items:
        missing = [d for d in item.docs if text_of(d) is None]
        for stem in missing:
            problems.append(QuoteProblem(item.id, (stem,), "", f"no document {stem}.txt in {corpus_dir}"))
        by_doc = getattr(item, "evidence_by_doc", {}) or {}
        for stems, quotes in ([((s,), qs) for s, qs in by_doc.items()] or [(item.docs, item.evidence)]):
            for quote in quotes:
                needle = strip_whitespace(quote)
                if not any(needle in (text_of(d) or "") for d in stems):
                    problems.append(QuoteProblem(item.id, stems, quote, "quote not found"))
    for precedent in gold.precedents:
        for stem in precedent.docs:
            if text_of(stem) is None:
                problems.append(QuoteProblem(precedent.id, (stem,), "", f"no document {stem}.txt in {corpus_dir}"))
    return problems
