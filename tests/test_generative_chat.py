"""The chat's switch between answers quoted from the reports and answers written by the model:
in headless Chromium against the real model server (the session's `llm_server`, llama.cpp with
the bundled SmolLM2-135M, or the server ASSISTANT_LLM_BASE_URL names), over small documents
written here; and, without a browser, how a turn keeps its mode and the briefing reports it.

The tiny model is often wrong: whatever it writes, the tests check that each sentence the bubble
shows carries a citation whose quote is an exact slice of its document (`evals.generative`'s
check, which shares no code with the product's), read back from the page itself.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_accessibility import serious_violations

from assistant.core.answers import Answer, Citation
from assistant.core.readers import Readers
from assistant.core.service import Assistant, create_assistant
from assistant.core.settings import Settings
from assistant.core.settings.generation import LlmSettings
from assistant.core.settings.paths import PROJECT_ROOT
from assistant.generative import EXTRACTIVE, GENERATIVE, Removed
from assistant.web import briefing
from assistant.web import generative as web_generative
from assistant.web.conversation import Conversation, Turn, answer_html, chat_messages, working_note
from evals.generative import unsupported_sentences
from ingest.documents import Document, DocumentMeta
from ingest.embedder import Embedder
from tests import browser_kit
from tests.browser_kit import TIMEOUT_MS, ask, bot_bubbles, flat, launch_chromium, opened_page, page_on_served
from tests.conftest import ingest_folder
from tests.live_app import free_port, running_app
from tests.model_server import Server

browser = pytest.fixture(scope="module")(launch_chromium)

DOCUMENTS = {
    "school.txt": "Hillside school report.\n\nThe school opened in 2019 with 120 pupils. The town council "
    "paid for a new playground. The head teacher is Ann Hughes.\n",
    "library.txt": "Millbrook Library annual report.\n\nThe Millbrook library reopened in March 2021 after a "
    "two-year refurbishment. The work cost £1.2 million and was paid for by the town council. Visitor "
    "numbers rose by 40 per cent in the first year.\n",
}
# Questions the bundled model answers with at least one sentence that survives the check (its
# answers are repeatable: temperature 0); the test uses the first that does.
WRITABLE = (
    "Who paid for the new playground?",
    "When did the library reopen?",
    "When did Hillside school open?",
)
QUOTED_QUESTION = "When did the library reopen?"
CALLED = "the reports"  # what assistant.toml, which the app under test reads, calls the documents
QUOTED = web_generative.quoted_words(CALLED)
WRITTEN_CHOICE, QUOTED_CHOICE = (label for label, _ in reversed(web_generative.choices(CALLED)))
_FILE = re.compile(r"^(?P<source>.+), (?:page \d+, )?characters (?P<start>\d+)–(?P<end>\d+)$")
_REMOVED = re.compile(r"^(\d+) sentences? removed as unsupported$")
OUTPUT = PROJECT_ROOT / "test-output"


@pytest.fixture(scope="module")
def small_settings(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Settings:
    root = tmp_path_factory.mktemp("generative-chat")
    corpus = root / "corpus"
    corpus.mkdir()
    for name, text in DOCUMENTS.items():
        (corpus / name).write_text(text, encoding="utf-8")
    ingest_folder(corpus, root / "index", embedder)
    return Settings(index={"corpus_dir": corpus, "index_dir": root / "index", "data_dir": root / "data"})


def _assistant(settings: Settings, readers: Readers, **llm: object) -> Assistant:
    return create_assistant(settings.model_copy(update={"llm": LlmSettings(**llm)}), readers)


@pytest.fixture(scope="module")
def generative(small_settings: Settings, readers: Readers, llm_server: Server) -> Assistant:
    return _assistant(small_settings, readers, **llm_server.llm())


@pytest.fixture(scope="module")
def generative_url(generative: Assistant) -> Iterator[str]:
    with running_app(generative) as url:
        yield url


@pytest.fixture
def page(browser: Any, generative_url: str) -> Iterator[Any]:
    yield from opened_page(browser, generative_url)


def choose(page: Any, label: str) -> None:
    from playwright.sync_api import expect

    radio = page.get_by_role("radio", name=label)
    radio.check()
    expect(radio).to_be_checked()
    page.wait_for_timeout(300)  # let the change reach the component's value before asking


def shown_answer(bubble: Any, label: str) -> str:
    """The answer as the bubble shows it: its text before the line naming the mode."""
    text = bubble.inner_text()
    assert label in text, text
    return flat(text.split(label)[0])


def cited_on_page(page: Any) -> list[dict[str, Any]]:
    """The citations as the Sources panel shows them: number, file, offsets and the marked quote."""
    cited = []
    for element in page.locator("#sources .citation").all():
        where = _FILE.match(flat(element.locator(".citation-file").inner_text()))
        assert where, element.inner_text()
        cited.append(
            {
                "n": int(element.get_attribute("data-n")),
                "source": where["source"],
                "start": int(where["start"]),
                "end": int(where["end"]),
                "quote": element.locator("mark").inner_text(),
            }
        )
    return cited


# --- in Chromium, against the real model server ---------------------------------------------------


@pytest.mark.browser
def test_the_switch_is_shown_only_when_a_model_is_configured(
    browser: Any, page: Any, small_settings: Settings, readers: Readers
) -> None:
    from playwright.sync_api import expect

    switch = page.get_by_role("radiogroup", name=web_generative.SWITCH_LABEL)
    expect(switch).to_be_visible()
    expect(page.get_by_role("radio", name=QUOTED_CHOICE)).to_be_checked()  # the default
    expect(page.get_by_role("radio", name=WRITTEN_CHOICE)).not_to_be_checked()

    with page_on_served(browser, _assistant(small_settings, readers)) as plain:  # no model: as before
        ask(plain, QUOTED_QUESTION)
        assert plain.locator("#answer-mode").count() == 0
        assert plain.get_by_role("radio", name=WRITTEN_CHOICE).count() == 0
        text = bot_bubbles(plain).last.inner_text()
        assert "March 2021" in text
        assert QUOTED not in text and "model" not in text


@pytest.mark.browser
def test_a_written_answer_says_so_and_each_shown_sentence_cites_an_exact_quote(
    page: Any, generative: Assistant
) -> None:
    from playwright.sync_api import expect

    results = {q: generative.ask_generative(q) for q in WRITABLE}
    question = next((q for q, r in results.items() if r.mode == GENERATIVE), None)
    assert question, {q: (r.fallback_reason, r.removed) for q, r in results.items()}
    texts = {d: doc.text for d, doc in generative.library.documents.items()}

    choose(page, WRITTEN_CHOICE)
    page.locator("#question textarea").fill(question)
    page.locator("#ask").click()
    chat = page.locator("#chat")
    expect(chat).to_contain_text("writing the answer with the model and checking each sentence")
    expect(browser_kit.searching_note(page)).to_have_count(0, timeout=TIMEOUT_MS)

    bubble = bot_bubbles(page).last
    expect(bubble).to_contain_text(web_generative.WRITTEN)
    shown = shown_answer(bubble, web_generative.WRITTEN)
    cited = cited_on_page(page)
    assert cited and re.search(r"\[\d+\]", shown), shown
    payload = {"mode": GENERATIVE, "answer": shown, "citations": cited}
    assert unsupported_sentences(payload, texts) == []  # each one cited, each quote an exact slice
    assert all(texts[c["source"]][c["start"] : c["end"]] == c["quote"] for c in cited)

    # the removed sentences: one collapsed note, each with its reason, shown as written
    details = bubble.locator("details")
    expect(details).to_have_count(1)
    summary = flat(details.locator("summary").inner_text())
    count = int(_REMOVED.match(summary)[1])  # type: ignore[index]
    assert details.get_attribute("open") is None
    details.locator("summary").click()
    lines = [line for line in details.inner_text().split("\n")[1:] if line.strip()]
    assert len(lines) == count and all(" — " in line for line in lines), lines
    assert serious_violations(page, "#chat-column") == []  # the switch and the note included
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "generative-chat.png"))

    # the sign-off works on a written answer's citations as on any other
    first = cited[0]["n"]
    page.locator("#citation-choice").get_by_text(f"[{first}]").click()
    page.locator("#mark-checked").click()
    expect(page.locator(f"#sources #citation-{first}")).to_have_attribute("data-mark", "checked")

    # all of it survives a reload, and the briefing says which mode wrote the answer
    page.reload(wait_until="domcontentloaded")
    bubble = bot_bubbles(page).last
    expect(bubble).to_contain_text(web_generative.WRITTEN, timeout=TIMEOUT_MS)
    assert shown_answer(bubble, web_generative.WRITTEN) == shown
    expect(bubble.locator("details summary")).to_have_text(summary)
    expect(page.locator(f"#sources #citation-{first}")).to_have_attribute("data-mark", "checked")
    page.get_by_role("tab", name="Briefing").click()
    page.locator("#copy-briefing").click()
    markdown = page.locator("#briefing-md")
    expect(markdown).to_contain_text(web_generative.WRITTEN, timeout=TIMEOUT_MS)
    expect(markdown).to_contain_text(f"{count} sentence")
    expect(markdown).to_contain_text(f"[{first}] **checked**")


@pytest.mark.browser
def test_switching_back_gives_the_quoted_answer_labelled_so(page: Any, generative: Assistant) -> None:
    from playwright.sync_api import expect

    expected = generative.ask(QUOTED_QUESTION)
    choose(page, WRITTEN_CHOICE)
    choose(page, QUOTED_CHOICE)
    ask(page, QUOTED_QUESTION)
    bubble = bot_bubbles(page).last
    expect(bubble).to_contain_text(QUOTED)
    assert shown_answer(bubble, QUOTED) == flat(expected.text)
    text = bubble.inner_text()
    assert web_generative.WRITTEN not in text and "not used" not in text
    assert bubble.locator("details").count() == 0
    assert [c["quote"] for c in cited_on_page(page)] == [c.quote for c in expected.citations]


@pytest.mark.browser
def test_a_server_failure_gives_the_quoted_answer_and_says_why(
    browser: Any, small_settings: Settings, readers: Readers
) -> None:
    from playwright.sync_api import expect

    closed = f"http://127.0.0.1:{free_port()}/v1"
    failing = _assistant(small_settings, readers, base_url=closed)
    expected = failing.ask(QUOTED_QUESTION)
    with page_on_served(browser, failing) as page:
        choose(page, WRITTEN_CHOICE)
        ask(page, QUOTED_QUESTION)
        bubble = bot_bubbles(page).last
        why = f"The model's answer was not used: could not reach the model server at {closed}."
        expect(bubble).to_contain_text(why)
        assert shown_answer(bubble, QUOTED) == flat(expected.text)
        assert [c["quote"] for c in cited_on_page(page)] == [c.quote for c in expected.citations]


# --- without a browser: the turn, the bubble and the briefing ------------------------------------

TEXT = "Hillside school report.\n\nThe school opened in 2019 with 120 pupils. The head is Ann.\n"
DOC = Document(id="school.txt", text=TEXT, meta=DocumentMeta(title="Hillside school report", date="2024"))


def _answer(question: str, text: str, phrase: str) -> Answer:
    start = TEXT.index(phrase)
    citation = Citation(1, DOC.id, DOC.title, phrase, start, start + len(phrase))
    return Answer(question, question, text, True, [citation])


def test_a_turn_keeps_its_mode_and_removed_sentences_and_the_briefing_names_the_mode(tmp_path: Path) -> None:
    from docx import Document as WordDocument

    opened = "The school opened in 2019 with 120 pupils."
    written = _answer("When did it open?", f"{opened} [1]", opened)
    quoted = _answer("Who is the head?", "The head is Ann. [1]", "The head is Ann.")
    removed = [Removed("It's <b>big</b> & *new*\n18. pupils", "no citation")]
    reason = "could not reach the model server at http://127.0.0.1:9/v1"
    turns = [
        Turn(written.question, written, mode=GENERATIVE, removed=removed),
        Turn(quoted.question, quoted, mode=EXTRACTIVE, fallback_reason=reason),
        Turn(quoted.question, quoted, mode=EXTRACTIVE),
        Turn(quoted.question, quoted),  # asked in a chat without a model: no switch, no label
    ]
    stored = json.loads(json.dumps(Conversation(user="ann", turns=turns).to_json()))
    back = Conversation.from_json(stored, "ann", 100)
    assert back.turns == turns  # a reload loses nothing

    bubbles = [m["content"] for m in chat_messages(back, CALLED) if m["role"] == "assistant"]
    assert web_generative.WRITTEN in bubbles[0]
    assert (
        '<details class="removed"><summary>1 sentence removed as unsupported</summary>'
        "“It's &lt;b&gt;big&lt;/b&gt; &amp; *new*<br>18. pupils” — no citation</details>"
    ) in bubbles[0]  # escaped once, Markdown left as characters
    assert f"Quoted from the reports. The model's answer was not used: {reason}." in bubbles[1]
    assert QUOTED in bubbles[2] and "not used" not in bubbles[2]
    assert "<details" not in bubbles[2]
    assert bubbles[3] == answer_html(quoted, called=CALLED)  # as before the switch existed
    assert "Quoted" not in bubbles[3] and "Written" not in bubbles[3]

    md = briefing.conversation_markdown(back.turns, {DOC.id: DOC}, CALLED, made=dt.date(2026, 1, 2))
    sections = md.split("\n## ")[1:]
    assert f"*{web_generative.WRITTEN}; 1 sentence removed as unsupported.*" in sections[0]
    assert f"*Quoted from the reports. The model's answer was not used: {reason}.*" in sections[1]
    assert "*Quoted from the reports.*" in sections[2]
    assert "Quoted" not in sections[3] and "Written" not in sections[3]
    path = briefing.write_conversation_docx(back.turns, {DOC.id: DOC}, tmp_path / "b.docx", CALLED)
    paragraphs = [p.text for p in WordDocument(str(path)).paragraphs]
    assert f"{web_generative.WRITTEN}; 1 sentence removed as unsupported." in paragraphs
    assert "Quoted from the reports." in paragraphs


def test_the_working_note_says_the_model_is_writing_and_bad_stored_modes_are_dropped() -> None:
    writing = Conversation(pending="When?", pending_filters={"mode": GENERATIVE})
    assert chat_messages(writing, CALLED)[-1]["content"] == web_generative.writing_note(CALLED)
    assert chat_messages(Conversation(pending="When?"), CALLED)[-1]["content"] == working_note(CALLED)

    answer = _answer("When?", "The school opened in 2019 with 120 pupils. [1]", "The school opened in 2019")
    raw = Conversation(turns=[Turn("When?", answer)]).to_json()
    raw["turns"][0].update(mode="<script>", fallback_reason="x", removed=[{"sentence": 5}, "no"])
    [turn] = Conversation.from_json(raw, "", 100).turns
    assert (turn.mode, turn.fallback_reason, turn.removed) == ("", "", [])


def test_the_mode_asked_for_is_the_switch_s_only_with_a_model(tmp_path: Path) -> None:
    plain = Settings(index={"index_dir": tmp_path})
    assert not web_generative.switch_shown(plain)
    assert web_generative.chosen_mode(GENERATIVE, plain) == ""  # no model: never generative
    configured = Settings(llm=LlmSettings(base_url="http://127.0.0.1:9/v1"), index={"index_dir": tmp_path})
    assert web_generative.chosen_mode(GENERATIVE, configured) == GENERATIVE
    assert web_generative.chosen_mode("nonsense", configured) == EXTRACTIVE  # the default
    chatty = configured.model_copy(
        update={"llm": configured.llm.model_copy(update={"chat_mode": GENERATIVE})}
    )
    assert web_generative.chosen_mode(None, chatty) == GENERATIVE


def test_the_chat_names_the_documents_as_the_settings_call_them() -> None:
    called = "the licences"
    pending = chat_messages(Conversation(pending="Who may copy it?"), called)[-1]["content"]
    writing = chat_messages(Conversation(pending="Who?", pending_filters={"mode": GENERATIVE}), called)
    assert pending == "<em>Searching the licences…</em>"
    assert writing[-1]["content"].startswith("<em>Searching the licences, then writing the answer")
    assert web_generative.choices(called)[0] == ("Quoted from the licences", EXTRACTIVE)
    assert web_generative.mode_words(EXTRACTIVE, called, "the model timed out") == (
        "Quoted from the licences. The model's answer was not used: the model timed out."
    )
    assert "reports" not in pending + writing[-1]["content"]
