"""Who may save: editors' passwords, kept only as salted PBKDF2 hashes (in .streamlit/secrets.toml), and sign-in guarded.

    [editors]
    maria = "pbkdf2_sha256$600000$<salt hex>$<hash hex>"

`python -m usascp hash-password` prints such a line. With no [editors] table the dashboard is read-only.

Signing in must not help anyone guess. Two promises, each with a test; do not break them:
- A name that is not an editor's costs the same work as one that is (a PBKDF2 run with the editors'
  iteration count against a stand-in hash), so the time of an answer does not tell which names exist.
- Failed attempts are counted per session and per name (the name count shared by every session of this
  server process, so opening a new session does not start over). After FREE_TRIES failures each further
  try has to wait, twice as long each time up to LONGEST_WAIT; a try made while waiting is refused
  without looking at the password, so even the right one is refused then. Nobody's thread sleeps:
  the earliest next allowed time is recorded and the page says how long is left.
Unknown names are counted exactly like known ones, so being made to wait tells nothing either.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

ALGORITHM = "pbkdf2_sha256"
ITERATIONS = 600_000  # OWASP's 2023 advice for PBKDF2-HMAC-SHA256

FREE_TRIES = 3  # failures before any wait: room for a typo or two
FIRST_WAIT = 15.0  # seconds, after the FREE_TRIES-th failure; doubles with each failure after it
LONGEST_WAIT = 300.0  # five minutes: about 12 guesses an hour per name, while an editor is never locked out for long
FORGET_AFTER = 3600.0  # an hour with no failure and a name (or session) starts afresh


def hash_password(password: str, salt: bytes | None = None, iterations: int = ITERATIONS) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    return f"{ALGORITHM}${iterations}${salt.hex()}${digest.hex()}"


def password_matches(password: str, stored: str) -> bool:
    """True when `password` hashes to `stored`; False for a wrong password or a malformed entry."""
    try:
        algorithm, iterations, salt, expected = stored.split("$")
        if algorithm != ALGORITHM:
            return False
        digest = hashlib.pbkdf2_hmac("sha256", password.encode(), bytes.fromhex(salt), int(iterations))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest.hex(), expected)


def _name_digest(name: str) -> bytes:
    # Names are compared (and counted) by digest: equal lengths for compare_digest, and a bounded key
    # however long a name someone types.
    return hashlib.sha256(name.encode()).digest()


def _stand_in_hash(editors: dict[str, str]) -> str:
    """A hash no password matches, costing what checking a real editor's password costs."""
    iterations = ITERATIONS
    for stored in editors.values():
        parts = stored.split("$")
        if len(parts) == 4 and parts[0] == ALGORITHM and parts[1].isdigit():
            iterations = int(parts[1])
            break
    # A random digest: 2**-256 odds of a match, and nothing to precompute.
    return f"{ALGORITHM}${iterations}${secrets.token_hex(16)}${secrets.token_hex(32)}"


def editor_signed_in(editors: dict[str, str], name: str, password: str) -> bool:
    """True for an editor's name and password. Takes as long for a name that is no editor's as for one that is."""
    wanted = _name_digest(name.strip())
    stored = None
    for editor, entry in editors.items():  # every name compared, none skipped: no early answer
        if hmac.compare_digest(_name_digest(editor), wanted):
            stored = entry
    matches = password_matches(password, stored if stored is not None else _stand_in_hash(editors))
    return stored is not None and matches


class FailedSignIns:
    """Failed sign-ins counted by key (a session, an editor name), and when each key may try again.

    Thread-safe: the per-name counts are shared by every session of the server. `clock` returns seconds
    (time.monotonic by default; tests pass their own). Keeps at most `most_keys` keys, dropping the one
    longest without a failure, so someone typing endless names cannot fill the memory.
    """

    def __init__(
        self,
        *,
        free_tries: int = FREE_TRIES,
        first_wait: float = FIRST_WAIT,
        longest_wait: float = LONGEST_WAIT,
        forget_after: float = FORGET_AFTER,
        most_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.free_tries = free_tries
        self.first_wait = first_wait
        self.longest_wait = longest_wait
        self.forget_after = forget_after
        self.most_keys = most_keys
        self.clock = clock
        self._lock = threading.Lock()
        # key -> (failures, time of the last failure, earliest time of the next try); oldest failure first.
        self._failures: OrderedDict[bytes, tuple[int, float, float]] = OrderedDict()

    def wait_left(self, key: bytes) -> float:
        """Seconds until `key` may try again; 0 when it may now."""
        now = self.clock()
        with self._lock:
            self._forget_quiet(now)
            record = self._failures.get(key)
        return max(0.0, record[2] - now) if record else 0.0

    def failed(self, key: bytes) -> float:
        """Count a failure for `key`; returns the wait it now has before its next try."""
        now = self.clock()
        with self._lock:
            self._forget_quiet(now)
            failures = self._failures.pop(key, (0, now, now))[0] + 1
            wait = self.wait_after(failures)
            self._failures[key] = (failures, now, now + wait)
            while len(self._failures) > self.most_keys:
                self._failures.popitem(last=False)
        return wait

    def succeeded(self, key: bytes) -> None:
        with self._lock:
            self._failures.pop(key, None)

    def wait_after(self, failures: int) -> float:
        if failures < self.free_tries:
            return 0.0
        return min(self.longest_wait, self.first_wait * 2 ** (failures - self.free_tries))

    def _forget_quiet(self, now: float) -> None:
        # Ordered by last failure, so the quiet ones are at the front.
        while self._failures:
            key, (_, last_failure, _) = next(iter(self._failures.items()))
            if now - last_failure < self.forget_after:
                break
            del self._failures[key]


# Shared by every session of this server process: a new session does not reset a name's count.
NAME_FAILURES = FailedSignIns()
THIS_SESSION = b"this session"  # the only key of a session's own FailedSignIns


@dataclass(frozen=True)
class SignInAttempt:
    editor: str | None  # the editor's name when signed in
    password_checked: bool  # False: refused unread, because this session or this name has to wait
    wait_seconds: float  # before the next try may be made (0: at once)


# Held while a try is checked against the waits and counted, never while a password is hashed.
_COUNTING = threading.Lock()


def sign_in(
    editors: dict[str, str],
    name: str,
    password: str,
    session_failures: FailedSignIns,
    name_failures: FailedSignIns | None = None,
) -> SignInAttempt:
    """Check a sign-in, unless this session or this name has to wait first; count the failures of both."""
    name = name.strip()
    name_failures = NAME_FAILURES if name_failures is None else name_failures
    name_key = _name_digest(name)
    with _COUNTING:
        wait = max(session_failures.wait_left(THIS_SESSION), name_failures.wait_left(name_key))
        if wait > 0:
            return SignInAttempt(None, False, wait)
        # Counted as failed before the (slow) check and forgiven on success: tries sent at the same
        # moment from many sessions find the wait already set, instead of all being checked.
        session_failures.failed(THIS_SESSION)
        name_failures.failed(name_key)
    if editor_signed_in(editors, name, password):
        session_failures.succeeded(THIS_SESSION)
        name_failures.succeeded(name_key)
        return SignInAttempt(name, True, 0.0)
    return SignInAttempt(None, True, max(session_failures.wait_left(THIS_SESSION), name_failures.wait_left(name_key)))


def wait_text(seconds: float) -> str:
    """A wait as a person reads it: "15 seconds", "1 minute", "5 minutes" (rounded up, never "0")."""
    if seconds <= 90:
        whole = max(1, math.ceil(seconds))
        return f"{whole} second{'s' if whole != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minutes"
