"""Adding documents from the chat: roles in the users file, the Documents tab's checks, and the tab
end to end in headless Chromium (a maintainer uploads a PDF and asks about it; a reader sees no tab
and a direct request to the upload event is refused).

Every corpus and index here is a temporary one, ingested with the real model into a real Chroma."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr
import httpx
import pytest
from click.testing import CliRunner

from assistant.cli import cli
from assistant.core import corpus_edits
from assistant.core.readers import Readers
from assistant.core.service import Assistant, create_assistant
from assistant.core.settings import Settings
from assistant.core.settings.paths import PROJECT_ROOT
from assistant.web import auth, logins
from assistant.web import documents as web_documents
from assistant.web.documents import BUSY, REFUSED, DocumentsTab
from assistant.web.serving import access_kwargs
from ingest.embedder import Embedder
from tests import documents_made as made
from tests.browser_kit import TIMEOUT_MS, LocalPage, ask, flat, launch_chromium
from tests.conftest import ingest_folder
from tests.live_app import running_app

NOTE = (
    "Llanfair Library reopened in the spring of 2026 after the roof over its reading room was replaced.\n"
    "The library now opens on Saturday mornings as well as on weekdays.\n"
)
NEW_FACT = "The Brynmawr youth centre was repainted by volunteers in the summer of 2025.\n"
MAINTAINER, READER = "maintainer-mair", "reader-rhys"
PASSWORDS = {MAINTAINER: "a maintainer's long password", READER: "a reader's long password"}
QUESTION = "How many new social workers did the council appoint?"
OUTPUT = PROJECT_ROOT / "test-output"


def make_root(root: Path, embedder: Embedder) -> Path:
    """A corpus of one small note, ingested into its own index."""
    (root / "corpus").mkdir(parents=True)
    (root / "corpus" / "library-note.txt").write_text(NOTE, encoding="utf-8")
    ingest_folder(root / "corpus", root / "index", embedder)
    return root


def assistant_over(root: Path, readers: Readers, **sections: Any) -> Assistant:
    config = Settings(
        **sections,
        index={"corpus_dir": root / "corpus", "index_dir": root / "index", "data_dir": root / "data"},
    )
    return create_assistant(config, readers)


def corpus_files(root: Path) -> list[str]:
    """Every entry of the corpus folder, hidden ones included (a temporary file must not linger)."""
    return sorted(p.relative_to(root / "corpus").as_posix() for p in (root / "corpus").rglob("*"))


def request(username: str | None = None, host: str = "127.0.0.1") -> gr.Request:
    return gr.Request(username=username, client={"host": host})


def run(events: Iterator[tuple[Any, ...]]) -> tuple[Any, ...]:
    """The last outputs of a generator event (its status lines while the ingest runs come before)."""
    *_, last = events
    return last


# --- roles in the users file and the CLI ---------------------------------------------------------


def test_roles_in_the_users_file_and_files_without_roles_read_as_readers(tmp_path: Path) -> None:
    path = tmp_path / "users.json"
    # A file written before roles: records with no role; it still loads, and its users are readers.
    old: dict[str, Any] = {"version": 1, "users": {"old": auth.hash_password(PASSWORDS[READER])}}
    path.write_text(json.dumps(old), encoding="utf-8")
    assert auth.user_role(path, "old") == auth.READER
    assert logins.Authenticator(path).check("old", PASSWORDS[READER])

    assert not auth.add_user(path, MAINTAINER, PASSWORDS[MAINTAINER], role=auth.MAINTAINER)
    assert auth.user_role(path, MAINTAINER) == auth.MAINTAINER
    assert auth.add_user(path, MAINTAINER, "a new long password")  # a new password keeps the role
    assert auth.user_role(path, MAINTAINER) == auth.MAINTAINER
    auth.add_user(path, MAINTAINER, "a new long password", role=auth.READER)
    assert auth.user_role(path, MAINTAINER) == auth.READER
    with pytest.raises(auth.UsersFileError, match="Unknown role"):
        auth.add_user(path, "someone", PASSWORDS[READER], role="admin")
    assert "someone" not in auth.load_users(path)

    users = auth.load_users(path)
    assert users["old"] == old["users"]["old"]  # rewriting the file left the old record as it was
    assert auth.user_role(path, "nobody") == auth.READER
    path.write_text("not json", encoding="utf-8")
    assert auth.user_role(path, MAINTAINER) == auth.READER  # unreadable: no maintainer rights


def test_users_add_takes_a_role_and_users_list_shows_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ASSISTANT_USERS_FILE", str(tmp_path / "users.json"))
    runner = CliRunner()
    for name, role, shown in ((MAINTAINER, ["--role", "maintainer"], "maintainer"), (READER, [], "reader")):
        added = runner.invoke(cli, ["users", "add", name, "--password-stdin", *role], input=PASSWORDS[name])
        assert added.exit_code == 0 and f"added {name} ({shown})" in added.output, added.output
    listed = runner.invoke(cli, ["users", "list"])
    assert listed.exit_code == 0
    assert listed.output.splitlines() == [f"{MAINTAINER}\tmaintainer", f"{READER}\treader"]
    wrong = runner.invoke(
        cli, ["users", "add", "x", "--password-stdin", "--role", "admin"], input="pw12345678"
    )
    assert wrong.exit_code != 0 and "admin" in wrong.output
    assert "x\t" not in runner.invoke(cli, ["users", "list"]).output


# --- the tab's checks, called as the app calls them -----------------------------------------------


@pytest.fixture
def local(tmp_path: Path, embedder: Embedder, readers: Readers) -> tuple[Path, Assistant]:
    """A small corpus served anonymously on this machine, with maintainer rights granted."""
    root = make_root(tmp_path / "site", embedder)
    return root, assistant_over(
        root, readers, serving={"anonymous_maintainer": True}, ingest={"max_file_bytes": 4000}
    )


def upload_file(folder: Path, name: str, data: bytes) -> str:
    """A file as Gradio hands an upload to the event: in its own folder, under the sent name."""
    path = folder / uuid.uuid4().hex / name
    path.parent.mkdir(parents=True)
    path.write_bytes(data)
    return str(path)


def test_a_wrong_type_or_a_too_large_file_is_refused_before_anything_is_written(
    local: tuple[Path, Assistant], tmp_path: Path
) -> None:
    root, assistant = local
    tab = DocumentsTab(assistant)
    before, signature = corpus_files(root), assistant.library.signature
    refused = {
        "program.exe": (b"MZ\x90\x00 not a document", "cannot be read"),
        "report.pdf": (b"This is text pretending to be a PDF.", "corrupt PDF"),
        "notes.txt": (b"\x00\x01\x02 binary", "binary data"),
        "big.txt": (b"A sentence about the libraries of the county.\n" * 200, "too large"),
        "copy.txt": (NOTE.encode(), "same text as library-note.txt"),
    }
    for name, (data, reason) in refused.items():
        status, *_ = run(tab.upload(upload_file(tmp_path / "uploads", name, data), request()))
        assert reason in status and 'role="alert"' in status, (name, status)
    assert corpus_files(root) == before
    assert assistant.library.signature == signature


def test_upload_names_stay_inside_the_corpus_and_visible_to_the_ingest() -> None:
    assert corpus_edits.safe_name("../../etc/passwd.txt") == "passwd.txt"
    assert corpus_edits.safe_name("..\\..\\Windows\\report.PDF") == "report.pdf"
    assert corpus_edits.safe_name(".hidden.md") == "hidden.md"  # the ingest skips hidden files
    assert corpus_edits.safe_name("a\x1b[2Jb\u202e.txt") == "a_2Jb_.txt"
    for refused in ("passwd", "notes.exe", "...txt", "README.md", "<>.pdf"):
        with pytest.raises(corpus_edits.UploadRefused):
            corpus_edits.safe_name(refused)


def test_an_upload_is_answerable_at_once_and_remove_takes_it_out(
    local: tuple[Path, Assistant], tmp_path: Path
) -> None:
    root, assistant = local
    tab = DocumentsTab(assistant)
    sent = upload_file(tmp_path / "uploads", ".Youth centre <2025>.TXT", NEW_FACT.encode())
    status, listing, *_ = run(tab.upload(sent, request()))
    name = "Youth centre _2025_.txt"
    assert f"{name} was added" in status and "ingested: " + name in status, status
    assert name in listing
    assert corpus_files(root) == sorted(["library-note.txt", name])
    answer = assistant.ask("Who repainted the Brynmawr youth centre?")
    assert answer.answered and answer.citations[0].source == name

    # a different file under a name already taken is refused; nothing is overwritten
    other = upload_file(tmp_path / "uploads", name, b"Something else entirely about the youth centre.\n")
    status, *_ = run(tab.upload(other, request()))
    assert "A different document is already called" in status
    assert (root / "corpus" / name).read_text(encoding="utf-8") == NEW_FACT

    status, listing, *_ = run(tab.remove(name, request()))
    assert f"{name} was removed" in status and f"removed from the index: {name}" in status, status
    assert name not in assistant.library.documents and name not in listing
    assert corpus_files(root) == ["library-note.txt"]
    [kept] = (root / "data" / web_documents.REMOVED_FOLDER).iterdir()
    assert kept.read_text(encoding="utf-8") == NEW_FACT  # nothing is lost
    answer = assistant.ask("Who repainted the Brynmawr youth centre?")
    assert all(c.source != name for c in answer.citations)


def test_a_file_the_ingest_skips_is_reported_with_its_reason_and_not_left_in_the_corpus(
    tmp_path: Path, embedder: Embedder, readers: Readers
) -> None:
    root = make_root(tmp_path / "site", embedder)
    assistant = assistant_over(
        root, readers, serving={"anonymous_maintainer": True}, ingest={"max_passages_per_file": 1}
    )
    long = "The first sentence about the pool.\nThe second sentence about the pool.\n"
    sent = upload_file(tmp_path / "u", "pool.txt", long.encode())
    status, listing, *_ = run(DocumentsTab(assistant).upload(sent, request()))
    assert "pool.txt was not added: too many passages" in status, status
    # every file's result: the note already in the index is skipped too now, and says so
    assert "skipped: library-note.txt — too many passages" in status and "stays in the index" in status
    assert corpus_files(root) == ["library-note.txt"] and "pool.txt" not in listing


def test_one_ingest_at_a_time(local: tuple[Path, Assistant], tmp_path: Path) -> None:
    root, assistant = local
    tab = DocumentsTab(assistant)
    before = corpus_files(root)
    with tab.lock:  # as while another maintainer's ingest runs
        status, *_ = run(tab.upload(upload_file(tmp_path / "u", "new.txt", NEW_FACT.encode()), request()))
        assert BUSY in status
        status, *_ = run(tab.remove("library-note.txt", request()))
        assert BUSY in status
    assert corpus_files(root) == before


def test_anonymous_use_has_no_maintainer_rights_without_the_setting(
    tmp_path: Path, embedder: Embedder, readers: Readers
) -> None:
    root = make_root(tmp_path / "site", embedder)
    before = corpus_files(root)
    plain = DocumentsTab(assistant_over(root, readers))
    granted = DocumentsTab(assistant_over(root, readers, serving={"anonymous_maintainer": True}))
    tab_shown = plain.on_load(request())[0]
    assert tab_shown["visible"] is False
    assert granted.on_load(request())[0]["visible"] is True
    assert granted.on_load(request(host="192.0.2.7"))[0]["visible"] is False  # only from this machine
    sent = upload_file(tmp_path / "u", "new.txt", NEW_FACT.encode())
    for tab, req in ((plain, request()), (granted, request(host="192.0.2.7"))):
        with pytest.raises(gr.Error, match=REFUSED):
            run(tab.upload(sent, req))
        with pytest.raises(gr.Error, match=REFUSED):
            run(tab.remove("library-note.txt", req))
        with pytest.raises(gr.Error, match=REFUSED):
            tab.refresh(req)
    assert corpus_files(root) == before


# --- end to end in Chromium -----------------------------------------------------------------------

browser = pytest.fixture(scope="module")(launch_chromium)


@pytest.fixture(scope="module")
def report_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if made.soffice() is None:
        pytest.skip("LibreOffice missing: make libreoffice")
    work = tmp_path_factory.mktemp("pdf")
    pdf = made.to_pdf(made.report_docx(work / "glanrhyd-inspection.docx"), work)
    return pdf


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder, readers: Readers) -> Iterator[Any]:
    """The chat behind login over a small corpus: one maintainer, one reader."""
    root = make_root(tmp_path_factory.mktemp("served"), embedder)
    users = root / "users.json"
    auth.add_user(users, MAINTAINER, PASSWORDS[MAINTAINER], role=auth.MAINTAINER)
    auth.add_user(users, READER, PASSWORDS[READER])
    assistant = assistant_over(root, readers, serving={"users_file": users})
    with running_app(assistant, **access_kwargs(assistant.settings)) as url:
        yield root, assistant, url, add_after_start(root, assistant, embedder)


LATER = "Opening hours\nThe Brecon pool now opens at seven in the morning on weekdays.\n"


def add_after_start(root: Path, assistant: Assistant, embedder: Embedder) -> str:
    """Ingest one more note after the app was built, so only the page-load event can put it in the
    viewer's list: seeing it there shows that event has run. Returns its label in that list."""
    (root / "corpus" / "later-note.txt").write_text(LATER, encoding="utf-8")
    ingest_folder(root / "corpus", root / "index", embedder)
    assert assistant.refresh()
    return dict(
        (doc_id, label) for label, doc_id in web_documents.document_choices(assistant.library.documents)
    )["later-note.txt"]


