"""The sign-in back-off: counted by the database itself, so parallel guesses cannot race it;
a wait that doubles rather than a lockout; a browser that has signed in before keeps its
owner in whatever strangers or a shared proxy address do.

The race is fired for real: threads, each its own browser, released together against the
real database (SQLite, and PostgreSQL when TEST_DATABASE_URL is set)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from surveys.auth import service, throttle
from surveys.auth.models import SignInThrottle
from surveys.database import db
from surveys.rounds.models import utc_now
from tests.helpers import TEST_PASSWORD, csrf_token_in

MakeUser = Callable[..., str]
PARALLEL_GUESSES = 40


def fresh_browser(app: Flask) -> tuple[FlaskClient, str]:
    client = app.test_client()
    return client, csrf_token_in(client.get("/sign-in").get_data(as_text=True))


def attempt(client: FlaskClient, token: str, email: str, password: str) -> int:
    response = client.post(
        "/sign-in", data={"csrf_token": token, "email": email, "password": password}
    )
    return response.status_code


@pytest.fixture
def checked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every password actually checked against a hash, in order (thread-safe)."""
    seen: list[str] = []
    lock = threading.Lock()
    real = service.check_password_hash

    def counting(password_hash: str, password: str) -> bool:
        with lock:
            seen.append(password)
        return real(password_hash, password)

    monkeypatch.setattr(service, "check_password_hash", counting)
    return seen


def let_time_pass(app: Flask) -> None:
    """Move every wait into the past, as if it had been waited out."""
    with app.app_context():
        db.session.execute(
            update(SignInThrottle).values(blocked_until=utc_now() - timedelta(seconds=1))
        )
        db.session.commit()


