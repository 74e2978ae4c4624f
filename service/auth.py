"""Users, API keys, roles and clearance levels for the API and the web UI.

Why it looks like this:

* Keys are random 256-bit tokens, so a single SHA-256 is enough to store them
  safely (slow hashes such as scrypt protect *guessable* passwords; a random
  key cannot be brute-forced from its hash). Only the hash is kept in
  ``data_dir/users.json``; the key itself is printed once by ``troly users add``.
* A user's *clearance* is one of :data:`ingest.model.CLASSIFICATION_LEVELS`.
  It is handed to retrieval as ``SearchFilters.max_level`` so that passages
  above it are removed *before* ranking and can never surface in an answer,
  a citation, a search hit, a talking point, the document list or the topics.
* With no users configured the service runs in *open mode*: every request is
  served as the built-in local user (role ``editor``, clearance ``public`` by
  default, see ``Settings.open_role`` / ``Settings.open_clearance``), but only
  for clients on the loopback interface, and ``troly serve`` refuses to bind a
  non-loopback address in that mode. Someone at the machine can read the data
  directory anyway, so letting them upload and delete costs nothing, while the
  public clearance keeps classified text out of a UI that nobody logged into.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import os
import re
import secrets
import threading
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from ingest.model import CLASSIFICATION_LEVELS, level_rank

__all__ = ["CLASSIFICATION_LEVELS", "ROLES", "AuthError", "User", "UserStore", "is_loopback", "open_mode_user"]

ROLES = ("reader", "editor", "admin")
"""Ordered roles: a reader asks and searches; an editor also uploads and deletes; an admin does everything."""

KEY_PREFIX = "troly_"
_NAME_RE = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")


class AuthError(ValueError):
    """A user-management request that cannot be carried out (message is shown as is)."""


@dataclass(frozen=True)
class User:
    """An authenticated caller: who they are, what they may do, what they may see."""

    name: str
    role: str
    clearance: str
    key_hash: str = ""
    created: str = ""

    def can(self, role: str) -> bool:
        """True when this user's role is at least ``role``."""
        return ROLES.index(self.role) >= ROLES.index(role)

    def may_see(self, classification: str) -> bool:
        """True when a document/chunk of ``classification`` is within this user's clearance."""
        return level_rank(classification) <= level_rank(self.clearance)

    def public_view(self) -> dict[str, str]:
        """What may be shown about a user (never the key hash)."""
        return {"name": self.name, "role": self.role, "clearance": self.clearance, "created": self.created}


def hash_key(key: str) -> str:
    """SHA-256 hex digest of an API key (see module docstring for why not scrypt)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def is_loopback(host: str | None) -> bool:
    """True for 127.0.0.0/8, ::1 and 'localhost'; False for anything else, including unknown hosts."""
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def validate_role(role: str) -> str:
    if role not in ROLES:
        raise AuthError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    return role


def validate_clearance(level: str) -> str:
    if level not in CLASSIFICATION_LEVELS:
        raise AuthError(f"clearance must be one of {', '.join(CLASSIFICATION_LEVELS)}, got {level!r}")
    return level


class UserStore:
    """The users file ``data_dir/users.json``; re-read when it changes on disk.

    Re-reading on change means ``troly users add/remove`` takes effect on a
    running server without a restart.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._stamp: tuple[float, int] | None = None
        self._users: dict[str, User] = {}

    @classmethod
    def for_data_dir(cls, data_dir: Path) -> UserStore:
        return cls(Path(data_dir) / "users.json")

    def _load(self) -> dict[str, User]:
        with self._lock:
            try:
                st = self.path.stat()
            except FileNotFoundError:
                self._stamp, self._users = None, {}
                return {}
            stamp = (st.st_mtime, st.st_size)
            if stamp != self._stamp:
                try:
                    raw = json.loads(self.path.read_text(encoding="utf-8"))
                    users = {u["name"]: User(**u) for u in raw.get("users", [])}
                except (OSError, ValueError, TypeError, KeyError) as exc:
                    raise AuthError(f"{self.path}: cannot read users file ({exc})") from exc
                self._stamp, self._users = stamp, users
            return dict(self._users)

    def _save(self, users: dict[str, User]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".json.tmp")
        data = {"users": [asdict(u) for u in sorted(users.values(), key=lambda u: u.name)]}
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
        os.chmod(tmp, 0o600)
        tmp.replace(self.path)
        with self._lock:
            self._stamp = None

    def users(self) -> list[User]:
        return sorted(self._load().values(), key=lambda u: u.name)

    def has_users(self) -> bool:
        return bool(self._load())

    def get(self, name: str) -> User | None:
        return self._load().get(name)

    def add(self, name: str, role: str = "reader", clearance: str = "public") -> tuple[User, str]:
        """Create a user; returns it and its API key (the only time the key exists in clear)."""
        if not _NAME_RE.match(name):
            raise AuthError(f"user name {name!r} must be 1-64 letters, digits or _.@-")
        validate_role(role)
        validate_clearance(clearance)
        users = self._load()
        if name in users:
            raise AuthError(f"user {name!r} already exists (remove it first to issue a new key)")
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        created = datetime.now(UTC).isoformat(timespec="seconds")
        user = User(name=name, role=role, clearance=clearance, key_hash=hash_key(key), created=created)
        users[name] = user
        self._save(users)
        return user, key

    def remove(self, name: str) -> None:
        users = self._load()
        if name not in users:
            raise AuthError(f"no user named {name!r}")
        del users[name]
        self._save(users)

    def authenticate(self, key: str | None) -> User | None:
        """The user owning ``key``, or None. Compares every hash in constant time."""
        if not key:
            return None
        digest = hash_key(key.strip())
        found = None
        for user in self._load().values():
            if hmac.compare_digest(user.key_hash, digest):
                found = user
        return found

    def check_login(self, name: str, key: str) -> bool:
        """Gradio login: the user name plus that user's API key as the password."""
        user = self.authenticate(key)
        return user is not None and user.name == name


