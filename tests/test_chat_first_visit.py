"""What a councillor sees in the first minute, in headless Chromium: text shown as typed, the
conversation kept across a reload, questions that are too long or empty, errors, refusals and
filters, and the phone-sized layout."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any, cast

import pytest

from assistant.core.service import Assistant
from assistant.core.settings.paths import PROJECT_ROOT
from tests.browser_kit import (
    PHONE,
    TIMEOUT_MS,
    LocalPage,
    ask,
    bot_bubbles,
    flat,
    launch_chromium,
    opened_page,
    page_on_served,
    user_bubbles,
)
from tests.live_app import running_app

pytestmark = pytest.mark.browser
browser = pytest.fixture(scope="module")(launch_chromium)

MISSION = "Who carried out the 2025 report?"
OUTPUT = PROJECT_ROOT / "test-output"


@pytest.fixture(scope="module")
def app_url(assistant: Assistant) -> Iterator[str]:
    with running_app(assistant) as url:
        yield url


@pytest.fixture
def page(browser: Any, app_url: str) -> Iterator[Any]:
    yield from opened_page(browser, app_url)


def test_every_character_html_escaping_touches_is_shown_as_typed(page: Any) -> None:
    """Defect 1: `'`, `’`, `"`, `&`, `<` in the question bubble and the feedback line, never an entity."""
    from playwright.sync_api import expect

    question = 'Who carried out the council’s "2025" report & what <b>did</b> it say about staff\'s work?'
    ask(page, question)
    bubble = user_bubbles(page).last
    expect(bubble).to_contain_text(question)
    page.locator("#feedback-helpful").click()
    expect(page.locator("#feedback-status")).to_contain_text(question, timeout=TIMEOUT_MS)
    shown = page.locator("#chat").inner_text() + page.locator("#feedback-status").inner_text()
    for entity in ("&#x27;", "&#39;", "&quot;", "&amp;", "&lt;", "&rsquo;"):
        assert entity not in shown, entity
    assert page.locator("#chat b, #feedback-status b").count() == 0


def test_an_answer_starting_with_a_number_is_not_a_list(page: Any, assistant: Assistant) -> None:
    """Defect 2: "18." stays "18." (no list item, nothing cut)."""
    question = "How many recommendations does the assurance report make?"
    expected = assistant.ask(question)
    ask(page, question)
    shown = flat(bot_bubbles(page).last.inner_text())
    assert flat(expected.text)[:40] in shown
    assert page.locator("#chat ol, #chat ul, #chat li").count() == 0


def test_reload_keeps_the_conversation_and_new_conversation_clears_it(
    page: Any, assistant: Assistant
) -> None:
    """Defect 3: a reload shows the same conversation, sources and briefing; "New conversation"
    empties them."""
    from playwright.sync_api import expect

    quote = flat(assistant.ask(MISSION).citations[0].quote)
    ask(page, MISSION)
    expect(page.locator("#sources")).to_contain_text(quote[:50])
    expect(page.locator("#examples")).to_be_hidden()  # the examples are for an empty chat
    page.reload(wait_until="domcontentloaded")
    chat = page.locator("#chat")
    expect(chat).to_contain_text(MISSION, timeout=TIMEOUT_MS)
    expect(chat).to_contain_text("Steve Walker")
    expect(page.locator("#sources")).to_contain_text(quote[:50])
    page.get_by_role("tab", name="Briefing").click()
    expect(page.locator("#briefing-md")).to_contain_text("Steve Walker", timeout=TIMEOUT_MS)

    page.locator("#new-conversation").click()
    expect(chat).not_to_contain_text("Steve Walker", timeout=TIMEOUT_MS)
    expect(page.locator("#sources")).not_to_contain_text(quote[:50])
    page.reload(wait_until="domcontentloaded")
    page.locator("#chat").wait_for()
    expect(page.locator("#chat")).to_contain_text("Ask about the reports", timeout=TIMEOUT_MS)  # empty
    expect(page.locator("#examples")).to_be_visible()
    page.wait_for_timeout(1000)  # give a restore the time it would take
    assert user_bubbles(page).count() == 0
    assert "Steve Walker" not in page.locator("#chat").inner_text()


class Gated:
    """The real assistant, whose answers wait until the test opens the gate: an answer in progress."""

    def __init__(self, inner: Assistant) -> None:
        self._inner = inner
        self.gate = threading.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def ask(self, *args: Any, **kwargs: Any) -> Any:
        self.gate.wait(30)
        return self._inner.ask(*args, **kwargs)


def test_reload_during_an_answer_keeps_the_question_and_answers_it(
    browser: Any, assistant: Assistant
) -> None:
    from playwright.sync_api import expect

    gated = Gated(assistant)
    with running_app(cast(Assistant, gated)) as url:  # an Assistant in all but its type
        local = LocalPage(browser, url)
        try:
            page = local.open()
            page.locator("#question textarea").fill(MISSION)
            page.locator("#ask").click()
            expect(page.locator("#chat")).to_contain_text("Searching the reports", timeout=TIMEOUT_MS)
            page.reload(wait_until="domcontentloaded")
            expect(user_bubbles(page).last).to_contain_text(MISSION, timeout=TIMEOUT_MS)
            gated.gate.set()
            expect(page.locator("#chat")).to_contain_text("Steve Walker", timeout=TIMEOUT_MS)
            assert user_bubbles(page).count() == 1
        finally:
            gated.gate.set()
            local.close()


def test_a_question_over_the_limit_stays_in_the_box_with_its_length(page: Any) -> None:
    """Defect 4: the pasted text is kept; the message gives the limit and the current length."""
    from playwright.sync_api import expect

    long = (
        "What did the inspectors say about the workforce and the caseloads of social workers? " * 25
    ).strip()
    assert len(long) > 2000
    box = page.locator("#question textarea")
    box.fill(long)
    page.locator("#ask").click()
    status = page.locator("#question-status")
    expect(status).to_contain_text(f"{len(long):,}", timeout=TIMEOUT_MS)
    expect(status).to_contain_text("2,000")
    assert box.input_value() == long
    assert user_bubbles(page).count() == 0


def test_an_empty_question_leaves_no_bubble(page: Any) -> None:
    """Defect 5: a message saying to type a question, and no empty question bubble."""
    from playwright.sync_api import expect

    page.locator("#question textarea").fill("   ")
    page.locator("#ask").click()
    expect(page.locator("#question-status")).to_contain_text("Please type a question", timeout=TIMEOUT_MS)
    page.wait_for_timeout(500)
    assert user_bubbles(page).count() == 0


def test_an_error_clears_the_previous_sources(page: Any, assistant: Assistant) -> None:
    """Defect 6: after an error message the Sources panel no longer shows the last answer's passages."""
    from playwright.sync_api import expect

    quote = flat(assistant.ask(MISSION).citations[0].quote)
    ask(page, MISSION)
    expect(page.locator("#sources")).to_contain_text(quote[:50])
    page.locator("#filters").get_by_text("Filters").first.click()
    page.locator("#date-from input, #date-from textarea").first.fill("17/10/2017")
    ask(page, "What did inspectors find in October 2018?")
    expect(page.locator("#chat")).to_contain_text("is not a date")
    expect(page.locator("#sources")).not_to_contain_text(quote[:50])
    assert page.locator("#citation-choice input").count() == 0


