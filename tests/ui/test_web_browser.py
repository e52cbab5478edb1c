"""A real headless Chromium against a real ``policyqa serve``: the four tabs as users see them.

Screenshots of each tab (and the chat on a phone-sized screen) go to ``evals/reports/ui/``.
The server (``live_server`` in conftest) has API keys, so the UI asks for one. The library
tests upload notices of their own and delete whatever of them they leave, so the shared
server's store ends as it began whatever order the tests run in.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import missing_part
from tests.ui.conftest import CANARY_PHRASE, CANARY_TITLE, LiveServer

playwright = pytest.importorskip("playwright.sync_api")
expect = playwright.expect

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_ROOT / "evals" / "reports" / "ui"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ANSWER_TIMEOUT_MS = 120_000
INGEST_TIMEOUT_MS = 240_000

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def _chromium_installed() -> None:
    if not Path(CHROMIUM).exists():
        missing_part("Debian chromium not installed (make sysdeps)")


def _gold(name: str) -> list[dict]:
    path = REPO_ROOT / "evals" / "gold" / name
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def browser() -> Iterator:
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def open_ui(browser, server: LiveServer, key: str | None, width: int = 1280, height: int = 900):
    """A fresh page (its own browser context: its own cookies) on /ui/, logged in with the named
    key through the 登录 page the UI sends a visitor without a session to."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(f"{server.url}/ui/")
    if key:
        page.wait_for_selector("#pq-login-key")  # redirected: no session yet
        page.locator("#pq-login-key").fill(server.tokens[key])
        page.locator("#pq-login-submit").click()
    page.wait_for_selector("#pq-chat")
    if key:
        expect(page.locator("#pq-identity")).to_contain_text("已登录")  # the key's choices and list loaded
    return page


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def ask(page, question: str, turn: int) -> None:
    box = page.locator("#pq-question textarea, #pq-question input").first
    box.fill(question)
    page.locator("#pq-ask").click()
    # The turn's cards arrive in the panel when the streamed answer is complete.
    page.wait_for_selector(f"#pq-panel details.pq-turn >> nth={turn - 1}", timeout=ANSWER_TIMEOUT_MS)


def shoot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


def answered_question(server: LiveServer) -> str:
    """The first dev numeric gold question the service answers (abstention is the QA stage's call)."""
    with server.client("admin") as client:
        for item in _gold("questions.jsonl"):
            if item["type"] == "numeric" and item["split"] == "dev":
                if not client.post("/api/ask", json={"question": item["question"]}).json()["abstained"]:
                    return item["question"]
    pytest.fail("the service abstains on every dev numeric question")


def test_chat_answers_with_a_citation_that_opens_the_clause_in_the_side_panel(browser, live_server):
    page = open_ui(browser, live_server, "admin")
    ask(page, answered_question(live_server), turn=1)
    bot = page.locator("#pq-chat .bot, #pq-chat [data-testid=bot]").last
    marker = bot.locator("a.pq-cite").first
    assert marker.is_visible()
    marker.click()
    card = page.locator("#pq-panel .pq-card.pq-active")
    card.wait_for(state="visible")
    quote = card.locator("mark.pq-hl").inner_text()
    assert quote and quote in card.locator(".pq-clause").inner_text()
    assert card.locator("a", has_text="查看原文").get_attribute("href").startswith("/api/documents/")
    assert page.locator("#pq-sources li").count() >= 1
    # A follow-up is answered in the same conversation; the first turn stays on screen.
    ask(page, "那存储资源呢？", turn=2)
    assert page.locator("#pq-chat [data-testid=user]").count() == 2
    assert page.locator("#pq-chat [data-testid=bot]").count() == 2
    shoot(page, "chat.png")
    page.close()


