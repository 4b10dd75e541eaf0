"""The index's schema: collection names, metadata fields, ids and the HNSW configuration.

Both sides use this module: ingest writes through it, the assistant reads through it, so
neither has to guess what the other stored. Ids are derived from content, which makes
re-ingesting an unchanged corpus a no-op.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from ingest.documents import Document, DocumentMeta, Passage

PASSAGES = "passages"
DOCUMENTS = "documents"

# Bump when loading, cleaning or splitting changes what passages a file yields: every
# file's fingerprint changes with it, so the next ingest rebuilds them all.
# "2": document records list the ids of their passages (see `live_passage_ids`).
# "3": UTF-8 with stray bytes kept as U+FFFD (not read as Windows-1252); NUL checked in the whole file.
# "4": PDFs read per page by PDFium (running headers and footers left out), DOCX tables and
#      footnotes, web pages through trafilatura; passages carry their page and heading path,
#      and headings are context rather than passages.
PIPELINE_VERSION = "17"
# 5: the lines of hard-wrapped plain text are joined into paragraphs before splitting (`unwrap`).
# 6: a PDF paragraph cut by a page break, or by a line opening with a smaller word, is one again;
#    Markdown is read as the page it renders to, not as plain text; a web page's <br> is a space.
# 7: Word paragraphs read as Word shows them: content controls and tracked insertions included;
#    Markdown front matter is metadata, not text.
# 8: plain text saved from a terminal is read without its bold, colour and underline codes.
# 9: a contents line ("6.2 Cat pages ........ 21") is furniture in any format, not a passage.
# 10: no line of a Markdown file is taken for page chrome ("- red", "Users log in with ..."), and
#     its title is its top heading only when that is a "#" heading or its first line.
# 11: nor any line of a Word file's body (its running headers and footers are never read).
# 12: a web page's text written straight beside its blocks (no <p>) is kept as paragraphs.
# 13: a PDF whose info names no title is titled by its first page's largest text.
# 14: a line opening "-c", "--quiet" or "*args" keeps its first character (a bullet has a space after).
# 15: a PDF's running header that names the chapter and carries the page number is furniture.
# 16: an indented bullet ("   * Berths ...") is trimmed like one at the start of its line.
# 17: plain text: a line underlined with "=" or "-" is a heading (the first one its title), and
#     the underline no passage nor joined to the line after it.
# Document records also describe their passages (`passage_spans`), so a reader builds every
# passage from its document's text without reading the passages' own metadata; records written
# before that are read the old way (`passages_from_record` gives None).

# Cosine space for normalised MiniLM vectors. ef_search well above top-k keeps the
# approximate search identical to brute force on corpora of this size (see the bench).
HNSW_CONFIGURATION: dict[str, Any] = {
    "hnsw": {"space": "cosine", "ef_construction": 200, "ef_search": 200, "max_neighbors": 32}
}

# The documents collection stores texts and metadata only; Chroma still wants a vector.
PLACEHOLDER_VECTOR = [1.0]


def passage_id(passage: Passage) -> str:
    """Stable id from the passage's document, span and text.

    Example: ("a.txt", 0, 5, "Hello") -> "3f0c..." the same on every run.
    """
    key = f"{passage.document_id}\x00{passage.start}\x00{passage.end}\x00{passage.text}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def fingerprint(data: bytes, meta: DocumentMeta, model_name: str) -> str:
    """What a document's passages depend on: its bytes, its metadata, the pipeline and the model."""
    digest = hashlib.sha256(data)
    digest.update(json.dumps(meta.__dict__, sort_keys=True).encode("utf-8"))
    digest.update(f"\x00{PIPELINE_VERSION}\x00{model_name}".encode())
    return digest.hexdigest()


