"""Finding 7 of issue 20: memory and CPU an anonymous or careless client could take.

A 112 MB JSON body with no key was parsed before the 401 (+580 MB RSS); 5 MB conversation ids
were kept; more than 1,000 chat messages → 500 ``RecursionError``; a 4 MB earlier message cost
2 s of CPU.
"""

from __future__ import annotations

import json
import time

import pytest

from tests.security.conftest import healthz_time, rss_mb, send_until_answered

HUGE = 112 * 1024 * 1024


def json_post(path: str, token: str | None, length: int | None) -> str:
    """Request line and headers of a JSON POST (declared ``length``, else chunked)."""
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    framing = f"Content-Length: {length}\r\n" if length is not None else "Transfer-Encoding: chunked\r\n"
    return f"POST {path} HTTP/1.1\r\nHost: localhost\r\n{auth}Content-Type: application/json\r\n{framing}\r\n"


def padding(chunked: bool):
    """An endless JSON body: ``{"question": "xxxx…``."""
    piece = b'{"question": "' + b"x" * (1024 * 1024)
    while True:
        yield f"{len(piece):x}\r\n".encode() + piece + b"\r\n" if chunked else piece
        piece = b"x" * (1024 * 1024)


@pytest.mark.parametrize("key", [None, "public_reader"])
def test_a_huge_declared_body_is_refused_before_it_is_read(live_server, key):
    token = live_server.tokens[key] if key else None
    before = rss_mb(live_server)
    answer, sent = send_until_answered(live_server, json_post("/api/ask", token, HUGE), padding(False), HUGE)
    expected = b"HTTP/1.1 401" if key is None else b"HTTP/1.1 413"
    assert answer.startswith(expected), answer[:200]
    assert sent < 16 * 1024 * 1024  # the answer came before the body was sent
    assert rss_mb(live_server) - before < 50
    assert healthz_time(live_server) < 1.0


def test_a_huge_streamed_body_is_cut_off_at_the_limit(live_server):
    before = rss_mb(live_server)
    answer, sent = send_until_answered(live_server, json_post("/v1/chat/completions", live_server.tokens["public_reader"],
                                                              None), padding(True), HUGE)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b'"error"' in answer  # OpenAI's error format on /v1
    assert sent < 16 * 1024 * 1024
    assert rss_mb(live_server) - before < 50


def test_conversation_ids_are_bounded(live_server):
    with live_server.client("public_reader") as client:
        huge = client.post("/api/ask", json={"question": "数字政府建设的主要目标是什么？", "conversation_id": "c" * (5 << 20)})
        assert huge.status_code == 413
        long = client.post("/api/ask", json={"question": "数字政府建设的主要目标是什么？", "conversation_id": "c" * 65})
        assert long.status_code == 422
        odd = client.post("/api/ask", json={"question": "数字政府建设的主要目标是什么？", "conversation_id": "../x"})
        assert odd.status_code == 422
        fine = client.post("/api/ask", json={"question": "数字政府建设的主要目标是什么？", "conversation_id": "conv-1"})
        assert fine.status_code == 200 and fine.json()["conversation_id"] == "conv-1"


def chat(client, messages: list[dict]):
    return client.post("/v1/chat/completions", json={"model": "policyqa", "messages": messages})


def test_chat_histories_are_bounded_and_handled_without_recursion(live_server):
    with live_server.client("public_reader") as client:
        too_many = chat(client, [{"role": "user", "content": "那它呢？"}] * 1001)
        assert too_many.status_code == 400
        assert too_many.json()["error"]["type"] == "invalid_request_error"
        # 199 follow-ups in a row (under the cap): each leans on the one before; answered, quickly.
        started = time.monotonic()
        chain = [{"role": "user", "content": "数字政府建设的主要目标是什么？"}]
        chain += [{"role": "user", "content": "那它呢？"}] * 198
        answered = chat(client, chain)
        assert answered.status_code == 200, answered.text
        assert time.monotonic() - started < 10
        # An earlier message of 30,000 characters costs no more than a short one.
        long_turn = [{"role": "user", "content": "数据共享" * 7500}, {"role": "user", "content": "那它的目标呢？"}]
        started = time.monotonic()
        assert chat(client, long_turn).status_code == 200
        assert time.monotonic() - started < 5
        too_long = chat(client, [{"role": "user", "content": "数" * 40_000}, {"role": "user", "content": "目标？"}])
        assert too_long.status_code == 400 and "error" in too_long.json()
        four_mb = chat(client, [{"role": "user", "content": "数" * (4 << 20)}, {"role": "user", "content": "目标？"}])
        assert four_mb.status_code == 413 and json.loads(four_mb.text)["error"]["message"]
