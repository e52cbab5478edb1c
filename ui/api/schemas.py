"""Request and response models of the HTTP API.

Responses carry exactly the fields of the CLI ``--json`` contracts (issues 2, 3, 5, 6), so a
script can switch between ``policyqa … --json`` and the API; a few optional extras (the
conversation id, abstention's nearest sources, a notice, ingest status) come after them.
The conversions from records live here too, so every route shapes its output one way.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field, model_validator

from policyqa.records import Answer, Citation, DocumentInfo, Hit, SearchFilter, Section, Verdict
from policyqa.validation import is_valid_text

MAX_K = 50
MAX_FILTER_VALUES = 50
MAX_FILTER_CHARS = 200
MAX_CHAT_MESSAGES = 200  # an OpenAI client resends the whole conversation each turn
MAX_MESSAGE_CHARS = 32_000  # an earlier assistant answer with its sources fits many times over
CONVERSATION_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"


def _valid_text(value: str) -> str:
    # A lone surrogate ("\ud800" in JSON) decodes into a str no stage after this can encode.
    if not is_valid_text(value):
        raise ValueError("含有无效字符（孤立代理项、NUL 或非字符） (invalid characters in text)")
    return value


_DATE_FORMATS = {4: "%Y", 7: "%Y-%m", 10: "%Y-%m-%d"}


def _iso_date(value: str | None) -> str | None:
    # Dates compare as strings against stored ISO dates: "garbage" would silently match nothing.
    if not value:
        return None
    layout = _DATE_FORMATS.get(len(value))
    if layout and value.isascii() and value[:4].isdigit():
        try:
            datetime.datetime.strptime(value, layout)
            return value
        except ValueError:
            pass
    raise ValueError("日期应为 YYYY、YYYY-MM 或 YYYY-MM-DD (expected an ISO date)")


Text = Annotated[str, AfterValidator(_valid_text)]
FilterValue = Annotated[str, Field(max_length=MAX_FILTER_CHARS), AfterValidator(_valid_text)]
IsoDate = Annotated[str | None, AfterValidator(_iso_date)]
# A JSON integer, never ``true`` (which pydantic's lax mode would take as 1) or "5".
ResultCount = Annotated[int, Field(strict=True, ge=1, le=MAX_K)]


class Filters(BaseModel):
    """What the user may narrow a search to. Access levels come from the API key, never from here."""

    doc_types: list[FilterValue] = Field(default_factory=list, max_length=MAX_FILTER_VALUES,
                                         description="plan, proposal_reply, evaluation_report, rectification_letter, notice, opinion, "
                                                     "regulation, work_report, standard, explanation, letter, other")
    issuers: list[FilterValue] = Field(default_factory=list, max_length=MAX_FILTER_VALUES,
                                       description="substrings of the issuing body")
    sources: list[FilterValue] = Field(default_factory=list, max_length=MAX_FILTER_VALUES,
                                       description="ingested file names")
    doc_ids: list[FilterValue] = Field(default_factory=list, max_length=MAX_FILTER_VALUES)
    date_from: IsoDate = Field(None, description="ISO date (YYYY, YYYY-MM or YYYY-MM-DD), inclusive")
    date_to: IsoDate = Field(None, description="ISO date (YYYY, YYYY-MM or YYYY-MM-DD), inclusive")

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
    query: Text
    k: ResultCount = 10
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
    question: Text
    conversation_id: str | None = Field(None, pattern=CONVERSATION_ID_PATTERN,
                                        description="continue a conversation (follow-up questions): "
                                                    "1-64 letters, digits, - or _")
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
    text: Text = Field(..., description="a claim or a pasted paragraph")
    filters: Filters = Field(default_factory=Filters)


class DifferenceOut(BaseModel):
    kind: str
    claim: str
    source: str
    subject: str = Field("", description="what the differing fact is about in the source")


class ClaimOut(BaseModel):
    claim: str
    verdict: Literal["supported", "contradicted", "not_found"]
    aligned_sentence: str | None = Field(None, description="the source sentence the claim was compared with")
    evidence: list[CitationOut]
    differences: list[DifferenceOut]

    @classmethod
    def of(cls, v: Verdict) -> ClaimOut:
        return cls(claim=v.claim, verdict=v.label, evidence=[CitationOut.of(c) for c in v.evidence],
                   aligned_sentence=v.evidence[0].quote if v.evidence else None,
                   differences=[DifferenceOut(kind=d.kind, claim=d.claim, source=d.source, subject=d.subject)
                                for d in v.differences])


class VerifyResponse(BaseModel):
    claims: list[ClaimOut]


# -- precedents ---------------------------------------------------------------------------
class PrecedentsRequest(BaseModel):
    draft: Text
    k: ResultCount = 5
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
    relevance: Literal["高", "中", "低"] = Field(..., description="how much of the draft's topic the document covers")
    relevance_score: float = Field(..., description="the weighted share of the draft's key phrases it contains (0–1)")


class PrecedentsResponse(BaseModel):
    no_precedent: bool = Field(..., description="true when no document is a close precedent (UI: 未找到相近的先例)")
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


class AccessChange(BaseModel):
    """``PATCH /api/documents/{doc_id}``: the new access level (a name, ``[a-z0-9_-]{1,32}``)."""

    access: Annotated[str, Field(max_length=32)]


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
    role: Annotated[str, Field(max_length=32)]
    content: Text | list[dict[str, Any]] | None = None

    @model_validator(mode="after")
    def _bounded(self) -> ChatMessage:
        text = self.text()
        if len(text) > MAX_MESSAGE_CHARS:
            raise ValueError(f"消息过长：上限 {MAX_MESSAGE_CHARS} 字 (message longer than {MAX_MESSAGE_CHARS} characters)")
        _valid_text(text)
        return self

    def text(self) -> str:
        if isinstance(self.content, list):  # the "parts" form: keep the text parts
            return "".join(str(p.get("text", "")) for p in self.content if p.get("type") == "text")
        return self.content or ""


class ChatCompletionRequest(BaseModel):
    model: Annotated[str, Field(max_length=64)] = "policyqa"
    messages: list[ChatMessage] = Field(..., min_length=1, max_length=MAX_CHAT_MESSAGES)
    stream: bool = False
    temperature: float | None = None
    max_tokens: int | None = None
