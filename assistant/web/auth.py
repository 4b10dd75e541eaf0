"""Who may open the served chat: a users file of salted password hashes, and the login check.

The users file (`ASSISTANT_USERS_FILE`) is JSON::

    {"version": 1, "users": {"NAME": {"algorithm": "scrypt", "n": 32768, "r": 8, "p": 1,
                                      "salt": "<hex>", "hash": "<hex>", "role": "maintainer"}}}

Each user has its own random salt; only the algorithm, its parameters, the salt and the derived
key are stored, never the password. `role` is `reader` (may ask) or `maintainer` (may also add
and remove documents); a record without one, as files written before roles have, is a reader.
The file is rewritten atomically with 0600 permissions.
`Authenticator` checks a login: it rate-limits failures per client address and per name tried
from one address, and re-reads the file when it changes, so `assistant users add` takes effect
without a restart. Passwords are never logged, names only shortened. What a login gives over
HTTP (sessions, and how they end) is `assistant.web.sessions`.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import os
import secrets
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.core.files import write_atomically

if TYPE_CHECKING:
    from assistant.core.settings import Settings

log = logging.getLogger(__name__)

FILE_VERSION = 1
SALT_BYTES = 16
KEY_BYTES = 32
SCRYPT = {"n": 2**15, "r": 8, "p": 1}
SCRYPT_MAXMEM = 256 * 2**20
MIN_PASSWORD_CHARS = 8
MAX_NAME_CHARS = 64
READER, MAINTAINER = "reader", "maintainer"
ROLES = (READER, MAINTAINER)


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
    write_atomically(path, text.encode("utf-8"), permissions=0o600)
    os.chmod(path, 0o600)


def check_role(role: str) -> str:
    """`role` if it is one of `ROLES`."""
    if role not in ROLES:
        raise UsersFileError(f"Unknown role {role!r}: choose {' or '.join(ROLES)}.")
    return role


def role_of(record: dict[str, Any] | None) -> str:
    """The role a user record grants: `maintainer` only when it says so, else `reader` (no record,
    no role, or one this version does not know: the least that can be given)."""
    return MAINTAINER if record is not None and record.get("role") == MAINTAINER else READER


def user_role(path: Path, name: str) -> str:
    """`name`'s role in the users file now (read afresh, so a change applies at the next request);
    `reader` for an unknown name or an unreadable file."""
    try:
        return role_of(load_users(path).get(name))
    except UsersFileError:
        log.exception("the users file is unreadable: %s has no maintainer rights", shown_name(name))
        return READER


def add_user(path: Path, name: str, password: str, role: str | None = None) -> bool:
    """Add `name` or set its new password; True when the user already existed.

    `role` None keeps an existing user's role (a new user is a reader)."""
    users = load_users(path)
    existed = check_name(name) in users
    role = check_role(role) if role is not None else role_of(users.get(name))
    users[name] = {**hash_password(password), "role": role}
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


def fingerprint(record: dict[str, Any]) -> str:
    """What a session remembers of the password record it was made with: a new password (even the
    same one set again, with its fresh salt) gives another fingerprint, so older sessions end."""
    material = f"{record.get('algorithm')}:{record.get('salt')}:{record.get('hash')}"
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def shown_name(name: str) -> str:
    """`name` as a log shows it: quoted, and cut at the longest a user name can be.

    Example: shown_name("x" * 1_000_000) -> "'xx…xx'… (1000000 characters)", 64 x's quoted.
    """
    if len(name) <= MAX_NAME_CHARS:
        return repr(name)
    return f"{name[:MAX_NAME_CHARS]!r}… ({len(name)} characters)"


@dataclass
class _Failures:
    times: deque[float]  # the latest failures, at most `max_failures`
    locked_until: float = 0.0
    lockouts: int = 0  # lockouts in a row; each doubles the next


