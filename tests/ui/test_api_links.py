"""Signed file links: what a browser (which sends no API key) may open through them, and what not.

Against the real server of conftest (keys on), except the open-mode test, which needs a
service without keys and so runs the real app in-process over its own copy of the corpus.
"""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import lxml.html
import pytest
from fastapi.testclient import TestClient

from tests.ui.conftest import REPO_ROOT, LiveServer

PLAN_SOURCE = "002_4a82e6608af59380.txt"
PLAN_BYTES = (REPO_ROOT / "corpus" / PLAN_SOURCE).read_bytes()


def _detail(server: LiveServer, key: str, source: str = PLAN_SOURCE) -> dict:
    with server.client(key) as client:
        doc = next(d for d in client.get("/api/documents").json()["documents"] if d["source"] == source)
        return client.get(f"/api/documents/{doc['doc_id']}").json()


def _principal(server: LiveServer, key: str):
    from ui.api.auth import KEYS_FILE_NAME, KeyStore

    return KeyStore(server.data_dir / KEYS_FILE_NAME).authenticate(server.tokens[key])


def _signer(server: LiveServer, ttl_s: int = 3600):
    """A signer with the server's own secret (the one it generated in its data dir)."""
    from ui.api.links import FileLinks

    return FileLinks.from_setting(None, server.data_dir, ttl_s=ttl_s)


def _link(doc_id: str, params: dict) -> str:
    return f"/api/documents/{doc_id}/file?{urlencode(params)}"


def test_the_file_url_of_a_document_opens_in_a_browser_without_a_key(live_server):
    for key in ("admin", "public_reader"):
        detail = _detail(live_server, key)
        url = urlsplit(detail["file_url"])
        params = parse_qs(url.query)
        with live_server.client(None) as browser:
            opened = browser.get(detail["file_url"])
            bare = browser.get(url.path)
        assert set(params) == {"kid", "exp", "sig"} and params["kid"] == [_principal(live_server, key).key_id]
        assert opened.status_code == 200, opened.text
        assert opened.content == PLAN_BYTES
        assert bare.status_code == 401  # the signature, not the address, is what opens it


def test_a_tampered_or_expired_link_is_refused(live_server):
    detail = _detail(live_server, "public_reader")
    doc_id = detail["doc_id"]
    good = {k: v[0] for k, v in parse_qs(urlsplit(detail["file_url"]).query).items()}
    other_doc = _detail(live_server, "public_reader", "003_66915094b21ed0ba.txt")["doc_id"]
    flipped = good["sig"][:-1] + ("A" if good["sig"][-1] != "A" else "B")
    expired = _signer(live_server, ttl_s=-60).query(doc_id, _principal(live_server, "public_reader"))
    forged = [
        _link(doc_id, {**good, "sig": flipped}),
        _link(doc_id, {**good, "exp": str(int(good["exp"]) + 86_400)}),  # a longer life, same signature
        _link(doc_id, {**good, "kid": _principal(live_server, "admin").key_id}),  # someone else's key
        _link(other_doc, good),  # another document
        _link(doc_id, {**good, "sig": "签名"}),  # not even ASCII: refused, not a 500
        _link(doc_id, {"kid": good["kid"], "sig": good["sig"]}),
        _link(doc_id, expired),
    ]
    with live_server.client(None) as browser:
        assert browser.get(_link(doc_id, good)).status_code == 200
        for url in forged:
            refused = browser.get(url)
            assert refused.status_code == 401, url
            assert PLAN_BYTES[:200] not in refused.content


def test_a_link_grants_only_what_its_key_may_see_and_dies_with_the_key(live_server):
    from ui.api.auth import KEYS_FILE_NAME, KeyStore

    canary = live_server.canary_doc_id
    signer = _signer(live_server)
    public_link = _link(canary, signer.query(canary, _principal(live_server, "public_reader")))
    admin_link = _link(canary, signer.query(canary, _principal(live_server, "admin")))
    keys = KeyStore(live_server.data_dir / KEYS_FILE_NAME)
    short_lived = keys.create("reader", ["public"], "test_api_links")
    plan = _detail(live_server, "public_reader")["doc_id"]
    revocable = _link(plan, signer.query(plan, keys.principal_for(short_lived.record.key_id)))
    with live_server.client(None) as browser:
        hidden = browser.get(public_link)
        missing = browser.get(_link("0" * 16, signer.query("0" * 16, _principal(live_server, "public_reader"))))
        assert browser.get(admin_link).status_code == 200
        assert browser.get(revocable).status_code == 200
        keys.revoke(short_lived.record.key_id)
        revoked = browser.get(revocable)
    # A public key's link to an internal document answers like a document that does not exist.
    assert hidden.status_code == 404 and missing.status_code == 404
    assert hidden.text.replace(canary, "ID") == missing.text.replace("0" * 16, "ID")
    assert revoked.status_code == 401


