"""Hard-wrapped plain text is split into whole sentences, not the fragments its lines hold."""

from __future__ import annotations

import textwrap
from pathlib import Path

from ingest.furniture import content_blocks
from ingest.loaders import load_document
from ingest.splitter import split_passages
from ingest.unwrap import logical_lines, physical_lines

HARBOUR_RULES = [
    "The harbour trust grants every member a perpetual, worldwide and royalty-free licence to moor "
    "one vessel at the eastern quay, subject to the conditions set out in this notice.",
    "A member who breaks these conditions loses the licence automatically, but it is reinstated "
    "if the breach is put right within thirty days of a written notice from the harbour master.",
    "The trust may publish revised versions of these rules from time to time, and each version "
    "is given a distinguishing number so that members can tell which one applies to them.",
]


def wrapped_rules(width: int = 64) -> str:
    """A notice as a text editor fills it: a heading, wrapped paragraphs and a numbered list."""
    paragraphs = [textwrap.fill(p, width) for p in HARBOUR_RULES * 2]
    items = [
        textwrap.fill(f"{n}. {item}", width, subsequent_indent="   ")
        for n, item in enumerate(
            (
                "Vessels longer than twelve metres need the written consent of the harbour master.",
                "Fuel may be taken on board only at the pontoon beside the lifeboat station.",
            ),
            start=1,
        )
    ]
    return "\n\n".join(["HARBOUR MOORING RULES", *paragraphs, *items]) + "\n"


def sentences(text: str, wrapped: bool) -> list[str]:
    passages = split_passages("rules.txt", text, content_blocks(text, wrapped=wrapped))
    assert all(text[p.start : p.end] == p.text for p in passages)  # exact slices, line breaks and all
    return [" ".join(p.text.split()) for p in passages]


def test_a_wrapped_paragraph_gives_its_sentences_whole() -> None:
    text = wrapped_rules()
    found = sentences(text, wrapped=True)
    assert all(rule in found for rule in HARBOUR_RULES)
    # Line by line, the first rule would be cut at its line ends into fragments.
    assert HARBOUR_RULES[0] not in sentences(text, wrapped=False)


def test_headings_and_list_items_stay_apart() -> None:
    found = sentences(wrapped_rules(), wrapped=True)
    assert found[0] == "HARBOUR MOORING RULES"
    assert "1. Vessels longer than twelve metres need the written consent of the harbour master." in found
    assert "2. Fuel may be taken on board only at the pontoon beside the lifeboat station." in found


def test_wrapping_at_another_width_is_found_too() -> None:
    for width in (50, 72, 90):
        assert all(rule in sentences(wrapped_rules(width), wrapped=True) for rule in HARBOUR_RULES)


def test_text_with_a_paragraph_per_line_is_left_line_by_line() -> None:
    """Long unwrapped lines, and short lines that are not filled to a width (a list of names)."""
    long_lines = "\n".join(HARBOUR_RULES * 4)
    assert logical_lines(long_lines) == physical_lines(long_lines)
    members = "\n".join(
        f"Member {n}: {'Ann Lee, 14 Quay Street' if n % 2 else 'Bob Ray and family, 3 Pier Road, Aberdyfi'}"
        for n in range(30)
    )
    assert logical_lines(members) == physical_lines(members)


def test_only_plain_text_is_read_as_possibly_wrapped(tmp_path: Path) -> None:
    """Web pages, PDFs and Word files are read one paragraph per line; their lines are never joined."""
    text = wrapped_rules()
    plain = load_document(tmp_path / "rules.txt", text.encode())
    page = load_document(tmp_path / "rules.html", f"<html><body><p>{text}</p></body></html>".encode())
    assert plain.wrapped and not page.wrapped
