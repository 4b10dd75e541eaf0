"""An answer as a briefing note: Markdown to paste, or a Word document to download.

Both carry the question, the answer and every quote in quotation marks with its title,
publisher, date and file name, so a reader can find each quote in its source.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from assistant.answers import Answer
from ingest.documents import Document


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
                file=c.source,
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
