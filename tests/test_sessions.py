"""What a login gives over HTTP, on the real Gradio app served on 127.0.0.1: sessions that end when
the user is removed, the password changes or the session is too old; lockouts per client address
(a stranger cannot lock out the real user's client); and bounded login names and request bodies.

Different client addresses are real: each client binds its own loopback address (127.0.0.x)."""

from __future__ import annotations

import asyncio
import gc
import logging
import socket
import time
import tracemalloc
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from assistant.core.service import Assistant
from assistant.web import auth, logins
from assistant.web.serving import access_kwargs
from assistant.web.sessions import SessionStore, gradio_auth
from tests.live_app import running_app

MISSION = "Who carried out the 2025 report?"
PASSWORDS = {
    "reviewer": "correct horse battery staple",
    "leaver": "a password for leaving",
    "changer": "the first password",
    "target": "the target's password",
}


@pytest.fixture(scope="module")
def users_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sessions") / "users.json"
    for name, password in PASSWORDS.items():
        auth.add_user(path, name, password)
    return path


@contextmanager
def protected(assistant: Assistant, users_file: Path, **settings: object) -> Iterator[str]:
    """The chat behind login, with these settings changed."""
    changed = assistant.settings.updated(serving={"users_file": users_file, **settings})
    with running_app(assistant, **access_kwargs(changed)) as url:
        yield url


@pytest.fixture(scope="module")
def url(assistant: Assistant, users_file: Path) -> Iterator[str]:
    with protected(assistant, users_file, login_client_max_failures=8) as served:
        yield served


_CLIENTS: list[httpx.Client] = []


@pytest.fixture(autouse=True)
def close_clients() -> Iterator[None]:
    """Every client a test made is closed after it (its connections are the test's, not the next's)."""
    yield
    while _CLIENTS:
        _CLIENTS.pop().close()


def client(url: str, address: str = "127.0.0.1") -> httpx.Client:
    """An HTTP client whose connections come from `address`."""
    made = httpx.Client(base_url=url, transport=httpx.HTTPTransport(local_address=address), timeout=60)
    _CLIENTS.append(made)
    return made


def login(url: str, name: str, password: str, address: str = "127.0.0.1") -> tuple[httpx.Client, int]:
    session = client(url, address)
    return session, session.post("login", data={"username": name, "password": password}).status_code


def opens_the_chat(session: httpx.Client) -> bool:
    """Whether this client's cookie opens the page's config and `/ask`."""
    config = session.get("config")
    ask = session.post("gradio_api/call/ask", json={"data": [MISSION]})
    assert config.status_code == ask.status_code, (config.status_code, ask.status_code)
    return config.status_code == 200 and "Ask a question" in config.text


# --- item 3: sessions end --------------------------------------------------------------------------


def test_a_removed_users_session_ends_ask_included(url: str, users_file: Path) -> None:
    from gradio_client import Client

    session, status = login(url, "leaver", PASSWORDS["leaver"])
    assert status == 200 and opens_the_chat(session)
    api = Client(url, auth=("leaver", PASSWORDS["leaver"]), verbose=False)
    assert "Steve Walker" in api.predict(MISSION, api_name="/ask")["answer"]

    assert auth.remove_user(users_file, "leaver")
    assert not opens_the_chat(session)
    with pytest.raises(httpx.HTTPStatusError, match="401 Unauthorized"):
        api.predict(MISSION, api_name="/ask")
    assert opens_the_chat(login(url, "reviewer", PASSWORDS["reviewer"])[0])  # other users keep theirs


def test_a_password_change_ends_the_sessions_made_with_the_old_one(url: str, users_file: Path) -> None:
    old, status = login(url, "changer", PASSWORDS["changer"])
    assert status == 200 and opens_the_chat(old)
    auth.add_user(users_file, "changer", "the second password")
    assert not opens_the_chat(old)
    assert login(url, "changer", PASSWORDS["changer"])[1] == 400
    new, status = login(url, "changer", "the second password")
    assert status == 200 and opens_the_chat(new)


@pytest.mark.server
def test_sessions_expire(assistant: Assistant, users_file: Path) -> None:
    with protected(assistant, users_file, session_max_age_s=2) as served:
        session, status = login(served, "reviewer", PASSWORDS["reviewer"])
        assert status == 200 and opens_the_chat(session)
        time.sleep(2.5)
        assert not opens_the_chat(session)
        assert opens_the_chat(login(served, "reviewer", PASSWORDS["reviewer"])[0])  # a new login works


def test_a_session_counts_only_for_a_verified_login_and_each_user_holds_a_few(users_file: Path) -> None:
    """The store on its own: Gradio's `/login` awaits `auth` and then records the token."""
    authenticator = logins.Authenticator(users_file)
    store = SessionStore(authenticator, max_age=3600, per_user=2)
    check = gradio_auth(authenticator)

    async def log_in(token: str) -> None:
        assert await check("reviewer", PASSWORDS["reviewer"])
        store[token] = "reviewer"

    for token in ("first", "second", "third"):
        asyncio.run(log_in(token))
    assert store.get("third") == store.get("second") == "reviewer"
    assert store.get("first") is None and list(store) == ["second", "third"]  # the oldest ended
    store["forged"] = "reviewer"  # a token no login verified (here: no login at all) never counts
    assert store.get("forged") is None and "forged" not in store


