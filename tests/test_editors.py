"""Editors' sign-in: unknown names cost what known ones do, and failures make the next try wait, per session and per name."""

from __future__ import annotations

import threading
import time

import pytest

from usascp import editors
from usascp.editors import FailedSignIns, editor_signed_in, hash_password, sign_in, wait_text

CHEAP = 20_000  # iterations: cheap enough for a test, costly enough to see in a clock


class Clock:
    """Seconds that pass only when a test says so."""

    def __init__(self):
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def team():
    return {"maria": hash_password("summit-2026", iterations=CHEAP), "pedro": hash_password("jakarta", iterations=CHEAP)}


@pytest.fixture
def pbkdf2_runs(monkeypatch):
    """The iteration counts of every PBKDF2 run the editors module makes."""
    runs = []
    real = editors.hashlib.pbkdf2_hmac

    def counted(name, password, salt, iterations):
        runs.append(iterations)
        return real(name, password, salt, iterations)

    monkeypatch.setattr(editors.hashlib, "pbkdf2_hmac", counted)
    return runs


def test_an_unknown_name_runs_the_same_pbkdf2_as_a_known_one(team, pbkdf2_runs):
    assert not editor_signed_in(team, "maria", "wrong")
    assert pbkdf2_runs == [CHEAP]
    assert not editor_signed_in(team, "nobody", "wrong")
    assert pbkdf2_runs == [CHEAP, CHEAP]  # a stand-in hash with the editors' iterations, not a quick "no"
    assert not editor_signed_in(team, "", "summit-2026")
    assert pbkdf2_runs == [CHEAP, CHEAP, CHEAP]


def test_known_and_unknown_names_take_about_as_long(team):
    # Tries alternate between the two names, so a burst of load on a shared machine slows both alike; the
    # fastest of each is the one least disturbed. The bound is loose: before the stand-in hash it was over 100.
    times = {"pedro": [], "somebody": []}
    for _ in range(11):
        for name, taken in times.items():
            start = time.perf_counter()
            editor_signed_in(team, name, "wrong")
            taken.append(time.perf_counter() - start)
    ratio = min(times["pedro"]) / min(times["somebody"])
    assert 1 / 5 < ratio < 5, ratio


def test_the_right_password_still_signs_in(team):
    assert editor_signed_in(team, " maria ", "summit-2026")
    assert not editor_signed_in(team, "maria", "jakarta")  # another editor's password


def test_waits_start_after_three_failures_and_double_up_to_five_minutes():
    failures = FailedSignIns(clock=Clock())
    assert [failures.failed(b"key") for _ in range(9)] == [0, 0, 15, 30, 60, 120, 240, 300, 300]


def test_a_session_that_failed_three_times_waits_even_with_the_right_password(team, pbkdf2_runs):
    clock = Clock()
    session, names = FailedSignIns(clock=clock), FailedSignIns(clock=clock)
    for name in ("maria", "pedro", "mario"):  # a different name each time: the session's count still grows
        assert sign_in(team, name, "guess", session, names).editor is None
    runs_before = len(pbkdf2_runs)
    refused = sign_in(team, "maria", "summit-2026", session, names)
    assert refused == editors.SignInAttempt(None, password_checked=False, wait_seconds=15)
    assert len(pbkdf2_runs) == runs_before  # refused without looking at the password
    clock.now += 14
    assert sign_in(team, "maria", "summit-2026", session, names).wait_seconds == pytest.approx(1)
    clock.now += 1
    assert sign_in(team, "maria", "summit-2026", session, names).editor == "maria"


def test_a_name_that_failed_in_other_sessions_waits_in_a_new_one(team):
    clock = Clock()
    names = FailedSignIns(clock=clock)
    for _ in range(3):  # three sessions, one wrong try each: no session has to wait on its own account
        assert sign_in(team, "maria", "guess", FailedSignIns(clock=clock), names).password_checked
    fresh_session = FailedSignIns(clock=clock)
    assert sign_in(team, "maria", "summit-2026", fresh_session, names) == editors.SignInAttempt(None, False, 15)
    assert sign_in(team, "pedro", "jakarta", fresh_session, names).editor == "pedro"  # other names are not held up
    clock.now += 15
    assert sign_in(team, "maria", "summit-2026", FailedSignIns(clock=clock), names).editor == "maria"
    assert names.wait_left(editors._name_digest("maria")) == 0  # a success starts the name afresh


def test_unknown_names_are_made_to_wait_like_known_ones(team):
    clock = Clock()
    names = FailedSignIns(clock=clock)
    for name in ("maria", "nobody"):
        waits = [sign_in(team, name, "guess", FailedSignIns(clock=clock), names).wait_seconds for _ in range(4)]
        assert waits == [0, 0, 15, 15], name  # the fourth is refused: 15 s are still left


def test_tries_sent_at_once_from_many_sessions_are_not_all_checked(team):
    names = FailedSignIns()
    start = threading.Barrier(8)
    attempts = []

    def guess():
        start.wait()
        attempts.append(sign_in(team, "maria", "guess", FailedSignIns(), names))

    threads = [threading.Thread(target=guess) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(attempt.password_checked for attempt in attempts) == 3


def test_failures_are_forgotten_after_an_hour_without_one():
    clock = Clock()
    failures = FailedSignIns(clock=clock)
    for _ in range(5):
        failures.failed(b"key")
    clock.now += 3600
    assert failures.wait_left(b"key") == 0
    assert failures.failed(b"key") == 0  # counted from one again


def test_endless_new_names_do_not_fill_the_memory():
    failures = FailedSignIns(clock=Clock(), most_keys=100)
    for number in range(1_000):
        failures.failed(str(number).encode())
    assert len(failures._failures) == 100


@pytest.mark.parametrize(
    "seconds, text", [(0.2, "1 second"), (15, "15 seconds"), (89.5, "90 seconds"), (120, "2 minutes"), (299, "5 minutes")]
)
def test_waits_are_written_for_people(seconds, text):
    assert wait_text(seconds) == text
