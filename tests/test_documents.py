"""Real report documents end to end: a .docx written by python-docx, the PDF LibreOffice makes of
it (running header, page-number footer), a web page with its chrome, and a scanned-like PDF,
ingested into a real index and asked about with the real assistant."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from assistant.core.filters import Filters
from assistant.core.readers import Readers
from assistant.core.service import Assistant, create_assistant
from assistant.core.settings import Settings
from ingest.embedder import Embedder
from ingest.pipeline import IngestSummary
from ingest.store import documents_collection, open_client, passages_collection
from tests import documents_made as made
from tests.conftest import ingest_folder

pytestmark = [
    pytest.mark.skipif(made.soffice() is None, reason="LibreOffice missing: make libreoffice"),
    pytest.mark.subprocess,  # LibreOffice makes the PDF
]

PAGE = Path(__file__).parent / "data" / "documents_page.html"


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> tuple[Path, IngestSummary]:
    """The corpus of made documents (no manifest: metadata comes from the files), ingested once."""
    root = tmp_path_factory.mktemp("reports")
    corpus = root / "corpus"
    corpus.mkdir()
    work = root / "work"
    work.mkdir()
    docx_path = made.report_docx(work / "committee-paper.docx")
    made.to_pdf(docx_path, work).rename(corpus / "inspection.pdf")
    docx_path.rename(corpus / "committee-paper.docx")
    (corpus / "fostering.html").write_bytes(PAGE.read_bytes())
    made.scanned_pdf(corpus / "inspection.pdf", corpus / "scanned.pdf")
    summary = ingest_folder(corpus, root / "index", embedder)
    return root, summary


@pytest.fixture(scope="module")
def reports_assistant(reports: tuple[Path, IngestSummary], readers: Readers) -> Assistant:
    root, _ = reports
    return create_assistant(
        Settings(index={"corpus_dir": root / "corpus", "index_dir": root / "index"}), readers
    )


def _passages(root: Path, document: str) -> list[tuple[str, Mapping[str, Any]]]:
    records = passages_collection(open_client(root / "index")).get(
        where={"document_id": document}, include=["documents", "metadatas"]
    )
    assert records["documents"] is not None and records["metadatas"] is not None
    return list(zip(records["documents"], records["metadatas"], strict=True))


def _text(root: Path, document: str) -> str:
    texts = documents_collection(open_client(root / "index")).get(ids=[document])["documents"]
    assert texts is not None
    return texts[0]


def test_a_fact_on_page_3_of_the_pdf_is_cited_with_page_3_and_an_exact_quote(
    reports_assistant: Assistant, reports: tuple[Path, IngestSummary]
) -> None:
    # The same sentence is in the .docx and the scanned copy too: asked of the PDF, as the chat's
    # document filter does (unfiltered, three equal candidates make the answerer refuse).
    only_pdf = Filters(documents=("inspection.pdf",))
    answer = reports_assistant.ask("How many new social workers did the council appoint?", filters=only_pdf)
    [citation] = answer.citations
    assert answer.answered and citation.quote == made.PAGE_THREE_FACT
    assert citation.page == 3
    assert citation.section == "3. Leadership › 3.2 Workforce"
    text = _text(reports[0], "inspection.pdf")
    assert text[citation.start : citation.end] == citation.quote
    shown = answer.to_dict()["citations"]
    assert {"page": 3, "section": "3. Leadership › 3.2 Workforce"}.items() <= shown[0].items()
    json.dumps(shown)  # what `ask --json` prints


def test_no_running_header_or_footer_is_in_any_passage_of_the_pdf(
    reports: tuple[Path, IngestSummary],
) -> None:
    root, _ = reports
    passages = _passages(root, "inspection.pdf")
    text = _text(root, "inspection.pdf")
    assert text.count(made.RUNNING_HEADER) == made.PAGES  # kept in the text, by span out of passages
    for passage, meta in passages:
        assert made.RUNNING_HEADER not in passage and made.FOOTER_TEXT not in passage
        assert text[meta["start"] : meta["end"]] == passage
    assert {meta["page"] for _, meta in passages} == {1, 2, 3}
    by_page = {meta["page"]: passage for passage, meta in passages if made.PAGE_THREE_FACT[:30] in passage}
    assert list(by_page) == [3]


def test_a_word_hyphenated_across_a_line_end_is_found_whole(
    reports: tuple[Path, IngestSummary], reports_assistant: Assistant
) -> None:
    passages = [p for p, _ in _passages(reports[0], "inspection.pdf")]
    assert any("praised the safeguarding arrangements" in p for p in passages), passages
    answer = reports_assistant.ask("Which safeguarding arrangements did the inspectors praise?")
    assert any(p.source == "inspection.pdf" and "safeguarding" in p.text for p in answer.passages)


def test_a_figure_only_in_a_docx_table_is_answered_citing_its_row(reports_assistant: Assistant) -> None:
    # The PDF made from it has the figure too, without the cells: asked of the .docx alone.
    only_docx = Filters(documents=("committee-paper.docx",))
    answer = reports_assistant.ask("How many children were looked after in 2024?", filters=only_docx)
    assert answer.answered, answer.text
    assert [c.quote for c in answer.citations] == [" | ".join(made.TABLE_ROW)]
    assert answer.short_answer == "230"


def test_docx_headings_and_footnotes_are_kept(reports: tuple[Path, IngestSummary]) -> None:
    passages = _passages(reports[0], "committee-paper.docx")
    sections = {meta["section"] for _, meta in passages}
    assert {"1. Summary", "2. Performance › 2.1 Figures", "3. Leadership › 3.2 Workforce"} <= sections
    assert not any(passage in ("1. Summary", "2.1 Figures") for passage, _ in passages)
    footnote = [(p, m) for p, m in passages if made.FOOTNOTE in p]
    assert footnote and footnote[0][1]["section"] == "Footnotes"
    assert all(meta["page"] == 0 for _, meta in passages)  # a .docx has no fixed pages


def test_a_web_page_keeps_its_content_and_structure_without_its_chrome(
    reports: tuple[Path, IngestSummary],
) -> None:
    passages = _passages(reports[0], "fostering.html")
    texts = [p for p, _ in passages]
    joined = "\n".join(texts)
    for chrome in ("cookies", "Adult social care", "Residents, business", "Related news", "All rights"):
        assert chrome not in joined
    assert "Foster carers approved | 2023 | 12" in texts  # one table row, one line
    sections = {p: m["section"] for p, m in passages}
    kinship = next(p for p in texts if p.startswith("Care of a child by a relative"))
    assert sections[kinship] == "Fostering update for 2024 › Terms used › Kinship care"  # dd under its dt
    assert any(p.startswith("Short breaks for foster families") for p in texts)  # dd kept apart


def test_metadata_comes_from_the_files_when_the_manifest_does_not_list_them(
    reports: tuple[Path, IngestSummary],
) -> None:
    records = documents_collection(open_client(reports[0] / "index")).get(include=["metadatas"])
    assert records["metadatas"] is not None
    meta = dict(zip(records["ids"], records["metadatas"], strict=True))
    assert meta["fostering.html"]["title"] == "Fostering update for 2024"
    assert meta["fostering.html"]["date"] == "2024-03-14"
    assert meta["fostering.html"]["publisher"] == "Glanrhyd County Council"
    assert meta["committee-paper.docx"]["title"] == "Inspection of Glanrhyd children's services"
    assert meta["committee-paper.docx"]["date"] == "2024-05-20"
    assert meta["committee-paper.docx"]["publisher"] == "Care Inspectorate Wales"
    assert meta["inspection.pdf"]["title"] == "Inspection of Glanrhyd children's services"
    assert meta["inspection.pdf"]["publisher"] == "Care Inspectorate Wales"


def test_a_scanned_page_is_reported_not_silently_empty(reports: tuple[Path, IngestSummary]) -> None:
    root, summary = reports
    assert "scanned.pdf" in summary.embedded_files
    assert any(
        note.startswith("scanned.pdf: page 3 has no text layer") for note in summary.decoded_notes()
    ), summary.decoded_notes()
    assert {meta["page"] for _, meta in _passages(root, "scanned.pdf")} == {1, 2}
