"""The login check: a name and password against the users file, with failures rate-limited.

`Authenticator` re-reads the users file when it changes, so `assistant users add` takes effect
without a restart, and rate-limits failures per client address and per name tried from one
address (`LoginLimiter`). Passwords are never logged, names only shortened. What a login gives
over HTTP (sessions, and how they end) is `assistant.web.sessions`; the file itself is
`assistant.web.auth`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.web.auth import (
    DUMMY_RECORD,
    MAX_NAME_CHARS,
    UsersFileError,
    fingerprint,
    load_users,
    shown_name,
    verify_password,
)

if TYPE_CHECKING:
    from assistant.core.settings import Settings

log = logging.getLogger(__name__)


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
        """The check for `settings.serving.users_file`, with the settings' login limits."""
        assert settings.serving.users_file is not None

        def limiter(max_failures: int) -> LoginLimiter:
            return LoginLimiter(
                max_failures=max_failures,
                window=settings.serving.login_window_s,
                lockout=settings.serving.login_lockout_s,
                max_lockout=settings.serving.login_max_lockout_s,
                max_keys=settings.serving.login_limiter_keys,
            )

        return cls(
            settings.serving.users_file,
            names=limiter(settings.serving.login_max_failures),
            clients=limiter(settings.serving.login_client_max_failures),
            max_password_chars=settings.serving.max_password_chars,
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
        if verify_password(password, record or DUMMY_RECORD) and record is not None:
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