# --- item 4: lockouts per client address -----------------------------------------------------------


def test_a_stranger_cannot_lock_out_the_real_users_client(url: str) -> None:
    stranger = "127.0.0.2"
    for _ in range(5):
        assert login(url, "target", "a guessed password", stranger)[1] == 400
    # the stranger's address is locked out of that name, even with the right password
    assert login(url, "target", PASSWORDS["target"], stranger)[1] == 400
    # the real user, from their own client, is not
    session, status = login(url, "target", PASSWORDS["target"], "127.0.0.1")
    assert status == 200 and opens_the_chat(session)
    # a name differing only in case is another name: it does not share the lockout
    assert login(url, "TARGET", "a guessed password", "127.0.0.1")[1] == 400
    assert login(url, "target", PASSWORDS["target"], "127.0.0.1")[1] == 200


def test_one_client_trying_many_names_is_locked_out(url: str) -> None:
    sprayer = "127.0.0.3"
    for n in range(8):  # the module's server locks a client out after 8 failures, whatever the names
        assert login(url, f"guess-{n}", "a guessed password", sprayer)[1] == 400
    assert login(url, "reviewer", PASSWORDS["reviewer"], sprayer)[1] == 400
    assert login(url, "reviewer", PASSWORDS["reviewer"], "127.0.0.1")[1] == 200


# --- item 5: bounded names and bodies --------------------------------------------------------------


def test_megabyte_login_names_cost_no_memory_and_no_log(url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        with client(url, "127.0.0.4") as session:
            for n in range(20):
                name = f"{n:02d}" + "x" * 1_000_000  # each a different name
                response = session.post("login", data={"username": name, "password": "a password here"})
                assert response.status_code in (400, 413)
        del name
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    logged = sum(len(record.getMessage()) for record in caplog.records)
    assert grown < 4_000_000, f"20 one-megabyte names left {grown:,} bytes allocated"
    assert logged < 20_000, f"20 one-megabyte names logged {logged:,} characters"


def test_a_long_login_name_is_logged_shortened(url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    assert login(url, "y" * 5000, "a password here", "127.0.0.5")[1] == 400
    assert caplog.records and all(len(record.getMessage()) < 500 for record in caplog.records)


def _raw_request(url: str, head: str, body: bytes, address: str = "127.0.0.1") -> bytes:
    """Send `head` and only `body` (less than the head announces), then whatever the server answers."""
    parts = urllib.parse.urlsplit(url)
    assert parts.hostname is not None and parts.port is not None
    with socket.create_connection(
        (parts.hostname, parts.port), timeout=30, source_address=(address, 0)
    ) as raw:
        raw.sendall(head.encode("latin-1") + body)
        answer = b""
        try:
            while b"\r\n\r\n" not in answer and (chunk := raw.recv(65536)):
                answer += chunk
        except TimeoutError:  # the server is still waiting for the rest of the body
            pass
    return answer


def test_an_oversized_question_is_refused_without_reading_it(url: str) -> None:
    session, status = login(url, "reviewer", PASSWORDS["reviewer"])
    assert status == 200
    cookies = "; ".join(f"{name}={value}" for name, value in session.cookies.items())
    head = (
        "POST /gradio_api/call/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Cookie: {cookies}\r\nContent-Length: 60000000\r\n\r\n"
    )
    answer = _raw_request(url, head, b'{"data": ["' + b"q" * 65536)  # 64 KB of the announced 60 MB
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


def test_only_the_upload_route_takes_a_document_sized_body(url: str) -> None:
    """The app's body limit is the upload's (a document); every other route keeps the smaller one."""
    session, status = login(url, "reviewer", PASSWORDS["reviewer"])
    assert status == 200
    cookies = "; ".join(f"{name}={value}" for name, value in session.cookies.items())
    size = 3_000_000  # over the 2 MB request limit, under the 20 MB document limit
    head = (
        "POST /gradio_api/call/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Cookie: {cookies}\r\nContent-Length: {size}\r\n\r\n"
    )
    assert _raw_request(url, head, b'{"data": ["').startswith(b"HTTP/1.1 413")
    boundary = "bound4ry"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="big.txt"\r\n'
            "Content-Type: text/plain\r\n\r\n"
        ).encode()
        + b"a line of a long report\n" * (size // 24)
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = session.post(
        "gradio_api/upload",
        content=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert response.status_code == 200, response.text[:200]


def test_an_oversized_login_without_a_length_is_refused_once_too_long(url: str) -> None:
    head = (
        "POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b"username=" + b"z" * 65527
    body = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"  # and never the closing chunk
    answer = _raw_request(url, head, body, "127.0.0.6")
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
