"""Finding 9 of issue 20, access levels of stored documents: ``ingest --access internal`` on an
unchanged stored file silently kept it public, and no command changed a document's level.

``policyqa access DOC LEVEL``, ``PATCH /api/documents/{id}`` (admins) and the library's admin
panel change it, ``ingest --access`` changes it for stored files (and says so), a plain
re-ingest never does, and ``documents --json`` shows it. The filters follow at once.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from tests.live import REPO_ROOT, LiveServer
from tests.security.conftest import gradio_call

PLAN = "002_4a82e6608af59380.txt"
PHRASE = "数字政府改革建设"


def policyqa(data_dir, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from ui.cli import main; main()", "--data-dir", str(data_dir), *args],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=300, env={**os.environ, "COLUMNS": "250"})


def access_of(data_dir, source: str) -> str:
    listed = json.loads(policyqa(data_dir, "documents", "--json").stdout)
    return next(d["access"] for d in listed if d["source"] == source)


def public_sees(server: LiveServer, doc_id: str) -> bool:
    with server.client("public_reader") as reader:
        hits = reader.post("/api/search", json={"query": PHRASE, "k": 20}).json()["hits"]
        return any(h["doc_id"] == doc_id for h in hits) or reader.get(f"/api/documents/{doc_id}").status_code == 200


@pytest.fixture
def cli_data_dir(server_data_dir, tmp_path):
    data_dir = tmp_path / "data"
    shutil.copytree(server_data_dir, data_dir)
    return data_dir


def test_ingest_access_applies_to_stored_files_and_a_plain_reingest_keeps_it(cli_data_dir):
    plan = REPO_ROOT / "corpus" / PLAN
    assert access_of(cli_data_dir, PLAN) == "public"
    changed = policyqa(cli_data_dir, "ingest", "--access", "internal", str(plan))
    assert changed.returncode == 0, changed.stderr
    assert "access level changed from public to internal" in changed.stdout
    assert access_of(cli_data_dir, PLAN) == "internal"
    again = policyqa(cli_data_dir, "ingest", str(plan))  # no --access: stored levels are kept
    assert again.returncode == 0 and access_of(cli_data_dir, PLAN) == "internal"
    back = policyqa(cli_data_dir, "access", PLAN, "public")
    assert back.returncode == 0 and "internal -> public" in back.stdout
    assert access_of(cli_data_dir, PLAN) == "public"
    assert policyqa(cli_data_dir, "access", PLAN, "../x").returncode == 1


def test_admins_change_a_level_through_the_api_and_the_ui_and_filters_follow_at_once(live_server):
    with live_server.client("admin") as admin:
        doc_id = next(d["doc_id"] for d in admin.get("/api/documents").json()["documents"] if d["source"] == PLAN)
    assert public_sees(live_server, doc_id)
    try:
        with live_server.client("public_editor") as editor:
            assert editor.patch(f"/api/documents/{doc_id}", json={"access": "internal"}).status_code == 403
        with live_server.client("admin") as admin:
            assert admin.patch(f"/api/documents/{doc_id}", json={"access": "/tmp/x"}).status_code == 422
            changed = admin.patch(f"/api/documents/{doc_id}", json={"access": "internal"})
        assert changed.status_code == 200 and changed.json()["access"] == "internal"
        assert not public_sees(live_server, doc_id)
        # The library's admin panel: refused for an editor, done for an admin.
        assert gradio_call(live_server, "public_editor", "change_access", [doc_id, "public"]).event == "error"
        result = gradio_call(live_server, "admin", "change_access", [doc_id, "public"])
        assert result.event == "complete" and "改为「公开」" in result.raw, result.raw
        assert public_sees(live_server, doc_id)
    finally:
        with live_server.client("admin") as admin:
            admin.patch(f"/api/documents/{doc_id}", json={"access": "public"})
