"""The sign-off briefing and the conversation the browser keeps, without a browser."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from assistant.core.answers import Answer, Citation
from assistant.web import briefing
from assistant.web.conversation import Conversation, Turn, check_question
from ingest.documents import Document, DocumentMeta

TEXT = "Intro.\nThe board made 18 recommendations about the lamps. The keepers agreed.\n"
DOC = Document(
    id="lamps.pdf",
    text=TEXT,
    meta=DocumentMeta(title="Lamp review", publisher="Harbour Board", date="2024-05"),
)


def cite(n: int, phrase: str, page: int | None = None) -> Citation:
    start = TEXT.index(phrase)
    return Citation(n, DOC.id, DOC.title, phrase, start, start + len(phrase), page)


def conversation() -> Conversation:
    good = cite(1, "The board made 18 recommendations about the lamps.", page=3)
    other = cite(2, "The keepers agreed.")
    forged = Citation(3, DOC.id, DOC.title, "The board made 81 recommendations", good.start, good.end - 17)
    answer = Answer("How many?", "How many?", "18. The board made … [1] [2] [3]", True, [good, other, forged])
    return Conversation(
        user="ann",
        turns=[Turn("How many?", answer, marks={1: "checked", 3: "wrong"}), Turn("x" * 3, error="Bad date.")],
    )


def test_briefing_marks_every_citation_and_never_shows_a_quote_that_is_not_a_slice(tmp_path: Path) -> None:
    from docx import Document as WordDocument

    turns = conversation().turns
    md = briefing.conversation_markdown(turns, {DOC.id: DOC}, "the reports", made=dt.date(2026, 1, 2))
    assert "Briefing made on 2026-01-02" in md
    assert "- [1] **checked** — “The board made 18 recommendations about the lamps.” — Lamp review, " in md
    assert "Harbour Board, 2024-05, lamps.pdf, page 3" in md
    assert "- [2] **not checked** — “The keepers agreed.”" in md
    assert "81 recommendations" not in md and f"- [3] **wrong** — {briefing.MISSING}" in md
    assert "Not answered: Bad date." in md
    path = briefing.write_conversation_docx(
        turns, {DOC.id: DOC}, tmp_path / "b.docx", "the reports", made=dt.date(2026, 1, 2)
    )
    text = "\n".join(p.text for p in WordDocument(str(path)).paragraphs)
    assert "[1] checked — “The board made 18 recommendations about the lamps.”" in text
    assert "81 recommendations" not in text and "[3] wrong — " + briefing.MISSING in text


def test_citation_text_for_the_clipboard_has_the_reference_and_page() -> None:
    text = briefing.citation_text(cite(1, "The keepers agreed.", page=3), DOC)
    assert text == "“The keepers agreed.” — Lamp review, Harbour Board, 2024-05, lamps.pdf, page 3"


def test_a_stored_conversation_round_trips_and_junk_from_the_browser_is_dropped() -> None:
    stored = conversation().to_json()
    back = Conversation.from_json(stored, "ann", 100)
    assert back.turns[0].answer is not None and back.turns[0].answer.citations[0].page == 3
    assert back.turns[0].marks == {1: "checked", 3: "wrong"} and back.turns[1].error == "Bad date."
    assert Conversation.from_json(stored, "bob", 100).turns == []  # another user's, on a shared computer
    assert len(Conversation.from_json(stored, "ann", 1).turns) == 1
    junk: object
    for junk in (None, "x", [], {"user": "ann", "turns": "x"}, {"user": "ann", "turns": [1, {"q": 2}]}):
        assert Conversation.from_json(junk, "ann", 100).turns == []
    stored["turns"][0]["marks"] = {"1": "approved", "x": "checked", "2": "wrong"}
    stored["turns"][0]["answer"]["citations"][1]["start"] = "7"
    stored["turns"][0]["answer"]["citations"][0]["page"] = {"evil": 1}
    back = Conversation.from_json(stored, "ann", 100)
    assert back.turns[0].marks == {2: "wrong"}
    answer = back.turns[0].answer
    assert (
        answer is not None and [c.n for c in answer.citations] == [1, 3] and answer.citations[0].page is None
    )


def test_check_question_counts_as_the_service_does() -> None:
    assert check_question("  \n ", 10) == "Please type a question."
    assert check_question("a   b", 3) == ""
    assert check_question("x" * 2124, 2000).startswith(
        "Your question is 2,124 characters long; the limit is 2,000."
    )


def test_the_browser_key_is_kept_so_a_restart_can_read_saved_conversations(tmp_path: Path) -> None:
    from assistant.web.browser_state import browser_key as _browser_key

    key = _browser_key(tmp_path / "data")
    assert len(key) >= 24 and _browser_key(tmp_path / "data") == key
    assert (tmp_path / "data" / "browser-state.key").stat().st_mode & 0o077 == 0
