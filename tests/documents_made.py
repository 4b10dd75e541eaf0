"""Test documents written by real tools: python-docx, LibreOffice headless and pypdfium2.

A report-like .docx (title, numbered headings, a table, a footnote, a running header and a page
number footer) is converted to PDF by LibreOffice, so the PDF has the furniture real reports have.
Each fact sits on a known page: page breaks are explicit.
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import docx
from docx.enum.text import WD_BREAK
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml
from docx.oxml.ns import qn
from docx.shared import Pt

RUNNING_HEADER = "Inspection of Glanrhyd Children's Services"
FOOTER_TEXT = "Care Inspectorate Wales"
FOOTNOTE = "The survey was carried out in the autumn of 2023 by the inspectorate."
PAGE_THREE_FACT = "The council appointed 14 new social workers in the spring of 2024 to fill vacant posts."
TABLE_ROW = ("Children looked after", "2024", "230")
HYPHENATED = ("The inspectors praised the safeguard-", "ing arrangements in every locality team.")
PAGES = 3

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_FOOTNOTES = (
    f'<w:footnotes xmlns:w="{_W}">'
    '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
    '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r>'
    "</w:p></w:footnote>"
    '<w:footnote w:id="1"><w:p><w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr><w:footnoteRef/>'
    f'</w:r><w:r><w:t xml:space="preserve"> {FOOTNOTE}</w:t></w:r></w:p></w:footnote>'
    "</w:footnotes>"
)
_FILLER = (
    "Managers described how the service had changed since the last visit, and staff told us that "
    "supervision was regular and helpful to their practice with families."
)


def report_docx(path: Path) -> Path:
    """A three-page committee report: what each page says is fixed, see the constants above."""
    document = docx.Document()
    document.core_properties.title = "Inspection of Glanrhyd children's services"
    document.core_properties.author = "Care Inspectorate Wales"
    document.core_properties.created = datetime(2024, 5, 20, 9, 0, tzinfo=UTC)
    section = document.sections[0]
    section.header.paragraphs[0].text = RUNNING_HEADER
    _page_number_footer(section.footer.paragraphs[0])

    document.add_heading("1. Summary", level=1)
    document.add_paragraph(
        "This report sets out the findings of the inspection of children's services in Glanrhyd."
    )
    intro = document.add_paragraph(
        "Families told the inspectors that they felt listened to by their social workers."
    )
    _footnote_reference(intro)
    for _ in range(3):
        document.add_paragraph(_FILLER)
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    document.add_heading("2. Performance", level=1)
    document.add_heading("2.1 Figures", level=2)
    document.add_paragraph("The table below gives the counts reported by the council each year.")
    table = document.add_table(rows=1, cols=3)
    for cell, text in zip(table.rows[0].cells, ("Measure", "Year", "Count"), strict=True):
        cell.text = text
    for row in (("Children on the child protection register", "2024", "118"), TABLE_ROW):
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text
    hyphenated = document.add_paragraph(HYPHENATED[0])
    hyphenated.runs[0].add_break(WD_BREAK.LINE)
    hyphenated.add_run(HYPHENATED[1])
    for _ in range(2):
        document.add_paragraph(_FILLER)
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    document.add_heading("3. Leadership", level=1)
    document.add_heading("3.2 Workforce", level=2)
    document.add_paragraph(PAGE_THREE_FACT)
    for _ in range(2):
        document.add_paragraph(_FILLER)
    document.save(str(path))  # python-docx takes a str path, not a Path
    return path


# One sentence long enough to run over a page break: every word after the first is lower-case,
# so the next page opens lower-case wherever the break falls.
RUNNING_ON = (
    "The panel visited "
    + ", and ".join(
        f"the {place} team to hear how the {place} families were helped through the winter"
        for place in ("northern", "southern", "eastern", "western", "upland", "coastal", "market", "border")
        * 3
    )
    + "."
)
CODE_OPENED = (
    "The rules file names the",
    "priority",
    " of each rule, which is fifty unless the rule sets it.",
)


def layout_docx(path: Path) -> Path:
    """Two pages: a sentence that runs from page 1 over the break, a paragraph whose second line
    opens with a word set smaller in a code font, and a last paragraph of page 1 that ends a
    sentence before page 2 opens with its own heading and paragraph."""
    document = docx.Document()
    _page_number_footer(document.sections[0].footer.paragraphs[0])
    code = document.add_paragraph(CODE_OPENED[0])
    code.runs[0].add_break(WD_BREAK.LINE)
    word = code.add_run(CODE_OPENED[1])
    word.font.name = "Liberation Mono"
    word.font.size = Pt(8)
    code.add_run(CODE_OPENED[2])
    for _ in range(9):
        document.add_paragraph(_FILLER)
    document.add_paragraph(RUNNING_ON)
    document.add_paragraph(PAGE_THREE_FACT)
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    document.add_paragraph("families told us the same in every team.")
    document.save(str(path))
    return path


# Two columns of one sentence each, worded so that no line recurs as a running header would.
COLUMN_SENTENCES = tuple(
    f"The {team} reviewers went to the {place} office in {month}, and "
    + ", and ".join(
        f"they heard from the {who} how the {place} {what} had changed over {span}"
        for who in ("managers", "carers", "parents", "teachers", "nurses", "advocates")
        for what, span in (("service", "the year"), ("rota", "the summer"))
    )
    + "."
    for team, place, month in (
        ("first", "northern", "March"),
        ("second", "coastal", "April"),
        ("third", "upland", "May"),
        ("fourth", "border", "June"),
    )
)


def columns_docx(path: Path) -> Path:
    """A page set in two columns, each sentence long enough to run from one column into the next."""
    document = docx.Document()
    section = document.sections[0]._sectPr
    columns = section.find(qn("w:cols"))
    if columns is None:
        columns = section.makeelement(qn("w:cols"), {})
        section.append(columns)
    columns.set(qn("w:num"), "2")
    for sentence in COLUMN_SENTENCES:
        document.add_paragraph(sentence)
    document.save(str(path))
    return path


PANEL_INTRO = "The panel's members are listed below."
PANEL_ROWS = (
    ("Chair", "Dr Miriam Okafor, a retired auditor"),
    ("Treasurer", "Alan Price of Kingsbridge"),
    ("Secretary", "Nia Rowlands"),
)
PANEL_AFTER = "The panel met six times in 2024."


def panel_docx(path: Path) -> Path:
    """A sentence, a two-column table of roles and names with no borders, then a sentence: in the
    PDF the rows sit as close together as the lines of a paragraph."""
    document = docx.Document()
    document.add_paragraph(PANEL_INTRO)
    table = document.add_table(rows=len(PANEL_ROWS), cols=2)
    for row, (role, name) in zip(table.rows, PANEL_ROWS, strict=True):
        row.cells[0].text = role
        row.cells[1].text = name
    document.add_paragraph(PANEL_AFTER)
    document.save(str(path))
    return path


def _page_number_footer(paragraph: docx.text.paragraph.Paragraph) -> None:
    """ "Care Inspectorate Wales   Page N" with N a PAGE field, as Word's page-number footers are."""
    paragraph.add_run(f"{FOOTER_TEXT}   Page ")
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            field = run._r.makeelement(qn("w:fldChar"), {qn("w:fldCharType"): kind})
            run._r.append(field)
        else:
            tag = "w:instrText" if text == " PAGE " else "w:t"
            element = run._r.makeelement(qn(tag), {})
            element.text = text
            run._r.append(element)


