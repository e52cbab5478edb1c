"""Access control against the real server: keys, roles, and the leak canary on every path."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.ui.conftest import CANARY_PHRASE, CANARY_SECRET, CANARY_TITLE, REPO_ROOT

CANARY_QUESTION = f"{CANARY_PHRASE}由哪个单位负责建设？"
CANARY_CLAIM = f"{CANARY_PHRASE}由市政务服务数据管理局负责建设。"


def assert_no_canary(live_server, text: str) -> None:
    """No text, title or id of the canary in a response the public key got.

    The probes name the canary's topic (a user may type anything), so responses echoing the
    question are fine; the secret in every canary sentence, its title, its amount and its id
    are in no probe, so finding one of them means the document leaked.
    """
    assert CANARY_SECRET not in text
    assert "1234.5万元" not in text
    assert CANARY_TITLE not in text
    assert live_server.canary_doc_id not in text


def test_internal_key_finds_the_canary_so_the_probe_is_meaningful(live_server):
    with live_server.client("internal_reader") as client:
        hits = client.post("/api/search", json={"query": CANARY_PHRASE, "k": 5}).json()["hits"]
        answer = client.post("/api/ask", json={"question": CANARY_QUESTION}).json()
    assert hits[0]["doc_id"] == live_server.canary_doc_id
    assert CANARY_PHRASE in hits[0]["text"]
    assert any(c["doc_id"] == live_server.canary_doc_id for c in answer["citations"])


def test_public_key_search_never_sees_internal_and_still_returns_k_hits(live_server):
    with live_server.client("public_reader") as client:
        response = client.post("/api/search", json={"query": CANARY_PHRASE, "k": 10})
    assert response.status_code == 200
    hits = response.json()["hits"]
    # The filter runs before ranking: k visible hits, not k minus the hidden ones.
    assert len(hits) == 10
    assert_no_canary(live_server, response.text)


@pytest.mark.parametrize(
    ("method", "path", "payload"),
    [
        ("POST", "/api/ask", {"question": CANARY_QUESTION}),
        ("POST", "/api/ask/stream", {"question": CANARY_QUESTION}),
        ("POST", "/api/verify", {"text": CANARY_CLAIM}),
        ("POST", "/api/precedents", {"draft": f"建议加快{CANARY_PHRASE}建设，推进数据共享，完善保密制度。"}),
        ("POST", "/v1/chat/completions", {"messages": [{"role": "user", "content": CANARY_QUESTION}]}),
        ("POST", "/v1/chat/completions",
         {"messages": [{"role": "user", "content": CANARY_QUESTION}], "stream": True}),
        ("GET", "/api/documents", None),
    ],
)
def test_public_key_never_sees_the_canary(live_server, method, path, payload):
    with live_server.client("public_reader") as client:
        response = client.request(method, path, json=payload)
    assert response.status_code == 200, response.text
    assert_no_canary(live_server, response.text)


def test_public_key_gets_404_for_the_internal_document_its_file_and_relations(live_server):
    doc_id = live_server.canary_doc_id
    with live_server.client("public_reader") as public, live_server.client("admin") as admin:
        for path in (f"/api/documents/{doc_id}", f"/api/documents/{doc_id}/file",
                     f"/api/documents/{doc_id}/related"):
            hidden = public.get(path)
            assert hidden.status_code == 404, path
            # Same answer as for a document that does not exist: nothing to probe.
            missing = public.get(path.replace(doc_id, "0" * 16))
            assert missing.status_code == 404
            assert hidden.text.replace(doc_id, "ID") == missing.text.replace("0" * 16, "ID")
            assert admin.get(path).status_code == 200, path
        assert CANARY_SECRET in admin.get(f"/api/documents/{doc_id}/file").text
        # Related lists of visible documents never name the internal one either.
        for document in public.get("/api/documents").json()["documents"]:
            assert_no_canary(live_server, public.get(f"/api/documents/{document['doc_id']}/related").text)


def test_missing_or_wrong_key_is_refused_and_readers_cannot_write(live_server):
    with live_server.client(None) as anonymous:
        assert anonymous.post("/api/search", json={"query": "数据"}).status_code == 401
        assert anonymous.get("/api/documents", headers={"X-API-Key": "pqa_not-a-key"}).status_code == 401
        # Health endpoints stay open for probes.
        assert anonymous.get("/healthz").status_code == 200
    with live_server.client("public_reader") as reader:
        files = {"file": ("x.txt", "一、测试\n内容。".encode(), "text/plain")}
        assert reader.post("/api/documents", files=files).status_code == 403
        some_doc = reader.get("/api/documents").json()["documents"][0]["doc_id"]
        assert reader.delete(f"/api/documents/{some_doc}").status_code == 403


def test_public_editor_cannot_upload_into_a_level_it_cannot_see(live_server):
    with live_server.client("public_editor") as editor:
        files = {"file": ("secret.txt", "一、测试\n内容。".encode(), "text/plain")}
        assert editor.post("/api/documents", files=files, data={"access": "internal"}).status_code == 403


def test_audit_log_records_who_asked_what_and_the_sources(live_server):
    from ui.api.audit import AUDIT_FILE_NAME, AuditLog

    with live_server.client("public_reader") as client:
        client.post("/api/search", json={"query": "审计日志探针 政务数据大脑", "k": 3})
    entries = AuditLog(live_server.data_dir / AUDIT_FILE_NAME).recent(50)
    probe = [e for e in entries if e.query == "审计日志探针 政务数据大脑"]
    assert probe and probe[0].action == "search" and len(probe[0].sources) == 3
    assert probe[0].key_id != "anonymous"


def test_keys_cli_creates_lists_and_revokes_hashed_keys(tmp_path):
    def policyqa(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-c", "from ui.cli import main; main()", "--data-dir",
                               str(tmp_path), *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)

    created = policyqa("keys", "create", "--role", "reader", "--groups", "public,internal", "--json")
    assert created.returncode == 0, created.stderr
    key = json.loads(created.stdout)
    assert key["groups"] == ["public", "internal"] and key["token"].startswith("pqa_")
    # Only a hash is at rest: the token is nowhere in the key file.
    assert key["token"].encode() not in (tmp_path / "keys.sqlite3").read_bytes()
    listed = json.loads(policyqa("keys", "list", "--json").stdout)
    assert [k["key_id"] for k in listed] == [key["key_id"]] and "token" not in listed[0]
    assert policyqa("keys", "create", "--role", "boss").returncode == 1
    assert policyqa("keys", "revoke", key["key_id"]).returncode == 0
    assert json.loads(policyqa("keys", "list", "--json").stdout)[0]["revoked"] is not None
