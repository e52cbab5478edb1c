"""The library over the real server: upload every corpus format, list, show, file, delete, limits."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.ui.conftest import REPO_ROOT, UPLOAD_LIMIT_MB

FORMATS_DIR = REPO_ROOT / "corpus" / "formats"
# A phrase each document holds, so a search proves the upload is indexed.
PROBES = {
    "000": "整改",
    "001": "绩效评价",
    "002": "十四五",
    "003": "20210142",
    "004": "20220388",
}
JOB_TIMEOUT_S = 240


def wait_for_job(client, upload_id: str) -> dict:
    deadline = time.monotonic() + JOB_TIMEOUT_S
    while time.monotonic() < deadline:
        job = client.get(f"/api/documents/uploads/{upload_id}").json()
        if job["status"] in ("ready", "failed"):
            return job
        time.sleep(0.5)
    raise AssertionError(f"upload {upload_id} still {job['status']} after {JOB_TIMEOUT_S} s")


def test_list_and_show_documents_with_the_clause_tree(live_server):
    with live_server.client("admin") as client:
        listing = client.get("/api/documents").json()
        plan = next(d for d in listing["documents"] if d["source"].startswith("002_"))
        detail = client.get(f"/api/documents/{plan['doc_id']}").json()
        original = client.get(detail["file_url"])
        anchored = client.get(f"{detail['file_url']}&page=3", follow_redirects=False)
    assert len(listing["documents"]) >= 6 and all(d["status"] == "ready" for d in listing["documents"])
    assert {"doc_id", "source", "title", "doc_number", "issuer", "addressee", "date", "doc_type",
            "proposal_number", "pages", "chunks", "ocr"} <= set(plan)
    assert plan["doc_type"] == "plan"
    top = [s["title"] for s in detail["sections"]]
    assert any(t.startswith("一") for t in top) and any(t.startswith("十一") for t in top)
    assert detail["chunks"] and all(detail["text"][c["start"]:c["end"]] == c["text"] for c in detail["chunks"])
    assert original.status_code == 200 and original.content == (REPO_ROOT / "corpus" / plan["source"]).read_bytes()
    # file_url is a signed link (the server has keys); the page redirect keeps its query.
    target = urlsplit(anchored.headers["location"])
    assert anchored.status_code == 307 and target.path.endswith("/file") and target.fragment == "page=3"
    assert parse_qs(target.query) == parse_qs(urlsplit(detail["file_url"]).query)


@pytest.mark.parametrize("path", sorted(FORMATS_DIR.iterdir()), ids=lambda p: p.name)
def test_upload_each_corpus_format_then_delete_it(live_server, path: Path):
    probe = PROBES[path.name[:3]]
    with live_server.client("public_editor") as client:
        with path.open("rb") as handle:
            response = client.post("/api/documents", files={"file": (path.name, handle)})
        assert response.status_code == 202, response.text
        job = wait_for_job(client, response.json()["upload_id"])
        assert job["status"] == "ready", job
        doc_id = job["doc_id"]
        detail = client.get(f"/api/documents/{doc_id}").json()
        assert detail["source"] == path.name and detail["access"] == "public"
        assert detail["chunks"] and probe in detail["text"]
        assert client.get(f"/api/documents/{doc_id}/file").content == path.read_bytes()
        hits = client.post("/api/search", json={"query": probe, "k": 3,
                                                "filters": {"sources": [path.name]}}).json()["hits"]
        assert hits and all(h["doc_id"] == doc_id for h in hits)

        assert client.delete(f"/api/documents/{doc_id}").status_code == 204
        assert client.get(f"/api/documents/{doc_id}").status_code == 404
        assert client.get(f"/api/documents/{doc_id}/file").status_code == 404
        after = client.post("/api/search", json={"query": probe, "k": 3, "filters": {"sources": [path.name]}})
        assert after.json()["hits"] == []


def test_oversized_upload_is_refused_with_413(live_server):
    too_big = b"0" * (UPLOAD_LIMIT_MB * 1024 * 1024 + 1)
    with live_server.client("admin") as client:
        declared = client.post("/api/documents", files={"file": ("big.txt", too_big, "text/plain")})

        # Without a Content-Length (chunked), the limit still holds on the bytes received.
        boundary = "policyqa-test-boundary"

        def body():
            yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.txt\"\r\n"
                   "Content-Type: text/plain\r\n\r\n").encode()
            for _ in range(UPLOAD_LIMIT_MB * 4 + 4):
                yield b"1" * 262_144
            yield f"\r\n--{boundary}--\r\n".encode()

        streamed = client.post("/api/documents", content=body(),
                               headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        leftovers = list((live_server.data_dir / "uploads").rglob("upload-*"))
    assert declared.status_code == 413
    assert streamed.status_code == 413
    assert leftovers == []  # the partial temp file is removed


def test_upload_type_is_checked_by_content_not_name(live_server):
    jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 512
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("notes.txt", "不是Word文档")
    with live_server.client("admin") as client:
        fake_pdf = client.post("/api/documents", files={"file": ("report.pdf", jpeg, "application/pdf")})
        fake_docx = client.post("/api/documents", files={"file": ("reply.docx", archive.getvalue())})
        empty = client.post("/api/documents", files={"file": ("empty.txt", b"")})
        no_file = client.post("/api/documents", data={"access": "public"}, files={"other": ("a", b"x")})
    assert fake_pdf.status_code == 415 and "JPEG" in fake_pdf.json()["detail"]
    assert fake_docx.status_code == 415
    assert empty.status_code == 415
    assert no_file.status_code == 400


def test_a_hostile_file_name_is_stored_safely(live_server):
    text = "关于测试上传文件名的通知\n一、总体要求\n文件名含有路径穿越字符时，系统应当安全保存。\n".encode()
    with live_server.client("admin") as client:
        response = client.post("/api/documents", files={"file": ("../../etc/evil\x00name.txt", text)})
        assert response.status_code == 202
        job = wait_for_job(client, response.json()["upload_id"])
        assert job["status"] == "ready", job
        assert "/" not in job["source"] and "\x00" not in job["source"]
        assert client.delete(f"/api/documents/{job['doc_id']}").status_code == 204
    assert not (live_server.data_dir.parent / "etc").exists()