def test_claim_check_colours_verdicts_and_marks_differences(browser, live_server):
    claims = _gold("claims.jsonl")
    paragraph = "".join(
        next(c["claim"] for c in claims if c["label"] == label and c["split"] == "dev" and c["kind"] == "number")
        for label in ("supported", "contradicted")
    )
    page = open_ui(browser, live_server, "admin")
    open_tab(page, "陈述核查")
    page.locator("#pq-claims-input textarea").fill(paragraph)
    page.locator("#pq-claims-run").click()
    page.wait_for_selector("#pq-claims-result table.pq-verdicts tbody tr", timeout=ANSWER_TIMEOUT_MS)
    green = page.locator(".pq-badge-supported").first
    red = page.locator(".pq-badge-contradicted").first
    assert green.inner_text() == "有依据" and red.inner_text() == "与原文不符"
    assert green.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(22, 163, 74)"
    assert red.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(220, 38, 38)"
    assert page.locator("tr.pq-verdict-contradicted mark.pq-diff").count() >= 2  # in the claim and the evidence
    shoot(page, "claims.png")
    page.close()


def test_precedent_search_ranks_past_replies_with_links_to_the_documents(browser, live_server):
    draft = next(p for p in _gold("precedents.jsonl") if p["docs"][0].startswith("004"))
    page = open_ui(browser, live_server, "admin")
    open_tab(page, "先例检索")
    page.locator("#pq-draft textarea").fill(draft["draft"])
    page.locator("#pq-precedents-run").click()
    page.wait_for_selector("#pq-precedents-result li.pq-precedent", timeout=ANSWER_TIMEOUT_MS)
    first = page.locator("li.pq-precedent").first
    link = first.locator("a.pq-doc-link")
    assert link.get_attribute("href").startswith("/api/documents/")
    assert "建议/提案编号" in first.locator(".pq-facts").inner_text()
    assert first.locator(".pq-commitments li").count() >= 1
    response = page.request.get(live_server.url + link.get_attribute("href"),
                                headers={"X-API-Key": live_server.tokens["admin"]})
    assert response.status == 200
    shoot(page, "precedents.png")
    page.close()


def test_library_lists_documents_and_shows_a_section_tree(browser, live_server):
    page = open_ui(browser, live_server, "admin")
    open_tab(page, "文档库")
    table = page.locator("#pq-library-table")
    table.get_by_text("002_4a82e6608af59380.txt").wait_for()
    assert table.get_by_text(CANARY_TITLE).count() >= 1  # the admin key sees the internal document
    page.locator("#pq-doc-picker input").click()
    page.get_by_role("option").filter(has_text="十四五").first.click()
    page.locator("#pq-tree ul.pq-tree details > summary").first.click()
    page.wait_for_selector("#pq-tree ul.pq-tree ul.pq-tree li")
    shoot(page, "library.png")
    page.close()


def test_a_public_key_never_sees_the_internal_document_in_the_ui(browser, live_server):
    page = open_ui(browser, live_server, "public_reader")
    ask(page, f"{CANARY_PHRASE}由哪个单位负责建设？", turn=1)
    open_tab(page, "文档库")
    page.locator("#pq-library-table").get_by_text("002_4a82e6608af59380.txt").wait_for()
    text = page.locator("body").inner_text()
    # The user typed the phrase; nothing the service shows may come from the internal document.
    assert CANARY_TITLE not in text and "1234.5万元" not in text
    assert CANARY_PHRASE not in page.locator("#pq-chat [data-testid=bot]").last.inner_text()
    cards = page.locator("#pq-panel .pq-card")
    assert all(CANARY_PHRASE not in cards.nth(i).inner_html() for i in range(cards.count()))
    assert CANARY_PHRASE not in page.locator("#pq-sources").inner_html()
    page.close()


def test_chat_works_on_a_narrow_screen(browser, live_server):
    page = open_ui(browser, live_server, "admin", width=390, height=844)
    question = next(q for q in _gold("questions.jsonl") if q["split"] == "dev" and q["type"] != "numeric")
    ask(page, question["question"], turn=1)
    chat, panel = page.locator("#pq-chat").bounding_box(), page.locator("#pq-panel").bounding_box()
    assert panel["y"] >= chat["y"] + chat["height"] - 1  # the panel stacks below the chat
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1  # no sideways scrolling
    shoot(page, "chat_narrow.png")
    page.close()


