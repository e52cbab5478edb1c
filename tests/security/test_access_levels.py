"""Finding 5 of issue 20: the upload ``access`` field escaped the data dir.

``-F access=/tmp/x`` as admin overwrote, then deleted, a file outside the data dir, and a
document with access level ``/tmp/x`` was stored. Access levels are now names matching
``[a-z0-9_-]{1,32}`` everywhere they enter: API and UI uploads, ``keys create``, ``ingest``.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.live import REPO_ROOT
from tests.security.conftest import gradio_call

BAD_LEVELS = ("/tmp/pqa-escape", "../internal", "public/../../x", "Internal", "a b", "x" * 33, "内部", ".hidden")
NOTICE = "关于访问级别校验测试的通知\n一、测试目标\n（一）白鹭湾访问级别校验测试条款。\n".encode()


@pytest.fixture
def outside_file(tmp_path_factory):
    """A file outside the data dir where a traversal would land (``<dir>/notice.txt``)."""
    folder = tmp_path_factory.mktemp("outside")
    victim = folder / "notice.txt"
    victim.write_bytes(b"do not touch")
    return victim


def test_api_upload_refuses_an_access_level_that_is_a_path(live_server, outside_file):
    before = {d["doc_id"] for d in live_server.client("admin").get("/api/documents").json()["documents"]}
    with live_server.client("admin") as admin:
        for level in (str(outside_file.parent), *BAD_LEVELS):
            response = admin.post("/api/documents", files={"file": ("notice.txt", NOTICE, "text/plain")},
                                  data={"access": level})
            assert response.status_code == 422, (level, response.text)
            assert "访问级别" in response.json()["detail"]
        listing = admin.get("/api/documents").json()
    assert outside_file.read_bytes() == b"do not touch" and len(list(outside_file.parent.iterdir())) == 1
    assert {d["doc_id"] for d in listing["documents"]} == before
    assert all(job["access"] in ("public", "internal") for job in listing["uploads"])
    incoming = live_server.data_dir / "uploads" / ".incoming"
    assert not incoming.exists() or not any(incoming.iterdir())  # refused uploads leave no temp file


def test_ui_upload_refuses_an_access_level_that_is_a_path(live_server, outside_file):
    with live_server.client("admin") as admin:
        [uploaded] = admin.post("/ui/gradio_api/upload",
                                files={"files": ("notice.txt", NOTICE, "text/plain")}).json()
    result = gradio_call(live_server, "admin", "do_upload",
                         [[{"path": uploaded, "meta": {"_type": "gradio.FileData"}}], str(outside_file.parent)])
    assert result.event == "error" and "访问级别无效" in result.raw
    assert outside_file.read_bytes() == b"do not touch" and len(list(outside_file.parent.iterdir())) == 1


def test_keys_and_ingest_refuse_such_levels_too(live_server, tmp_path):
    def policyqa(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-c", "from ui.cli import main; main()", "--data-dir",
                               str(tmp_path / "data"), *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)

    notice = tmp_path / "notice.txt"
    notice.write_bytes(NOTICE)
    for level in ("/tmp/x", "../internal", "Internal"):
        created = policyqa("keys", "create", "--role", "reader", "--groups", f"public,{level}")
        assert created.returncode == 1 and "访问级别" in created.stderr, created.stderr
        ingested = policyqa("ingest", "--access", level, str(notice))
        assert ingested.returncode == 1 and "访问级别" in ingested.stderr, ingested.stderr
    assert not (tmp_path / "data" / "keys.sqlite3").exists() or \
        policyqa("keys", "list", "--json").stdout.strip() == "[]"
