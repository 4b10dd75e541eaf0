"""Access control: the users file, the login check and its rate limit, the served app behind login,
and `assistant serve` refusing to serve beyond this machine without login."""

from __future__ import annotations

import json
import os
import stat
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.cli import cli
from assistant.core.service import Assistant
from assistant.web import auth, logins, serve_access
from assistant.web.serving import access_kwargs
from tests.conftest import run_cli
from tests.live_app import running_app

MISSION = "Who carried out the 2025 report?"
USER, PASSWORD = "reviewer", "correct horse battery staple"
OTHER, OTHER_PASSWORD = "locked-out", "another long password"


# --- the users file ------------------------------------------------------------------------------


def test_users_file_holds_salted_hashes_never_the_password(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "users.json"
    assert auth.add_user(path, USER, PASSWORD) is False
    assert auth.add_user(path, OTHER, PASSWORD) is False  # same password, different salt and hash
    text = path.read_text(encoding="utf-8")
    assert PASSWORD not in text and PASSWORD.encode().hex() not in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    users = json.loads(text)["users"]
    assert set(users) == {USER, OTHER}
    assert users[USER]["algorithm"] == "scrypt" and users[USER]["n"] >= 2**14
    assert users[USER]["salt"] != users[OTHER]["salt"] and users[USER]["hash"] != users[OTHER]["hash"]
    assert auth.verify_password(PASSWORD, users[USER])
    assert not auth.verify_password(PASSWORD + "x", users[USER])

    assert auth.add_user(path, USER, "a new password") is True  # replaced
    assert auth.verify_password("a new password", auth.load_users(path)[USER])
    assert auth.remove_user(path, OTHER) is True and auth.remove_user(path, OTHER) is False
    assert list(auth.load_users(path)) == [USER]
    assert [p.name for p in path.parent.iterdir()] == ["users.json"]  # no temporary files left


def test_pbkdf2_records_verify_and_bad_input_is_refused(tmp_path: Path) -> None:
    import hashlib

    salt = os.urandom(16)
    record = {
        "algorithm": "pbkdf2_sha256",
        "iterations": 1000,
        "salt": salt.hex(),
        "hash": hashlib.pbkdf2_hmac("sha256", b"pbkdf2 password", salt, 1000, dklen=32).hex(),
    }
    assert auth.verify_password("pbkdf2 password", record)
    assert not auth.verify_password("wrong", record)
    assert not auth.verify_password("x", {"algorithm": "md5", "salt": "00", "hash": "00"})
    with pytest.raises(auth.UsersFileError):
        auth.hash_password("short")
    for name in ("", " padded", "tab\tname", "x" * 65):
        with pytest.raises(auth.UsersFileError):
            auth.check_name(name)
    broken = tmp_path / "broken.json"
    broken.write_text("[1, 2]")
    with pytest.raises(auth.UsersFileError):
        auth.load_users(broken)
    with pytest.raises(auth.UsersFileError, match="no users"):
        logins.Authenticator(tmp_path / "missing.json")


# --- the login check -----------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_limiter_locks_out_after_five_failures_in_a_minute() -> None:
    clock = FakeClock()
    limiter = logins.LoginLimiter(max_failures=5, window=60, lockout=60, clock=clock)
    for _ in range(4):
        assert limiter.failed("a") is False
        clock.now += 10
    assert not limiter.locked("a")
    clock.now += 25  # the first failure is now over a minute old
    assert limiter.failed("a") is False
    assert limiter.failed("a") is True
    assert limiter.locked("a") and not limiter.locked("b")
    clock.now += 59
    assert limiter.locked("a")
    clock.now += 2
    assert not limiter.locked("a")


def test_lockouts_in_a_row_grow_and_the_limiter_forgets_the_stalest_keys() -> None:
    clock = FakeClock()
    limiter = logins.LoginLimiter(
        max_failures=2, window=60, lockout=10, max_lockout=35, clock=clock, max_keys=100
    )
    for expected in (10, 20, 35, 35):  # doubling, up to the longest
        assert not limiter.failed("a") and limiter.failed("a")
        assert limiter.remaining("a") == expected
        clock.now += expected + 1
    clock.now += 36  # quiet for longer than the longest lockout: back to the first
    assert not limiter.failed("a") and limiter.failed("a") and limiter.remaining("a") == 10
    limiter.succeeded("a")
    assert not limiter.locked("a")

    for n in range(10_000):
        limiter.failed(f"name-{n}")
    assert len(limiter) == 100  # bounded, whatever is sent
    assert limiter.failed("name-9999") and limiter.locked("name-9999")  # the latest are kept


def test_authenticator_refuses_locked_out_names_and_rereads_the_file(tmp_path: Path) -> None:
    path = tmp_path / "users.json"
    auth.add_user(path, USER, PASSWORD)
    auth.add_user(path, OTHER, OTHER_PASSWORD)
    clock = FakeClock()
    checker = logins.Authenticator(path, logins.LoginLimiter(clock=clock))
    assert checker.check(USER, PASSWORD)
    assert not checker.check("nobody", PASSWORD)
    for _ in range(5):
        assert not checker.check(OTHER, "wrong password")
    assert not checker.check(OTHER, OTHER_PASSWORD)  # locked out: even the right password fails
    assert checker.check(USER, PASSWORD)  # other users are unaffected
    clock.now += 61
    assert checker.check(OTHER, OTHER_PASSWORD)

    auth.add_user(path, "newcomer", "a newcomer's password")  # no restart needed
    assert checker.check("newcomer", "a newcomer's password")
    auth.remove_user(path, USER)
    assert not checker.check(USER, PASSWORD)


# --- where `assistant serve` may listen ----------------------------------------------------------


@pytest.mark.parametrize("host", ["127.0.0.1", "127.1.2.3", "localhost", "LOCALHOST", "::1", "[::1]"])
def test_loopback_hosts_need_no_users_file(host: str) -> None:
    assert serve_access.is_loopback(host)
    assert serve_access.check_serve_access(host, None, allow_anonymous=False) is None


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.10", "example.org", ""])
def test_other_hosts_need_a_users_file_or_allow_anonymous(host: str, tmp_path: Path) -> None:
    assert not serve_access.is_loopback(host)
    with pytest.raises(serve_access.AccessError, match="without login"):
        serve_access.check_serve_access(host, None, allow_anonymous=False)
    warning = serve_access.check_serve_access(host, None, allow_anonymous=True)
    assert warning is not None and "WARNING" in warning
    assert serve_access.check_serve_access(host, tmp_path / "users.json", allow_anonymous=False) is None


def test_serve_on_all_interfaces_without_users_file_exits_with_one_line(tmp_path: Path) -> None:
    # An empty index folder: even if the check were missing, the command would stop at "No index"
    # (and fail the message assertion) rather than serve on 0.0.0.0.
    env = {"ASSISTANT_INDEX_DIR": str(tmp_path / "empty-index")}
    result = run_cli("serve", "--host", "0.0.0.0", "--port", "9", env=env)
    assert result.exit_code != 0
    assert "Refusing to serve on 0.0.0.0 without login" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_serve_allow_anonymous_warns_and_passes_the_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    import assistant.cli
    import assistant.web.serving

    calls = []
    monkeypatch.setattr(assistant.cli, "require_index", lambda settings: None)
    monkeypatch.setattr(
        assistant.web.serving, "serve", lambda *args, **kwargs: calls.append((args[1:], kwargs))
    )
    result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0", "--allow-anonymous"])
    assert result.exit_code == 0, result.output
    assert "WARNING: serving on 0.0.0.0 without login" in result.output
    assert calls == [(("0.0.0.0", 7860), {"allow_anonymous": True})]


def test_serve_refuses_a_users_file_without_users(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import assistant.web.serving

    monkeypatch.setattr(assistant.web.serving, "serve", lambda *a, **k: pytest.fail("must not serve"))
    monkeypatch.setenv("ASSISTANT_USERS_FILE", str(tmp_path / "users.json"))
    result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code != 0 and "has no users" in result.output


def test_users_commands(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "users.json"
    runner = CliRunner()
    result = runner.invoke(cli, ["users", "add", USER], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code != 0 and "ASSISTANT_USERS_FILE" in result.output  # no file configured

    monkeypatch.setenv("ASSISTANT_USERS_FILE", str(path))
    result = runner.invoke(cli, ["users", "add", USER], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    result = runner.invoke(cli, ["users", "add", OTHER, "--password-stdin"], input=f"{OTHER_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["users", "add", "shorty", "--password-stdin"], input="short\n")
    assert result.exit_code != 0 and "at least 8" in result.output

    result = runner.invoke(cli, ["users", "list"])
    assert result.exit_code == 0 and result.output.split() == [OTHER, "reader", USER, "reader"]
    users = auth.load_users(path)
    assert auth.verify_password(PASSWORD, users[USER]) and auth.verify_password(OTHER_PASSWORD, users[OTHER])
    assert PASSWORD not in path.read_text() and OTHER_PASSWORD not in path.read_text()

    assert runner.invoke(cli, ["users", "remove", OTHER]).exit_code == 0
    result = runner.invoke(cli, ["users", "remove", OTHER])
    assert result.exit_code != 0 and "No user" in result.output
    assert runner.invoke(cli, ["users", "list", "--file", str(path)]).output.split() == [USER, "reader"]


# --- the served app behind login -----------------------------------------------------------------


@pytest.fixture(scope="module")
def users_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("access") / "users.json"
    auth.add_user(path, USER, PASSWORD)
    auth.add_user(path, OTHER, OTHER_PASSWORD)
    return path


@pytest.fixture(scope="module")
def protected_url(assistant: Assistant, users_file: Path) -> Iterator[str]:
    settings = assistant.settings.updated(serving={"users_file": users_file})
    with running_app(assistant, **access_kwargs(settings)) as url:
        yield url


def _request(url: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, data=data, headers=headers or {}, method="POST" if data else "GET")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


def _login(base: str, username: str, password: str) -> tuple[int, str]:
    form = urllib.parse.urlencode({"username": username, "password": password}).encode()
    return _request(base + "login", form, {"Content-Type": "application/x-www-form-urlencoded"})


JSON = {"Content-Type": "application/json"}
PROTECTED = [
    ("config", None),
    ("gradio_api/info", None),
    ("gradio_api/openapi.json", None),
    ("gradio_api/queue/data?session_hash=abc123", None),
    ("gradio_api/queue/join", json.dumps({"data": [MISSION], "fn_index": 0, "session_hash": "abc123"})),
    ("gradio_api/call/ask", json.dumps({"data": [MISSION]})),
    ("gradio_api/call/v2/ask", json.dumps({"question": MISSION})),
    ("gradio_api/run/ask", json.dumps({"data": [MISSION]})),
    ("gradio_api/api/ask", json.dumps({"data": [MISSION]})),
    ("gradio_api/upload", json.dumps({})),
    ("gradio_api/file=/etc/hostname", None),
    ("monitoring", None),
]


@pytest.mark.parametrize(("path", "body"), PROTECTED, ids=[p for p, _ in PROTECTED])
def test_api_routes_are_rejected_without_login(protected_url: str, path: str, body: str | None) -> None:
    status, text = _request(protected_url + path, body.encode() if body else None, JSON if body else None)
    assert status in (401, 403), (status, text[:200])
    assert "Steve Walker" not in text


def test_the_page_is_only_the_login_form_without_login(protected_url: str, assistant: Assistant) -> None:
    status, html = _request(protected_url)
    assert status == 200 and '"auth_required":true' in html.replace(" ", "")
    assert '"components":[]' in html.replace(" ", "")  # no part of the chat is sent
    for document in assistant.library.documents.values():
        assert document.title not in html
    assert "Steve Walker" not in html and "Ask a question" not in html
    assert _request(protected_url + "openapi.json")[0] == 404  # FastAPI's own schema is off


def test_gradio_client_needs_the_password(protected_url: str) -> None:
    from gradio_client import Client
    from gradio_client.exceptions import AuthenticationError

    with pytest.raises(AuthenticationError, match="credentials were not provided"):
        Client(protected_url, verbose=False).predict(MISSION, api_name="/ask")
    with pytest.raises(ValueError, match="Could not login"):
        Client(protected_url, auth=(USER, "not the password"), verbose=False)
    result = Client(protected_url, auth=(USER, PASSWORD), verbose=False).predict(MISSION, api_name="/ask")
    assert "Steve Walker" in result["answer"]


def test_login_sets_a_cookie_that_opens_the_api(protected_url: str) -> None:
    import http.cookiejar

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    form = urllib.parse.urlencode({"username": USER, "password": PASSWORD}).encode()
    with opener.open(protected_url + "login", form, timeout=30) as response:
        assert response.status == 200
    with opener.open(protected_url + "config", timeout=30) as response:
        assert response.status == 200 and "Ask a question" in response.read().decode()


def test_wrong_passwords_are_rejected_and_rate_limited(protected_url: str) -> None:
    assert _login(protected_url, "nobody", PASSWORD)[0] == 400
    for _ in range(5):
        assert _login(protected_url, OTHER, "a wrong password")[0] == 400
    status, text = _login(protected_url, OTHER, OTHER_PASSWORD)
    assert status == 400, "the right password must not open a locked-out name"
    assert _login(protected_url, USER, PASSWORD)[0] == 200  # only that name is locked out


def test_ask_api_refuses_a_question_that_is_not_text_with_a_message(protected_url: str) -> None:
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    api = Client(protected_url, auth=(USER, PASSWORD), verbose=False)
    for question in (42, 4.5, None, True, ["Who carried out the 2025 report?"], {"text": "Who?"}):
        with pytest.raises(AppError, match="The question must be text"):
            api.predict(question, api_name="/ask")