# Every corpus document is already in the server's store (the formats/ files are the same
# texts), so uploads get a notice of their own: its text is stored nowhere, so no duplicate or
# near-duplicate check can turn the upload away, and its phrase finds only this document.
UPLOAD_PHRASE = "白鹭湾片区智慧养老驿站"


def notice_text(subject: str) -> str:
    """A short notice in the corpus's clause style about ``subject``, held by no stored document."""
    return f"""关于开展{UPLOAD_PHRASE}{subject}试点工作的通知

各镇街（园区）、市直有关单位：
为推进数字政府建设成果惠及老年群体，经研究，决定开展{UPLOAD_PHRASE}{subject}试点工作。现将有关事项通知如下：
一、试点目标
（一）2024年6月前建成{UPLOAD_PHRASE}{subject}试点3个，接入老年人健康档案与紧急呼叫服务。
（二）试点期间，驿站服务数据按季度汇总，由市政务服务数据管理局统一归集。
二、工作要求
（一）各试点单位应当明确专人负责{subject}相关数据的采集与维护，确保数据真实准确。
（二）试点经费由各镇街统筹安排，单个驿站补助不超过18.6万元。
"""


def _documents_named(server: LiveServer, source: str) -> list[dict]:
    with server.client("admin") as client:
        return [d for d in client.get("/api/documents").json()["documents"] if d["source"] == source]


def _search_hits(server: LiveServer, key: str, doc_id: str) -> list[dict]:
    with server.client(key) as client:
        response = client.post("/api/search", json={"query": UPLOAD_PHRASE, "k": 10})
    assert response.status_code == 200, response.text
    return [h for h in response.json()["hits"] if h["doc_id"] == doc_id]


@pytest.fixture
def scratch_notice(live_server, tmp_path) -> Iterator[Callable[[str, str], Path]]:
    """Writes notices to upload (``make(file_name, subject)``); whatever a test leaves of them in
    the shared server's store is deleted afterwards, so the store ends as it began."""
    made: list[str] = []

    def make(name: str, subject: str) -> Path:
        assert not _documents_named(live_server, name), f"{name} is already stored"
        made.append(name)
        path = tmp_path / name
        path.write_text(notice_text(subject), encoding="utf-8")
        return path

    yield make
    with live_server.client("admin") as client:
        for name in made:
            for doc in _documents_named(live_server, name):
                assert client.delete(f"/api/documents/{doc['doc_id']}").status_code == 204


def upload_via_api(server: LiveServer, key: str, path: Path) -> dict:
    """Upload ``path`` through ``POST /api/documents`` and wait for its ingest; the stored document."""
    with server.client(key) as client, path.open("rb") as handle:
        response = client.post("/api/documents", files={"file": (path.name, handle)})
        assert response.status_code == 202, response.text
        deadline = time.monotonic() + INGEST_TIMEOUT_MS / 1000
        while (job := client.get(f"/api/documents/uploads/{response.json()['upload_id']}").json())["status"] not in (
                "ready", "failed") and time.monotonic() < deadline:
            time.sleep(0.5)
    assert job["status"] == "ready", job
    [stored] = _documents_named(server, path.name)
    return stored


def library_with_stored_notice(browser, live_server, scratch_notice, name: str, topic: str, viewer: str):
    """A scratch notice stored through the API by an editor, and ``viewer``'s library tab: (page, path, stored)."""
    path = scratch_notice(name, topic)
    stored = upload_via_api(live_server, "public_editor", path)
    page = open_ui(browser, live_server, viewer)
    open_tab(page, "文档库")
    return page, path, stored


def pick_document(page, title: str) -> None:
    page.locator("#pq-doc-picker input").click()
    page.get_by_role("option").filter(has_text=title).first.click()
    page.wait_for_selector("#pq-tree .pq-doc")


