"""Request and response models of the HTTP API.

Responses carry exactly the fields of the CLI ``--json`` contracts (issues 2, 3, 5, 6), so a
script can switch between ``policyqa … --json`` and the API; a few optional extras (the
conversation id, abstention's nearest sources, a notice, ingest status) come after them.
The conversions from records live here too, so every route shapes its output one way.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from policyqa.records import Answer, Citation, DocumentInfo, Hit, SearchFilter, Section, Verdict

MAX_K = 50


class Filters(BaseModel):
    """What the user may narrow a search to. Access levels come from the API key, never from here."""

    doc_types: list[str] = Field(
        default_factory=list,
        description="plan, proposal_reply, evaluation_report, rectification_letter, notice, opinion, regulation, "
                    "work_report, standard, explanation, letter, other",
    )
    issuers: list[str] = Field(default_factory=list, description="substrings of the issuing body")
    sources: list[str] = Field(default_factory=list, description="ingested file names")
    doc_ids: list[str] = Field(default_factory=list)
    date_from: str | None = Field(None, description="ISO date, inclusive")
    date_to: str | None = Field(None, description="ISO date, inclusive")

    def to_filter(self) -> SearchFilter:
        return SearchFilter(
            doc_types=tuple(self.doc_types), issuers=tuple(self.issuers), sources=tuple(self.sources),
            doc_ids=tuple(self.doc_ids), date_from=self.date_from, date_to=self.date_to,
        )


# -- citations and search ---------------------------------------------------------------
class CitationOut(BaseModel):
    marker: int
    chunk_id: str
    doc_id: str
    source: str
    title: str | None
    doc_number: str | None
    section: str
    pages: list[int]
    quote: str

    @classmethod
    def of(cls, c: Citation) -> CitationOut:
        return cls(marker=c.marker, chunk_id=c.chunk_id, doc_id=c.doc_id, source=c.source, title=c.title,
                   doc_number=c.doc_number, section=c.section, pages=list(c.pages), quote=c.quote)


class SearchRequest(BaseModel):
    query: str
    k: int = Field(10, ge=1, le=MAX_K)
    filters: Filters = Field(default_factory=Filters)


class HitOut(BaseModel):
    rank: int
    score: float
    chunk_id: str
    doc_id: str
    source: str
    title: str | None
    section: str
    pages: list[int]
    text: str

    @classmethod
    def of(cls, hit: Hit) -> HitOut:
        return cls(rank=hit.rank, score=hit.score, chunk_id=hit.chunk.chunk_id, doc_id=hit.doc.doc_id,
                   source=hit.doc.source, title=hit.doc.title, section=hit.chunk.section_path,
                   pages=list(hit.chunk.pages), text=hit.chunk.text)


class SearchResponse(BaseModel):
    query: str
    hits: list[HitOut]


# -- answers --------------------------------------------------------------------------------
class AskRequest(BaseModel):
    question: str
    conversation_id: str | None = Field(None, description="continue a conversation (follow-up questions)")
    filters: Filters = Field(default_factory=Filters)


class AskResponse(BaseModel):
    question: str
    answer: str
    abstained: bool
    citations: list[CitationOut]
    nearest: list[CitationOut] = Field(default_factory=list, description="nearest sources when abstaining")
    notice: str | None = None
    conversation_id: str | None = None

    @classmethod
    def of(cls, answer: Answer, conversation_id: str | None = None) -> AskResponse:
        return cls(question=answer.question, answer=answer.text, abstained=answer.abstained,
                   citations=[CitationOut.of(c) for c in answer.citations],
                   nearest=[CitationOut.of(c) for c in answer.nearest], notice=answer.notice,
                   conversation_id=conversation_id)


# -- claims -------------------------------------------------------------------------------
class VerifyRequest(BaseModel):
    text: str = Field(..., description="a claim or a pasted paragraph")
    filters: Filters = Field(default_factory=Filters)


class DifferenceOut(BaseModel):
    kind: str
    claim: str
    source: str


class ClaimOut(BaseModel):
    claim: str
    verdict: Literal["supported", "contradicted", "not_found"]
    evidence: list[CitationOut]
    differences: list[DifferenceOut]

    @classmethod
    def of(cls, v: Verdict) -> ClaimOut:
        return cls(claim=v.claim, verdict=v.label, evidence=[CitationOut.of(c) for c in v.evidence],
                   differences=[DifferenceOut(kind=d.kind, claim=d.claim, source=d.source) for d in v.differences])


class VerifyResponse(BaseModel):
    claims: list[ClaimOut]


# -- precedents ---------------------------------------------------------------------------
class PrecedentsRequest(BaseModel):
    draft: str
    k: int = Field(5, ge=1, le=MAX_K)
    prefer_replies: bool = True
    filters: Filters = Field(default_factory=Filters)


class PrecedentOut(BaseModel):
    doc_id: str
    source: str
    title: str | None
    doc_type: str
    doc_number: str | None
    score: float
    clauses: list[CitationOut]
    commitments: list[str]
    proposal_number: str | None = None


class PrecedentsResponse(BaseModel):
    documents: list[PrecedentOut]


class RelatedEntry(BaseModel):
    doc_id: str
    source: str
    title: str | None
    doc_number: str | None
    doc_type: str
    via: str


class RelatedResponse(BaseModel):
    doc_id: str
    cites: list[RelatedEntry]
    cited_by: list[RelatedEntry]


# -- documents ----------------------------------------------------------------------------
IngestState = Literal["queued", "ingesting", "indexing", "ready", "failed"]


class DocumentOut(BaseModel):
    doc_id: str
    source: str
    title: str | None
    doc_number: str | None
    issuer: str | None
    addressee: str | None
    date: str | None
    doc_type: str
    proposal_number: str | None
    pages: int
    chunks: int
    ocr: bool
    access: str = "public"
    status: IngestState = "ready"
    standard_number: str | None = None

    @classmethod
    def of(cls, info: DocumentInfo, status: IngestState = "ready") -> DocumentOut:
        return cls(doc_id=info.doc_id, source=info.source, title=info.title, doc_number=info.doc_number,
                   issuer=info.issuer, addressee=info.addressee, date=info.date, doc_type=info.doc_type,
                   proposal_number=info.proposal_number, pages=info.pages, chunks=info.chunks, ocr=info.ocr,
                   access=info.access, status=status, standard_number=info.standard_number)


class SectionOut(BaseModel):
    title: str
    level: int
    start: int
    end: int
    children: list[SectionOut]

    @classmethod
    def of(cls, s: Section) -> SectionOut:
        return cls(title=s.title, level=s.level, start=s.start, end=s.end,
                   children=[SectionOut.of(child) for child in s.children])


class ChunkOut(BaseModel):
    chunk_id: str
    section: str
    pages: list[int]
    start: int
    end: int
    text: str


class DocumentDetail(BaseModel):
    """One document as ``policyqa show DOC --json`` prints it (without the server's file path)."""

    doc_id: str
    source: str
    content_hash: str
    title: str | None
    doc_number: str | None
    issuer: str | None
    addressee: str | None
    date: str | None
    doc_type: str
    proposal_number: str | None
    cites: list[str]
    pages: int
    ocr: bool
    access: str
    text: str
    sections: list[SectionOut]
    chunks: list[ChunkOut]
    status: IngestState = "ready"
    file_url: str


class UploadJob(BaseModel):
    """A background ingest of one uploaded file."""

    upload_id: str
    source: str
    access: str
    status: IngestState
    doc_id: str | None = None
    error: str | None = None
    warnings: list[str] = Field(default_factory=list)


class DocumentList(BaseModel):
    documents: list[DocumentOut]
    uploads: list[UploadJob] = Field(default_factory=list, description="uploads not yet ready, or failed")


# -- OpenAI-compatible chat ---------------------------------------------------------------
class ChatMessage(BaseModel):
    role: str
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):  # the "parts" form: keep the text parts
            return "".join(str(p.get("text", "")) for p in self.content if p.get("type") == "text")
        return self.content or ""


class ChatCompletionRequest(BaseModel):
    model: str = "policyqa"
    messages: list[ChatMessage]
    stream: bool = False
    temperature: float | None = None
    max_tokens: int | None = None
