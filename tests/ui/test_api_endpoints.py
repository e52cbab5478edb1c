"""Every read endpoint of the real server returns its contract's object with real content."""

from __future__ import annotations

import json

import httpx

CITATION_FIELDS = {"marker", "chunk_id", "doc_id", "source", "title", "doc_number", "section", "pages", "quote"}


def _sse_events(text: str) -> list[tuple[str, str]]:
    events = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        events.append((lines.get("event", "message"), lines.get("data", "")))
    return events


def test_health_ready_and_metrics(live_server):
    with live_server.client(None) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        ready = client.get("/readyz")
        # Ready or not, and why in a word: no counts (probes carry no key, counts include internal documents).
        assert ready.status_code == 200 and ready.json() == {"ready": True, "status": "ready", "writes": "ok"}
        metrics = client.get("/metrics")
    assert metrics.status_code == 200
    assert 'policyqa_http_requests_total{method="GET",route="/readyz",status="200"}' in metrics.text
    assert "policyqa_pool_in_flight" in metrics.text


def test_search_returns_the_cli_contract_and_finds_a_doc_number(live_server):
    with live_server.client("admin") as client:
        documents = client.get("/api/documents").json()["documents"]
        numbered = next(d for d in documents if d["doc_number"])
        body = client.post("/api/search", json={"query": numbered["doc_number"], "k": 5}).json()
        filtered = client.post("/api/search", json={
            "query": "数据", "k": 5, "filters": {"doc_types": ["proposal_reply"]}}).json()
    assert body["query"] == numbered["doc_number"] and len(body["hits"]) == 5
    assert set(body["hits"][0]) == {"rank", "score", "chunk_id", "doc_id", "source", "title", "section", "pages", "text"}
    assert body["hits"][0]["doc_id"] == numbered["doc_id"]  # a 文号 query ranks its document first
    assert [h["rank"] for h in body["hits"]] == [1, 2, 3, 4, 5]
    assert filtered["hits"] and all(h["source"][:3] in ("003", "004") for h in filtered["hits"])


def test_ask_answers_with_verbatim_citations_and_keeps_the_conversation(live_server):
    with live_server.client("admin") as client:
        first = client.post("/api/ask", json={"question": "东莞市政务数据大脑建设项目的绩效评价得分是多少？"}).json()
        follow = client.post("/api/ask", json={"question": "那评价等级呢？",
                                               "conversation_id": first["conversation_id"]}).json()
        documents = {d["doc_id"]: d for d in client.get("/api/documents").json()["documents"]}
        texts = {c["doc_id"]: client.get(f"/api/documents/{c['doc_id']}").json()["text"]
                 for c in first["citations"]}
    assert not first["abstained"] and first["citations"]
    assert {"question", "answer", "abstained", "citations"} <= set(first)
    assert set(first["citations"][0]) == CITATION_FIELDS
    for citation in first["citations"]:
        assert f"[{citation['marker']}]" in first["answer"]
        assert citation["quote"] in texts[citation["doc_id"]]
        assert citation["doc_id"] in documents
    assert follow["conversation_id"] == first["conversation_id"]
    assert follow["notice"] and "绩效" in follow["notice"]  # the follow-up was read with its context


def test_ask_rejects_empty_and_overlong_questions(live_server):
    with live_server.client("admin") as client:
        assert client.post("/api/ask", json={"question": "   "}).status_code == 400
        assert client.post("/api/ask", json={"question": "数" * 20_000}).status_code == 400
        assert client.post("/api/search", json={"query": ""}).status_code == 400


def test_ask_stream_sends_the_answer_in_pieces_then_the_whole_object(live_server):
    question = "东莞市政务数据大脑建设项目的绩效评价得分是多少？"
    with live_server.client("admin") as client:
        with client.stream("POST", "/api/ask/stream", json={"question": question}) as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            text = "".join(response.iter_text())
    events = _sse_events(text)
    kinds = [kind for kind, _ in events]
    assert kinds[-2:] == ["answer", "done"] and kinds.count("delta") >= 1
    answer = json.loads(events[-2][1])
    streamed = "".join(json.loads(data)["text"] for kind, data in events if kind == "delta")
    assert streamed == answer["answer"] and answer["citations"]


