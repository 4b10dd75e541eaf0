"""The served chat in headless Chromium: ask, cite, open in the viewer, export, follow up.

Needs Debian's Chromium at /usr/bin/chromium (`scripts/ensure-chromium.sh` installs it); the
tests fail, never skip, when it is missing. Every request to anywhere but the local app is
blocked and reported, so the page is checked to work offline.
"""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.core.readers import Readers
from assistant.core.service import Assistant
from assistant.core.settings.paths import PROJECT_ROOT
from assistant.web import feedback
from ingest.embedder import Embedder
from tests.browser_kit import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, ask, bot_bubbles, searching_note
from tests.live_app import running_app

OUTPUT = PROJECT_ROOT / "test-output"
MISSION = "Who carried out the 2025 report?"
FOLLOW_UP = "What did he say about staff?"

pytestmark = pytest.mark.browser


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def app_url(assistant: Assistant) -> Iterator[str]:
    with running_app(assistant) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    assert CHROMIUM.exists(), "Chromium is missing: run scripts/ensure-chromium.sh (as root)"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def test_ask_cite_view_export_and_follow_up(
    app_url: str, browser: Any, assistant: Assistant, tmp_path: Path
) -> None:
    from docx import Document as WordDocument
    from playwright.sync_api import expect

    expected = assistant.ask(MISSION)
    quote = _flat(expected.citations[0].quote)

    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    outside: list[str] = []

    def local_only(route: Any) -> None:
        if route.request.url.startswith(app_url.rstrip("/")):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", local_only)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        page.goto(app_url, wait_until="domcontentloaded")
        chat = page.locator("#chat")
        expect(page.locator("#examples")).to_contain_text(MISSION, timeout=TIMEOUT_MS)  # examples shown

        # 1. ask the mission question: the answer names Steve Walker and cites [1]
        box = page.locator("#question textarea")
        box.fill(MISSION)
        started = time.monotonic()
        page.locator("#ask").click()
        expect(chat).to_contain_text("Steve Walker", timeout=TIMEOUT_MS)
        expect(chat).to_contain_text("[1]", timeout=TIMEOUT_MS)
        first_answer = time.monotonic() - started
        sources = page.locator("#sources")
        expect(sources.locator(".citation").first).to_be_visible(timeout=TIMEOUT_MS)
        expect(sources.locator("mark").first).to_contain_text("Steve Walker", timeout=TIMEOUT_MS)

        # 2. open the citation in the viewer: the highlighted passage is the quote
        page.locator("#open-citation").click()
        cited = page.locator("#viewer mark#cited")
        expect(cited).to_be_visible(timeout=TIMEOUT_MS)
        assert _flat(cited.inner_text()) == quote
        expect(cited).to_be_in_viewport(timeout=TIMEOUT_MS)

        # 3. briefing: Markdown with the quote, and a .docx that holds it
        page.get_by_role("tab", name="Briefing").click()
        page.locator("#copy-briefing").click()
        expect(page.locator("#briefing-md")).to_contain_text("Steve Walker", timeout=TIMEOUT_MS)
        with page.expect_download(timeout=TIMEOUT_MS) as download:
            page.locator("#download-docx").click()
        saved = tmp_path / "briefing.docx"
        download.value.save_as(saved)
        paragraphs = _flat("\n".join(p.text for p in WordDocument(str(saved)).paragraphs))
        assert f"“{quote}”" in paragraphs
        assert expected.citations[0].source in paragraphs

        # feedback on the answer is stored with it
        page.locator("#feedback-comment textarea").fill("exactly right")
        page.locator("#feedback-helpful").click()
        expect(page.locator("#feedback-status")).to_contain_text("Thanks", timeout=TIMEOUT_MS)
        stored = feedback.rows(assistant.settings.index.data_dir)
        assert stored and stored[-1][2:5] == ("helpful", "exactly right", MISSION)

        # 4. a follow-up uses the conversation
        box.fill(FOLLOW_UP)
        box.press("Enter")
        bot = chat.locator(".message-row.bot-row, [data-testid='bot']")
        expect(chat).to_contain_text(
            "Searched for: What did Steve Walker say about staff?", timeout=TIMEOUT_MS
        )
        expect(searching_note(page)).to_have_count(0, timeout=TIMEOUT_MS)
        assert bot.count() >= 2

        # the sources now show the follow-up's own answer, not the first question's
        followed = assistant.ask(FOLLOW_UP, [MISSION])
        page.get_by_role("tab", name="Sources").click()
        expect(page.locator("#sources")).to_contain_text(
            _flat(followed.citations[0].quote)[:60], timeout=TIMEOUT_MS
        )
        OUTPUT.mkdir(exist_ok=True)
        page.screenshot(path=str(OUTPUT / "chat.png"), full_page=True)
        (OUTPUT / "browser-timing.txt").write_text(f"first answer in the browser: {first_answer:.2f} s\n")
        print(f"first answer in the browser: {first_answer:.2f} s")
        assert outside == [], f"the page tried to reach the network: {outside}"
    finally:
        context.close()