def source_key(data: bytes, given: DocumentMeta | None, model_name: str, limits: tuple[int, ...]) -> str:
    """What reading a file depends on, known before it is read: its bytes, its manifest entry, the
    pipeline, the model and the per-file limits. Equal keys mean the file would be read to the same
    passages (or refused the same way): the ingest does not read it again."""
    digest = hashlib.sha256(data)
    digest.update(json.dumps(given.__dict__ if given else None, sort_keys=True).encode("utf-8"))
    digest.update(f"\x00{PIPELINE_VERSION}\x00{model_name}\x00{limits}".encode())
    return digest.hexdigest()


def passage_metadata(passage: Passage, position: int, document_fingerprint: str) -> dict[str, Any]:
    return {
        "document_id": passage.document_id,
        "start": passage.start,
        "end": passage.end,
        "position": position,
        "fingerprint": document_fingerprint,
        "page": passage.page,
        "section": passage.section,
    }


def passage_from_record(text: str, metadata: dict[str, Any]) -> Passage:
    return Passage(
        str(metadata["document_id"]),
        int(metadata["start"]),
        int(metadata["end"]),
        text,
        int(metadata.get("page", 0) or 0),
        str(metadata.get("section", "") or ""),
    )


def document_metadata(
    document: Document,
    document_fingerprint: str,
    passage_ids: list[str],
    passages: list[Passage],
    source: str,
    text_digest: str,
    vectors_digest: str = "",
) -> dict[str, Any]:
    """The document record; writing it is what makes exactly `passage_ids` (the ids of
    `passages`, in order) the live passages. `source` (`source_key`) and `text_digest` let the
    next ingest tell the file unchanged without reading it; `vectors_digest` names the file of
    its passages' vectors (`ingest.vector_files`; "" when none was written)."""
    return {
        "title": document.meta.title,
        "publisher": document.meta.publisher,
        "date": document.meta.date,
        "kind": document.meta.kind,
        "encoding": document.encoding,
        "fingerprint": document_fingerprint,
        "passages": len(passage_ids),
        "passage_ids": ",".join(passage_ids),
        "page_starts": ",".join(str(start) for start in document.pages),
        "passage_spans": _spans_json(passages),
        "source": source,
        "text_digest": text_digest,
        "vectors_digest": vectors_digest,
    }


def _spans_json(passages: list[Passage]) -> str:
    """Each passage's start, end, page and heading path (an index into the distinct paths), as
    compact JSON: about 20 bytes a passage."""
    sections: dict[str, int] = {}
    rows = [[p.start, p.end, p.page, sections.setdefault(p.section, len(sections))] for p in passages]
    return json.dumps({"sections": list(sections), "rows": rows}, separators=(",", ":"))


def passages_from_record(document: Document, metadata: dict[str, Any]) -> list[Passage] | None:
    """The document's passages in order, sliced from its text as the record describes them; None
    for a record written before records described their passages."""
    raw = metadata.get("passage_spans")
    if not isinstance(raw, str):
        return None
    spans = json.loads(raw)
    sections: list[str] = spans["sections"]
    return [
        Passage(document.id, start, end, document.text[start:end], page, sections[section])
        for start, end, page, section in spans["rows"]
    ]


def live_passage_ids(metadata: dict[str, Any]) -> frozenset[str] | None:
    """The passages a document record vouches for; None for records older than PIPELINE_VERSION 2.

    Passage ids are content-derived, so an unchanged sentence keeps its id across versions of a
    file: membership in this set, not the passage's own fingerprint, says which version it is live
    in. One record write therefore switches a document from its old passages to its new ones.
    """
    raw = metadata.get("passage_ids")
    if not isinstance(raw, str):
        return None
    return frozenset(raw.split(",")) if raw else frozenset()


def document_from_record(document_id: str, text: str, metadata: dict[str, Any]) -> Document:
    meta = DocumentMeta(
        title=str(metadata.get("title", "")),
        publisher=str(metadata.get("publisher", "")),
        date=str(metadata.get("date", "")),
        kind=str(metadata.get("kind", "")),
    )
    raw_pages = str(metadata.get("page_starts", "") or "")
    pages = tuple(int(start) for start in raw_pages.split(",")) if raw_pages else ()
    return Document(document_id, text, meta, str(metadata.get("encoding", "utf-8")), pages)