REFUSED = "How many children were adopted in 2023?"
PRESS_RELEASE = "002_46e63d0ad2ca686d.txt"


def test_a_refusal_caused_by_the_filters_says_so(page: Any, assistant: Assistant) -> None:
    """Defect 7: the refusal names the filters and how many documents they leave."""
    from playwright.sync_api import expect

    from assistant.core.filters import Filters

    assert not assistant.ask(REFUSED, filters=Filters(documents=(PRESS_RELEASE,))).answered  # what it means
    page.locator("#filters").get_by_text("Filters").first.click()
    boxes = page.locator("#filter-documents input[type=checkbox]")
    ids = sorted(assistant.library.documents)
    expect(boxes).to_have_count(len(ids))  # the accordion renders its boxes a moment after it opens
    for i in range(len(ids)):
        if ids[i] != PRESS_RELEASE:  # keep only the 2017 press release
            boxes.nth(i).uncheck()
    expect(page.locator("#filter-documents input[type=checkbox]:checked")).to_have_count(1)
    page.wait_for_timeout(500)  # let the last change reach the component's value before asking
    ask(page, REFUSED)
    last = bot_bubbles(page).last
    expect(last).to_contain_text("filters")
    expect(last).to_contain_text("1 of 5 documents")


def test_a_refusal_says_its_nearest_passages_are_not_about_the_question(
    page: Any, assistant: Assistant
) -> None:
    """Defect 8: passages that do not come close are called what they are."""
    from playwright.sync_api import expect

    refusal = assistant.ask(REFUSED)
    assert not refusal.answered and "not about this question" in refusal.text  # what it means
    ask(page, REFUSED)
    expect(bot_bubbles(page).last).to_contain_text("not about this question")
    expect(page.locator("#sources")).to_contain_text("do not answer the question")


