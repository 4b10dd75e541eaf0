"""Bad corpus files: each is reported in one line with its reason, nothing crashes, good files go in.

The main test runs `assistant ingest` (through click's CliRunner, in this process) over a copy of
the corpus with every kind of bad file added, then checks the JSON summary, the human output, the
exit status (3) and that the index answers afterwards. Cases that need control over the run (a
file vanishing between scan and read; an unreadable file when the tests run as root) are
simulated with monkeypatch and say so.
"""

from __future__ import annotations

import json
import os
import random
import shutil
from pathlib import Path

import pytest
from click.testing import Result

from assistant.core.service import create_assistant
from assistant.core.settings import Settings
from ingest import pipeline, scanning
from ingest.embedder import Embedder
from ingest.store import open_client, passages_collection
from tests.conftest import CORPUS, ingest_folder, run_cli

LIMIT = 400_000  # small size limit for the test; the default (20 MB) is checked separately
CP1252_TEXT = (
    "Foster care budget update\r\n\r\n"
    "Powys County Council agreed to spend £1.2 million on recruiting new foster carers in 2024.\r\n\r\n"
    "The fostering team said the money would pay for training and support – and for respite.\r\n"
)
UTF16_TEXT = (
    "Out of county placements review\n\n"
    "The out of county placements review found that nineteen children were living outside Powys.\n"
)
SECRET = "This sentence lives outside the corpus folder and must never be indexed."
ROOT = os.geteuid() == 0


def _run(*args: str, index: Path, extra_env: dict[str, str] | None = None) -> Result:
    return run_cli(*args, env={"ASSISTANT_INDEX_DIR": str(index), **(extra_env or {})})


def _pdf(path: Path, *, text_page: bool = False, password: str = "") -> None:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    if password:
        writer.encrypt(user_password=password, owner_password="owner-" + password)
    with path.open("wb") as out:
        writer.write(out)


def _long_line() -> str:
    """One 300,000-character line: a real sentence, spaced long tokens, then one unbroken run."""
    head = "The kinship care review for Powys was published in a file with one very long line. "
    spaced = " ".join(["z" * 149] * 1000)  # 150,000 characters, cut at spaces
    line = head + spaced + " " + "y" * (300_000 - len(head) - len(spaced) - 1)  # unbroken: hard cuts
    assert len(line) == 300_000 and "\n" not in line
    return line