def wait_for_the_load_event(page: Any, label: str) -> None:
    """Until the page-load events have run (the viewer lists `label`, see `add_after_start`)."""
    page.get_by_role("tab", name="Document viewer").click()
    page.locator("#doc-select input").click()
    page.get_by_role("option", name=label).wait_for(timeout=TIMEOUT_MS)
    page.keyboard.press("Escape")


def log_in(page: Any, name: str) -> None:
    page.locator("input[type=text]").first.fill(name)
    page.locator("input[type=password]").fill(PASSWORDS[name])
    page.get_by_role("button", name="Login").click()
    page.locator("#chat").wait_for(timeout=TIMEOUT_MS)


@pytest.mark.browser
def test_a_maintainer_uploads_a_pdf_and_asks_about_it_in_chromium(
    browser: Any, site: Any, report_pdf: Path
) -> None:
    from playwright.sync_api import expect

    root, assistant, url, _ = site
    local = LocalPage(browser, url)
    try:
        page = local.page
        page.goto(url, wait_until="domcontentloaded")
        log_in(page, MAINTAINER)
        page.get_by_role("tab", name="Documents").click()
        expect(page.locator("#documents-list")).to_contain_text("library-note.txt")
        page.locator("#documents-upload input[type=file]").set_input_files(str(report_pdf))
        status = page.locator("#documents-status")
        expect(status).to_contain_text(f"{report_pdf.name} was added", timeout=TIMEOUT_MS)
        expect(status).to_contain_text(f"ingested: {report_pdf.name}")
        expect(page.locator("#documents-list")).to_contain_text("3 pages")
        assert (root / "corpus" / report_pdf.name).read_bytes() == report_pdf.read_bytes()
        OUTPUT.mkdir(exist_ok=True)
        page.screenshot(path=str(OUTPUT / "documents-tab.png"))

        ask(page, QUESTION)
        expect(page.locator("#chat")).to_contain_text(flat(made.PAGE_THREE_FACT)[:60])
        page.get_by_role("tab", name="Sources").click()
        sources = page.locator("#sources")
        expect(sources).to_contain_text(f"{report_pdf.name}, page 3,")
        page.locator("#open-citation").click()
        expect(page.locator("#viewer-page")).to_have_text("Cited passage: page 3")
        expect(page.locator("#viewer #cited")).to_contain_text(flat(made.PAGE_THREE_FACT)[:60])
        page.screenshot(path=str(OUTPUT / "documents-viewer-page.png"))
        assert local.outside == [], f"the page tried to reach the network: {local.outside}"
    finally:
        local.close()


