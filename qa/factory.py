"""Wiring: a ready ``QAService`` over a data directory's live index (models loaded once)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from qa.abstain import DEFAULT_THRESHOLD, AbstentionPolicy
from qa.answerers.extractive import ExtractiveAnswerer
from qa.service import QAService
from qa.support import SupportChecker


@dataclass(frozen=True)
class LlmEndpoint:
    """An OpenAI-compatible chat endpoint (vLLM, Ollama, Xinference, llama.cpp, hosted)."""

    base_url: str
    model: str
    api_key: str | None = None
    timeout: float = 20.0


@dataclass(frozen=True)
class QAComponents:
    """The service and the parts other stages reuse (the support checker, the index snapshot)."""

    service: QAService
    checker: SupportChecker
    snapshot: object  # index.IndexSnapshot


def assemble_qa(
    retriever: object,
    tokenizer: object,
    embedder: object,
    *,
    max_sentences: int = 4,
    max_chars: int = 360,
    abstain_threshold: float | None = None,
    llm: LlmEndpoint | None = None,
) -> QAService:
    """The QA service over a retriever, its index's tokenizer and its embedder.

    The extractive answerer is the default; with ``llm`` the generative answerer is used,
    checked sentence by sentence and falling back to the extractive one.
    """
    tokenize = tokenizer.tokenize  # type: ignore[attr-defined]
    # The query-side synonym table retrieval expands with also decides which sentences hold
    # the question's words; a tokenizer without one (a test double) just has no synonyms.
    synonyms = getattr(tokenizer, "synonyms", None)
    expand = synonyms.expansions if synonyms is not None else None
    extractive = ExtractiveAnswerer(tokenize, max_sentences=max_sentences, max_chars=max_chars, expand=expand)
    answerer: object = extractive
    if llm is not None:
        from qa.answerers.llm import LlmAnswerer, make_chat_model

        answerer = LlmAnswerer(
            make_chat_model(llm.base_url, llm.model, llm.api_key, llm.timeout),
            fallback=extractive,
            checker=SupportChecker(tokenize, embedder),
            max_sentences=max_sentences,
        )
    threshold = DEFAULT_THRESHOLD if abstain_threshold is None else abstain_threshold
    return QAService(retriever, answerer, tokenize, AbstentionPolicy(tokenize, threshold=threshold))


def build_qa_components(
    data_dir: Path,
    *,
    max_sentences: int = 4,
    max_chars: int = 360,
    abstain_threshold: float | None = None,
    llm: LlmEndpoint | None = None,
    fusion: object | None = None,
    snapshot: object | None = None,
) -> QAComponents:
    """Open the index of ``data_dir`` and build the QA service on it (for scripts and tests).

    The retriever's tokenizer (with the corpus terms mined at index time) and embedder are
    reused, so nothing is loaded twice. ``snapshot``: an index already open (the eval's).
    """
    from index import open_index

    snapshot = snapshot if snapshot is not None else open_index(Path(data_dir))
    service = assemble_qa(
        snapshot.retriever("hybrid", fusion), snapshot.tokenizer, snapshot.embedder,
        max_sentences=max_sentences, max_chars=max_chars, abstain_threshold=abstain_threshold, llm=llm,
    )
    checker = SupportChecker(snapshot.tokenizer.tokenize, snapshot.embedder)
    return QAComponents(service=service, checker=checker, snapshot=snapshot)