def test_the_page_redirect_keeps_the_signature(live_server):
    detail = _detail(live_server, "public_reader")
    signed = parse_qs(urlsplit(detail["file_url"]).query)
    with live_server.client(None) as browser:
        hop = browser.get(f"{detail['file_url']}&page=3", follow_redirects=False)
        followed = browser.get(f"{detail['file_url']}&page=3", follow_redirects=True)
    target = urlsplit(hop.headers["location"])
    assert hop.status_code == 307
    assert target.path == f"/api/documents/{detail['doc_id']}/file" and target.fragment == "page=3"
    assert parse_qs(target.query) == signed
    assert followed.status_code == 200 and followed.content == PLAN_BYTES


@pytest.fixture(scope="module")
def ui_context(live_server):
    """The UI's context over the live server's data dir (same keys, same link secret)."""
    from ui.settings import Settings
    from ui.web.access import KeyGate
    from ui.web.context import UiContext
    from ui.workspace import Workspace

    with Workspace.open(Settings(data_dir=live_server.data_dir)) as workspace:
        yield UiContext(workspace, KeyGate.for_workspace(workspace))


def test_the_ui_renders_file_links_signed_for_the_viewers_key(live_server, ui_context):
    from policyqa.records import Answer, Citation, Verdict
    from qa.precedents.finder import Precedent
    from ui.web.chat import render_panel, render_sources
    from ui.web.claims import render_verdicts
    from ui.web.library import render_section_tree
    from ui.web.precedents import render_precedents

    principal = ui_context.gate.policy.authenticate({"x-api-key": live_server.tokens["public_reader"]})
    link = ui_context.file_link(principal)
    store = ui_context.workspace.store
    plan = next(d for d in store.list_documents() if d.source == PLAN_SOURCE)
    chunk = next(c for c in store.iter_chunks([plan.doc_id]) if c.pages)
    citation = Citation(1, chunk.chunk_id, plan.doc_id, plan.source, plan.title, plan.doc_number,
                        chunk.section_path, chunk.pages, chunk.text, chunk.start, chunk.end)
    answer = Answer("规划的主要目标是什么？", "主要目标如下[1]", False, citations=(citation,))
    fragments = {
        "文档库": render_section_tree(plan, store.document_sections(plan.doc_id), link),
        "来源": render_sources(answer, 1, link),
        "引用卡片": render_panel([answer], store, link),
        "核查依据": render_verdicts([Verdict(chunk.text, "supported", (citation,))], link),
        "先例": render_precedents([Precedent(plan, 1.0, (citation,))], link),
    }
    with live_server.client(None) as browser:
        for name, fragment in fragments.items():
            hrefs = [a.get("href") for a in lxml.html.fragment_fromstring(fragment, create_parent="div").iter("a")
                     if "/file" in (a.get("href") or "")]
            assert hrefs, name
            for href in hrefs:
                url = urlsplit(href)
                assert parse_qs(url.query)["kid"] == [principal.key_id], (name, href)
                assert url.fragment in ("", f"page={chunk.pages[0]}"), (name, href)
                opened = browser.get(href)
                assert opened.status_code == 200 and opened.content == PLAN_BYTES, (name, href)


def test_open_mode_links_are_plain_until_a_key_is_created(ingested_data_dir, tmp_path):
    from ui.api.app import create_app
    from ui.api.auth import KEYS_FILE_NAME, KeyStore
    from ui.settings import Settings

    data_dir = tmp_path / "data"
    shutil.copytree(ingested_data_dir, data_dir)
    # In-process and without the lifespan: these requests need the store, never the index.
    app = create_app(Settings(data_dir=data_dir), mount_ui=False)
    try:
        client = TestClient(app)
        doc_id = next(d["doc_id"] for d in client.get("/api/documents").json()["documents"]
                      if d["source"] == PLAN_SOURCE)
        open_url = client.get(f"/api/documents/{doc_id}").json()["file_url"]
        token = KeyStore(data_dir / KEYS_FILE_NAME).create("reader", ["public"]).token
        signed_url = client.get(f"/api/documents/{doc_id}", headers={"X-API-Key": token}).json()["file_url"]
        assert open_url == f"/api/documents/{doc_id}/file"
        assert client.get(open_url).status_code == 401  # the service is closed now
        assert "sig=" in signed_url and client.get(signed_url).content == PLAN_BYTES
        secret = data_dir / "link-secret"
        assert stat.S_IMODE(os.stat(secret).st_mode) == 0o600
    finally:
        app.state.workspace.close()


def test_a_configured_secret_is_shared_and_a_generated_one_is_kept(tmp_path: Path):
    from ui.api.auth import Principal
    from ui.api.links import FileLinks

    reader = Principal("a1b2c3", "reader", ("public",))
    one, other = (FileLinks.from_setting("replica-secret", tmp_path / name) for name in ("a", "b"))
    assert other.verify("doc", one.query("doc", reader)) == "a1b2c3"
    assert not (tmp_path / "a").exists()  # a configured secret writes nothing
    first = FileLinks.from_setting(None, tmp_path / "c").query("doc", reader)
    assert FileLinks.from_setting(None, tmp_path / "c").verify("doc", first) == "a1b2c3"  # as after a restart
    assert one.verify("doc", first) is None