def test_phone_layout_shows_every_tab_and_the_sources_next_to_the_chat(browser: Any, app_url: str) -> None:
    """Defect 9: at 390×844 the tabs are all there and the sources come right after the question box."""
    from playwright.sync_api import expect

    local = LocalPage(browser, app_url, viewport=PHONE)
    try:
        page = local.open()
        ask(page, MISSION)
        for name in ("Sources", "Document viewer", "Briefing"):
            expect(page.get_by_role("tab", name=name)).to_be_visible()
        assert page.get_by_role("button", name="More tabs").count() == 0
        box = page.locator("#question").bounding_box()
        panels = page.locator("#panels").bounding_box()
        assert box and panels
        assert panels["y"] >= box["y"] + box["height"] - 1  # below the box …
        assert panels["y"] - (box["y"] + box["height"]) < 160  # … right after it (the Ask row between)
        chat = page.locator("#chat").bounding_box()
        assert chat and chat["height"] <= PHONE["height"] * 0.7
        page.get_by_role("tab", name="Document viewer").click()
        expect(page.locator("#viewer")).to_be_visible()
        OUTPUT.mkdir(exist_ok=True)
        page.get_by_role("tab", name="Sources").click()
        page.screenshot(path=str(OUTPUT / "chat-narrow.png"), full_page=True)
    finally:
        local.close()


def test_a_question_waits_for_the_restored_conversation_and_is_then_kept(
    browser: Any, assistant: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a busy server the stored conversation may come back a moment after the page: until it
    has, the question box is closed (a question asked before would be overwritten by it); then the
    caret is in the box, and the answer stays, once, with its sources."""
    import functools
    import time

    from playwright.sync_api import expect

    from assistant.web.chat import Chat

    restore = Chat.restore

    @functools.wraps(restore)  # the same signature: Gradio passes the request by its annotation
    def slow_restore(self: Chat, saved: Any, request: Any) -> tuple[Any, ...]:
        time.sleep(1.5)  # a server busy with other visitors' questions
        return restore(self, saved, request)

    monkeypatch.setattr(Chat, "restore", slow_restore)
    with page_on_served(browser, assistant) as page:
        expect(page.locator("#question textarea")).to_be_disabled()
        expect(page.locator("#question textarea")).to_be_focused(timeout=TIMEOUT_MS)
        page.keyboard.type(MISSION)
        page.keyboard.press("Enter")
        expect(page.locator("#chat")).to_contain_text("Steve Walker", timeout=TIMEOUT_MS)
        page.wait_for_timeout(2000)  # longer than the restore takes
        expect(bot_bubbles(page)).to_have_count(1)
        expect(page.locator("#sources .citation").first).to_be_visible()
