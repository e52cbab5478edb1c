"""Finding 3 of issue 20: revoking every key opened the UI in admin mode while the API stayed closed.

One decision now serves both (``ui.api.access.AccessPolicy``), at every request: open only while
no key was ever configured, or when the operator sets ``POLICYQA_OPEN_ACCESS``.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.live import CANARY_PHRASE, REPO_ROOT, LiveServer
from tests.security.conftest import assert_no_canary, gradio_call, stop

CANARY_QUESTION = f"{CANARY_PHRASE}由哪个单位负责建设？"


def policyqa(server: LiveServer, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from ui.cli import main; main()", "--data-dir", str(server.data_dir),
                           *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def revoked_server(own_server) -> LiveServer:
    """A server whose every key has been revoked (with the CLI) while it runs."""
    server = own_server()
    for key in json.loads(policyqa(server, "keys", "list", "--json").stdout):
        assert policyqa(server, "keys", "revoke", key["key_id"]).returncode == 0
    return server


def test_with_every_key_revoked_the_api_and_the_ui_stay_closed(revoked_server):
    server = revoked_server
    with server.client(None) as anonymous, server.client("admin") as revoked_admin:
        assert anonymous.post("/api/ask", json={"question": CANARY_QUESTION}).status_code == 401
        assert revoked_admin.post("/api/ask", json={"question": CANARY_QUESTION}).status_code == 401
        assert anonymous.get("/ui/", headers={"Accept": "text/html"}).status_code == 303  # to the login page
        login = anonymous.post("/ui/login", data={"key": server.tokens["admin"]})
        assert login.status_code == 401 and "set-cookie" not in login.headers
    for key, extra in ((None, {}), (None, {"X-API-Key": ""}), ("admin", {})):
        answer = gradio_call(server, key, "respond", [CANARY_QUESTION, [], [], "全部年份", []], headers=extra)
        assert answer.status == 401, answer.raw
        assert_no_canary(server, answer.raw)
        assert gradio_call(server, key, "ask_delete", [server.canary_doc_id], headers=extra).status == 401
        assert gradio_call(server, key, "do_delete", [], headers=extra).status == 401
    # The internal document is still there (checked straight in the store, no key needed).
    shown = policyqa(server, "show", server.canary_doc_id, "--json")
    assert shown.returncode == 0 and json.loads(shown.stdout)["access"] == "internal"


def test_a_new_admin_key_reopens_the_service_to_keys_only(revoked_server):
    server = revoked_server
    created = json.loads(policyqa(server, "keys", "create", "--role", "admin", "--groups", "public,internal",
                                  "--json").stdout)
    with server.client(None) as anonymous:
        assert anonymous.post("/api/search", json={"query": "数据"}).status_code == 401
        fresh = {"Authorization": f"Bearer {created['token']}"}
        assert anonymous.post("/api/search", json={"query": "数据"}, headers=fresh).status_code == 200
        assert gradio_call(server, None, "refresh_all", [[], "全部年份", []], headers=fresh).event == "complete"


def test_the_operator_can_open_the_service_explicitly(own_server):
    server = own_server(env={"POLICYQA_OPEN_ACCESS": "true"})
    with server.client(None) as anonymous:
        assert anonymous.post("/api/search", json={"query": "数据"}).status_code == 200
        assert anonymous.get("/ui/", headers={"Accept": "text/html"}).status_code == 200
    log = server.log_path.read_text(encoding="utf-8", errors="replace")
    assert "POLICYQA_OPEN_ACCESS is set: the service is OPEN" in log
    stop(server)
