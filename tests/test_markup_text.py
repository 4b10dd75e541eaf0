"""Markup becomes the words a reader sees. A Markdown file: whole paragraphs and list items without
their markup, headings as the context of the passages under them, table rows as "cell | cell". A
web page (which Markdown is read as): UTF-8 read as UTF-8, a line break a space between words. A
Word file: content controls and tracked insertions read, tracked deletions not. Plain text saved
from a terminal: without its bold, colour and underline codes."""

from __future__ import annotations

import textwrap
from pathlib import Path

from ingest.formats.layout import Extracted
from ingest.furniture import content_blocks
from ingest.loaders import load_document, reads_as_plain_text
from ingest.sections import SEPARATOR, heading_paths
from ingest.splitter import split_passages

MOORING = (
    "The harbour trust grants every member a **perpetual** licence to moor one vessel at the "
    "[eastern quay](https://harbour.example/quays#east), subject to the conditions of this notice."
)
FUEL = "Fuel may be taken on board only at the pontoon beside the `lifeboat` station, never at the quay."

NOTICE = "\n".join(
    [
        "# Harbour rules",
        "",
        "## Mooring",
        "",
        textwrap.fill(MOORING, 60),
        "",
        "- " + textwrap.fill(FUEL, 60, subsequent_indent="  "),
        "- Vessels longer than twelve metres need consent.",
        "",
        "| Berth | Fee |",
        "|---|---|",
        "| Eastern quay | £40 |",
        "",
        "```",
        "moor --berth east",
        "```",
        "",
        "[unused]: https://harbour.example/unused",
        "",
    ]
)


def _read(text: str) -> Extracted:
    return load_document(Path("notice.md"), text.encode("utf-8"))


def _passages(extracted: Extracted) -> list[str]:
    skip = [(h.start, h.end) for h in extracted.headings]
    passages = split_passages("notice.md", extracted.text, content_blocks(extracted.text, skip))
    assert all(extracted.text[p.start : p.end] == p.text for p in passages)  # exact slices
    return [p.text for p in passages]


def test_a_wrapped_paragraph_and_list_item_are_whole_sentences_without_their_markup() -> None:
    passages = _passages(_read(NOTICE))
    assert (
        "The harbour trust grants every member a perpetual licence to moor one vessel at the "
        "eastern quay, subject to the conditions of this notice."
    ) in passages
    assert FUEL.replace("`", "") in passages
    assert not any(mark in p for p in passages for mark in ("**", "](", "`", "https://", "#"))


def test_headings_are_the_context_of_the_passages_under_them_not_passages() -> None:
    extracted = _read(NOTICE)
    headings = {extracted.text[h.start : h.end]: h.level for h in extracted.headings}
    assert headings == {"Harbour rules": 1, "Mooring": 2}
    assert "Mooring" not in _passages(extracted)
    at = extracted.text.index("The harbour trust")
    in_force = [path for start, path in heading_paths(extracted.text, extracted.headings) if start < at]
    assert in_force[-1] == f"Harbour rules{SEPARATOR}Mooring"


def test_a_table_row_reads_cell_by_cell_and_code_stays_apart_from_prose() -> None:
    passages = _passages(_read(NOTICE))
    assert "Eastern quay | £40" in passages
    assert "moor --berth east" in passages


def test_markdown_is_not_taken_for_plain_text() -> None:
    assert not reads_as_plain_text("notice.md") and reads_as_plain_text("notice.txt")
    assert _read(NOTICE).encoding == "markdown (utf-8)"


def test_a_web_page_without_a_charset_tag_is_read_as_the_utf8_it_was_decoded_from() -> None:
    page = "<html><body><main><p>The berth costs £40 at the café.</p></main></body></html>"
    assert load_document(Path("fees.html"), page.encode("utf-8")).text == "The berth costs £40 at the café."


def test_a_line_break_in_a_web_page_keeps_the_words_on_either_side_apart() -> None:
    page = (
        "<html><body><main><p>The office opens at nine.<br>It closes at five.</p>"
        "<table><tr><td>Fee<br>per week</td><td>40</td></tr></table></main></body></html>"
    )
    text = load_document(Path("office.html"), page.encode("utf-8")).text
    assert text == "The office opens at nine. It closes at five.\n\nFee per week | 40"


_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
_TRACKED = 'w:id="{}" w:author="Clerk" w:date="2024-05-01T09:00:00Z"'


