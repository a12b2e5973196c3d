"""Request limits (surveys/limits.py) met through the real test client, on small limits.

The suite's apps run without limits (thousands of requests from one address); each test
here builds an app on the same database with the limiter on and figures small enough to
meet. One test keeps the shipped figures and checks a room of sixty on one Wi-Fi is not
stopped; one runs against the real Redis, as production does.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete

from surveys import create_app
from surveys.database import db
from surveys.limits import counted_address, production_doubts
from surveys.responses.models import Draft, Submission
from surveys.workshops.models import RoomResponse
from tests.helpers import (
    TEST_PASSWORD,
    Respondent,
    RoundRef,
    WorkshopRef,
    answer_everything,
    app_config,
    count_rows,
    csrf_token_in,
    without_redis,
)
from tests.integration.test_workshops import Participant
from tests.workers import redis_url

REDIS_URL = redis_url(4)  # this suite's own Redis database (its worker's, in parallel)


@pytest.fixture
def limited(app: Flask, database_url: str) -> Iterator[Callable[..., Flask]]:
    """Apps on the test database with the limiter on; the `app` fixture empties it after."""
    made: list[Flask] = []

    def make(**config: Any) -> Flask:
        limited_app = create_app(app_config(database_url, RATELIMIT_ENABLED=True, **config))
        made.append(limited_app)
        return limited_app

    yield make
    for each in made:
        with each.app_context():
            db.session.remove()
            db.engine.dispose()


def client_at(app: Flask, address: str = "127.0.0.1") -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def sign_in_attempt(client: FlaskClient, email: str, password: str) -> int:
    token = csrf_token_in(client.get("/sign-in").get_data(as_text=True))
    return client.post(
        "/sign-in", data={"csrf_token": token, "email": email, "password": password}
    ).status_code


def assert_too_many(response: Any, says: str) -> None:
    body = response.get_data(as_text=True)
    assert response.status_code == 429, body[:400]
    assert "Too many requests – try again later" in body
    assert says in body
    assert re.search(r"Please try again in (a minute|\d+ (minutes|hours?))", body), body[:400]
    assert int(response.headers["Retry-After"]) >= 1
    assert "Traceback" not in body
    # The page is one of ours: the nonce-based CSP and the site's layout.
    assert "nonce-" in response.headers["Content-Security-Policy"]
    assert "govuk-footer" in body


def test_sign_in_is_limited_per_address_and_the_429_page_says_when_to_try_again(
    limited: Callable[..., Flask], make_user: Callable[..., str]
) -> None:
    email = make_user("manager")
    app = limited(LIMIT_SIGN_IN="3 per minute")
    guesser = client_at(app, "192.0.2.10")
    assert [sign_in_attempt(guesser, email, f"wrong-{n}") for n in range(3)] == [200] * 3
    token = csrf_token_in(guesser.get("/sign-in").get_data(as_text=True))
    page = guesser.post(
        "/sign-in", data={"csrf_token": token, "email": email, "password": TEST_PASSWORD}
    )
    assert_too_many(page, "too many attempts to sign in from your network")
    # Said to staff: why (password guessing) and whom to tell, not the respondents' wording.
    assert "password guessing" in page.text and "invented answers" not in page.text
    assert "tell your Boundary administrator" in page.text
    # The minute's window ends within a minute (a second more for the window's rounding).
    assert 1 <= int(page.headers["Retry-After"]) <= 61
    # Looking at the sign-in page is not an attempt; another address is not held up.
    assert guesser.get("/sign-in").status_code == 200
    assert sign_in_attempt(client_at(app, "192.0.2.11"), email, TEST_PASSWORD) == 302


def test_only_wrong_join_codes_count_and_guessing_them_is_stopped(
    limited: Callable[..., Flask], make_workshop: Callable[..., WorkshopRef]
) -> None:
    workshop = make_workshop()
    app = limited(LIMIT_JOIN_MISSES="3 per minute")
    phone = client_at(app)
    # Right codes cost nothing, however often.
    for _ in range(5):
        assert phone.get(workshop.room).status_code == 200
    token = csrf_token_in(phone.get("/join").get_data(as_text=True))
    wrong = phone.post("/join", data={"csrf_token": token, "code": "ZZZZZZ"})
    assert wrong.status_code == 200 and "There is no workshop with this code" in wrong.text
    assert phone.get("/w/ZZZZZY").status_code == 404
    assert phone.get("/w/ZZZZZX/status").status_code == 404
    assert_too_many(phone.get("/w/ZZZZZW"), "too many wrong workshop codes")
    assert_too_many(
        phone.post("/join", data={"csrf_token": token, "code": "ZZZZZV"}),
        "too many wrong workshop codes",
    )


def test_new_drafts_are_limited_but_a_draft_being_answered_is_not(
    limited: Callable[..., Flask], make_round: Callable[..., RoundRef]
) -> None:
    round_ = make_round()
    app = limited(LIMIT_NEW_DRAFT="2 per minute")
    first = Respondent(client_at(app), round_)
    first.get("/about-you")
    assert first.post({"agency": "police", "level": "frontline"}).status_code == 200
    # The same person's next pages are not new drafts.
    for _ in range(4):
        first.get("/about-you")
        assert first.post({"agency": "police", "level": "frontline"}).status_code == 200
    second = Respondent(client_at(app), round_)
    second.get("/about-you")
    assert second.post({"agency": "health", "level": "frontline"}).status_code == 200
    third = Respondent(client_at(app), round_)
    third.get("/about-you")
    refused = third.post({"agency": "health", "level": "frontline"}, follow=False)
    assert_too_many(refused, "Too many surveys have been started from your network")
    # No draft was made, so the page says its answers were not saved (and not that they were).
    assert "The answers on the page you just sent were not saved" in refused.text
    assert "Nothing you answered has been lost" not in refused.text
    assert count_rows(app, Draft) == 2


def test_a_replayed_cookie_whose_draft_is_gone_starts_drafts_that_are_counted(
    limited: Callable[..., Flask], make_round: Callable[..., RoundRef]
) -> None:
    """Found in review: a cookie naming a draft that no longer exists was taken as "already
    answering", so replaying it made a new draft on every request, never counted."""
    round_ = make_round()
    app = limited(LIMIT_NEW_DRAFT="2 per minute")
    replayer = Respondent(client_at(app), round_)
    replayer.get("/about-you")
    assert replayer.post({"agency": "police", "level": "frontline"}).status_code == 200
    statuses = []
    for _ in range(3):
        with app.app_context():  # the draft is sent or forgotten; the cookie still names it
            db.session.execute(delete(Draft))
            db.session.commit()
        replayer.get("/about-you")
        statuses.append(replayer.post({"agency": "police", "level": "frontline"}).status_code)
    assert statuses == [200, 429, 429]


