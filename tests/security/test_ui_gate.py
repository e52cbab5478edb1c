"""Findings 1, 2, 4 and 6 of issue 20: the Gradio surface against the real server.

1. ``/dev/zero`` as a FileData path with no key froze the server; paths revealed whether they exist.
2. An editor key published any readable server file (the data dir's kept originals included).
4. UI session state was not tied to the key: a reader's answer carried the admin's card.
6. ``/ui/gradio_api/upload`` took 300 MB with no key and kept it.
"""

from __future__ import annotations

import threading
import time

import httpx

from tests.live import CANARY_PHRASE, CANARY_SECRET, LiveServer
from tests.security.conftest import assert_no_canary, gradio_call, healthz_time, send_until_answered

CANARY_QUESTION = f"{CANARY_PHRASE}由哪个单位负责建设？"


def file_data(path: str) -> dict:
    return {"path": path, "meta": {"_type": "gradio.FileData"}}


def documents(server: LiveServer) -> list[dict]:
    with server.client("admin") as client:
        return client.get("/api/documents").json()["documents"]


def kept_original(server: LiveServer, doc_id: str) -> str:
    return str(next((server.data_dir / "files" / doc_id).iterdir()))


def test_dev_zero_without_a_key_is_refused_at_once_and_healthz_stays_responsive(live_server):
    payload = {"data": [[file_data("/dev/zero")], "public"]}
    answers: list[httpx.Response] = []
    caller = threading.Thread(target=lambda: answers.append(
        httpx.post(f"{live_server.url}/ui/gradio_api/call/do_upload", json=payload, timeout=30)))
    started = time.monotonic()
    caller.start()
    delays = [healthz_time(live_server) for _ in range(5)]
    caller.join(30)
    assert answers and answers[0].status_code == 401, answers
    assert time.monotonic() - started < 5
    assert max(delays) < 1.0, delays


def test_with_an_editor_key_a_server_path_is_refused_at_once_and_says_nothing_about_it(live_server):
    uploads_before = {d["doc_id"] for d in documents(live_server)}
    canary_original = kept_original(live_server, live_server.canary_doc_id)  # an internal document's file
    answers = {}
    for path in ("/dev/zero", canary_original, "/etc/hostname", "/no/such/file.txt",
                 str(live_server.data_dir / "keys.sqlite3")):
        started = time.monotonic()
        result = gradio_call(live_server, "public_editor", "do_upload", [[file_data(path)], "public"], timeout=30)
        assert time.monotonic() - started < 5, path
        assert healthz_time(live_server) < 1.0
        assert result.event == "error", (path, result.raw)
        answers[path] = (result.event, repr(result.data))
        assert path not in result.raw and "No such file" not in result.raw
    # The same answer whether the path exists or not: nothing to probe.
    assert len(set(answers.values())) == 1, answers
    # Nothing was published: no new document, the canary still invisible to a public key.
    assert {d["doc_id"] for d in documents(live_server)} == uploads_before
    with live_server.client("public_reader") as reader:
        hits = reader.post("/api/search", json={"query": CANARY_PHRASE, "k": 10})
    assert hits.status_code == 200
    assert_no_canary(live_server, hits.text)


def test_every_ui_path_needs_a_key_and_a_browser_is_sent_to_the_login_page(live_server):
    with httpx.Client(base_url=live_server.url, timeout=30) as anonymous:
        page = anonymous.get("/ui/", headers={"Accept": "text/html"})
        assert page.status_code == 303 and page.headers["location"] == "/ui/login"
        for path in ("/ui/config", "/ui/gradio_api/info", "/ui/theme.css", "/ui/gradio_api/queue/data?session_hash=x",
                     "/ui/gradio_api/file=/etc/hostname"):
            assert anonymous.get(path).status_code == 401, path
        form = anonymous.get("/ui/login")
        assert form.status_code == 200 and "登录" in form.text and "gradio" not in form.text.lower()
        wrong = anonymous.post("/ui/login", data={"key": "pqa_wrong"})
        assert wrong.status_code == 401 and "API 密钥无效" in wrong.text and "set-cookie" not in wrong.headers
        login = anonymous.post("/ui/login", data={"key": live_server.tokens["public_reader"]})
        assert login.status_code == 303 and login.headers["location"] == "/ui/"
        cookie = login.headers["set-cookie"]
        assert "HttpOnly" in cookie and "Path=/ui" in cookie and "SameSite=lax" in cookie
        token = live_server.tokens["public_reader"]
        assert token not in cookie  # the cookie names the key; it never holds it
        assert anonymous.get("/ui/", headers={"Accept": "text/html"}).status_code == 200
        # The cookie is a UI credential only: the REST API still wants a key.
        assert anonymous.post("/api/search", json={"query": "数据"}).status_code == 401
        assert anonymous.get("/ui/logout").status_code == 303
        assert anonymous.get("/ui/config").status_code == 401