def test_a_word_file_reads_as_word_shows_it_content_controls_and_tracked_changes_included() -> None:
    import io

    import docx
    from docx.oxml import parse_xml

    document = docx.Document()
    document.add_paragraph("The harbour committee met in public.")
    table = document.add_table(rows=1, cols=2)
    end = document.element.body[-1]  # the section properties: blocks go before them
    for xml in (
        f"<w:sdt {_W}><w:sdtPr/><w:sdtContent><w:p><w:r><w:t>The trust set out its mooring plan in a "
        "form field.</w:t></w:r></w:p></w:sdtContent></w:sdt>",
        f'<w:p {_W}><w:r><w:t xml:space="preserve">The panel met </w:t></w:r>'
        f'<w:ins {_TRACKED.format(1)}><w:r><w:t xml:space="preserve">twelve times </w:t></w:r></w:ins>'
        "<w:r><w:t>in 2024.</w:t></w:r></w:p>",
        f'<w:p {_W}><w:r><w:t xml:space="preserve">The fee is </w:t></w:r>'
        f'<w:del {_TRACKED.format(2)}><w:r><w:delText xml:space="preserve">thirty </w:delText></w:r></w:del>'
        "<w:r><w:t>forty pounds.</w:t></w:r></w:p>",
    ):
        end.addprevious(parse_xml(xml))
    cell = table.rows[0].cells[0]._tc.find(f"{{{_W[9:-1]}}}p")
    cell.append(parse_xml(f"<w:sdt {_W}><w:sdtContent><w:r><w:t>Ann Lee</w:t></w:r></w:sdtContent></w:sdt>"))
    table.rows[0].cells[1].text = "chair"
    data = io.BytesIO()
    document.save(data)
    blocks = load_document(Path("minutes.docx"), data.getvalue()).text.split("\n\n")
    assert blocks == [
        "The harbour committee met in public.",
        "Ann Lee | chair",
        "The trust set out its mooring plan in a form field.",
        "The panel met twelve times in 2024.",
        "The fee is forty pounds.",
    ]


def test_front_matter_is_the_markdown_files_metadata_not_its_text() -> None:
    fields = 'title: "Harbour rules"\ndate: 2024-05-01\nauthor: Harbour Trust\ntags:\n  - moorings\n'
    extracted = _read(f"---\n{fields}---\n\nA berth costs forty pounds a week.\n")
    assert extracted.text == "A berth costs forty pounds a week."
    assert (extracted.meta.title, extracted.meta.date, extracted.meta.publisher) == (
        "Harbour rules",
        "2024-05-01",
        "Harbour Trust",
    )
    ruled = _read("---\n\nThe notice opens with a rule.\n\n---\n\nThen the rules follow.\n")
    assert ruled.text == "The notice opens with a rule.\n\nThen the rules follow."


def test_a_markdown_files_title_is_its_top_heading_unless_that_is_a_section_after_prose() -> None:
    assert (
        _read("Intro text.\n\n# Harbour rules\n\n## Fees\n\nA berth costs £40.\n").meta.title
        == "Harbour rules"
    )
    assert _read("## Harbour rules\n\nA berth costs £40.\n").meta.title == "Harbour rules"
    assert _read("The trust's notice.\n\n## Fees\n\nA berth costs £40.\n").meta.title == ""


def test_plain_text_from_a_terminal_is_read_without_its_formatting_codes() -> None:
    coloured = b"By default, \x1b[1mman\x1b[22m keeps \x1b[4mmandb\x1b[24m databases up to date.\n"
    struck = b"".join(bytes([c, 8, c]) for c in b"THE PAGER SHOWS ONE PAGE") + b" at a time.\n"  # bold
    underlined = b"".join(b"_\x08" + bytes([c]) for c in b"less") + b" is the usual pager.\n"
    text = load_document(Path("manual.txt"), coloured + struck + underlined).text
    assert text == (
        "By default, man keeps mandb databases up to date.\n"
        "THE PAGER SHOWS ONE PAGE at a time.\nless is the usual pager.\n"
    )


def test_prose_written_straight_into_a_page_without_paragraph_tags_is_kept() -> None:
    # An old hand-written page: no <main>, text beside the blocks rather than inside a <p>.
    page = (
        "<html><head><title>Tide tables</title></head><body><h2>Tide tables</h2>\n"
        "We often get asked when the harbour gates open.  The gates open two hours before high\n"
        "water and close two hours after it, whatever the weather.\n<p>\n"
        "The program that prints the table is below:\n<pre><b>\nprint_tides(port)\n</b></pre><!-- -->\n"
        "It reads the almanac for the year and rounds each time to the nearest five minutes.\n"
        "<p>Questions about the tables go to the harbour office, which answers within a week.</p>\n"
        "</body></html>"
    )
    extracted = load_document(Path("tides.html"), page.encode("utf-8"))
    passages = _passages(extracted)
    assert "We often get asked when the harbour gates open." in passages
    assert "It reads the almanac for the year and rounds each time to the nearest five minutes." in passages
    assert "Questions about the tables go to the harbour office, which answers within a week." in passages


def test_an_underlined_line_of_plain_text_titles_the_file_and_its_underline_is_no_passage() -> None:
    notice = "\n".join(
        [
            "Harbour rules",
            "=============",
            "",
            "Mooring",
            "-------",
            "Every member may moor one vessel at the eastern quay.",
            "",
            "Fees are due on the first day of each month.",
            "Late fees double after thirty days.",
            "-----------------------------------",
            "",
        ]
    )
    extracted = load_document(Path("notice.txt"), notice.encode("utf-8"))
    assert extracted.meta.title == "Harbour rules"
    passages = split_passages(
        "notice.txt",
        extracted.text,
        content_blocks(extracted.text, extracted.furniture, wrapped=True, kept=extracted.kept),
    )
    # The headings stay passages, their underlines do not; the line after one is not run into it.
    assert [p.text for p in passages] == [
        "Harbour rules",
        "Mooring",
        "Every member may moor one vessel at the eastern quay.",
        "Fees are due on the first day of each month.",
        "Late fees double after thirty days.",
    ]
