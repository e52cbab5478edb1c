"""Finding 9 of issue 20, uploads: after ``kill -9`` an accepted upload (202) was lost without a
trace and its file stayed in ``uploads/``; ``.incoming`` leftovers were never cleaned.

Now an upload is journalled before the 202; on restart it is resumed (its file survived) or
marked failed with the reason (it did not), and files no upload claims are removed.
"""

from __future__ import annotations

import signal
import time

from tests.live import LiveServer
from tests.security.conftest import stop

NOTICE = "关于上传恢复测试的通知\n一、目标\n（一）白鹭湾上传恢复测试条款{n}。\n"


def accept(server: LiveServer, name: str, n: int) -> str:
    with server.client("public_editor") as editor:
        response = editor.post("/api/documents", files={"file": (name, NOTICE.format(n=n).encode(), "text/plain")})
    assert response.status_code == 202, response.text
    return response.json()["upload_id"]


def job(server: LiveServer, upload_id: str, until=("ready", "failed"), timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    with server.client("public_editor") as editor:
        while (state := editor.get(f"/api/documents/uploads/{upload_id}").json()).get("status") not in until:
            assert time.monotonic() < deadline, state
            time.sleep(0.3)
    return state


def test_accepted_uploads_survive_kill_9(own_server, tmp_path):
    release = tmp_path / "release"  # never created: every upload's job waits until the kill
    server = own_server(env={"POLICYQA_PAUSE_AT": f"upload_accepted:{release}"})
    resumed = accept(server, "恢复测试-保留.txt", 1)
    deadline = time.monotonic() + 30
    while not (tmp_path / "release.reached").exists():  # the job holds, after the 202
        assert time.monotonic() < deadline
        time.sleep(0.1)
    lost = accept(server, "恢复测试-丢失.txt", 2)
    server.process.send_signal(signal.SIGKILL)
    server.process.wait(10)
    uploads = server.data_dir / "uploads"
    # The crash leaves both received files waiting in .incoming; one of them then goes missing,
    # and a stray file (an upload whose request died mid-body) lies beside them.
    waiting = sorted((uploads / ".incoming").iterdir())
    assert len(waiting) == 2
    journal = {p.stem: p.read_text("utf-8") for p in (uploads / ".jobs").glob("*.json")}
    lost_file = next(p for p in waiting if p.name in journal[lost])
    lost_file.unlink()
    stray = uploads / ".incoming" / "upload-stray"
    stray.write_bytes(b"half an upload")
    (uploads / "public").mkdir(exist_ok=True)
    stale = uploads / "public" / "stale-copy.txt"
    stale.write_bytes(b"an upload copy no job claims")

    restarted = own_server(data_dir=server.data_dir)
    try:
        done = job(restarted, resumed)
        assert done["status"] == "ready" and done["doc_id"], done
        failed = job(restarted, lost)
        assert failed["status"] == "failed" and "重启" in failed["error"], failed
        with restarted.client("public_editor") as editor:
            listing = editor.get("/api/documents").json()
        assert any(d["doc_id"] == done["doc_id"] for d in listing["documents"])
        assert any(u["upload_id"] == lost and u["status"] == "failed" for u in listing["uploads"])
        assert not stray.exists() and not stale.exists()
        assert not any((uploads / ".incoming").iterdir())
    finally:
        stop(restarted)
