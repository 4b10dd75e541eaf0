"""Who may open the served chat: a users file of salted password hashes, and the login check.

The users file (`ASSISTANT_USERS_FILE`) is JSON::

    {"version": 1, "users": {"NAME": {"algorithm": "scrypt", "n": 32768, "r": 8, "p": 1,
                                      "salt": "<hex>", "hash": "<hex>"}}}

Each user has its own random salt; only the algorithm, its parameters, the salt and the derived
key are stored, never the password. The file is rewritten atomically with 0600 permissions.
`Authenticator` is what Gradio's `launch(auth=...)` calls: it rate-limits failed logins per
user name and re-reads the file when it changes, so `assistant users add` takes effect without
a restart. Passwords are never logged.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import json
import logging
import os
import secrets
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

FILE_VERSION = 1
SALT_BYTES = 16
KEY_BYTES = 32
SCRYPT = {"n": 2**15, "r": 8, "p": 1}
SCRYPT_MAXMEM = 256 * 2**20
MIN_PASSWORD_CHARS = 8
MAX_NAME_CHARS = 64


class UsersFileError(Exception):
    """The users file cannot be read, is malformed, or a name or password is not acceptable."""


class AccessError(Exception):
    """Serving as asked would expose the chat without login."""


# --- hashing -------------------------------------------------------------------------------------


def hash_password(password: str) -> dict[str, Any]:
    """A new record for `password`: scrypt with a fresh random salt."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise UsersFileError(f"The password must be at least {MIN_PASSWORD_CHARS} characters.")
    salt = secrets.token_bytes(SALT_BYTES)
    key = _derive(password, {"algorithm": "scrypt", **SCRYPT}, salt)
    return {"algorithm": "scrypt", **SCRYPT, "salt": salt.hex(), "hash": key.hex()}


def _derive(password: str, record: dict[str, Any], salt: bytes) -> bytes:
    secret = password.encode("utf-8")
    algorithm = record.get("algorithm")
    if algorithm == "scrypt":
        return hashlib.scrypt(
            secret,
            salt=salt,
            n=int(record["n"]),
            r=int(record["r"]),
            p=int(record["p"]),
            maxmem=SCRYPT_MAXMEM,
            dklen=KEY_BYTES,
        )
    if algorithm == "pbkdf2_sha256":
        return hashlib.pbkdf2_hmac("sha256", secret, salt, int(record["iterations"]), dklen=KEY_BYTES)
    raise UsersFileError(f"Unknown password hash algorithm: {algorithm!r}.")


def verify_password(password: str, record: dict[str, Any]) -> bool:
    """Whether `password` matches `record`, compared in constant time."""
    try:
        expected = bytes.fromhex(record["hash"])
        key = _derive(password, record, bytes.fromhex(record["salt"]))
    except (KeyError, TypeError, ValueError, UsersFileError):
        return False
    return hmac.compare_digest(key, expected)


# A record no password matches, verified against for unknown names so that they take as long.
_DUMMY = {"algorithm": "scrypt", **SCRYPT, "salt": "00" * SALT_BYTES, "hash": "00" * KEY_BYTES}


# --- the file ------------------------------------------------------------------------------------


def check_name(name: str) -> str:
    """`name` if it can be a user name: 1-64 printable characters, no surrounding spaces."""
    if not name or len(name) > MAX_NAME_CHARS or name != name.strip() or not name.isprintable():
        raise UsersFileError(
            f"A user name is 1-{MAX_NAME_CHARS} printable characters without leading or trailing spaces."
        )
    return name


def load_users(path: Path) -> dict[str, dict[str, Any]]:
    """The users in `path` by name; an empty dict when the file does not exist."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        raise UsersFileError(f"Cannot read the users file {path}: {error}") from None
    users = data.get("users") if isinstance(data, dict) else None
    if not isinstance(users, dict) or not all(
        isinstance(r, dict) and {"algorithm", "salt", "hash"} <= set(r) for r in users.values()
    ):
        raise UsersFileError(f"{path} is not a users file (expected {{'users': {{NAME: ...}}}}).")
    return users


def save_users(path: Path, users: dict[str, dict[str, Any]]) -> None:
    """Write `users` to `path` atomically (a 0600 temporary file in the same folder, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"version": FILE_VERSION, "users": dict(sorted(users.items()))}, indent=2) + "\n"
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    os.chmod(path, 0o600)


def add_user(path: Path, name: str, password: str) -> bool:
    """Add `name` or set its new password; True when the user already existed."""
    users = load_users(path)
    existed = check_name(name) in users
    users[name] = hash_password(password)
    save_users(path, users)
    return existed