@pytest.mark.parametrize(
    ("one", "other", "same"),
    [
        ("192.0.2.1", "192.0.2.1", True),
        ("192.0.2.1", "192.0.2.2", False),
        ("2001:db8:1:2::1", "2001:db8:1:2:ffff::9", True),  # one connection's /64
        ("2001:db8:1:2::1", "2001:db8:1:3::1", False),
        ("::ffff:192.0.2.1", "192.0.2.1", True),  # an IPv4 client seen over IPv6
    ],
)
def test_an_ipv6_client_is_counted_by_its_64_network(one: str, other: str, same: bool) -> None:
    assert (counted_address(one) == counted_address(other)) is same


def test_submissions_are_limited_per_address_and_the_refused_answers_are_kept(
    limited: Callable[..., Flask], make_round: Callable[..., RoundRef], questionnaire: Any
) -> None:
    round_ = make_round()
    app = limited(LIMIT_SUBMIT="2 per minute")
    outcomes = []
    for _ in range(3):
        person = Respondent(client_at(app), round_)
        answer_everything(person, questionnaire)
        outcomes.append(person.post({}, path="/submit", action=None, follow=False))
    assert [r.status_code for r in outcomes[:2]] == [302, 302]
    assert_too_many(outcomes[2], "Too many surveys have been sent from your network")
    assert "Nothing you answered has been lost" in outcomes[2].text
    assert count_rows(app, Submission) == 2
    assert count_rows(app, Draft) == 1  # the third person's answers wait to be sent


def test_a_round_takes_only_so_many_submissions_whatever_the_addresses(
    limited: Callable[..., Flask], make_round: Callable[..., RoundRef], questionnaire: Any
) -> None:
    round_, other = make_round(), make_round()
    app = limited(LIMIT_SUBMIT_ROUND="2 per hour")
    statuses = []
    for n in range(3):
        person = Respondent(client_at(app, f"198.51.100.{n + 1}"), round_)
        answer_everything(person, questionnaire)
        statuses.append(person.post({}, path="/submit", action=None, follow=False))
    assert [r.status_code for r in statuses[:2]] == [302, 302]
    assert_too_many(statuses[2], "unusually large number of answers")
    # Another round is not held up by this one's limit.
    person = Respondent(client_at(app, "198.51.100.9"), other)
    answer_everything(person, questionnaire)
    assert person.post({}, path="/submit", action=None, follow=False).status_code == 302


