"""The "Sources of the answer to" chooser in headless Chromium: choosing an answer, by keyboard
alone, shows its sources; only passing through it (Tab) re-renders nothing, so a citation marked
next keeps its mark even when rendering the Sources is slow."""

from __future__ import annotations

import functools
import time
from typing import Any

import pytest

from assistant.core.service import Assistant
from assistant.web.panel_events import PanelEvents
from tests.browser_kit import TIMEOUT_MS, ask, flat, launch_chromium, page_on_served

pytestmark = pytest.mark.browser
browser = pytest.fixture(scope="module")(launch_chromium)

FIRST = "Who carried out the 2025 report?"
SECOND = "What did inspectors find in October 2018?"
RENDER_DELAY_S = 2.0  # a Sources re-render this slow would land after the mark


@pytest.fixture
def slow_renders(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """`PanelEvents.show_turn` made slow (the real one, called late); returns the turns it was
    asked for, re-rendered or not."""
    asked: list[Any] = []
    real = PanelEvents.show_turn

    @functools.wraps(real)  # Gradio reads the signature for its `gr.Request` argument
    def slow(self: PanelEvents, index: Any, saved: Any, shown: str, request: Any) -> Any:
        asked.append(index)
        time.sleep(RENDER_DELAY_S)
        return real(self, index, saved, shown, request)

    monkeypatch.setattr(PanelEvents, "show_turn", slow)
    return asked


def tab_to(page: Any, element_id: str, presses: int = 80) -> None:
    page.locator("#question textarea").focus()
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.closest('[id]')?.id") == element_id:
            return
    raise AssertionError(f"Tab never reaches #{element_id}")


def test_tabbing_past_the_chooser_keeps_a_citation_marked_next(
    browser: Any, assistant: Assistant, slow_renders: list[Any]
) -> None:
    from playwright.sync_api import expect

    with page_on_served(browser, assistant) as page:
        ask(page, FIRST)
        expect(page.locator("#sources .citation").first).to_be_visible()
        tab_to(page, "sources-turn")
        tab_to(page, "mark-checked")  # through the chooser again, on to the button
        page.keyboard.press("Enter")
        expect(page.locator("#citation-status")).to_contain_text("marked checked")
        page.wait_for_timeout(int(RENDER_DELAY_S * 1000) + 1000)  # a late re-render would be in
        expect(page.locator("#sources .citation").first).to_have_attribute("data-mark", "checked")


def test_choosing_an_earlier_answer_by_keyboard_shows_its_sources(
    browser: Any, assistant: Assistant, slow_renders: list[Any]
) -> None:
    from playwright.sync_api import expect

    first = assistant.ask(FIRST)
    assert first.citations
    with page_on_served(browser, assistant) as page:
        ask(page, FIRST)
        ask(page, SECOND)
        expect(page.locator("#sources-turn input")).to_have_value(f"2. {SECOND}")
        tab_to(page, "sources-turn")
        page.keyboard.press("ArrowUp")
        page.keyboard.press("Enter")
        expect(page.locator("#sources-turn input")).to_have_value(f"1. {FIRST}")
        expect(page.locator("#sources")).to_contain_text(
            flat(first.citations[0].quote)[:50], timeout=TIMEOUT_MS
        )
        assert slow_renders, "choosing the answer never reached the server"