def open_mode_user(role: str = "editor", clearance: str = "public") -> User:
    """The built-in user of open mode (no users configured, loopback only)."""
    return User(name="local", role=validate_role(role), clearance=validate_clearance(clearance))


class Throttle:
    """Failed attempts per key (a user name or a client address), with a growing wait.

    The first ``free`` failures cost nothing; each further one doubles the wait (1 s, 2 s, 4 s …) up to ``cap``
    seconds. A key is forgotten ``window`` seconds after its last failure, and a success clears it.
    """

    def __init__(self, free: int, cap: float, window: float = 900.0) -> None:
        self.free, self.cap, self.window = free, cap, window
        self._lock = threading.Lock()
        self._failures: dict[str, tuple[int, float, float]] = {}  # key → (count, last failure, blocked until)

    def wait(self, key: str, now: float | None = None) -> float:
        """Seconds ``key`` must still wait before its next attempt is even checked (0: go ahead)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            entry = self._failures.get(key)
            if entry is None:
                return 0.0
            if now - entry[1] > self.window:
                del self._failures[key]
                return 0.0
            return max(0.0, entry[2] - now)

    def failed(self, key: str, now: float | None = None) -> float:
        """Record a failure; returns the wait it imposes."""
        now = time.monotonic() if now is None else now
        with self._lock:
            count, last, _ = self._failures.get(key, (0, now, now))
            count = 1 if now - last > self.window else count + 1
            delay = 0.0 if count <= self.free else min(self.cap, 2.0 ** (count - self.free - 1))
            self._failures[key] = (count, now, now + delay)
            if len(self._failures) > 10_000:  # an address sweep cannot grow this without bound
                for old in [k for k, v in self._failures.items() if now - v[1] > self.window]:
                    del self._failures[old]
            return delay

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)


class LoginThrottle:
    """Failed logins and bad API keys, throttled per address and per user name.

    Per address (at most 5 minutes): one machine guessing keys is slowed down hard. Per user name (at most
    30 seconds, any address): an attacker who names a real user can delay that user's login by half a
    minute at worst, never lock them out; the real user's own success clears it.
    """

    def __init__(self) -> None:
        self.by_address = Throttle(free=20, cap=300.0)
        self.by_user = Throttle(free=10, cap=30.0)

    def wait(self, address: str, user: str = "") -> float:
        return max(self.by_address.wait(address), self.by_user.wait(user) if user else 0.0)

    def failed(self, address: str, user: str = "") -> float:
        delay = self.by_address.failed(address)
        return max(delay, self.by_user.failed(user)) if user else delay

    def succeeded(self, user: str) -> None:
        """A user's own success clears their name; the address keeps counting (a valid account must not
        let its holder reset the throttle between guesses at other keys)."""
        self.by_user.succeeded(user)
