"""Officers signing off citations, end to end in headless Chromium: ask, mark citations checked
and wrong, copy one, reload, export the conversation's briefing and read the marks in the .docx."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.core.service import Assistant
from assistant.core.settings.paths import PROJECT_ROOT
from assistant.web import feedback
from tests.browser_kit import TIMEOUT_MS, LocalPage, ask, flat, launch_chromium
from tests.live_app import running_app

pytestmark = pytest.mark.browser
browser = pytest.fixture(scope="module")(launch_chromium)

MISSION = "Who carried out the 2025 report?"
SECOND = "What did inspectors find in October 2018?"
OUTPUT = PROJECT_ROOT / "test-output"


@pytest.fixture(scope="module")
def app_url(assistant: Assistant) -> Iterator[str]:
    with running_app(assistant) as url:
        yield url


def choose_answer(page: Any, number: int, question: str) -> None:
    """Pick the answer whose sources the panel shows ("1. Who carried out …")."""
    page.locator("#sources-turn input").click()
    page.get_by_role("option", name=f"{number}. {question}").click()


def test_mark_copy_reload_and_export_a_signed_off_briefing(
    browser: Any, app_url: str, assistant: Assistant, tmp_path: Path
) -> None:
    from docx import Document as WordDocument
    from playwright.sync_api import expect

    first, second = assistant.ask(MISSION), assistant.ask(SECOND, [MISSION])
    assert first.citations and second.citations
    checked, wrong = first.citations[0], second.citations[0]
    local = LocalPage(
        browser, app_url, accept_downloads=True, permissions=["clipboard-read", "clipboard-write"]
    )
    try:
        page = local.open()
        ask(page, MISSION)
        ask(page, SECOND)
        sources = page.locator("#sources")
        expect(sources).to_contain_text(flat(wrong.quote)[:50])

        # the second answer's [1] is wrong (stored as feedback too) …
        page.locator("#citation-choice").get_by_text(f"[{wrong.n}]").click()
        page.locator("#mark-wrong").click()
        expect(sources.locator(f"#citation-{wrong.n}")).to_have_attribute("data-mark", "wrong")
        stored = feedback.rows(assistant.settings.index.data_dir)
        assert stored and stored[-1][2] == "wrong citation" and stored[-1][4] == SECOND

        # … and the first answer's [1] is checked
        choose_answer(page, 1, MISSION)
        expect(sources).to_contain_text(flat(checked.quote)[:50])
        page.locator("#citation-choice").get_by_text(f"[{checked.n}]").click()
        page.locator("#mark-checked").click()
        expect(sources.locator(f"#citation-{checked.n}")).to_have_attribute("data-mark", "checked")

        # copy citation: the quote with its title, publisher, date and file, on the clipboard
        page.locator("#copy-citation").click()
        document = assistant.library.documents[checked.source]
        expect(page.locator("#citation-status")).to_contain_text("copied")
        pasted = page.evaluate("navigator.clipboard.readText()")
        assert pasted.startswith(f"“{flat(checked.quote)}” — {document.title}")
        assert checked.source in pasted and document.meta.date in pasted
        assert page.locator("#citation-text textarea").input_value() == pasted  # also on the page

        OUTPUT.mkdir(exist_ok=True)
        page.screenshot(path=str(OUTPUT / "signoff.png"))

        # the marks survive a reload
        page.reload(wait_until="domcontentloaded")
        expect(page.locator("#chat")).to_contain_text(SECOND, timeout=TIMEOUT_MS)
        expect(sources.locator(f"#citation-{wrong.n}")).to_have_attribute("data-mark", "wrong")
        choose_answer(page, 1, MISSION)
        expect(sources.locator(f"#citation-{checked.n}")).to_have_attribute("data-mark", "checked")

        # export: Markdown and .docx with every question, answer and citation, and both marks
        page.get_by_role("tab", name="Briefing").click()
        page.locator("#copy-briefing").click()
        markdown = page.locator("#briefing-md")
        expect(markdown).to_contain_text(SECOND, timeout=TIMEOUT_MS)
        expect(markdown).to_contain_text("checked")
        expect(markdown).to_contain_text("wrong")
        with page.expect_download(timeout=TIMEOUT_MS) as download:
            page.locator("#download-docx").click()
        saved = tmp_path / "briefing.docx"
        download.value.save_as(saved)
        paragraphs = [flat(p.text) for p in WordDocument(str(saved)).paragraphs]
        text = "\n".join(paragraphs)
        assert MISSION in text and SECOND in text and "Briefing made on" in text
        assert any(p.startswith(f"[{checked.n}] checked — “{flat(checked.quote)}”") for p in paragraphs), text
        assert any(p.startswith(f"[{wrong.n}] wrong — “{flat(wrong.quote)}”") for p in paragraphs), text
        assert document.title in text
        assert local.outside == [], f"the page tried to reach the network: {local.outside}"
    finally:
        local.close()
