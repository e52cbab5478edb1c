"""A real headless Chromium against a real ``policyqa serve``: the four tabs as users see them.

Screenshots of each tab (and the chat on a phone-sized screen) go to ``evals/reports/ui/``.
The server (``live_server`` in conftest) has API keys, so the UI asks for one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ui.conftest import CANARY_PHRASE, CANARY_TITLE, LiveServer

playwright = pytest.importorskip("playwright.sync_api")

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_ROOT / "evals" / "reports" / "ui"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ANSWER_TIMEOUT_MS = 120_000

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium not installed")]


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
    """A fresh page on /ui/ with the named key typed into the key field."""
    page = browser.new_page(viewport={"width": width, "height": height}, locale="zh-CN")
    page.set_default_timeout(60_000)
    page.goto(f"{server.url}/ui/")
    page.wait_for_selector("#pq-chat")
    if key:
        field = page.locator("#pq-api-key input, #pq-api-key textarea").first
        field.wait_for(state="visible")
        field.fill(server.tokens[key])
        field.press("Enter")
        page.wait_for_timeout(500)  # the key's filter choices and library list load
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
