"""``POST /api/ask`` (the answer object) and ``POST /api/ask/stream`` (server-sent events)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse

from policyqa.records import Answer
from qa.sentences import split_sentences
from ui.api.auth import Principal
from ui.api.deps import ServiceState, get_principal, get_state
from ui.api.schemas import AskRequest, AskResponse

router = APIRouter(prefix="/api", tags=["ask"])


async def answer_question(state: ServiceState, principal: Principal, body: AskRequest) -> AskResponse:
    """Answer within the key's conversation and access levels, and audit what was shown."""
    conversation_id, history = state.conversations.history(principal.key_id, body.conversation_id)
    filters = principal.search_filter(body.filters.to_filter())
    answer: Answer = await state.pool.run(state.workspace.qa.ask, body.question, history, filters)
    state.conversations.append(principal.key_id, conversation_id, answer.question)
    shown = [c.doc_id for c in (*answer.citations, *answer.nearest)]
    state.audit.record(principal.key_id, "ask", answer.question, shown)
    return AskResponse.of(answer, conversation_id)


@router.post("/ask", response_model=AskResponse, summary="A short answer whose sentences cite clauses")
async def ask(
    body: AskRequest, state: ServiceState = Depends(get_state), principal: Principal = Depends(get_principal),
) -> AskResponse:
    return await answer_question(state, principal, body)


@router.post(
    "/ask/stream",
    summary="The same answer as server-sent events",
    description="Events: `delta` (`{\"text\"}`, one answer sentence at a time), then `answer` (the full answer "
                "object, citations included), then `done`.",
    response_class=StreamingResponse,
)
async def ask_stream(
    body: AskRequest, state: ServiceState = Depends(get_state), principal: Principal = Depends(get_principal),
) -> StreamingResponse:
    # Answer before the stream opens, so errors (400, 503) are real status codes, not events.
    response = await answer_question(state, principal, body)
    return StreamingResponse(_events(response), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


def answer_pieces(text: str) -> list[str]:
    """The answer cut at sentence ends (each keeps its ``[n]`` marker), covering all of ``text``."""
    pieces, cursor = [], 0
    for _, end in split_sentences(text):
        # A marker right after the sentence end belongs to that sentence.
        while end < len(text) and (text[end] in "[]0123456789"):
            end += 1
        if end > cursor:
            pieces.append(text[cursor:end])
            cursor = end
    if cursor < len(text):
        pieces.append(text[cursor:])
    return pieces


def sse(event: str, data: object) -> str:
    """One server-sent event."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


async def _events(response: AskResponse) -> AsyncIterator[str]:
    for piece in answer_pieces(response.answer):
        yield sse("delta", {"text": piece})
    yield sse("answer", response.model_dump())
    yield sse("done", {})
