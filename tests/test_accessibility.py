"""Accessibility in headless Chromium: axe-core (the npm package, `make axe`) finds no serious or
critical violation on the main screen, the Sources panel, the viewer and the login page, and
everything an officer needs is reachable and usable by keyboard alone.

axe.min.js is injected into the page from .cache/axe (nothing is fetched); the test fails,
never skips, when it is missing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.core.service import Assistant
from assistant.core.settings.paths import PROJECT_ROOT
from tests.browser_kit import TIMEOUT_MS, LocalPage, ask, launch_chromium
from tests.live_app import running_app

pytestmark = pytest.mark.browser
browser = pytest.fixture(scope="module")(launch_chromium)

AXE = PROJECT_ROOT / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
MISSION = "Who carried out the 2025 report?"


@pytest.fixture(scope="module")
def app_url(assistant: Assistant) -> Iterator[str]:
    with running_app(assistant) as url:
        yield url


def serious_violations(page: Any, selector: str = "body") -> list[str]:
    """axe-core's serious and critical violations inside `selector`, one line each."""
    assert AXE.exists(), "axe-core is missing: run `make axe` (scripts/ensure-axe.sh)"
    # Gradio fades an updated component in (and shows a loading veil over it) for a moment; axe
    # would measure the colours mid-fade.
    page.wait_for_function("() => !document.querySelector('.wrap.translucent:not(.hide), .pending')")
    page.wait_for_timeout(600)
    if page.evaluate("typeof window.axe") == "undefined":
        page.add_script_tag(path=str(AXE))
    results = page.evaluate(
        "async (selector) => (await axe.run(document.querySelector(selector), {resultTypes: ['violations']}))"
        ".violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " targets: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))",
        selector,
    )
    return [
        f"{v['impact']}: {v['id']} ({v['help']}) at {v['targets']}"
        for v in results
        if v["impact"] in ("serious", "critical")
    ]


def test_axe_finds_nothing_serious_on_the_chat_sources_and_viewer(browser: Any, app_url: str) -> None:
    from playwright.sync_api import expect

    local = LocalPage(browser, app_url)
    try:
        page = local.open()
        expect(page.locator("#examples")).to_contain_text(MISSION, timeout=TIMEOUT_MS)
        found = serious_violations(page)
        assert found == [], "the empty chat:\n" + "\n".join(found)
        ask(page, MISSION)
        expect(page.locator("#sources .citation").first).to_be_visible()
        found = serious_violations(page)
        assert found == [], "the chat with an answer:\n" + "\n".join(found)
        assert serious_violations(page, "#panels-column") == [], "the Sources panel"
        page.locator("#open-citation").click()
        expect(page.locator("#viewer mark#cited")).to_be_visible()
        assert serious_violations(page, "#panels-column") == [], "the viewer"
        assert serious_violations(page) == [], "the page with the viewer open"
    finally:
        local.close()


def test_axe_finds_nothing_serious_on_the_login_page(
    browser: Any, assistant: Assistant, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    from assistant.web import auth
    from assistant.web.serving import access_kwargs

    users_file = tmp_path / "users.json"
    auth.add_user(users_file, "reviewer", "correct horse battery staple")
    settings = assistant.settings.updated(serving={"users_file": users_file})
    with running_app(assistant, **access_kwargs(settings)) as url:
        local = LocalPage(browser, url)
        try:
            page = local.page
            page.goto(url, wait_until="domcontentloaded")
            expect(page.get_by_label("username")).to_be_visible(timeout=TIMEOUT_MS)
            found = serious_violations(page)
            assert found == [], "the login page:\n" + "\n".join(found)
        finally:
            local.close()


def focused_ids(page: Any, presses: int) -> list[str]:
    """The element ids (or their nearest ancestor's) that Tab reaches, in order."""
    seen = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        seen.append(
            page.evaluate(
                "() => { const e = document.activeElement; const c = e && e.closest('[id]');"
                " return c ? c.id : ''; }"
            )
        )
    return seen


def test_keyboard_alone_asks_marks_a_citation_and_opens_it(browser: Any, app_url: str) -> None:
    from playwright.sync_api import expect

    local = LocalPage(browser, app_url)
    try:
        page = local.open()
        expect(page.locator("#question textarea")).to_be_focused()  # the caret is here once the page is up
        page.keyboard.type(MISSION)
        page.keyboard.press("Enter")
        expect(page.locator("#chat")).to_contain_text("Steve Walker", timeout=TIMEOUT_MS)
        expect(page.locator("#sources .citation").first).to_be_visible()

        page.locator("#question textarea").focus()
        reached = focused_ids(page, 80)
        for needed in (
            "ask",
            "new-conversation",
            "feedback-helpful",
            "feedback-comment",
            "tab-sources-button",
            "sources-turn",
            "citation-choice",
            "open-citation",
            "mark-checked",
            "mark-wrong",
            "copy-citation",
        ):
            assert needed in reached, f"Tab never reaches #{needed}: {reached}"

        # Tab to "Mark checked" and press Enter: the citation is signed off
        page.locator("#question textarea").focus()
        for _ in range(80):
            page.keyboard.press("Tab")
            if page.evaluate("() => document.activeElement.id") == "mark-checked":
                break
        assert page.evaluate("() => document.activeElement.id") == "mark-checked"
        page.keyboard.press("Enter")
        expect(page.locator("#citation-status")).to_contain_text("marked checked", timeout=TIMEOUT_MS)
        expect(page.locator("#sources .citation").first).to_have_attribute(
            "data-mark", "checked", timeout=TIMEOUT_MS
        )
        # … then Shift+Tab back to "Open in viewer" and press Enter: the viewer shows the passage
        for _ in range(5):
            page.keyboard.press("Shift+Tab")
            if page.evaluate("() => document.activeElement.id") == "open-citation":
                break
        page.keyboard.press("Enter")
        expect(page.locator("#viewer mark#cited")).to_be_visible()
    finally:
        local.close()