def test_a_key_inside_the_gradio_payload_or_a_forged_cookie_opens_nothing(live_server):
    question = ["数字政府建设的主要目标是什么？", [], [], "全部年份", []]
    assert gradio_call(live_server, None, "respond", question).status == 401
    forged = {"Cookie": f"pqa_session=admin0000000.9999999999.{'A' * 43}"}
    assert gradio_call(live_server, None, "respond", question, headers=forged).status == 401


def test_ui_session_state_never_crosses_keys(live_server):
    session = "attacker-shared-session"
    admin = gradio_call(live_server, "admin", "respond", [CANARY_QUESTION, [], [], "全部年份", []], session)
    assert admin.event == "complete" and CANARY_SECRET in admin.raw  # the admin's card holds the canary
    # The same session under a public reader: refused outright, nothing of the admin's turn comes back.
    reader = gradio_call(live_server, "public_reader", "respond", ["那它的投资呢？", [], [], "全部年份", []], session)
    assert reader.status == 403
    assert_no_canary(live_server, reader.raw)
    with live_server.client("public_reader") as client:
        stream = client.get("/ui/gradio_api/queue/data", params={"session_hash": session})
    assert stream.status_code == 403
    # After the admin's library refresh in a session, a reader's error never lists the admin's choices.
    assert gradio_call(live_server, "admin", "refresh_all", [[], "全部年份", []], "admin-library").event == "complete"
    for reader_session in ("admin-library", "reader-library"):
        shown = gradio_call(live_server, "public_reader", "show", ["0" * 16], reader_session)
        assert_no_canary(live_server, shown.raw)
    shown = gradio_call(live_server, "public_reader", "show", [live_server.canary_doc_id], "reader-library")
    assert shown.event == "complete" and "该文档不存在或已被删除" in str(shown.data)
    assert_no_canary(live_server, str(shown.data))


def test_ui_uploads_need_an_editor_key_and_are_capped(live_server):
    upload = {"files": ("note.txt", "一、测试\n内容。".encode(), "text/plain")}
    with httpx.Client(base_url=live_server.url, timeout=30) as anonymous:
        assert anonymous.post("/ui/gradio_api/upload", files=upload).status_code == 401
    with live_server.client("public_reader") as reader:
        assert reader.post("/ui/gradio_api/upload", files=upload).status_code == 403
    with live_server.client("public_editor") as editor:
        too_big = {"files": ("big.txt", b"x" * (2 * 1024 * 1024), "text/plain")}
        assert editor.post("/ui/gradio_api/upload", files=too_big).status_code == 413
        accepted = editor.post("/ui/gradio_api/upload", files=upload)
        assert accepted.status_code == 200
        [stored] = accepted.json()
    # Uploads land in the data dir's own folder, not a shared /tmp.
    assert stored.startswith(str(live_server.data_dir.resolve()))


def test_a_streamed_upload_without_length_is_cut_off_at_the_limit(live_server):
    """Chunked transfer (no Content-Length): the gate counts the bytes and answers 413."""
    boundary = "pqaboundary"
    head = (f"POST /ui/gradio_api/upload HTTP/1.1\r\nHost: localhost\r\n"
            f"Authorization: Bearer {live_server.tokens['public_editor']}\r\n"
            f"Content-Type: multipart/form-data; boundary={boundary}\r\nTransfer-Encoding: chunked\r\n\r\n")
    part = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"big.txt\"\r\n"
            "Content-Type: text/plain\r\n\r\n").encode()

    def chunks():
        body = part + b"x" * (256 * 1024)
        while True:
            yield f"{len(body):x}\r\n".encode() + body + b"\r\n"
            body = b"x" * (256 * 1024)

    answer, sent = send_until_answered(live_server, head, chunks(), 8 * 1024 * 1024)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert sent <= 4 * 1024 * 1024  # refused long before 8 MB were sent
    assert healthz_time(live_server) < 1.0