def test_invalid_question_is_a_clear_message(app_url: str, browser: Any) -> None:
    from playwright.sync_api import expect

    page = browser.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        page.goto(app_url, wait_until="domcontentloaded")
        page.locator("#question textarea").fill("x" * 2100)
        page.locator("#ask").click()
        status = page.locator("#question-status")
        expect(status).to_contain_text("the limit is 2,000", timeout=TIMEOUT_MS)
        expect(status).to_contain_text("2,100 characters")
        expect(page.locator("#chat")).not_to_contain_text("Traceback")
        assert page.locator("#question textarea").input_value() == "x" * 2100  # nothing lost
    finally:
        page.close()


def test_example_question_and_document_picker(app_url: str, browser: Any, assistant: Assistant) -> None:
    from playwright.sync_api import expect

    page = browser.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        page.goto(app_url, wait_until="domcontentloaded")
        chat = page.locator("#chat")
        page.locator("#examples").get_by_role("button", name=MISSION).click()
        expect(chat).to_contain_text("Steve Walker", timeout=TIMEOUT_MS)

        page.get_by_role("tab", name="Document viewer").click()
        document = assistant.library.documents["002_46e63d0ad2ca686d.txt"]
        page.locator("#doc-select input").click()
        page.get_by_role("option", name=document.title).click()
        text = page.locator("#viewer .viewer-text")
        expect(text).to_contain_text(_flat(document.text)[:60], timeout=TIMEOUT_MS)
        assert page.locator("#viewer mark").count() == 0
    finally:
        page.close()