def test_one_address_can_give_only_so_many_answers_to_a_workshop_question(
    limited: Callable[..., Flask], make_workshop: Callable[..., WorkshopRef]
) -> None:
    workshop = make_workshop()
    app = limited(LIMIT_WORKSHOP_ANSWERS_PER_ADDRESS=3)
    for _ in range(3):
        phone = Participant(app, workshop)
        phone.join()
        phone.answer()
    fourth = Participant(app, workshop)
    fourth.join()
    hidden, items = fourth.form()
    refused = fourth.send(hidden, items, 4)
    assert_too_many(refused, "no more can be counted from it")
    # A phone on mobile data (another address) still answers.
    elsewhere = Participant(app, workshop)
    elsewhere.client.environ_base["REMOTE_ADDR"] = "203.0.113.7"
    elsewhere.join()
    elsewhere.answer()
    assert count_rows(app, RoomResponse) == 4


def test_the_shipped_limits_let_a_room_of_sixty_on_one_wifi_answer_at_once(
    limited: Callable[..., Flask], make_workshop: Callable[..., WorkshopRef]
) -> None:
    workshop = make_workshop()
    app = limited()  # the shipped figures
    for _ in range(60):
        phone = Participant(app, workshop)
        phone.join()
        phone.answer()
    assert count_rows(app, RoomResponse) == 60


def redis_answers() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def redis_db() -> Iterator[str]:
    if not redis_answers():
        without_redis("Redis does not answer at 127.0.0.1:6379")
    import redis

    connection = redis.Redis.from_url(REDIS_URL)
    connection.flushdb()
    yield REDIS_URL
    connection.flushdb()
    connection.close()


def test_with_redis_the_limits_are_shared_by_every_worker_and_expire(
    limited: Callable[..., Flask], make_user: Callable[..., str], redis_db: str
) -> None:
    import redis

    email = make_user("manager")
    prefix = f"boundary-test-{uuid.uuid4().hex[:8]}"
    config = {
        "RATELIMIT_STORAGE_URI": redis_db,
        "RATELIMIT_KEY_PREFIX": prefix,
        "LIMIT_SIGN_IN": "3 per minute",
    }
    worker_one, worker_two = limited(**config), limited(**config)  # two gunicorn workers
    one, two = client_at(worker_one, "192.0.2.50"), client_at(worker_two, "192.0.2.50")
    assert sign_in_attempt(one, email, "wrong-1") == 200
    assert sign_in_attempt(two, email, "wrong-2") == 200
    assert sign_in_attempt(one, email, "wrong-3") == 200
    token = csrf_token_in(two.get("/sign-in").get_data(as_text=True))
    assert_too_many(
        two.post("/sign-in", data={"csrf_token": token, "email": email, "password": "x"}),
        "too many attempts to sign in",
    )
    connection = redis.Redis.from_url(redis_db, decode_responses=True)
    keys = [str(key) for key in connection.keys(f"*{prefix}*")]
    assert keys, "the counts are kept in Redis"
    # The address is kept only as a keyed hash, and every count expires.
    assert not any("192.0.2.50" in key for key in keys)
    assert all(0 < connection.ttl(key) <= 60 for key in keys)


def test_when_the_limiter_storage_is_down_people_can_still_answer(
    limited: Callable[..., Flask], make_round: Callable[..., RoundRef], questionnaire: Any
) -> None:
    """Redis refusing connections must not turn respondents away: limits fall back to memory."""
    round_ = make_round()
    app = limited(RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0", LIMIT_SUBMIT="1 per minute")
    first = Respondent(client_at(app), round_)
    answer_everything(first, questionnaire)
    assert first.post({}, path="/submit", action=None, follow=False).status_code == 302
    second = Respondent(client_at(app), round_)
    answer_everything(second, questionnaire)
    # ...and the limits still hold, counted in memory meanwhile.
    assert second.post({}, path="/submit", action=None, follow=False).status_code == 429
    assert count_rows(app, Submission) == 1


def test_when_the_limiter_storage_is_down_a_workshop_room_still_answers(
    limited: Callable[..., Flask], make_workshop: Callable[..., WorkshopRef]
) -> None:
    workshop = make_workshop()
    app = limited(RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")
    phone = Participant(app, workshop)
    phone.join()
    phone.answer()
    assert count_rows(app, RoomResponse) == 1


def test_production_says_when_its_settings_weaken_the_limits(database_url: str) -> None:
    """Found in review: behind a proxy without PROXY_FIX_X_FOR, everyone shares one count,
    so one guesser could lock the public out; with memory storage each worker counts alone."""
    key = "k" * 40
    doubtful = create_app(app_config(database_url, TESTING=False, ENV="production", SECRET_KEY=key))
    doubts = production_doubts(doubtful)
    assert len(doubts) == 2
    assert "BOUNDARY_PROXY_FIX_X_FOR" in doubts[0] and "RATELIMIT_STORAGE_URI" in doubts[1]
    settled = create_app(
        app_config(
            database_url,
            TESTING=False,
            ENV="production",
            SECRET_KEY=key,
            PROXY_FIX_X_FOR=1,
            RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/4",
        )
    )
    assert production_doubts(settled) == []
    for app in (doubtful, settled):
        with app.app_context():
            db.engine.dispose()