def test_editor_uploads_a_document_then_deletes_it_after_confirming(browser, live_server, scratch_notice):
    from ingest.lock import ingest_lock

    path = scratch_notice("白鹭湾养老驿站试点通知.txt", "运营")
    page = open_ui(browser, live_server, "public_editor")
    open_tab(page, "文档库")
    expect(page.locator("#pq-library-role")).to_be_hidden()
    expect(page.locator("#pq-upload-run")).to_be_enabled()
    page.locator("#pq-upload input[type=file]").set_input_files(str(path))
    page.locator("#pq-upload").get_by_text(path.name).wait_for()  # the file reached the server
    page.locator("#pq-upload-run").click()
    log = page.locator("#pq-upload-log textarea")
    expect(log).to_have_value(f"{path.name}：已入库", timeout=INGEST_TIMEOUT_MS)
    table = page.locator("#pq-library-table")
    table.get_by_text(path.name).wait_for()
    [stored] = _documents_named(live_server, path.name)
    assert stored["access"] == "public" and stored["chunks"] >= 1
    assert _search_hits(live_server, "public_editor", stored["doc_id"])

    # First click: a warning naming the document, nothing deleted yet.
    pick_document(page, stored["title"])
    page.locator("#pq-delete").click()
    confirm = page.locator("#pq-delete-confirm")
    expect(confirm).to_be_visible()
    expect(confirm).to_contain_text(f"确认删除《{stored['title']}》")
    assert _documents_named(live_server, path.name)
    shoot(page, "library_upload.png")

    # While an ingest (here: this process, as `policyqa ingest` would) holds the data dir,
    # the delete waits briefly, then says so and keeps the confirmation for a retry.
    with ingest_lock(live_server.data_dir):
        page.locator("#pq-delete-yes").click()
        expect(page.locator("#pq-delete-log")).to_contain_text("正在入库，请稍后再删除", timeout=30_000)
    expect(confirm).to_be_visible()
    assert _documents_named(live_server, path.name)

    page.locator("#pq-delete-yes").click()
    expect(page.locator("#pq-delete-log")).to_contain_text(f"已删除：{stored['title']}", timeout=60_000)
    expect(confirm).to_be_hidden()
    expect(table.get_by_text(path.name)).to_have_count(0)
    table.get_by_text("002_4a82e6608af59380.txt").wait_for()  # the rest of the library is still listed
    assert not _documents_named(live_server, path.name)
    assert not _search_hits(live_server, "public_editor", stored["doc_id"])
    page.close()


def test_cancelled_or_repicked_confirmation_deletes_nothing(browser, live_server, scratch_notice):
    page, path, stored = library_with_stored_notice(browser, live_server, scratch_notice,
                                                    "白鹭湾养老驿站评估通知.txt", "评估", "admin")
    confirm = page.locator("#pq-delete-confirm")
    pick_document(page, stored["title"])
    page.locator("#pq-delete").click()
    expect(confirm).to_be_visible()
    page.locator("#pq-delete-no").click()
    expect(confirm).to_be_hidden()
    page.locator("#pq-delete").click()
    expect(confirm).to_be_visible()
    pick_document(page, "十四五")  # picking another document withdraws the confirmation
    expect(confirm).to_be_hidden()
    assert _documents_named(live_server, path.name)
    page.close()


def test_a_reader_key_cannot_upload_or_delete(browser, live_server, scratch_notice):
    page, path, stored = library_with_stored_notice(browser, live_server, scratch_notice,
                                                    "白鹭湾养老驿站督导通知.txt", "督导", "public_reader")
    page.locator("#pq-library-table").get_by_text(path.name).wait_for()
    pick_document(page, stored["title"])
    expect(page.locator("#pq-library-role")).to_contain_text("只有编辑或管理员角色的密钥可以上传或删除文档")
    expect(page.locator("#pq-upload-run")).to_be_disabled()
    expect(page.locator("#pq-delete")).to_be_disabled()
    # A disabled button is only a hint: with it forced on, the server still refuses the key.
    refusals = page.locator("[data-testid=toast-text]").filter(has_text="只有编辑或管理员角色的密钥可以上传或删除文档")
    for count, button in enumerate(("#pq-upload-run", "#pq-delete"), start=1):
        page.locator(button).evaluate("button => button.removeAttribute('disabled')")
        page.locator(button).click()
        expect(refusals).to_have_count(count)
    expect(page.locator("#pq-delete-confirm")).to_be_hidden()
    assert _documents_named(live_server, path.name)
    page.close()
