"""Work and memory per corpus file stay bounded: decompression bombs, huge files, progress.

The bomb is a real 5 MB .docx whose word/document.xml inflates to 5 GB of well-formed XML (a
paragraph, then 5 GB of the blank space XML allows between elements). Deflating 5 GB would take
minutes, so one 1 MiB block of spaces is deflated once, flushed so that its compressed bytes
repeat exactly, and written ~4,800 times behind a hand-written ZIP64 header (sizes and CRC-32 are
the true ones). The same builder at three blocks makes a .docx python-docx reads, which shows the
bomb is a genuine package and not a forged header.
"""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path

import pytest
from click.testing import Result

from assistant.core.settings import Settings
from assistant.core.settings.paths import PROJECT_ROOT
from ingest.embedder import Embedder
from ingest.loaders import load_text
from ingest.store import open_client, passages_collection
from tests.conftest import CORPUS, ingest_folder, run_cli

BOMB_BYTES = 5_000_000_000
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_HEAD = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="{_W}"><w:body>'
    "<w:p><w:r><w:t>The council met.</w:t></w:r></w:p>"
)
_TAIL = "</w:body></w:document>"
_BLANK_MIB = b" " * (1 << 20)
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="word/document.xml" Type="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships/officeDocument"/></Relationships>'
)


Deflated = tuple[list[tuple[bytes, int]], int, int]  # ([(piece, times to write it)], CRC-32, size)


def _deflated(parts: list[tuple[bytes, int]]) -> Deflated:
    """Raw deflate of each (data, times) in turn: `data` is compressed once, its output repeated.

    A full flush after each part resets the compressor, so the same input compresses to the same
    bytes every time, and the pieces written `times` over inflate to `data` `times` over.
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    pieces: list[tuple[bytes, int]] = []
    crc = size = 0
    for data, times in parts:
        pieces.append((compressor.compress(data) + compressor.flush(zlib.Z_FULL_FLUSH), times))
        for _ in range(times):
            crc = zlib.crc32(data, crc)
        size += len(data) * times
    pieces.append((compressor.flush(), 1))
    return pieces, crc, size


def _docx(path: Path, blocks: int) -> int:
    """A .docx whose document.xml holds one paragraph and `blocks` MiB of spaces; returns its size."""
    document = _deflated([(_HEAD.encode(), 1), (_BLANK_MIB, blocks), (_TAIL.encode(), 1)])
    _write_zip64(
        path,
        {
            "[Content_Types].xml": _deflated([(_CONTENT_TYPES.encode(), 1)]),
            "_rels/.rels": _deflated([(_RELS.encode(), 1)]),
            "word/document.xml": document,
        },
    )
    return document[2]


def _write_zip64(path: Path, entries: dict[str, Deflated]) -> None:
    """A ZIP of deflated entries, every size in a ZIP64 extra field (as zipfile reads them)."""
    central = b""
    with path.open("wb") as out:
        for name, (pieces, crc, size) in entries.items():
            offset = out.tell()
            compressed = sum(len(piece) * times for piece, times in pieces)
            extra = struct.pack("<HHQQ", 1, 16, size, compressed)
            fields = (45, 0, 8, 0, 0x21, crc, 0xFFFFFFFF, 0xFFFFFFFF, len(name), len(extra))
            out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields) + name.encode() + extra)
            for piece, times in pieces:
                for _ in range(times):
                    out.write(piece)
            central += struct.pack("<IH", 0x02014B50, 45) + struct.pack("<HHHHHIIIHH", *fields)
            central += struct.pack("<HHHII", 0, 0, 0, 0, offset) + name.encode() + extra
        start = out.tell()
        out.write(central)
        out.write(
            struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central), start, 0)
        )


def test_the_bomb_builder_makes_a_real_docx(tmp_path: Path) -> None:
    path = tmp_path / "small.docx"
    inflated = _docx(path, blocks=3)
    with zipfile.ZipFile(path) as package:
        assert len(package.read("word/document.xml")) == inflated  # CRC-32 checked by zipfile
    text, encoding = load_text(path, path.read_bytes())
    assert (text, encoding) == ("The council met.", "docx")


_MEASURE = """
import json, resource, sys, time
from pathlib import Path
resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))  # a regression fails, it does not swap
import docx  # imported before measuring: only the load counts
from ingest.loaders import LoadError, load_text
path = Path(sys.argv[1])
data = path.read_bytes()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
try:
    load_text(path, data)
    reason = None
except LoadError as error:
    reason = str(error)
