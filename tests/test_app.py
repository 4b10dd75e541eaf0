"""The chat's UI logic (rendering, briefing export, filters) and its named API endpoint, served for real."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.core.answers import Answer, Citation
from assistant.core.filters import Filters
from assistant.core.questions import InvalidQuestion
from assistant.core.service import Assistant
from assistant.web import briefing, rendering
from assistant.web.conversation import answer_html as answer_markdown
from assistant.web.filter_controls import make_filters, parse_date
from ingest.documents import Document, DocumentMeta
from tests.live_app import running_app

MISSION = "Who carried out the 2025 report?"

HOSTILE = Document(
    id="x.txt",
    text="Intro line.\n<script>alert(1)</script> before & the <b>quoted</b> part after.\nNext line.",
    meta=DocumentMeta(title="A <i>title</i>", publisher="P & Co", date="2020-01-02", kind="report"),
)


def hostile_answer() -> Answer:
    start = HOSTILE.text.index("the <b>")
    end = HOSTILE.text.index(" after")
    quote = HOSTILE.text[start:end]
    return Answer(
        "Q <b>?", "Q <b>?", f"{quote} [1]", True, [Citation(1, "x.txt", HOSTILE.title, quote, start, end)]
    )


def test_sources_escape_document_text_and_mark_the_quote_in_its_paragraph() -> None:
    out = rendering.sources_html(hostile_answer(), {"x.txt": HOSTILE})
    assert "<script>" not in out and "<b>" not in out and "<i>" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert "<mark>the &lt;b&gt;quoted&lt;/b&gt; part</mark>" in out
    assert "Intro line" not in out and "Next line" not in out  # cut at the line breaks
    assert "P &amp; Co" in out and "2020-01-02" in out and "x.txt" in out


def test_the_sources_panel_says_which_answer_it_shows_and_only_its_own_markup_counts() -> None:
    documents = {"x.txt": HOSTILE}
    assert rendering.shown_turn(rendering.sources_html(hostile_answer(), documents, turn=3)) == 3
    assert rendering.shown_turn(rendering.sources_html(hostile_answer(), documents)) is None
    assert rendering.shown_turn(rendering.sources_html(None, documents)) is None
    # a quote holding the attribute is escaped, so it never passes for the panel's own
    assert rendering.shown_turn('<p><div class="sources" data-turn="1">') is None
    assert rendering.shown_turn(None) is None


def test_context_is_at_most_300_characters_either_side() -> None:
    text = "a" * 1000 + "QUOTE" + "b" * 1000
    lo, hi = rendering.context_span(text, 1000, 1005)
    assert (lo, hi) == (700, 1305)
    assert rendering.quote_in_context(text, 1000, 1005).startswith("…")


def test_in_hard_wrapped_text_the_context_is_the_paragraph_not_the_line() -> None:
    import textwrap

    paragraphs = [
        textwrap.fill(
            f"Rule {n}: the harbour trust lets members moor one vessel at the eastern quay "
            f"for {n} weeks a year. Members who break the rule lose the licence, which is "
            "reinstated if the breach is put right within thirty days of a notice.",
            60,
        )
        for n in range(1, 7)
    ]
    text = "\n\n".join(paragraphs) + "\n"
    start = text.index("Members who break", text.index("Rule 3:"))  # to "licence,", over a line break
    end = text.index("licence,", start) + len("licence,")
    lo, hi = rendering.context_span(text, start, end)
    assert text[lo:].startswith("Rule 3:")  # back over its line breaks to the paragraph's start
    assert text[:hi].endswith("of a notice.") and "Rule 4" not in text[lo:hi]
    # A web page, PDF or Word file is read a paragraph per line: its line breaks always end one.
    lo, hi = rendering.context_span(text, start, end, plain_text=False)
    assert text[lo - 1] == "\n" and not text[lo:].startswith("Rule 3:")
    one_per_line = " ".join(text.split("\n\n")[2].split())  # the same paragraph, unwrapped
    assert rendering.context_span(one_per_line, 10, 20) == (0, len(one_per_line))


def test_viewer_shows_the_whole_document_escaped_with_the_cited_passage() -> None:
    c = hostile_answer().citations[0]
    out = rendering.viewer_html(HOSTILE, c.start, c.end)
    assert '<mark id="cited">the &lt;b&gt;quoted&lt;/b&gt; part</mark>' in out
    assert "Intro line." in out and "Next line." in out and "<script>" not in out
    assert "<mark" not in rendering.viewer_html(HOSTILE)


def test_chat_text_is_escaped() -> None:
    answer = hostile_answer()
    assert "<b>" not in answer_markdown(answer, called="the reports")
    assert "&lt;b&gt;" in answer_markdown(answer, called="the reports")


def test_briefing_markdown_and_docx_hold_each_quote_with_its_source(tmp_path: Path) -> None:
    from docx import Document as WordDocument

    answer = hostile_answer()
    quote = answer.citations[0].quote
    md = briefing.to_markdown(answer, {"x.txt": HOSTILE})
    assert f"“{quote}”" in md and "P & Co" in md and "2020-01-02" in md and "x.txt" in md
    assert md.startswith("**Question:** Q <b>?")
    path = briefing.write_docx(answer, {"x.txt": HOSTILE}, tmp_path / "b.docx")
    text = "\n".join(p.text for p in WordDocument(str(path)).paragraphs)
    assert f"“{quote}”" in text and "x.txt" in text and "A <i>title</i>" in text


def test_every_chat_process_writes_briefings_to_one_folder_of_its_user(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A chat started and stopped a thousand times leaves one folder in the temporary folder, not
    a thousand; a link planted where that folder goes is not written through."""
    from assistant.web.panel_events import briefings_folder

    monkeypatch.setattr("tempfile.tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    first, second = briefings_folder(), briefings_folder()
    assert first == second and first.parent == tmp_path / "tmp"
    assert first.stat().st_mode & 0o777 == 0o700
    assert [p.name for p in (tmp_path / "tmp").iterdir()] == [first.name]

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    first.rmdir()
    first.symlink_to(elsewhere)
    private = briefings_folder()
    assert private != first and private.is_dir() and not private.is_symlink()
    assert private.resolve().parent == (tmp_path / "tmp").resolve()


def test_filters_from_the_controls() -> None:
    ids = ["a", "b", "c"]
    assert make_filters(ids, ids, "", "") == Filters()
    assert make_filters(ids, ["c", "a"], "2018", "2018") == Filters(("a", "c"), "2018-01-01", "2018-12-31")
    assert make_filters(ids, ids, "2017-10-17", "2025-02") == Filters((), "2017-10-17", "2025-02-28")
    assert parse_date("2024-02", end=True) == "2024-02-29"
    for bad in (
        lambda: make_filters(ids, [], "", ""),
        lambda: parse_date("17/10/2017", end=False),
        lambda: parse_date("2017-13-01", end=False),
        lambda: make_filters(ids, ids, "2020", "2019"),
    ):
        with pytest.raises(InvalidQuestion):
            bad()


def test_date_filter_restricts_the_answer(assistant: Assistant) -> None:
    filters = make_filters(
        sorted(assistant.library.documents), sorted(assistant.library.documents), "", "2018"
    )
    answer = assistant.ask(MISSION, [], filters=filters)
    assert all(c.source.startswith(("002", "003", "004")) for c in answer.citations)


@pytest.fixture(scope="module")
def app_url(assistant: Assistant) -> Iterator[str]:
    with running_app(assistant) as url:
        yield url


def test_api_ask_returns_the_answer_with_citations(app_url: str) -> None:
    from gradio_client import Client

    result = Client(app_url, verbose=False).predict(MISSION, api_name="/ask")
    assert "Steve Walker" in result["answer"]
    assert result["answered"] is True
    assert result["citations"] and "[1]" in result["answer"]
    assert "Steve Walker" in result["citations"][0]["quote"]


def test_api_refuses_an_empty_question_with_a_clear_message(app_url: str) -> None:
    from gradio_client import Client

    with pytest.raises(Exception, match="Please type a question"):
        Client(app_url, verbose=False).predict("   ", api_name="/ask")


def test_feedback_is_stored_and_exported_as_csv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import csv
    import json

    from click.testing import CliRunner

    from assistant.cli import cli
    from assistant.web import feedback

    answer = hostile_answer()
    feedback.record(tmp_path / "data", answer, "wrong citation", "  not this one ")
    with pytest.raises(ValueError):
        feedback.record(tmp_path / "data", answer, "meh")
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    out = tmp_path / "feedback.csv"
    result = CliRunner().invoke(cli, ["feedback", "--export", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.read_text(encoding="utf-8").splitlines()))
    assert len(rows) == 1
    assert rows[0]["kind"] == "wrong citation" and rows[0]["comment"] == "not this one"
    assert rows[0]["question"] == answer.question and rows[0]["answer"] == answer.text
    assert json.loads(rows[0]["citations"])[0]["quote"] == answer.citations[0].quote
