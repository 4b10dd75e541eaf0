"""Headless Chromium for the browser tests: the browser, pages that may reach only the app, and
small reads of the chat's DOM."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.live_app import running_app

if TYPE_CHECKING:
    from assistant.core.service import Assistant

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 60_000
# How long an `expect` waits for the page to catch up; Playwright's 5 s is too short on a busy
# two-core CI machine, where one server event can stall for seconds.
EXPECT_TIMEOUT_MS = 20_000
WIDE = {"width": 1400, "height": 1000}
PHONE = {"width": 390, "height": 844}


def flat(text: str) -> str:
    return " ".join(text.split())


def launch_chromium() -> Iterator[Any]:
    """Headless Chromium for one test module: `browser = pytest.fixture(scope="module")(launch_chromium)`."""
    assert CHROMIUM.exists(), "Chromium is missing: run scripts/ensure-chromium.sh (as root)"
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class LocalPage:
    """A page in its own browser context that may reach only `url`; requests elsewhere are
    blocked and listed in `outside`."""

    def __init__(self, browser: Any, url: str, viewport: dict[str, int] = WIDE, **context: Any) -> None:
        self.url = url
        self.outside: list[str] = []
        self.context = browser.new_context(viewport=viewport, **context)
        self.context.route("**/*", self._local_only)
        self.page = self.context.new_page()
        self.page.set_default_timeout(TIMEOUT_MS)

    def _local_only(self, route: Any) -> None:
        if route.request.url.startswith(self.url.rstrip("/")):
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def open(self) -> Any:
        self.page.goto(self.url, wait_until="domcontentloaded")
        self.page.locator("#chat").wait_for()
        return self.page

    def close(self) -> None:
        self.context.close()


def opened_page(browser: Any, url: str) -> Iterator[Any]:
    """A fresh page on `url` for one test (a fixture's body); afterwards, that it stayed offline."""
    local = LocalPage(browser, url)
    yield local.open()
    assert local.outside == [], f"the page tried to reach the network: {local.outside}"
    local.close()


@contextmanager
def page_on_served(browser: Any, assistant: Assistant) -> Iterator[Any]:
    """`assistant`'s chat served for one test (built now, so patches made before apply), and a
    fresh page open on it; both closed afterwards."""
    with running_app(assistant) as url:
        local = LocalPage(browser, url)
        try:
            yield local.open()
        finally:
            local.close()


def ask(page: Any, question: str) -> None:
    """Type `question` and press Ask; returns once the answer (or a message) replaced the working note."""
    from playwright.sync_api import expect

    before = bot_bubbles(page).count()
    page.locator("#question textarea").fill(question)
    page.locator("#ask").click()
    expect(bot_bubbles(page)).not_to_have_count(before, timeout=TIMEOUT_MS)
    expect(searching_note(page)).to_have_count(0, timeout=TIMEOUT_MS)


def searching_note(page: Any) -> Any:
    """The "Searching <the collection>…" note shown while a question is answered, whatever the
    collection is called."""
    return page.locator("#chat em", has_text="Searching")


def user_bubbles(page: Any) -> Any:
    return page.locator("#chat .message-row.user-row")


def bot_bubbles(page: Any) -> Any:
    return page.locator("#chat .message-row.bot-row")