seconds = time.perf_counter() - started
growth_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
print(json.dumps({"reason": reason, "seconds": seconds, "growth_mb": growth_kb / 1024}))
"""


@pytest.mark.subprocess  # the load is measured in a fresh process, under a 2 GB address-space limit
def test_a_docx_inflating_to_5_gb_is_refused_unopened_in_flat_memory(tmp_path: Path) -> None:
    path = tmp_path / "bomb.docx"
    inflated = _docx(path, blocks=BOMB_BYTES // (1 << 20) + 1)
    assert inflated > BOMB_BYTES and path.stat().st_size < 10_000_000  # a 5 MB file, 5 GB inside
    with zipfile.ZipFile(path) as package, package.open("word/document.xml") as document:
        start = document.read(3 << 20)  # it genuinely inflates, here to its first 3 MiB
    assert start == (_HEAD.encode() + _BLANK_MIB * 3)[: 3 << 20]

    result = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path)],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    measured = json.loads(result.stdout)
    reason = measured["reason"] or ""
    assert "ASSISTANT_MAX_INFLATED_BYTES" in reason and "decompression bomb" in reason, measured
    assert "word/document.xml alone to 5.0 GB" in reason
    assert measured["seconds"] < 1.0, measured
    assert measured["growth_mb"] < 50, measured  # the 5 MB file is read; nothing is inflated
    assert Settings().ingest.max_inflated_bytes == 100_000_000


def _run(*args: str, env: dict[str, str]) -> Result:
    return run_cli(*args, env=env)


def test_a_file_over_the_passage_cap_is_skipped_and_the_reason_names_the_setting(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    sentences = " ".join(f"Sentence number {i} says that the council met again." for i in range(30))
    (corpus / "long.md").write_text(sentences + "\n", encoding="utf-8")
    result = _run("ingest", "--corpus", str(corpus), "--json", env={"ASSISTANT_MAX_PASSAGES_PER_FILE": "10"})
    assert result.exit_code == 3, result.stderr
    [skipped] = json.loads(result.stdout)["skipped"]
    assert skipped["name"] == "long.md"
    assert "more than 10" in skipped["reason"] and "ASSISTANT_MAX_PASSAGES_PER_FILE" in skipped["reason"]
    assert Settings().ingest.max_passages_per_file == 20_000


def _text_pdf(path: Path, pages: list[str]) -> None:
    from pypdf import PdfWriter
    from pypdf.generic import ContentStream, DictionaryObject, NameObject

    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    writer = PdfWriter()
    for text in pages:
        page = writer.add_blank_page(width=612, height=792)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
        )
        content = ContentStream(None, writer)
        content.set_data(f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode())
        page.replace_contents(content)
    with path.open("wb") as out:
        writer.write(out)


def test_long_files_show_progress_on_stderr_even_with_json(tmp_path: Path) -> None:
    """`ASSISTANT_PROGRESS_INTERVAL_S=0` makes every file "long", so a small corpus shows each step."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    _text_pdf(
        corpus / "minutes.pdf", [f"Page {n} records that the scrutiny committee met." for n in (1, 2, 3)]
    )
    (corpus / "notes.md").write_text(
        "\n".join(f"Note {i} records that the fostering panel met again." for i in range(300)) + "\n",
        encoding="utf-8",
    )
    env = {"ASSISTANT_PROGRESS_INTERVAL_S": "0", "ASSISTANT_EMBED_GROUP_SIZE": "100"}
    result = _run("ingest", "--corpus", str(corpus), "--json", env=env)
    assert result.exit_code == 0, result.stderr
    assert sorted(json.loads(result.stdout)["embedded_files"]) == ["minutes.pdf", "notes.md"]
    lines = result.stderr.splitlines()
    for expected in (
        "reading minutes.pdf: 1 of 3 pages",
        "reading minutes.pdf: 3 of 3 pages",
        "embedding notes.md: 100 of 300 passages",
        "embedding notes.md: 300 of 300 passages",
    ):
        assert expected in lines, result.stderr
    assert any(line.startswith("splitting notes.md: ") and line.endswith(" characters") for line in lines)

    quiet = _run("ingest", "--corpus", str(corpus), "--json", "--quiet", env=env)
    assert quiet.exit_code == 0 and quiet.stderr == "", quiet.stderr


@pytest.mark.slow
def test_a_million_line_markdown_file_is_handled_within_a_minute(tmp_path: Path, embedder: Embedder) -> None:
    """The issue's case: 15 MB, one million short lines, each its own passage. It is refused by the
    passage cap after splitting 20,001 of them, not embedded for two hours; the other file goes in."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    with (corpus / "log.md").open("w", encoding="utf-8") as out:
        out.writelines(f"Entry {i} ok.\n" for i in range(1_000_000))
    assert 14_000_000 < (corpus / "log.md").stat().st_size < 20_000_000
    (corpus / "keep.txt").write_bytes((CORPUS / "001_2ecfe923766d58f8.txt").read_bytes())

    started = time.perf_counter()
    summary = ingest_folder(corpus, tmp_path / "index", embedder)
    seconds = time.perf_counter() - started

    assert seconds < 60, seconds
    reasons = {s.name: s.reason for s in summary.skipped}
    assert "more than 20,000" in reasons["log.md"] and "ASSISTANT_MAX_PASSAGES_PER_FILE" in reasons["log.md"]
    assert summary.embedded_files == ["keep.txt"]
    metadatas = passages_collection(open_client(tmp_path / "index")).get()["metadatas"]
    assert metadatas is not None
    ids = {m["document_id"] for m in metadatas}
    assert ids == {"keep.txt"}
