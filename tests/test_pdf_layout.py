"""How a PDF's lines become paragraphs, on a PDF LibreOffice makes from a .docx written here.

A sentence cut by a page break, or a line that opens with a word of code set smaller, must still
reach the index whole: a passage that stops mid-sentence cannot answer the question it was half of.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.documents import DocumentMeta
from ingest.formats.layout import Extracted
from ingest.formats.pdf import _page_lines, read_pdf
from ingest.formats.pdf_layout import PdfLine, lay_out, new_paragraph
from tests import documents_made as made

pytestmark = [
    pytest.mark.skipif(made.soffice() is None, reason="LibreOffice missing: make libreoffice"),
    pytest.mark.subprocess,  # LibreOffice makes the PDF
]


@pytest.fixture(scope="module")
def layout_pdf(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, Extracted]:
    work = tmp_path_factory.mktemp("layout")
    data = made.to_pdf(made.layout_docx(work / "layout.docx"), work).read_bytes()
    return data, read_pdf(data)


def _blocks(extracted: Extracted) -> list[str]:
    return extracted.text.split("\n\n")


def _page_texts(data: bytes) -> list[str]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    try:
        return [" ".join(pdf[i].get_textpage().get_text_range().split()) for i in range(len(pdf))]
    finally:
        pdf.close()


def test_a_sentence_running_over_a_page_break_is_one_paragraph_on_the_page_it_starts(
    layout_pdf: tuple[bytes, Extracted],
) -> None:
    data, extracted = layout_pdf
    pages = _page_texts(data)
    starts_on = next(i for i, text in enumerate(pages) if made.RUNNING_ON[:40] in text)
    assert made.RUNNING_ON[-40:] not in pages[starts_on], "the test document must break the sentence"
    assert made.RUNNING_ON in _blocks(extracted)
    at = extracted.text.index(made.RUNNING_ON)
    assert extracted.pages[starts_on] <= at < extracted.pages[starts_on + 1]
    inside = [(a, b) for a, b in extracted.furniture if at <= a < at + len(made.RUNNING_ON)]
    assert extracted.furniture and not inside  # the page number between the halves stays out


def test_a_paragraph_ending_its_sentence_at_the_foot_of_a_page_is_not_joined_to_the_next(
    layout_pdf: tuple[bytes, Extracted],
) -> None:
    blocks = _blocks(layout_pdf[1])
    assert made.PAGE_THREE_FACT in blocks
    assert "families told us the same in every team." in blocks


def test_a_line_opening_with_a_smaller_word_of_code_stays_in_its_paragraph(
    layout_pdf: tuple[bytes, Extracted],
) -> None:
    assert "".join((made.CODE_OPENED[0], " ", *made.CODE_OPENED[1:])) in _blocks(layout_pdf[1])


def test_a_sentence_running_from_one_column_into_the_next_is_one_paragraph(
    tmp_path: Path,
) -> None:
    import pypdfium2 as pdfium

    data = made.to_pdf(made.columns_docx(tmp_path / "columns.docx"), tmp_path).read_bytes()
    lines = _page_lines(pdfium.PdfDocument(data)[0])
    column_tops = [b for a, b in zip(lines, lines[1:], strict=False) if b.baseline > a.last_baseline + 100]
    assert any(line.text[:1].islower() for line in column_tops), "the columns must cut a sentence"
    blocks = _blocks(read_pdf(data))
    assert [b for b in blocks if b in made.COLUMN_SENTENCES] == list(made.COLUMN_SENTENCES), blocks


def test_the_gap_to_a_line_is_measured_from_where_the_line_before_it_ends() -> None:
    # PDFium can give two lines of a paragraph as one; its last character sits a line lower.
    two_in_one = PdfLine("the first line and, as PDFium joined it, the second", 700.0, 687.0, 11.0)
    after = PdfLine("and the third.", 674.0, 674.0, 11.0)
    assert not new_paragraph(two_in_one, after, step=13.0)
    assert new_paragraph(PdfLine("A paragraph.", 700.0, 700.0, 11.0), after, step=13.0)


def test_each_row_of_a_table_is_a_block_of_its_own_not_run_into_the_sentences_around_it(
    tmp_path: Path,
) -> None:
    # The PDF marks no cells, but a wide gap parts them from each other on the row's line.
    data = made.to_pdf(made.panel_docx(tmp_path / "panel.docx"), tmp_path).read_bytes()
    blocks = _blocks(read_pdf(data))
    assert made.PANEL_INTRO in blocks and made.PANEL_AFTER in blocks, blocks
    for role, name in made.PANEL_ROWS:
        assert f"{role} {name}" in blocks, blocks


def test_a_row_opening_the_next_page_is_not_taken_for_the_rest_of_an_unfinished_paragraph() -> None:
    # Lines as PDFium gives them: a paragraph stops short of a full stop at the foot of page 1;
    # page 2 opens with a table row whose first cell is lower-case.
    first_page = [
        PdfLine("The figures for the year were set out by the", 700.0, 700.0, 11.0),
        PdfLine("council in the table that follows", 687.0, 687.0, 11.0),
    ]
    second_page = [
        PdfLine("children looked after 230", 700.0, 700.0, 11.0, row=True),
        PdfLine("care leavers 41", 687.0, 687.0, 11.0, row=True),
    ]
    blocks = _blocks(lay_out([first_page, second_page], {}, DocumentMeta()))
    assert blocks == [
        "The figures for the year were set out by the council in the table that follows",
        "children looked after 230",
        "care leavers 41",
    ]


def test_a_pdf_without_a_title_in_its_info_is_titled_by_the_largest_text_of_its_first_page() -> None:
    # Lines as PDFium gives them: a title over two lines set large, then body text.
    first_page = [
        PdfLine("Harbour Dues", 760.0, 760.0, 24.0),
        PdfLine("Review 2024", 730.0, 730.0, 24.0),
        PdfLine(
            "The harbour trust sets its dues each spring after hearing the berth holders.", 690.0, 690.0, 11.0
        ),
    ]
    second_page = [PdfLine("Dues rose by two per cent for vessels under twelve metres.", 700.0, 700.0, 11.0)]
    assert lay_out([first_page, second_page], {}, DocumentMeta()).meta.title == "Harbour Dues Review 2024"
    given = DocumentMeta(title="Annual review of harbour dues")
    assert lay_out([first_page, second_page], {}, given).meta.title == "Annual review of harbour dues"
    # Nothing set larger than the body: no title from the layout (the first short line is used later).
    assert lay_out([first_page[2:], second_page], {}, DocumentMeta()).meta.title == ""


def test_a_running_header_naming_each_chapter_and_its_page_is_left_out_of_the_passages() -> None:
    # Lines as PDFium gives them: six pages, each opening "Chapter n: <title> <page>" (each wording
    # on two pages only, so none recurs on most pages), body text below; one page ends with a line
    # that closes on a number that is no page number.
    chapters = ["Moorings", "Moorings", "Dues", "Dues", "Repairs", "Repairs"]
    pages = [
        [
            PdfLine(f"Chapter {index // 2 + 1}: {chapter} {index + 1}", 780.0, 780.0, 9.0),
            PdfLine(
                f"The {chapter.lower()} of the harbour were reviewed on page {index + 1}.", 700.0, 700.0, 11.0
            ),
        ]
        for index, chapter in enumerate(chapters)
    ]
    pages[2].append(PdfLine("Berths counted at the last survey 40", 80.0, 80.0, 11.0))
    extracted = lay_out(pages, {}, DocumentMeta())
    left_out = [extracted.text[a:b] for a, b in extracted.furniture]
    assert left_out == [f"Chapter {i // 2 + 1}: {c} {i + 1}" for i, c in enumerate(chapters)]
    assert "Berths counted at the last survey 40" in _blocks(extracted)