def _footnote_reference(paragraph: docx.text.paragraph.Paragraph) -> None:
    """Add footnote 1 to the document and its reference mark to `paragraph` (python-docx has no API)."""
    package_part = paragraph.part
    content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
    part = Part(PackURI("/word/footnotes.xml"), content_type, _FOOTNOTES.encode(), package_part.package)
    package_part.relate_to(part, RELATIONSHIP_TYPE.FOOTNOTES)
    paragraph._p.append(
        parse_xml(
            f'<w:r xmlns:w="{_W}"><w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
            '<w:footnoteReference w:id="1"/></w:r>'
        )
    )


def scanned_pdf(source: Path, path: Path) -> Path:
    """`source` without its first page and with a last page that is only an image, as a scanned
    page is (made with PDFium): pages 1 and 2 have text, page 3 none."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(source)
    pdf.del_page(0)
    page = pdf.new_page(595, 842)
    bitmap = pdfium.PdfBitmap.new_native(64, 64, pdfium.raw.FPDFBitmap_BGR)
    bitmap.fill_rect((90, 90, 90, 255), 0, 0, 64, 64)
    image = pdfium.PdfImage.new(pdf)
    image.set_bitmap(bitmap)
    image.set_matrix(pdfium.PdfMatrix().scale(400, 400).translate(90, 200))
    page.insert_obj(image)
    page.gen_content()
    pdf.save(path)
    pdf.close()
    return path


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_pdf(docx_path: Path, out_dir: Path) -> Path:
    """Convert with LibreOffice headless, in its own profile folder so parallel runs do not clash."""
    binary = soffice()
    assert binary, "LibreOffice is missing: run `make libreoffice` (make test installs it)"
    profile = out_dir / "lo-profile"
    subprocess.run(
        [
            binary,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out_dir),
            str(docx_path),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return out_dir / (docx_path.stem + ".pdf")