class LoginLimiter:
    """Failed logins per key (a client address, or a name tried from one address).

    `max_failures` failures within `window` seconds lock the key out for `lockout` seconds; each
    further lockout in a row doubles that, up to `max_lockout`, so slow repeated guessing gets
    slower. At most `max_keys` keys are remembered, the least recently failed forgotten first:
    whatever is sent, the limiter's memory stays bounded.
    """

    def __init__(
        self,
        max_failures: int = 5,
        window: float = 60.0,
        lockout: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 10_000,
        max_lockout: float = 3600.0,
    ) -> None:
        self.max_failures, self.window, self.clock = max_failures, window, clock
        self.lockout, self.max_lockout, self.max_keys = lockout, max(lockout, max_lockout), max_keys
        self._keys: OrderedDict[Hashable, _Failures] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._keys)

    def remaining(self, key: Hashable) -> float:
        """Seconds `key` stays locked out; 0 when it is not."""
        with self._lock:
            entry = self._keys.get(key)
            return max(0.0, entry.locked_until - self.clock()) if entry else 0.0

    def locked(self, key: Hashable) -> bool:
        return self.remaining(key) > 0

    def failed(self, key: Hashable) -> bool:
        """Record a failure; True when it locks `key` out."""
        now = self.clock()
        with self._lock:
            entry = self._keys.pop(key, None)
            if entry is None:
                entry = _Failures(deque(maxlen=self.max_failures))
            self._keys[key] = entry  # now the most recent
            while len(self._keys) > self.max_keys:
                self._keys.popitem(last=False)
            if entry.lockouts and now - entry.locked_until > self.max_lockout:
                entry.lockouts = 0  # quiet long enough: start again from the first lockout
            entry.times.append(now)
            if len(entry.times) < self.max_failures or now - entry.times[0] >= self.window:
                return False
            entry.times.clear()
            entry.lockouts += 1
            doubled = self.lockout * 2 ** min(entry.lockouts - 1, 30)  # (no float overflow)
            entry.locked_until = now + min(doubled, self.max_lockout)
            return True

    def succeeded(self, key: Hashable) -> None:
        with self._lock:
            self._keys.pop(key, None)


class Authenticator:
    """The login check: the users file, re-read when it changes, and two `LoginLimiter`s.

    `clients` counts failures per client address, whatever the names; `names` counts them per name
    tried from one address, so failures from a stranger's address never lock the real user's
    client out. Names are matched exactly, as the users file does.
    """

    def __init__(
        self,
        path: Path,
        names: LoginLimiter | None = None,
        clients: LoginLimiter | None = None,
        max_password_chars: int = 1024,
    ) -> None:
        self.path = Path(path)
        self.names = names if names is not None else LoginLimiter()
        self.clients = clients if clients is not None else LoginLimiter(max_failures=20)
        self.max_password_chars = max_password_chars
        self._users: dict[str, dict[str, Any]] = {}
        self._stamp: tuple[int, int] | None = None
        self._lock = threading.Lock()
        if not self.users():
            raise UsersFileError(
                f"The users file {self.path} has no users: add one with `assistant users add NAME`."
            )

    @classmethod
    def from_settings(cls, settings: Settings) -> Authenticator:
        """The check for `settings.users_file`, with the settings' login limits."""
        assert settings.users_file is not None

        def limiter(max_failures: int) -> LoginLimiter:
            return LoginLimiter(
                max_failures=max_failures,
                window=settings.login_window_s,
                lockout=settings.login_lockout_s,
                max_lockout=settings.login_max_lockout_s,
                max_keys=settings.login_limiter_keys,
            )

        return cls(
            settings.users_file,
            names=limiter(settings.login_max_failures),
            clients=limiter(settings.login_client_max_failures),
            max_password_chars=settings.max_password_chars,
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

    def fingerprint(self, name: str) -> str | None:
        """The fingerprint of `name`'s password record now; None when there is no such user."""
        record = self.users().get(name)
        return fingerprint(record) if record is not None else None

    def verify(self, username: str, password: str, client: str = "") -> str | None:
        """The fingerprint of the record a correct login matched, else None.

        Over-long names and passwords are refused before anything else (no hashing, no limiter key,
        only a shortened name logged); locked-out clients and names without checking the password.
        """
        if len(username) > MAX_NAME_CHARS or len(password) > self.max_password_chars:
            log.warning(
                "failed login from %s: name or password too long, name %s", client, shown_name(username)
            )
            self.clients.failed(client)
            return None
        name_key = (client, username)
        if self.clients.locked(client) or self.names.locked(name_key):
            wait = max(self.clients.remaining(client), self.names.remaining(name_key))
            log.warning("login refused for %r from %s: locked out for %.0f s more", username, client, wait)
            return None
        record = self.users().get(username)
        if verify_password(password, record or _DUMMY) and record is not None:
            self.names.succeeded(name_key)
            log.info("login: %r from %s", username, client)
            return fingerprint(record)
        name_locked, client_locked = self.names.failed(name_key), self.clients.failed(client)
        if name_locked or client_locked:
            what = "the address" if client_locked else "the name, from this address,"
            wait = max(self.names.remaining(name_key), self.clients.remaining(client))
            log.warning(
                "failed login for %r from %s; %s is locked out for %.0f s", username, client, what, wait
            )
        else:
            log.warning("failed login for %r from %s", username, client)
        return None

    def check(self, username: str, password: str, client: str = "") -> bool:
        """Whether this login succeeds (see `verify`)."""
        return self.verify(username, password, client) is not None


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