def test_verify_flags_a_changed_number_as_contradicted(live_server):
    with live_server.client("admin") as client:
        hits = client.post("/api/search", json={"query": "绩效评价 总得分", "k": 3}).json()["hits"]
        body = client.post("/api/verify", json={"text": "项目绩效评价总得分为99.99分，评价等级为优。"}).json()
    assert hits
    claims = body["claims"]
    assert claims and {"claim", "verdict", "evidence", "differences"} <= set(claims[0])
    assert claims[0]["verdict"] in ("contradicted", "not_found")
    assert all(c["verdict"] != "supported" for c in claims)


def test_precedents_rank_the_reply_on_the_draft_topic_and_related_links(live_server):
    with live_server.client("admin") as client:
        documents = client.get("/api/documents").json()["documents"]
        reply = next(d for d in documents if d["source"].startswith("004_"))
        detail = client.get(f"/api/documents/{reply['doc_id']}").json()
        draft = detail["text"][200:700]
        body = client.post("/api/precedents", json={"draft": draft, "k": 3}).json()
        related = client.get(f"/api/documents/{reply['doc_id']}/related").json()
    first = body["documents"][0]
    assert first["doc_id"] == reply["doc_id"]
    assert {"doc_id", "source", "title", "doc_type", "doc_number", "score", "clauses", "commitments"} <= set(first)
    assert first["clauses"] and set(first["clauses"][0]) == CITATION_FIELDS
    assert set(related) == {"doc_id", "cites", "cited_by"}


def test_openai_chat_completions_plain_and_streaming(live_server):
    messages = [{"role": "system", "content": "你是助手"},
                {"role": "user", "content": "东莞市政务数据大脑建设项目的绩效评价得分是多少？"}]
    with live_server.client("admin") as client:
        plain = client.post("/v1/chat/completions", json={"model": "policyqa", "messages": messages}).json()
        with client.stream("POST", "/v1/chat/completions",
                           json={"model": "policyqa", "messages": messages, "stream": True}) as response:
            lines = [line for line in response.iter_lines() if line.startswith("data: ")]
        models = client.get("/v1/models").json()
    content = plain["choices"][0]["message"]["content"]
    assert plain["object"] == "chat.completion" and "[1]" in content and "来源" in content
    assert plain["citations"] and set(plain["citations"][0]) == CITATION_FIELDS
    assert lines[-1] == "data: [DONE]"
    chunks = [json.loads(line[6:]) for line in lines[:-1]]
    assert "".join(c["choices"][0]["delta"].get("content", "") for c in chunks) == content
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert models["data"][0]["id"] == "policyqa"


def test_openai_python_style_client_with_bearer_key(live_server):
    # What an OpenAI SDK sends: Authorization: Bearer <key> on /v1/chat/completions.
    response = httpx.post(f"{live_server.url}/v1/chat/completions", timeout=120,
                          headers={"Authorization": f"Bearer {live_server.tokens['public_reader']}"},
                          json={"model": "x", "messages": [{"role": "user", "content": "数据大脑是什么？"}]})
    assert response.status_code == 200 and response.json()["choices"][0]["message"]["content"]


def test_openapi_documents_every_endpoint(live_server):
    paths = httpx.get(f"{live_server.url}/openapi.json", timeout=30).json()["paths"]
    for path in ("/api/ask", "/api/ask/stream", "/api/search", "/api/verify", "/api/precedents", "/api/documents",
                 "/api/documents/{doc_id}", "/api/documents/{doc_id}/file", "/v1/chat/completions", "/healthz",
                 "/readyz", "/metrics"):
        assert path in paths, path