def test_parallel_guesses_check_no_more_passwords_than_the_free_tries(
    app: Flask, make_user: MakeUser, checked: list[str]
) -> None:
    email = make_user("admin")
    browsers = [fresh_browser(app) for _ in range(PARALLEL_GUESSES)]
    start = threading.Barrier(PARALLEL_GUESSES)
    statuses: list[int] = []
    errors: list[BaseException] = []

    def guess(index: int) -> None:
        client, token = browsers[index]
        try:
            start.wait()
            statuses.append(attempt(client, token, email, f"wrong guess number {index}"))
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(PARALLEL_GUESSES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert len(statuses) == PARALLEL_GUESSES
    # Exactly the free tries were checked; every other guess waited, unchecked.
    assert len(checked) == throttle.ACCOUNT.free
    assert sorted(statuses) == [200] * throttle.ACCOUNT.free + [429] * (
        PARALLEL_GUESSES - throttle.ACCOUNT.free
    )
    with app.app_context():
        account = db.session.get(SignInThrottle, throttle.account_key(email))
        assert account is not None and account.failures == throttle.ACCOUNT.free


def test_the_wait_doubles_with_each_wrong_password_up_to_fifteen_minutes(
    app: Flask, make_user: MakeUser, checked: list[str]
) -> None:
    email = make_user("admin")
    client, token = fresh_browser(app)
    for _ in range(throttle.ACCOUNT.free):
        assert attempt(client, token, email, "not the password") == 200
    waits = []
    for _ in range(3):
        assert attempt(client, token, email, "not the password") == 429
        with app.app_context():
            row = db.session.get(SignInThrottle, throttle.account_key(email))
            assert row is not None and row.blocked_until is not None
            waits.append(round((row.blocked_until - utc_now()).total_seconds() / 15))
        let_time_pass(app)
        assert attempt(client, token, email, "not the password") == 200  # checked again
    assert waits == [1, 2, 4]  # 15 s, 30 s, 60 s
    assert len(checked) == throttle.ACCOUNT.free + 3
    rule = throttle.ACCOUNT
    assert throttle.delay(rule.free - 1, rule) == timedelta(0)
    assert throttle.delay(rule.free, rule) == timedelta(seconds=15)
    assert throttle.delay(rule.free + 20, rule) == timedelta(minutes=15)
    # Waited out, the right password gets in, and the account's count is gone.
    let_time_pass(app)
    assert attempt(client, token, email, TEST_PASSWORD) == 302
    with app.app_context():
        assert db.session.get(SignInThrottle, throttle.account_key(email)) is None


def test_a_stranger_guessing_cannot_keep_the_owner_out_of_their_own_browser(
    app: Flask, make_user: MakeUser
) -> None:
    email = make_user("manager")
    owner, owner_token = fresh_browser(app)
    assert attempt(owner, owner_token, email, TEST_PASSWORD) == 302  # a known browser now
    owner.post("/sign-out", data={"csrf_token": csrf_token_in(owner.get("/reports").text)})
    stranger, token = fresh_browser(app)
    for _ in range(throttle.ACCOUNT.free):
        assert attempt(stranger, token, email, "guess guess guess") == 200
    assert attempt(stranger, token, email, TEST_PASSWORD) == 429  # even the right one waits
    owner_token = csrf_token_in(owner.get("/sign-in").get_data(as_text=True))
    assert attempt(owner, owner_token, email, TEST_PASSWORD) == 302
    # The known browser has a count of its own: it is not a way round the back-off.
    owner.post("/sign-out", data={"csrf_token": csrf_token_in(owner.get("/reports").text)})
    owner_token = csrf_token_in(owner.get("/sign-in").get_data(as_text=True))
    for _ in range(throttle.DEVICE.free):
        assert attempt(owner, owner_token, email, "my own typo here") == 200
    assert attempt(owner, owner_token, email, TEST_PASSWORD) == 429


def test_a_browser_known_to_one_account_is_a_stranger_to_another(
    app: Flask, make_user: MakeUser
) -> None:
    victim = make_user("admin")
    attacker = make_user("manager")
    client, token = fresh_browser(app)
    assert attempt(client, token, attacker, TEST_PASSWORD) == 302
    client.post("/sign-out", data={"csrf_token": csrf_token_in(client.get("/reports").text)})
    token = csrf_token_in(client.get("/sign-in").get_data(as_text=True))
    for _ in range(throttle.ACCOUNT.free):
        assert attempt(client, token, victim, "guess guess guess") == 200
    assert attempt(client, token, victim, "guess guess guess") == 429


def test_a_busy_address_slows_strangers_but_not_known_browsers(
    app: Flask, make_user: MakeUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Everyone behind a partnership's proxy shares one address. The real budget is 100
    wrong passwords an hour; a smaller one here keeps the test quick."""
    assert throttle.ADDRESS.free >= 100
    monkeypatch.setattr(throttle, "ADDRESS", throttle.Rule(8, throttle.ADDRESS.forget_after))
    colleague = make_user("manager")
    known, known_token = fresh_browser(app)
    assert attempt(known, known_token, colleague, TEST_PASSWORD) == 302
    known.post("/sign-out", data={"csrf_token": csrf_token_in(known.get("/reports").text)})
    guesser, token = fresh_browser(app)
    for number in range(8):  # the good sign-in above is not counted against the address
        assert attempt(guesser, token, f"nobody{number}@example.org", "guess guess") == 200
    assert attempt(guesser, token, "someone@example.org", "guess guess") == 429
    newcomer, newcomer_token = fresh_browser(app)  # a colleague on a new computer waits too
    assert attempt(newcomer, newcomer_token, colleague, TEST_PASSWORD) == 429
    known_token = csrf_token_in(known.get("/sign-in").get_data(as_text=True))
    assert attempt(known, known_token, colleague, TEST_PASSWORD) == 302


def test_a_forged_or_foreign_known_browser_cookie_counts_for_nothing(
    app: Flask, make_user: MakeUser
) -> None:
    email = make_user("admin")
    client, token = fresh_browser(app)
    client.set_cookie("boundary_known_browser", "forged.value.here", path="/sign-in")
    for _ in range(throttle.ACCOUNT.free):
        assert attempt(client, token, email, "guess guess guess") == 200
    assert attempt(client, token, email, TEST_PASSWORD) == 429
    with app.app_context():
        keys = db.session.scalars(select(SignInThrottle.key)).all()
        assert not any(key.startswith("device:") for key in keys)