@pytest.mark.browser
def test_a_reader_sees_no_documents_tab_and_the_upload_event_refuses_them(
    browser: Any, site: Any, report_pdf: Path
) -> None:
    from playwright.sync_api import expect

    root, assistant, url, later = site
    local = LocalPage(browser, url)
    try:
        page = local.page
        page.goto(url, wait_until="domcontentloaded")
        log_in(page, READER)
        wait_for_the_load_event(page, later)
        expect(page.get_by_role("tab", name="Documents")).to_have_count(0)
        expect(page.locator("#documents-upload")).to_have_count(0)
    finally:
        local.close()

    before, signature = corpus_files(root), assistant.library.signature
    with httpx.Client(base_url=url, timeout=60) as reader:
        assert (
            reader.post("login", data={"username": READER, "password": PASSWORDS[READER]}).status_code == 200
        )
        event = call_upload_event(reader, report_pdf.with_name("reader-upload.pdf"), report_pdf.read_bytes())
    assert event["msg"] == "process_completed" and event["success"] is False, event
    assert REFUSED in json.dumps(event)
    assert corpus_files(root) == before and assistant.library.signature == signature


@pytest.mark.browser
def test_anonymous_use_on_this_machine_shows_the_tab_only_with_the_setting(
    browser: Any, tmp_path: Path, embedder: Embedder, readers: Readers
) -> None:
    from playwright.sync_api import expect

    for granted in (False, True):
        root = make_root(tmp_path / str(granted), embedder)
        assistant = assistant_over(root, readers, serving={"anonymous_maintainer": granted})
        with running_app(assistant) as url:
            later = add_after_start(root, assistant, embedder)
            local = LocalPage(browser, url)
            try:
                page = local.open()
                wait_for_the_load_event(page, later)
                expect(page.get_by_role("tab", name="Documents")).to_have_count(1 if granted else 0)
            finally:
                local.close()


