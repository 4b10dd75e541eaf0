"""Cleaning and splitting keep exact spans and sentence boundaries."""

from __future__ import annotations

import time

from ingest.furniture import content_blocks, is_furniture
from ingest.splitter import split_passages


def test_sentences_split_but_not_at_titles_or_initials() -> None:
    text = "Mr Walker said: “It is safe.” Cllr J. Smith agreed. The report, dated 07/08/2025, was welcomed."
    passages = split_passages("d.txt", text, content_blocks(text), min_chars=10)
    assert [p.text for p in passages] == [
        "Mr Walker said: “It is safe.”",
        "Cllr J. Smith agreed.",
        "The report, dated 07/08/2025, was welcomed.",
    ]
    assert all(text[p.start : p.end] == p.text for p in passages)


def test_furniture_lines_and_bullets() -> None:
    assert is_furniture("Share this page")
    assert is_furniture("Facebook icon Twitter icon Email icon")
    assert not is_furniture("Children's Services Inspection Report 2017")
    assert is_furniture("6.2.1  Favouring stray cats ....................................   21")
    assert is_furniture("3. Findings … 12")
    assert not is_furniture("The review found 21 areas for improvement")
    text = "Print icon\n• Reducing reliance on distant residential placements\n"
    [block] = content_blocks(text)
    assert text[block.start : block.end] == "Reducing reliance on distant residential placements"
    options = (
        "- Mooring fees are paid monthly.\n   * Berths are let by the year.\n"
        "-c, --check checks the berth list\n--quiet prints nothing\n"
    )
    assert [options[b.start : b.end] for b in content_blocks(options)] == [
        "Mooring fees are paid monthly.",
        "Berths are let by the year.",
        "-c, --check checks the berth list",
        "--quiet prints nothing",
    ]


def test_overlong_lines_are_cut_at_the_limit() -> None:
    text = ("word " * 5000).strip()
    passages = split_passages("d.txt", text, content_blocks(text), max_chars=600)
    assert len(passages) > 5
    assert all(len(p.text) <= 600 and text[p.start : p.end] == p.text for p in passages)


def test_splitting_is_linear_in_a_run_of_full_stops() -> None:
    """A run of n stops that ends no sentence (a contents leader) used to cost n² regex steps:
    200,000 of them about ten minutes."""
    text = "Contents: the report of the chief inspector " + "." * 200_000 + " page 4, then its annex."
    started = time.perf_counter()
    passages = split_passages("d.txt", text, content_blocks(text))
    assert time.perf_counter() - started < 5  # generous: it takes well under a second
    assert passages[0].text.startswith("Contents:") and passages[-1].text.endswith(" page 4, then its annex.")
    assert all(len(p.text) <= 600 and text[p.start : p.end] == p.text for p in passages)