def test_login_form_then_chat(assistant: Assistant, browser: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    from assistant.web import auth
    from assistant.web.serving import access_kwargs

    users_file = tmp_path / "users.json"
    auth.add_user(users_file, "reviewer", "correct horse battery staple")
    settings = assistant.settings.updated(serving={"users_file": users_file})
    with running_app(assistant, **access_kwargs(settings)) as url:
        page = browser.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        try:
            page.goto(url, wait_until="domcontentloaded")
            username, password = page.get_by_label("username"), page.get_by_label("password")
            expect(username).to_be_visible(timeout=TIMEOUT_MS)
            assert page.locator("#chat").count() == 0

            username.fill("reviewer")
            password.fill("not the password")
            page.get_by_role("button", name="Login").click()
            expect(page.get_by_text("Incorrect Credentials")).to_be_visible(timeout=TIMEOUT_MS)
            assert page.locator("#chat").count() == 0

            username.fill("reviewer")  # the form clears the name after a failed login
            password.fill("correct horse battery staple")
            page.get_by_role("button", name="Login").click()
            chat = page.locator("#chat")
            expect(page.locator("#examples")).to_contain_text(MISSION, timeout=TIMEOUT_MS)
            page.locator("#question textarea").fill(MISSION)
            page.locator("#ask").click()
            expect(chat).to_contain_text("Steve Walker", timeout=TIMEOUT_MS)
        finally:
            page.close()


class Beacon:
    """A local HTTP server that records every request: markup rendered from a document or a
    question would make the browser fetch from it."""

    def __init__(self) -> None:
        hits: list[str] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server name
                hits.append(self.path)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.hits = hits
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def beacon() -> Iterator[Beacon]:
    server = Beacon()
    yield server
    server.close()


def test_markup_from_documents_and_questions_is_shown_as_text(
    browser: Any, readers: Readers, embedder: Embedder, beacon: Beacon, tmp_path: Path
) -> None:
    """Markdown, HTML, autolinks and LaTeX in a cited sentence or a question appear as their
    literal characters (no `&#x27;`, no `&amp;`, no list), and the page fetches nothing."""
    from playwright.sync_api import expect

    from assistant.core.service import create_assistant
    from assistant.core.settings import Settings
    from tests.conftest import ingest_folder

    base = beacon.base
    sentence = (
        "The lighthouse keepers' review found that the harbour lamps don't work & need "
        f"![x]({base}/beacon.png) repairs, see <{base}/a> and the $$x^2$$ formula."
    )
    listed = (
        f"18. recommendations were made by the harbour board about *lamps*, _wicks_ and `oil` [x]({base}/l)."
    )
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "markup.txt").write_text(
        f"Lighthouse keepers' review\n\n{sentence}\n\n{listed}\n", encoding="utf-8"
    )
    ingest_folder(corpus, tmp_path / "index", embedder)
    settings = Settings(
        index={"corpus_dir": corpus, "index_dir": tmp_path / "index", "data_dir": tmp_path / "data"}
    )
    markup = create_assistant(settings, readers)
    question = (
        f"What did the lighthouse keepers' review find about the harbour lamps & ![y]({base}/q.png) "
        f"<{base}/q> $$y^2$$?"
    )
    second = "What did the harbour board recommend about lamps, wicks and oil?"
    assert markup.ask(question).citations[0].quote == sentence  # the test asks what it means to
    assert markup.ask(second).answered and markup.ask(second).citations[0].quote == listed

    with running_app(markup) as url:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        outside: list[str] = []

        def local_only(route: Any) -> None:
            if route.request.url.startswith(url.rstrip("/")):
                route.continue_()
                return
            outside.append(route.request.url)
            if route.request.url.startswith(base):  # let the beacon count it
                route.continue_()
            else:
                route.abort()

        context.route("**/*", local_only)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        try:
            page.goto(url, wait_until="domcontentloaded")
            chat = page.locator("#chat")
            box = page.locator("#question textarea")
            ask(page, question)
            expect(chat).to_contain_text("[1]", timeout=TIMEOUT_MS)
            page.locator("#feedback-helpful").click()
            expect(page.locator("#feedback-status")).to_contain_text("Thanks", timeout=TIMEOUT_MS)

            # Pressing Enter, not Ask; the answer may quote the listed sentence already, so wait
            # for the second answer itself, not for its words.
            before = bot_bubbles(page).count()
            box.fill(second)
            box.press("Enter")
            expect(bot_bubbles(page)).not_to_have_count(before, timeout=TIMEOUT_MS)
            expect(searching_note(page)).to_have_count(0, timeout=TIMEOUT_MS)
            expect(chat).to_contain_text("harbour board about", timeout=TIMEOUT_MS)

            shown = chat.inner_text()
            for literal in (question, sentence, listed, "don't", "![x](", "$$x^2$$", f"<{base}/a>"):
                assert literal in shown, f"{literal!r} is not shown as text in the chat:\n{shown}"
            assert (
                "&#x27;" not in shown
                and "&#39;" not in shown
                and "&amp;" not in shown
                and "&lt;" not in shown
            )
            status = page.locator("#feedback-status").inner_text()
            assert question in status, status
            sources = page.locator("#sources").inner_text()
            assert _flat(listed) in _flat(sources), sources
            for selector in ("img", "a[href^='http://127.0.0.1']", ".katex", "ol", "ul", "em", "code"):
                assert page.locator(f"#chat {selector}, #feedback-status {selector}").count() == 0, selector
            assert beacon.hits == [], f"the page fetched from the beacon: {beacon.hits}"
            assert outside == [], f"the page tried to reach the network: {outside}"
        finally:
            context.close()
