"""An answer as a briefing note: Markdown to paste, or a Word document to download.

Both carry the question, the answer and every quote in quotation marks with its title,
publisher, date and file name, so a reader can find each quote in its source. A whole
conversation's briefing also carries each citation's sign-off (checked, not checked, wrong)
and leaves out any quote that is no longer an exact slice of its document.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.core.answers import Answer, Citation
from assistant.web import generative as web_generative
from ingest.documents import Document

if TYPE_CHECKING:
    from assistant.web.conversation import Turn


@dataclass(frozen=True)
class SourceLine:
    n: int
    quote: str
    title: str
    publisher: str
    date: str
    file: str

    def reference(self) -> str:
        parts = [self.title, self.publisher, self.date, self.file]
        return ", ".join(p for p in parts if p)


def source_lines(answer: Answer, documents: Mapping[str, Document]) -> list[SourceLine]:
    lines = []
    for c in answer.citations:
        document = documents.get(c.source)
        meta = document.meta if document else None
        lines.append(
            SourceLine(
                n=c.n,
                quote=" ".join(c.quote.split()),
                title=document.title if document else c.title,
                publisher=meta.publisher if meta else "",
                date=meta.date if meta else "",
                file=f"{c.source}, page {c.page}" if c.page else c.source,
            )
        )
    return lines


def to_markdown(answer: Answer, documents: Mapping[str, Document]) -> str:
    out = [f"**Question:** {answer.question}", "", f"**Answer:** {answer.text}"]
    if answer.query != answer.question:
        out += ["", f"*Searched for: {answer.query}*"]
    lines = source_lines(answer, documents)
    if lines:
        out += ["", "**Sources**" if answer.answered else "**Nearest passages**", ""]
        out += [f"{s.n}. “{s.quote}” — {s.reference()}" for s in lines]
    return "\n".join(out) + "\n"


def write_docx(answer: Answer, documents: Mapping[str, Document], path: Path) -> Path:
    from docx import Document as WordDocument

    word = WordDocument()
    word.add_heading("Briefing note", level=1)
    p = word.add_paragraph()
    p.add_run("Question: ").bold = True
    p.add_run(answer.question)
    p = word.add_paragraph()
    p.add_run("Answer: ").bold = True
    p.add_run(answer.text)
    if answer.query != answer.question:
        word.add_paragraph().add_run(f"Searched for: {answer.query}").italic = True
    lines = source_lines(answer, documents)
    if lines:
        word.add_heading("Sources" if answer.answered else "Nearest passages", level=2)
        for s in lines:
            p = word.add_paragraph(style="List Number")
            p.add_run(f"“{s.quote}”")
            p.add_run(f" — {s.reference()}").italic = True
    path.parent.mkdir(parents=True, exist_ok=True)
    word.save(str(path))
    return path


# --- a whole conversation, with each citation's sign-off -------------------------------------

MARK_WORDS = {"checked": "checked", "wrong": "wrong", "": "not checked"}


def reference(citation: Citation, document: Document | None) -> str:
    """Where a quote is from: title, publisher, date, file and, for a paged document, the page.
    Example: "Inspection report, Powys County Council, 2017-10-17, 002.txt, page 3"."""
    meta = document.meta if document else None
    page = citation.page  # documents with pages (PDF) carry it
    parts = [
        document.title if document else citation.title,
        meta.publisher if meta else "",
        meta.date if meta else "",
        citation.source,
        f"page {page}" if page else "",
    ]
    return ", ".join(p for p in parts if p)


def citation_text(citation: Citation, document: Document | None) -> str:
    """A citation to paste: the quote in quotation marks, then its reference."""
    return f"“{' '.join(citation.quote.split())}” — {reference(citation, document)}"


def is_exact(citation: Citation, documents: Mapping[str, Document]) -> bool:
    """Whether the quote is still an exact slice of its document (checked again for every briefing)."""
    document = documents.get(citation.source)
    return document is not None and document.text[citation.start : citation.end] == citation.quote


@dataclass(frozen=True)
class BriefingItem:
    """One question of a conversation as the briefing shows it."""

    question: str
    answer: str
    citations: list[tuple[Citation, str, bool]]  # (citation, mark, still an exact slice)
    error: str = ""
    mode: str = ""  # which mode produced the answer, in words ("" without the chat's switch)


def conversation_items(
    turns: Sequence[Turn], documents: Mapping[str, Document], called: str
) -> list[BriefingItem]:
    items = []
    for t in turns:
        if t.answer is None:
            items.append(BriefingItem(t.question, "", [], t.error))
            continue
        cited = [(c, t.marks.get(c.n, ""), is_exact(c, documents)) for c in t.answer.citations]
        items.append(BriefingItem(t.question, t.answer.text, cited, mode=_mode_line(t, called)))
    return items


def _mode_line(turn: Turn, called: str) -> str:
    """Which mode produced the answer, and how many of the model's sentences were removed.
    Example: "Written by the model, every sentence checked against its quote; 1 sentence removed
    as unsupported." """
    words = web_generative.mode_words(turn.mode, called, turn.fallback_reason)
    if not words:
        return ""
    count = len(turn.removed)
    removed = f"; {count} sentence{'s' if count != 1 else ''} removed as unsupported" if count else ""
    return f"{words.rstrip('.')}{removed}."