def _add_bad_files(corpus: Path, outside: Path) -> dict[str, str]:
    """Write every bad input into `corpus`; return expected reason fragments by file name."""
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET + "\n", encoding="utf-8")
    expected = {
        "empty.txt": "no text",
        "blank.txt": "no text",
        "noise.txt": "binary data",
        "huge.txt": "too large: 500.0 kB (500,000 bytes) is over the 400.0 kB (400,000 bytes) limit",
        "corrupt.pdf": "corrupt PDF",
        "locked.pdf": "encrypted PDF",
        "scanned.pdf": "PDF has no text layer",
        "corrupt.docx": "corrupt DOCX",
        "notes.xyz": "unsupported file type '.xyz'",
        "outside.txt": "symbolic link (not followed)",
        "outside-folder": "symbolic link (not followed)",
        "copy-of-000.txt": "same text as 000_51ea0cfd4f2702f8.txt",
        "pipe.txt": "not a regular file",
        "bad-\ufffd.txt": "file name is not valid UTF-8",
    }
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "blank.txt").write_bytes(b"  \n\t\r\n  \n")
    (corpus / "noise.txt").write_bytes(random.Random(7).randbytes(4096))
    (corpus / "budget-1252.txt").write_bytes(CP1252_TEXT.encode("cp1252"))
    (corpus / "utf16.txt").write_bytes(UTF16_TEXT.encode("utf-16"))  # with a byte order mark
    (corpus / "huge.txt").write_bytes(b"Too big to read. " * (500_000 // 17) + b"x" * (500_000 % 17))
    (corpus / "one-line.txt").write_text(_long_line(), encoding="utf-8")
    (corpus / "corrupt.pdf").write_bytes(
        b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R >>\nendobj\ntrailer\n%%EOF"
    )
    _pdf(corpus / "locked.pdf", password="secret")
    _pdf(corpus / "scanned.pdf")
    (corpus / "corrupt.docx").write_bytes(b"PK\x03\x04 this is not really a Word document")
    (corpus / "notes.xyz").write_text("hello", encoding="utf-8")
    (corpus / "outside.txt").symlink_to(outside / "secret.txt")
    (corpus / "outside-folder").symlink_to(outside, target_is_directory=True)
    shutil.copyfile(corpus / "000_51ea0cfd4f2702f8.txt", corpus / "copy-of-000.txt")
    os.mkfifo(corpus / "pipe.txt")
    with open(os.path.join(os.fsencode(corpus), b"bad-\xff.txt"), "wb") as out:
        out.write(b"A file whose name is not UTF-8.\n")
    if not ROOT:  # as root chmod 000 does not stop reading: see test_unreadable_file_is_reported
        (corpus / "unreadable.txt").write_text("You cannot read this sentence.\n", encoding="utf-8")
        (corpus / "unreadable.txt").chmod(0)
        expected["unreadable.txt"] = "cannot read file: Permission denied"
    return expected


def test_every_bad_file_is_reported_and_good_files_are_ingested(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    expected = _add_bad_files(corpus, tmp_path / "outside")
    index = tmp_path / "index"
    limit = {"ASSISTANT_MAX_FILE_BYTES": str(LIMIT)}

    result = _run("ingest", "--corpus", str(corpus), "--json", index=index, extra_env=limit)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.exit_code == 3, result.stderr
    summary = json.loads(result.stdout)
    reasons = {s["name"]: s["reason"] for s in summary["skipped"]}
    for name, fragment in expected.items():
        assert fragment in reasons.get(name, ""), (name, reasons.get(name))
    assert set(reasons) == set(expected), "only the bad files are skipped"
    good = {p.name for p in CORPUS.glob("*.txt")} | {"budget-1252.txt", "utf16.txt", "one-line.txt"}
    assert set(summary["embedded_files"]) == good and summary["files"] == len(good)
    assert summary["encodings"]["budget-1252.txt"] == "windows-1252"
    assert summary["encodings"]["utf16.txt"] == "utf-16"

    # The same run, as a person reads it: one line per bad file, nothing embedded again.
    again = _run("ingest", "--corpus", str(corpus), "--quiet", index=index, extra_env=limit)
    assert again.exit_code == 3 and "Traceback" not in again.stderr, again.stderr
    lines = again.stderr.splitlines()
    for name, fragment in expected.items():
        assert sum(line.startswith(f"skipped {name}: ") and fragment in line for line in lines) == 1, name
    assert "note budget-1252.txt: read as windows-1252" in lines
    assert "note utf16.txt: read as utf-16" in lines
    assert f"{len(good)} files (0 embedded, {len(good)} unchanged" in again.stdout

    # The long line went in, cut into passages no longer than the splitter's cap.
    records = passages_collection(open_client(index)).get(include=["documents", "metadatas"])
    assert records["documents"] is not None and records["metadatas"] is not None
    long_passages = [
        t
        for t, m in zip(records["documents"], records["metadatas"], strict=True)
        if m["document_id"] == "one-line.txt"
    ]
    assert len(long_passages) >= 500 and max(map(len, long_passages)) <= 600
    assert not any(SECRET in text for text in records["documents"])

    # The index answers afterwards, from decoded text, with exact citations.
    assistant = create_assistant(
        Settings(index={"corpus_dir": corpus, "index_dir": index}, ingest={"max_file_bytes": LIMIT})
    )
    mission = assistant.ask("Who carried out the 2025 report?")
    assert mission.answered and "Steve Walker" in mission.text
    budget = assistant.ask("How much did the council agree to spend on recruiting new foster carers?")
    cited = [c for c in budget.citations if c.source == "budget-1252.txt"]
    assert cited and "£1.2 million" in cited[0].quote, budget.text
    for answer in (mission, budget):
        for c in answer.citations:
            raw = (corpus / c.source).read_bytes()
            text = raw.decode("cp1252") if c.source == "budget-1252.txt" else raw.decode("utf-8")
            assert text[c.start : c.end] == c.quote
    assert assistant.library.documents["utf16.txt"].encoding == "utf-16"
    assert any("nineteen children" in p.passage.text for p in assistant.library.passages)


def test_default_size_limit_is_20_mb_and_named_in_the_reason(tmp_path: Path) -> None:
    assert Settings().ingest.max_file_bytes == 20_000_000
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    with (corpus / "big.txt").open("wb") as sparse:  # no 20 MB actually written
        sparse.truncate(20_000_001)
    _, skipped = scanning.scan_corpus(corpus, Settings().ingest.max_file_bytes)
    assert [s.name for s in skipped] == ["big.txt"]
    assert "20.0 MB (20,000,001 bytes) is over the 20.0 MB (20,000,000 bytes) limit" in skipped[0].reason


def _tiny_corpus(folder: Path) -> Path:
    folder.mkdir()
    for name in ("001_2ecfe923766d58f8.txt", "004_2cd78eb0f3ad020f.txt"):
        shutil.copyfile(CORPUS / name, folder / name)
    return folder


def test_a_file_deleted_while_ingest_runs_is_reported_not_fatal(
    tmp_path: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = _tiny_corpus(tmp_path / "corpus")
    (corpus / "vanishing.txt").write_text("Gone before it was read, this file was.\n", encoding="utf-8")
    scan = scanning.scan_corpus

    def scan_then_delete(folder: Path, limit: int) -> tuple[list[Path], list[scanning.Skipped]]:
        found = scan(folder, limit)
        (folder / "vanishing.txt").unlink()  # deterministic: between the scan and the read
        return found

    monkeypatch.setattr(pipeline, "scan_corpus", scan_then_delete)
    summary = ingest_folder(corpus, tmp_path / "index", embedder)
    assert [(s.name, s.reason) for s in summary.skipped] == [
        ("vanishing.txt", "file disappeared before it could be read")
    ]
    assert sorted(summary.embedded_files) == sorted(p.name for p in corpus.glob("*.txt"))


def test_unreadable_file_is_reported(
    tmp_path: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """chmod 000 when not root; as root (where it does not stop reading) the read is made to fail
    with the same PermissionError the kernel would raise: a simulation, stated here."""
    corpus = _tiny_corpus(tmp_path / "corpus")
    locked = corpus / "locked.txt"
    locked.write_text("Nobody may read this sentence at all.\n", encoding="utf-8")
    locked.chmod(0)
    if ROOT:
        real_open = os.open

        def refusing_open(path: object, flags: int, *args: object, **kwargs: object) -> int:
            if Path(os.fsdecode(path)) == locked:  # type: ignore[arg-type]
                raise PermissionError(13, "Permission denied", str(path))
            return real_open(path, flags, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(os, "open", refusing_open)  # the module scanning reads with
    summary = ingest_folder(corpus, tmp_path / "index", embedder)
    assert [(s.name, s.reason) for s in summary.skipped] == [
        ("locked.txt", "cannot read file: Permission denied")
    ]
    assert summary.files == 2


def test_control_characters_in_file_names_are_printed_escaped(tmp_path: Path) -> None:
    """ESC (colour, title, clear screen), the one-byte C1 CSI and a right-to-left override."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    names = ["title-\x1b]0;pwned\x07-clear-\x1b[2J.txt", "csi-\x9b31m.txt", "rtl-\u202eevil.txt"]
    for name in names:
        (corpus / name).write_bytes(b"")  # skipped (no text): the name is printed with the reason
    controls = ("\x1b", "\x07", "\x9b", "\u202e")

    human = _run("ingest", "--corpus", str(corpus), "--quiet", index=tmp_path / "index")
    assert human.exit_code == 3, human.stderr
    assert not any(c in human.stderr + human.stdout for c in controls), repr(human.stderr)
    lines = human.stderr.splitlines()
    assert "skipped title-\\x1b]0;pwned\\x07-clear-\\x1b[2J.txt: no text (empty or whitespace only)" in lines
    assert "skipped csi-\\x9b31m.txt: no text (empty or whitespace only)" in lines
    assert "skipped rtl-\\u202eevil.txt: no text (empty or whitespace only)" in lines

    as_json = _run("ingest", "--corpus", str(corpus), "--json", index=tmp_path / "index")
    assert not any(c in as_json.stdout + as_json.stderr for c in controls), repr(as_json.stdout)
    assert sorted(s["name"] for s in json.loads(as_json.stdout)["skipped"]) == sorted(names)  # exact


def test_an_answer_quoting_control_characters_prints_them_escaped(tmp_path: Path) -> None:
    """`assistant ask` prints sentences and file names from documents: their controls are shown."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "beacon-\x1b[2J.txt").write_text(
        "Harbour beacons\n\nThe harbour beacon \x1b]0;pwned\x07 was relit by the lamp keeper in May.\n",
        encoding="utf-8",
    )
    assert _run("ingest", "--corpus", str(corpus), "--quiet", index=tmp_path / "index").exit_code == 0
    extra = {"ASSISTANT_CORPUS_DIR": str(corpus)}
    human = _run("ask", "Who relit the harbour beacon?", index=tmp_path / "index", extra_env=extra)
    assert human.exit_code == 0, human.stderr
    assert "beacon-\\x1b[2J.txt" in human.stdout and "\\x1b]0;pwned\\x07" in human.stdout
    as_json = _run(
        "ask", "Who relit the harbour beacon?", "--json", index=tmp_path / "index", extra_env=extra
    )
    assert "\x1b" not in as_json.stdout + human.stdout and "\x07" not in as_json.stdout + human.stdout
    assert "pwned\x07" in json.loads(as_json.stdout)["citations"][0]["quote"]  # the value itself is exact


def test_a_hard_link_to_a_file_outside_the_corpus_is_not_ingested(tmp_path: Path, embedder: Embedder) -> None:
    """Policy: a file with more than one name (st_nlink > 1) is refused like a symbolic link."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET + "\n", encoding="utf-8")
    corpus = _tiny_corpus(tmp_path / "corpus")
    os.link(outside / "secret.txt", corpus / "linked.txt")
    summary = ingest_folder(corpus, tmp_path / "index", embedder)
    assert [s.name for s in summary.skipped] == ["linked.txt"]
    assert summary.skipped[0].reason.startswith("hard link (the file has 2 names")
    texts = passages_collection(open_client(tmp_path / "index")).get(include=["documents"])["documents"]
    assert texts and not any(SECRET in text for text in texts)


def test_a_hard_link_made_after_the_scan_is_refused_when_read(
    tmp_path: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check is repeated on the opened file: a scanned file swapped for a link is not read."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET + "\n", encoding="utf-8")
    corpus = _tiny_corpus(tmp_path / "corpus")
    (corpus / "late.txt").write_text("An ordinary note that the scan saw and approved.\n", encoding="utf-8")
    scan = scanning.scan_corpus

    def scan_then_swap(folder: Path, limit: int) -> tuple[list[Path], list[scanning.Skipped]]:
        found = scan(folder, limit)
        (folder / "late.txt").unlink()
        os.link(outside / "secret.txt", folder / "late.txt")  # deterministic: between scan and read
        return found

    monkeypatch.setattr(pipeline, "scan_corpus", scan_then_swap)
    summary = ingest_folder(corpus, tmp_path / "index", embedder)
    assert [s.name for s in summary.skipped] == ["late.txt"]
    assert summary.skipped[0].reason.startswith("hard link")
    texts = passages_collection(open_client(tmp_path / "index")).get(include=["documents"])["documents"]
    assert texts is not None
    assert not any(SECRET in text for text in texts)


def test_a_nul_byte_after_the_first_64_kb_is_caught(tmp_path: Path, embedder: Embedder) -> None:
    corpus = _tiny_corpus(tmp_path / "corpus")
    prose = "The panel reviewed the placements of children in the county again this month.\n"
    head = (prose * (70_000 // len(prose) + 1)).encode("utf-8")
    hidden = "This sentence hides behind a NUL byte and must never be indexed."
    (corpus / "late-nul.txt").write_bytes(head + b"\x00\n" + hidden.encode("utf-8") + b"\n")
    summary = ingest_folder(corpus, tmp_path / "index", embedder)
    assert [(s.name, s.reason) for s in summary.skipped] == [
        ("late-nul.txt", f"binary data, not text (a NUL byte at byte {len(head):,})")
    ]
    texts = passages_collection(open_client(tmp_path / "index")).get(include=["documents"])["documents"]
    assert texts is not None
    assert not any(hidden in text or "\x00" in text for text in texts)


def test_one_stray_windows_1252_byte_keeps_a_utf8_file_utf8(tmp_path: Path, embedder: Embedder) -> None:
    """Choice: decode as UTF-8, keep the bad byte as U+FFFD and report it, rather than reject the
    file or read all of it as Windows-1252 (which turns every £, – and ’ into mojibake)."""
    corpus = _tiny_corpus(tmp_path / "corpus")
    good = "Powys agreed to spend £1.2 million – on foster carers’ training – in 2024."
    stray = "The panel’s view was positive.".encode("cp1252")  # one Windows-1252 ’ (0x92) pasted in
    data = (good + "\n\n").encode("utf-8") + stray + b"\n"
    (corpus / "mixed.txt").write_bytes(data)
    summary = ingest_folder(corpus, tmp_path / "index", embedder)
    first_bad = data.index(b"\x92")
    assert summary.encodings["mixed.txt"] == (
        f"utf-8 with 1 invalid byte sequence kept as U+FFFD, the first at byte {first_bad:,}"
    )
    assert f"mixed.txt: read as {summary.encodings['mixed.txt']}" in summary.decoded_notes()
    texts = passages_collection(open_client(tmp_path / "index")).get(include=["documents"])["documents"]
    assert texts is not None
    assert good in texts and "The panel\ufffds view was positive." in texts
    assert not any("Â£" in text or "â€" in text for text in texts)
