"""Finding 9 of issue 20, the smaller items, against the shared real server.

Lone surrogates → 500 on all six question endpoints; garbage multipart → 500 and a cut-off
file part ingested; ``/metrics`` and ``/readyz`` counting internal documents for anyone;
duplicate-upload refusals revealing an internal copy; 0644 keys, store, audit log and
originals; signed file URLs in the access log; ``date_from="garbage"`` → 200; ``k=true`` → 1.
"""

from __future__ import annotations

import stat
import time

import pytest

from tests.live import LiveServer
from tests.security.conftest import send_until_answered

SURROGATE = "数字政府\ud800建设的目标"
QUESTION_ENDPOINTS = [
    ("/api/search", {"query": SURROGATE}),
    ("/api/ask", {"question": SURROGATE}),
    ("/api/ask/stream", {"question": SURROGATE}),
    ("/api/verify", {"text": SURROGATE}),
    ("/api/precedents", {"draft": SURROGATE}),
    ("/v1/chat/completions", {"messages": [{"role": "user", "content": SURROGATE}]}),
]


def raw_json(body: dict) -> bytes:
    """JSON with the lone surrogate written as the escape ``\\ud800`` (what an attacker sends)."""
    import json

    return json.dumps(body, ensure_ascii=True).encode("ascii")


@pytest.mark.parametrize(("path", "body"), QUESTION_ENDPOINTS)
def test_lone_surrogates_are_refused_not_a_500(live_server, path, body):
    with live_server.client("public_reader") as client:
        response = client.post(path, content=raw_json(body), headers={"Content-Type": "application/json"})
    if path.startswith("/v1/"):
        assert response.status_code == 400, response.text
        assert response.json()["error"]["type"] == "invalid_request_error"
    else:
        assert response.status_code == 422, response.text
        assert "无效字符" in response.text


def test_filters_and_counts_are_validated(live_server):
    with live_server.client("public_reader") as client:
        for filters in ({"date_from": "garbage"}, {"date_to": "2023-02-30"}, {"date_from": "2023/01/01"}):
            assert client.post("/api/search", json={"query": "数字政府", "filters": filters}).status_code == 422
        assert client.post("/api/search", json={"query": "数字政府", "filters": {"date_from": "2021"}}).status_code == 200
        for k in (True, "5", 2.5, 0, 51):
            assert client.post("/api/search", json={"query": "数字政府", "k": k}).status_code == 422, k
        assert len(client.post("/api/search", json={"query": "数字政府", "k": 3}).json()["hits"]) == 3


def multipart_head(server: LiveServer, length: int | None, boundary: str = "pqa") -> str:
    framing = f"Content-Length: {length}\r\n" if length is not None else "Transfer-Encoding: chunked\r\n"
    return (f"POST /api/documents HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
            f"{server.tokens['public_editor']}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n"
            f"{framing}\r\n")


def documents_named(server: LiveServer, name: str) -> list[dict]:
    with server.client("admin") as admin:
        listing = admin.get("/api/documents").json()
    return [d for d in listing["documents"] if d["source"] == name] + \
        [u for u in listing["uploads"] if u["source"] == name]


def test_malformed_or_truncated_multipart_is_a_400_and_nothing_is_ingested(live_server):
    garbage = b"this is not multipart at all\r\n\r\n--pqa\r\n\x00\x01garbage"
    answer, _ = send_until_answered(live_server, multipart_head(live_server, len(garbage)), iter([garbage]), 1 << 20)
    assert answer.startswith(b"HTTP/1.1 400"), answer[:300]
    # A file part whose closing boundary never comes: the client stops sending mid-file.
    part = ("--pqa\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cut.txt\"\r\n"
            "Content-Type: text/plain\r\n\r\n关于截断测试的通知\n一、目标\n（一）这份文件在传输中被截断").encode()
    answer, _ = send_until_answered(live_server, multipart_head(live_server, None),
                                    iter([f"{len(part):x}\r\n".encode() + part + b"\r\n", b"0\r\n\r\n"]), 1 << 20)
    assert answer.startswith(b"HTTP/1.1 400") and "截断".encode() not in answer, answer[:300]
    assert "上传不完整".encode() in answer
    time.sleep(1)
    assert not documents_named(live_server, "cut.txt")
    incoming = live_server.data_dir / "uploads" / ".incoming"
    assert not incoming.exists() or not any(incoming.iterdir())


def test_health_and_metrics_count_no_documents(live_server):
    with live_server.client(None) as anonymous:
        ready = anonymous.get("/readyz").json()
        metrics = anonymous.get("/metrics").text
    assert set(ready) == {"ready", "status", "writes"}
    assert "policyqa_documents" not in metrics and "chunks" not in metrics and "internal" not in metrics


def upload(server: LiveServer, key: str, name: str, content: bytes, access: str | None = None) -> dict:
    with server.client(key) as client:
        response = client.post("/api/documents", files={"file": (name, content, "text/plain")},
                               data={"access": access} if access else {})
        assert response.status_code == 202, response.text
        upload_id = response.json()["upload_id"]
        deadline = time.monotonic() + 120
        while (job := client.get(f"/api/documents/uploads/{upload_id}").json())["status"] not in ("ready", "failed"):
            assert time.monotonic() < deadline, job
            time.sleep(0.3)
    return job


def test_a_duplicate_refusal_never_reveals_an_internal_copy(live_server):
    text = "关于重复上传检测的内部通知\n一、目标\n（一）白鹭湾重复上传检测专用条款，内容仅此一份。\n".encode()
    internal = upload(live_server, "admin", "dup-internal.txt", text, "internal")
    public = upload(live_server, "public_editor", "dup-public.txt", text)
    again = upload(live_server, "public_editor", "dup-public-again.txt", text)
    try:
        assert internal["status"] == "ready"
        # The editor's own public copy is stored: nothing tells it an internal one exists.
        assert public["status"] == "ready", public
        assert again["status"] == "failed" and "dup-public.txt" in again["error"]  # its own twin, named
        assert "dup-internal" not in again["error"] and internal["doc_id"] not in again["error"]
    finally:
        with live_server.client("admin") as admin:
            for job in (internal, public):
                if job.get("doc_id"):
                    admin.delete(f"/api/documents/{job['doc_id']}")


def test_data_dir_files_are_private_and_the_access_log_has_no_signatures(live_server):
    job = upload(live_server, "admin", "private-mode.txt",
                 "关于权限测试的通知\n一、目标\n（一）白鹭湾权限测试条款。\n".encode(), "internal")
    try:
        kept = next((live_server.data_dir / "files" / job["doc_id"]).iterdir())
        for path in (live_server.data_dir, live_server.data_dir / "keys.sqlite3", live_server.data_dir / "audit.sqlite3",
                     live_server.data_dir / "policyqa.sqlite3", kept, kept.parent):
            assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, (path, oct(path.stat().st_mode))
        with live_server.client("admin") as admin:
            url = admin.get(f"/api/documents/{job['doc_id']}").json()["file_url"]
        signature = url.split("sig=")[1].split("&")[0]
        with live_server.client(None) as browser:
            assert browser.get(url).status_code == 200
        time.sleep(0.5)
        log = live_server.log_path.read_text(encoding="utf-8", errors="replace")
        assert f"/api/documents/{job['doc_id']}/file" in log  # the request is logged ...
        assert signature not in log  # ... without the signature that would let a log reader open it
    finally:
        with live_server.client("admin") as admin:
            admin.delete(f"/api/documents/{job['doc_id']}")
