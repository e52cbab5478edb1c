"""Finding 8 of issue 20: a full disk or a read-only data dir.

Full disk: every read returned 500 because the audit write failed, while ``/readyz`` said ready.
Read-only data dir: every CLI command, read-only ones included, died with a traceback and
``serve`` would not start. Both are injected through ``policyqa/faults.py`` (``enospc_*`` /
``erofs_*``: every write point of the data dir fails): CI runs as root, where permissions
cannot make a directory read-only.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest

from tests.live import REPO_ROOT, LiveServer
from tests.security.conftest import gradio_call

NOTICE = "关于存储故障测试的通知\n一、测试目标\n（一）白鹭湾存储故障测试条款。\n".encode()


def reads_work(server: LiveServer) -> None:
    with server.client("public_reader") as client:
        assert client.post("/api/search", json={"query": "数字政府", "k": 3}).status_code == 200
        assert client.post("/api/ask", json={"question": "数字政府建设的主要目标是什么？"}).status_code == 200
        assert client.get("/api/documents").status_code == 200
        assert client.post("/v1/chat/completions",
                           json={"messages": [{"role": "user", "content": "数字政府建设的主要目标是什么？"}]}).status_code == 200


def audit_failures(server: LiveServer) -> float:
    with server.client(None) as client:
        text = client.get("/metrics").text
    return float(re.search(r"^policyqa_audit_failures_total ([0-9.e+]+)$", text, re.M).group(1))


def writes_refused(server: LiveServer, status: int, words: str) -> None:
    with server.client("public_editor") as editor, server.client("admin") as admin:
        upload = editor.post("/api/documents", files={"file": ("notice.txt", NOTICE, "text/plain")})
        assert upload.status_code == status and words in upload.json()["detail"], upload.text
        doc_id = admin.get("/api/documents").json()["documents"][0]["doc_id"]
        delete = admin.delete(f"/api/documents/{doc_id}")
        assert delete.status_code == status and words in delete.json()["detail"], delete.text
        assert admin.get(f"/api/documents/{doc_id}").status_code == 200  # nothing was deleted
        [uploaded] = editor.post("/ui/gradio_api/upload", files={"files": ("notice.txt", NOTICE, "text/plain")}).json()
    ui = gradio_call(server, "public_editor", "do_upload",
                     [[{"path": uploaded, "meta": {"_type": "gradio.FileData"}}], "public"])
    assert ui.event == "complete" and f"未能入库（{words}" in ui.raw, ui.raw


def test_a_full_disk_keeps_reads_working_and_refuses_writes_with_507(own_server):
    server = own_server(env={"POLICYQA_CRASH_AT": "enospc_*"})
    before = audit_failures(server)
    reads_work(server)
    assert audit_failures(server) >= before + 4  # each unwritten audit entry is counted, not a 500
    with server.client(None) as client:
        ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["writes"] == "disk full"
    writes_refused(server, 507, "磁盘空间不足")


def test_a_read_only_data_dir_still_serves_and_says_why_writes_fail(own_server):
    server = own_server(env={"POLICYQA_CRASH_AT": "erofs_*"})  # it starts: own_server waits for /readyz
    reads_work(server)
    writes_refused(server, 503, "数据目录只读")


@pytest.fixture(scope="module")
def read_only_cli(server_data_dir, tmp_path_factory):
    """``policyqa`` over a copy of the data dir with every write point failing as a read-only file system."""
    data_dir = tmp_path_factory.mktemp("read-only-cli") / "data"
    shutil.copytree(server_data_dir, data_dir)

    def policyqa(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-c", "from ui.cli import main; main()", "--data-dir", str(data_dir),
                               *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
                              env={**os.environ, "POLICYQA_CRASH_AT": "erofs_*", "COLUMNS": "200"})

    return policyqa


@pytest.mark.parametrize("args", [("documents", "--json"), ("show", "002_4a82e6608af59380.txt", "--json"),
                                  ("search", "数字政府", "-k", "2", "--json"), ("keys", "list", "--json"),
                                  ("check", "--json")])
def test_read_only_cli_commands_work_on_a_read_only_data_dir(read_only_cli, args):
    result = read_only_cli(*args)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("args", [("ingest", str(REPO_ROOT / "corpus" / "000_72e0c38bb21918d5.txt")),
                                  ("remove", "002_4a82e6608af59380.txt"), ("keys", "create", "--role", "reader")])
def test_write_cli_commands_say_the_data_dir_is_read_only(read_only_cli, args):
    result = read_only_cli(*args)
    assert result.returncode == 4, (result.stdout, result.stderr)
    assert "数据目录只读" in result.stderr and "Traceback" not in result.stderr
