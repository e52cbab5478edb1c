"""``POST /v1/chat/completions``: the knowledge base behind any OpenAI-compatible chat client.

The last user message is the question and the earlier user messages are the conversation
(the client resends them each turn). The reply is the cited answer with a 来源 list, so
clients that show only ``content`` still show where each sentence comes from; the structured
citations ride along in a ``citations`` field that such clients ignore.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import AsyncIterator

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse

from policyqa.errors import InvalidQueryError
from policyqa.records import Answer
from qa.citations import format_source
from ui.api.auth import Principal
from ui.api.deps import ServiceState, get_principal, get_state
from ui.api.routes.ask import answer_pieces
from ui.api.schemas import ChatCompletionRequest, CitationOut

router = APIRouter(prefix="/v1", tags=["openai"])

MODEL_NAME = "policyqa"


def render_content(answer: Answer) -> str:
    """The answer followed by its sources (or, when abstaining, the nearest ones)."""
    lines = [answer.text]
    if answer.citations:
        lines += ["", "来源："] + [f"[{c.marker}] {format_source(c)}：“{c.quote}”" for c in answer.citations]
    elif answer.nearest:
        lines += ["", "最接近的资料："] + [f"- {format_source(c)}" for c in answer.nearest]
    return "\n".join(lines)


@router.get("/models", summary="The one model this endpoint serves")
async def models(principal: Principal = Depends(get_principal)) -> dict:
    return {"object": "list", "data": [{"id": MODEL_NAME, "object": "model", "created": 0, "owned_by": "policyqa"}]}


@router.post("/chat/completions", summary="OpenAI-compatible chat answering from the corpus with citations")
async def chat_completions(
    body: ChatCompletionRequest, state: ServiceState = Depends(get_state),
    principal: Principal = Depends(get_principal),
):
    questions = [m.text() for m in body.messages if m.role == "user" and m.text().strip()]
    if not questions:
        raise InvalidQueryError("no user message to answer")
    filters = principal.search_filter()
    answer: Answer = await state.pool.run(state.workspace.qa.ask, questions[-1], tuple(questions[:-1]), filters)
    state.audit.record(principal.key_id, "openai", answer.question,
                       [c.doc_id for c in (*answer.citations, *answer.nearest)])
    completion_id = "chatcmpl-" + secrets.token_hex(12)
    content = render_content(answer)
    citations = [CitationOut.of(c).model_dump() for c in answer.citations]
    if body.stream:
        return StreamingResponse(_stream(completion_id, body.model, content, citations),
                                 media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
        "citations": citations,
    }


async def _stream(completion_id: str, model: str, content: str, citations: list[dict]) -> AsyncIterator[str]:
    created = int(time.time())

    def chunk(delta: dict, finish: str | None = None, **extra) -> str:
        payload = {"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": model,
                   "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}
        return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"

    yield chunk({"role": "assistant", "content": ""})
    for piece in answer_pieces(content):
        yield chunk({"content": piece})
    yield chunk({}, "stop", citations=citations)
    yield "data: [DONE]\n\n"