def call_upload_event(session: httpx.Client, path: Path, data: bytes) -> dict[str, Any]:
    """What the page does when a file is dropped on the Documents tab, as plain HTTP: upload the file,
    then join the queue for the tab's upload event; returns the event's final message."""
    config = session.get("config").json()
    [box] = [c["id"] for c in config["components"] if c.get("props", {}).get("elem_id") == "documents-upload"]
    [fn_index] = [d["id"] for d in config["dependencies"] if [box, "upload"] in d["targets"]]
    files = session.post("gradio_api/upload", files={"files": (path.name, data, "application/pdf")})
    assert files.status_code == 200, files.text
    session_hash = uuid.uuid4().hex[:11]
    file_data = {"path": files.json()[0], "orig_name": path.name, "meta": {"_type": "gradio.FileData"}}
    joined = session.post(
        "gradio_api/queue/join",
        json={"data": [file_data], "fn_index": fn_index, "trigger_id": box, "session_hash": session_hash},
    )
    assert joined.status_code == 200, joined.text
    with session.stream("GET", "gradio_api/queue/data", params={"session_hash": session_hash}) as stream:
        for line in stream.iter_lines():
            if line.startswith("data:"):
                message: dict[str, Any] = json.loads(line[5:])
                if message.get("msg") == "process_completed":
                    return message
    raise AssertionError("the event never completed")
