"""Frozen records passed between stages.

Every stage speaks in these types; none of them knows about storage, models or HTTP.
Offsets (``start``/``end``) are character offsets into the *cleaned* document text
(``Document.text``), which is what citations quote.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

DocType = Literal[
    "plan", "proposal_reply", "evaluation_report", "rectification_letter",
    "notice", "opinion", "regulation", "work_report", "standard", "explanation", "letter", "other",
]
VerdictLabel = Literal["supported", "contradicted", "not_found"]

SECTION_SEP = " > "


@dataclass(frozen=True)
class LoadedDocument:
    """Raw text of a file as a loader recovered it, one string per page."""

    source: str  # file name, e.g. "002_4a82e6608af59380.txt"
    pages: tuple[str, ...]
    ocr: bool = False
    warnings: tuple[str, ...] = ()
    # Layout hints, one character per line of each page (``ingest.layout`` names them); empty
    # when the format has none (plain text), so line joining falls back to the text alone.
    marks: tuple[str, ...] = ()
    # False when the format has no pages (a DOCX without page breaks): chunks then carry no
    # page number rather than a made-up "1".
    paginated: bool = True
    title: str | None = None  # the file's own title property (PDF /Title, DOCX core title)


@dataclass(frozen=True)
class Section:
    """A node of a document's clause tree (一、/（一）/1./（1）/第X条/附件 ...)."""

    title: str
    level: int
    start: int
    end: int
    children: tuple[Section, ...] = ()


@dataclass(frozen=True)
class DocumentInfo:
    """A stored document's metadata (no text)."""

    doc_id: str
    source: str
    path: str
    content_hash: str
    title: str | None = None
    doc_number: str | None = None  # 文号, e.g. 东政数函〔2021〕53号
    issuer: str | None = None
    addressee: str | None = None
    date: str | None = None  # ISO yyyy-mm-dd
    doc_type: DocType = "other"
    proposal_number: str | None = None  # e.g. 20210142
    cites: tuple[str, ...] = ()  # 《…》 titles and 文号 this document names
    standard_number: str | None = None  # e.g. GB/T 9704—2012
    pages: int = 0
    chunks: int = 0
    ocr: bool = False
    access: str = "public"  # "public", "internal" or a named group
    ingest_rules: int = 0  # ingest.rules.INGEST_RULES_VERSION the stored text was extracted with


@dataclass(frozen=True)
class Chunk:
    """A retrievable span of a document, inside one clause."""

    chunk_id: str
    doc_id: str
    ordinal: int
    section: tuple[str, ...]  # heading path from the top of the tree
    pages: tuple[int, ...]  # 1-based page numbers the span touches
    start: int
    end: int
    text: str  # the cleaned original text of [start, end)

    @property
    def section_path(self) -> str:
        return SECTION_SEP.join(self.section)


@dataclass(frozen=True)
class SearchFilter:
    """Restrictions applied inside retrieval, before ranking. Empty means no restriction."""

    doc_types: tuple[str, ...] = ()
    issuers: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    doc_ids: tuple[str, ...] = ()
    date_from: str | None = None  # ISO, inclusive
    date_to: str | None = None
    access: tuple[str, ...] | None = None  # access levels allowed; None = all

    def allows(self, doc: DocumentInfo) -> bool:
        """True when ``doc`` passes every restriction."""
        if self.doc_types and doc.doc_type not in self.doc_types:
            return False
        if self.issuers and not any(i in (doc.issuer or "") for i in self.issuers):
            return False
        if self.sources and doc.source not in self.sources:
            return False
        if self.doc_ids and doc.doc_id not in self.doc_ids:
            return False
        if self.date_from and (doc.date is None or doc.date < self.date_from):
            return False
        if self.date_to and (doc.date is None or doc.date > self.date_to):
            return False
        if self.access is not None and doc.access not in self.access:
            return False
        return True


@dataclass(frozen=True)
class Hit:
    """A chunk returned by a retriever, with its document."""

    chunk: Chunk
    doc: DocumentInfo
    score: float
    rank: int
    scores: dict[str, float] = field(default_factory=dict)  # per-retriever scores/ranks
    matched_terms: tuple[str, ...] = ()


@dataclass(frozen=True)
class Citation:
    """A verbatim span of a stored chunk that supports a sentence."""

    marker: int
    chunk_id: str
    doc_id: str
    source: str
    title: str | None
    doc_number: str | None
    section: str
    pages: tuple[int, ...]
    quote: str
    start: int  # offsets of the quote in the document's cleaned text
    end: int


@dataclass(frozen=True)
class Answer:
    """A short answer whose sentences carry ``[n]`` markers into ``citations``."""

    question: str
    text: str
    abstained: bool
    citations: tuple[Citation, ...] = ()
    nearest: tuple[Citation, ...] = ()  # shown when abstaining
    notice: str | None = None


@dataclass(frozen=True)
class Difference:
    """A fact that differs between a claim and its source clause."""

    kind: str  # number | magnitude | swap | date | year | quarter | grade | level | rank | department | negation | modality
    claim: str
    source: str
    subject: str = ""  # what the differing fact is about in the source (指标, 主体, 事项), when known


@dataclass(frozen=True)
class Verdict:
    """The check of one atomic claim against the corpus."""

    claim: str
    label: VerdictLabel
    evidence: tuple[Citation, ...] = ()
    differences: tuple[Difference, ...] = ()