def remove_user(path: Path, name: str) -> bool:
    """Remove `name`; False when there was no such user."""
    users = load_users(path)
    if name not in users:
        return False
    del users[name]
    save_users(path, users)
    return True


# --- logging in ----------------------------------------------------------------------------------


class LoginLimiter:
    """After `max_failures` failed logins for one key within `window` seconds, refuse it for `lockout` s."""

    def __init__(
        self,
        max_failures: int = 5,
        window: float = 60.0,
        lockout: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 10_000,
    ) -> None:
        self.max_failures, self.window, self.lockout, self.clock = max_failures, window, lockout, clock
        self.max_keys = max_keys
        self._failures: dict[str, list[float]] = {}
        self._locked_until: dict[str, float] = {}
        self._lock = threading.Lock()

    def locked(self, key: str) -> bool:
        with self._lock:
            until = self._locked_until.get(key)
            if until is None:
                return False
            if self.clock() < until:
                return True
            del self._locked_until[key]
            return False

    def failed(self, key: str) -> bool:
        """Record a failure; True when it locks `key` out."""
        now = self.clock()
        with self._lock:
            recent = [t for t in self._failures.get(key, []) if now - t < self.window] + [now]
            if len(recent) >= self.max_failures:
                self._failures.pop(key, None)
                self._locked_until[key] = now + self.lockout
                return True
            self._failures[key] = recent
            if len(self._failures) > self.max_keys:  # forget the stalest names, never grow unbounded
                stalest = sorted(self._failures, key=lambda k: self._failures[k][-1])
                for stale in stalest[: self.max_keys // 2]:
                    del self._failures[stale]
            return False

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)


class Authenticator:
    """The login check for Gradio: the users file, re-read when it changes, and a `LoginLimiter`."""

    def __init__(self, path: Path, limiter: LoginLimiter | None = None) -> None:
        self.path = Path(path)
        self.limiter = limiter or LoginLimiter()
        self._users: dict[str, dict[str, Any]] = {}
        self._stamp: tuple[int, int] | None = None
        self._lock = threading.Lock()
        if not self.users():
            raise UsersFileError(
                f"The users file {self.path} has no users: add one with `assistant users add NAME`."
            )

    def users(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            try:
                stat = self.path.stat()
                stamp = (stat.st_mtime_ns, stat.st_size)
            except FileNotFoundError:
                stamp = None
            if stamp != self._stamp or stamp is None:
                try:
                    self._users = load_users(self.path)
                except UsersFileError:
                    log.exception("keeping the previous users: the users file is unreadable")
                else:
                    self._stamp = stamp
            return self._users

    def check(self, username: str, password: str) -> bool:
        """Whether this login succeeds; locked-out names are refused without checking the password."""
        key = username.casefold()
        if self.limiter.locked(key):
            log.warning("login refused for %r: too many failed attempts, locked out", username)
            return False
        record = self.users().get(username)
        ok = verify_password(password, record or _DUMMY) and record is not None
        if ok:
            self.limiter.succeeded(key)
            log.info("login: %r", username)
        elif self.limiter.failed(key):
            log.warning("failed login for %r; locked out for %.0f s", username, self.limiter.lockout)
        else:
            log.warning("failed login for %r", username)
        return ok

    def gradio_auth(self) -> Callable[[str, str], Awaitable[bool]]:
        """The callable for `launch(auth=...)`: async, so hashing never blocks the server's event loop."""

        async def auth(username: str, password: str) -> bool:
            return await asyncio.to_thread(self.check, username, password)

        return auth


# --- where to serve ------------------------------------------------------------------------------


def is_loopback(host: str) -> bool:
    """Whether `host` is only reachable from this machine: localhost, 127.0.0.0/8 or ::1."""
    host = (host or "").strip().strip("[]")
    if host.casefold() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_serve_access(host: str, users_file: Path | None, allow_anonymous: bool) -> str | None:
    """Refuse (`AccessError`) to serve beyond this machine without login unless `allow_anonymous`.

    Returns a warning to show when serving anonymously beyond this machine, else None.
    """
    if users_file is not None or is_loopback(host):
        return None
    if not allow_anonymous:
        raise AccessError(
            f"Refusing to serve on {host} without login: set ASSISTANT_USERS_FILE "
            "(see `assistant users add`), use a loopback address, or pass --allow-anonymous."
        )
    return f"WARNING: serving on {host} without login; anyone who can reach it can use the chat and its API."