def _made_line(made: dt.date) -> str:
    return (
        f"Briefing made on {made.isoformat()}. Each citation is marked checked, not checked or "
        "wrong by the officer who made it."
    )


MISSING = "(quote left out: it no longer matches its source document)"


def conversation_markdown(
    turns: Sequence[Turn], documents: Mapping[str, Document], called: str, made: dt.date | None = None
) -> str:
    """Every question, answer and citation of a conversation, each citation with its mark; a
    quote that is not an exact slice of its document is left out, never shown. `called`: what
    the settings call the documents ("Quoted from the reports")."""
    made = made or dt.date.today()
    out = ["# Briefing", "", _made_line(made)]
    for i, item in enumerate(conversation_items(turns, documents, called), 1):
        out += ["", f"## {i}. {item.question}", ""]
        if item.error:
            out.append(f"*Not answered: {item.error}*")
            continue
        out.append(f"**Answer:** {item.answer}")
        if item.mode:
            out += ["", f"*{item.mode}*"]
        if item.citations:
            out.append("")
            for c, mark, exact in item.citations:
                quote = f"“{' '.join(c.quote.split())}”" if exact else MISSING
                document = documents.get(c.source)
                out.append(f"- [{c.n}] **{MARK_WORDS[mark]}** — {quote} — {reference(c, document)}")
    return "\n".join(out) + "\n"


def write_conversation_docx(
    turns: Sequence[Turn],
    documents: Mapping[str, Document],
    path: Path,
    called: str,
    made: dt.date | None = None,
) -> Path:
    """The same briefing as a Word document."""
    from docx import Document as WordDocument

    made = made or dt.date.today()
    word = WordDocument()
    word.add_heading("Briefing", level=1)
    word.add_paragraph(_made_line(made))
    for i, item in enumerate(conversation_items(turns, documents, called), 1):
        word.add_heading(f"{i}. {item.question}", level=2)
        if item.error:
            word.add_paragraph().add_run(f"Not answered: {item.error}").italic = True
            continue
        p = word.add_paragraph()
        p.add_run("Answer: ").bold = True
        p.add_run(item.answer)
        if item.mode:
            word.add_paragraph().add_run(item.mode).italic = True
        for c, mark, exact in item.citations:
            p = word.add_paragraph(style="List Bullet")
            p.add_run(f"[{c.n}] ")
            p.add_run(MARK_WORDS[mark]).bold = True
            p.add_run(" — " + (f"“{' '.join(c.quote.split())}”" if exact else MISSING))
            p.add_run(f" — {reference(c, documents.get(c.source))}").italic = True
    path.parent.mkdir(parents=True, exist_ok=True)
    word.save(str(path))
    return path
