"""Showing the manager and the facilitator when submissions look like stuffing
(surveys/stuffing), with bursts planted on purpose, through the real pages."""

from __future__ import annotations

import logging
import re
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import MetaData, inspect, select
from werkzeug.test import TestResponse

from surveys import create_app, limits
from surveys.database import db
from surveys.questionnaire import Questionnaire
from surveys.responses.models import Submission
from surveys.rounds.models import Round, utc_now
from surveys.stuffing import service as stuffing
from surveys.workshops import stuffing as room_watch
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
)
from tests.integration.test_workshops import Participant

HOURS_AGO = timedelta(hours=1)


def plant(app: Flask, slug: str, arrivals: dict[datetime, int]) -> None:
    """Arrivals counted as the submit page counts them, at chosen moments of the last day."""
    with app.app_context():
        round_ = db.session.scalar(select(Round).where(Round.slug == slug))
        assert round_ is not None
        for moment, how_many in arrivals.items():
            for _ in range(how_many):
                stuffing.count_arrival(round_.id, moment)


def a_steady_day(per_window: int = 2, now: datetime | None = None) -> dict[datetime, int]:
    """A couple of responses every hour for the last twenty hours (the storage keeps 24)."""
    now = now or utc_now()
    return {now - HOURS_AGO * hours: per_window for hours in range(1, 21)}


def integrity_page(client: FlaskClient, round_: RoundRef) -> str:
    page = client.get(f"/rounds/{round_.slug}/invitations")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def counted(app: Flask, round_: RoundRef) -> int:
    """Every arrival the limiter's storage still holds for the round."""
    with app.app_context():
        return sum(arrivals for _start, arrivals in stuffing.last_day_windows(round_.id))


@pytest.fixture
def limited_app(app: Flask, database_url: str) -> Iterator[Flask]:
    """The shipped limits, on: the workshop signs are counted in the limiter's storage."""
    limited = create_app(app_config(database_url, RATELIMIT_ENABLED=True))
    yield limited
    with limited.app_context():
        db.session.remove()
        db.engine.dispose()


def limited_app_with(database_url: str, **settings: Any) -> Flask:
    return create_app(app_config(database_url, RATELIMIT_ENABLED=True, **settings))


@pytest.fixture
def staff_on(make_user: Callable[..., str]) -> Callable[..., FlaskClient]:
    """A client of the given app, signed in with the given role."""

    def sign_in_on(app: Flask, role: str = "manager", agency: str | None = None) -> FlaskClient:
        client = app.test_client()
        token = csrf_token_in(client.get("/sign-in").get_data(as_text=True))
        response = client.post(
            "/sign-in",
            data={"csrf_token": token, "email": make_user(role, agency), "password": TEST_PASSWORD},
        )
        assert response.status_code == 302
        return client

    return sign_in_on


def send_a_response(app: Flask, round_: RoundRef, questionnaire: Questionnaire) -> TestResponse:
    person = Respondent(app.test_client(), round_)
    answer_everything(person, questionnaire)
    return person.post({}, path="/submit", action=None)


def test_a_planted_burst_is_shown_to_the_manager_and_a_steady_round_is_not(
    limited_app: Flask,
    staff_on: Callable[..., FlaskClient],
    make_round: Callable[..., RoundRef],
) -> None:
    manager = staff_on(limited_app)
    steady, stuffed = make_round(), make_round()
    now = utc_now()
    plant(limited_app, steady.slug, a_steady_day(now=now))
    burst_at = now - timedelta(hours=3, minutes=30)
    plant(limited_app, stuffed.slug, {**a_steady_day(now=now), burst_at: 40})

    calm = integrity_page(manager, steady)
    assert "data-bursts-none" in calm and "data-bursts>" not in calm

    page = integrity_page(manager, stuffed)
    assert "data-bursts>" in page
    assert "40 responses between" in page and "against a usual 2 in ten minutes" in page
    with limited_app.app_context():
        round_ = db.session.scalar(select(Round).where(Round.slug == stuffed.slug))
        assert round_ is not None
        [burst] = stuffing.bursts(round_)
    assert burst.starts_at == stuffing.window_start(burst_at) and burst.arrivals == 40


def test_counts_older_than_a_day_are_not_in_the_usual_figure_nor_shown(
    limited_app: Flask, make_round: Callable[..., RoundRef]
) -> None:
    """The storage keeps a day: a burst from yesterday morning is neither shown nor read."""
    round_ = make_round()
    now = utc_now()
    plant(limited_app, round_.slug, {now - timedelta(hours=25): 40, now - HOURS_AGO: 1})
    with limited_app.app_context():
        row = db.session.get(Round, round_.id)
        assert row is not None
        assert stuffing.bursts(row) == []
        assert stuffing.last_day_windows(round_.id) == [(stuffing.window_start(now - HOURS_AGO), 1)]


def test_a_busy_morning_is_not_called_a_burst_below_the_floor(
    limited_app: Flask, make_round: Callable[..., RoundRef]
) -> None:
    """A team of a dozen answering together is five times the usual, but not a burst."""
    round_ = make_round()
    plant(limited_app, round_.slug, {**a_steady_day(1), utc_now() - timedelta(minutes=31): 12})
    with limited_app.app_context():
        row = db.session.get(Round, round_.id)
        assert row is not None
        assert stuffing.bursts(row) == []


def test_real_submissions_are_counted_in_the_limiter_storage_and_raise_the_banner(
    database_url: str,
    staff_on: Callable[..., FlaskClient],
    make_round: Callable[..., RoundRef],
    questionnaire: Questionnaire,
) -> None:
    """Three responses sent through the survey pages, against a usual one in ten minutes,
    with the floor lowered to three: the admin's round page warns of them."""
    app = limited_app_with(database_url, BURST_MIN_ARRIVALS=3, BURST_FACTOR=2)
    try:
        round_ = make_round()
        plant(app, round_.slug, a_steady_day(1))
        admin = staff_on(app, "admin")
        before = admin.get(f"/manage/rounds/{round_.slug}").text
        assert "data-stuffing-banner" not in before
        for _ in range(3):
            page = send_a_response(app, round_, questionnaire)
            assert page.status_code == 200 and "Your answers have been sent" in page.text
        assert count_rows(app, Submission) == 3
        assert counted(app, round_) == 20 + 3
        after = admin.get(f"/manage/rounds/{round_.slug}").text
        banner = re.search(r"data-stuffing-banner.*?</div>", after, re.S)
        assert banner, after[:300]
        assert re.search(r"(once|most recently): 3 responses\s+between", banner.group(0)), (
            banner.group(0)
        )
        with app.app_context():
            assert "arrival_windows" not in inspect(db.engine).get_table_names()
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_with_limits_off_burst_detection_says_it_is_off_and_answers_are_still_taken(
    app: Flask,
    manager: FlaskClient,
    make_round: Callable[..., RoundRef],
    questionnaire: Questionnaire,
) -> None:
    """No limiter, no storage: nothing is counted anywhere, and the page does not pretend."""
    round_ = make_round()
    page = send_a_response(app, round_, questionnaire)
    assert "Your answers have been sent" in page.text
    assert count_rows(app, Submission) == 1
    shown = integrity_page(manager, round_)
    assert "data-bursts-off" in shown and "data-bursts-none" not in shown


def test_responses_opening_the_same_window_at_once_are_all_counted_and_none_fails(
    limited_app: Flask, make_round: Callable[..., RoundRef]
) -> None:
    """Found by the worker-kill fault test on PostgreSQL: two sends opening a new window
    together made the second respondent's confirmation a 500. The count is now one atomic
    increment in the limiter's storage; eight at once must all land."""
    round_ = make_round()
    moment = utc_now()
    barrier = threading.Barrier(8)
    failures: list[BaseException] = []

    def send() -> None:
        with limited_app.app_context():
            barrier.wait()
            try:
                stuffing.count_arrival(round_.id, moment)
            except BaseException as error:  # noqa: BLE001 - any failure fails the test
                failures.append(error)

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with limited_app.app_context():
        key = stuffing.arrivals_key(round_.id, stuffing.window_start(moment))
        assert limits.counter(key) == 8


def console_of(app: Flask, facilitator: Any, workshop: WorkshopRef) -> str:
    page = facilitator.get(f"{workshop.console}/live/console")
    assert page.status_code == 200
    return str(page.get_data(as_text=True))


@pytest.fixture
def facilitator_on(
    make_user: Callable[..., str],
) -> Callable[[Flask], FlaskClient]:
    email = make_user("facilitator")

    def sign_in_on(app: Flask) -> FlaskClient:
        client = app.test_client()
        token = csrf_token_in(client.get("/sign-in").get_data(as_text=True))
        response = client.post(
            "/sign-in", data={"csrf_token": token, "email": email, "password": TEST_PASSWORD}
        )
        assert response.status_code == 302
        return client

    return sign_in_on


def test_a_phone_sending_an_old_cookie_again_shows_answers_exceed_phones_joined(
    limited_app: Flask,
    facilitator_on: Callable[[Flask], FlaskClient],
    make_workshop: Callable[..., WorkshopRef],
) -> None:
    workshop = make_workshop()
    facilitator = facilitator_on(limited_app)
    honest = Participant(limited_app, workshop)
    honest.client.environ_base["REMOTE_ADDR"] = "203.0.113.1"
    honest.join()
    honest.answer()
    calm = console_of(limited_app, facilitator, workshop)
    assert "1 phone has joined" in calm and "data-stuffing-warning" not in calm

    # One phone keeps its cookie from before it answered and sends it again and again.
    stuffer = Participant(limited_app, workshop)
    stuffer.client.environ_base["REMOTE_ADDR"] = "203.0.113.2"
    stuffer.join()
    before = stuffer.client.get_cookie("boundary_session")
    assert before is not None
    for _ in range(3):
        stuffer.client.set_cookie("boundary_session", before.value)
        stuffer.answer()
    assert count_rows(limited_app, RoomResponse) == 4
    page = console_of(limited_app, facilitator, workshop)
    assert "2 phones have joined" in page
    assert "data-stuffing-warning" in page and "Answers exceed phones joined" in page


def test_thirty_of_thirty_answers_from_one_phone_clearing_its_cookie_are_pointed_out(
    limited_app: Flask,
    facilitator_on: Callable[[Flask], FlaskClient],
    make_workshop: Callable[..., WorkshopRef],
) -> None:
    workshop = make_workshop()
    facilitator = facilitator_on(limited_app)
    for _ in range(30):  # a new cookie each time: it joins again, so joins keep pace
        phone = Participant(limited_app, workshop)
        phone.client.environ_base["REMOTE_ADDR"] = "198.51.100.30"
        phone.join()
        phone.answer()
    page = console_of(limited_app, facilitator, workshop)
    assert "30 phones have joined" in page
    assert "All of the room's first answers came through one network address" in page


def test_a_room_on_mobile_data_raises_no_warning(
    limited_app: Flask,
    facilitator_on: Callable[[Flask], FlaskClient],
    make_workshop: Callable[..., WorkshopRef],
) -> None:
    workshop = make_workshop()
    facilitator = facilitator_on(limited_app)
    for n in range(12):
        phone = Participant(limited_app, workshop)
        phone.client.environ_base["REMOTE_ADDR"] = f"198.51.100.{n + 1}"
        phone.join()
        phone.answer()
    page = console_of(limited_app, facilitator, workshop)
    assert "12 phones have joined" in page and "data-stuffing-warning" not in page


def test_the_round_pages_warn_admins_and_managers_of_a_burst_but_not_agency_leads(
    limited_app: Flask,
    staff_on: Callable[..., FlaskClient],
    make_round: Callable[..., RoundRef],
) -> None:
    round_ = make_round()
    plant(limited_app, round_.slug, {**a_steady_day(), utc_now() - timedelta(minutes=90): 35})
    admin = staff_on(limited_app, "admin")
    for path in (f"/manage/rounds/{round_.slug}", f"/reports/{round_.slug}"):
        page = admin.get(path).get_data(as_text=True)
        assert "data-stuffing-banner" in page, path
        # The window's day is said once, and the count says what it counts.
        # (A window from midnight reads "between midnight and 12:10am on ...".)
        assert re.search(
            r"35 responses between ([0-9:apm]+|midnight) and [0-9:apm]+ on \d", page
        ), path
    lead = staff_on(limited_app, "agency-lead", "police")
    page = lead.get(f"/reports/{round_.slug}").get_data(as_text=True)
    assert page and "data-stuffing-banner" not in page


def test_a_phone_joining_reaches_the_watching_console(
    app: Flask,
    facilitator_on: Callable[[Flask], FlaskClient],
    make_workshop: Callable[..., WorkshopRef],
) -> None:
    workshop = make_workshop()
    facilitator = facilitator_on(app)
    url = f"{workshop.console}/live/console"
    first = facilitator.get(url)
    assert "0 phones have joined" in first.get_data(as_text=True)
    tag = first.headers["ETag"].strip('"')
    assert facilitator.get(url, headers={"If-None-Match": tag}).status_code == 304
    Participant(app, workshop).join()
    again = facilitator.get(url, headers={"If-None-Match": tag})
    assert again.status_code == 200 and "1 phone has joined" in again.get_data(as_text=True)


# --- what a count may never do ------------------------------------------------------------


def test_a_count_failing_after_the_commit_still_confirms_and_stores_the_response_once(
    limited_app: Flask,
    make_round: Callable[..., RoundRef],
    questionnaire: Questionnaire,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    round_ = make_round()

    def broken(round_id: int, now: datetime | None = None) -> None:
        raise RuntimeError("storage exploded near 'my private comment'")

    monkeypatch.setattr(stuffing, "count_arrival", broken)
    with caplog.at_level(logging.WARNING):
        page = send_a_response(limited_app, round_, questionnaire)
    assert page.status_code == 200 and "Your answers have been sent" in page.text
    assert count_rows(limited_app, Submission) == 1
    assert counted(limited_app, round_) == 0
    warned = [r for r in caplog.records if getattr(r, "event", "") == "arrival-not-counted"]
    assert len(warned) == 1 and "RuntimeError" in warned[0].getMessage()
    assert "private" not in caplog.text  # the error's own words are not logged


def test_a_storage_that_refuses_every_count_still_confirms(
    database_url: str,
    staff_on: Callable[..., FlaskClient],
    make_round: Callable[..., RoundRef],
    questionnaire: Questionnaire,
) -> None:
    """The real storage object broken (Redis gone, nothing listening): confirmed, stored
    once, and the round's page still opens, with no burst to show."""
    app = limited_app_with(
        database_url,
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0",
        RATELIMIT_STORAGE_OPTIONS={"socket_connect_timeout": 0.2},
    )
    try:
        round_ = make_round()
        page = send_a_response(app, round_, questionnaire)
        assert page.status_code == 200 and "Your answers have been sent" in page.text
        assert count_rows(app, Submission) == 1
        shown = staff_on(app, "admin").get(f"/manage/rounds/{round_.slug}")
        assert shown.status_code == 200 and "data-stuffing-banner" not in shown.text
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_a_failing_join_count_still_lets_the_phone_in(
    limited_app: Flask,
    make_workshop: Callable[..., WorkshopRef],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    workshop = make_workshop()

    def broken(workshop: object) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(room_watch, "phone_joined", broken)
    phone = Participant(limited_app, workshop)
    phone.join()  # a redirect to the questions, not an error page
    phone.answer()
    assert count_rows(limited_app, RoomResponse) == 1


STAFF_TABLES = {"audit_events", "sign_in_throttles"}  # staff's own records, not answers
TIME_OF_DAY = re.compile(r"\b\d{1,2}:\d{2}\b")


def every_cell(app: Flask) -> tuple[set[str], set[tuple[str, str, Any]]]:
    """Every value in every table of the real database, but staff tables, as
    (table, column, value)."""
    with app.app_context():
        schema = MetaData()
        schema.reflect(bind=db.engine)
        cells = set()
        for table in schema.sorted_tables:
            if table.name in STAFF_TABLES:
                continue
            for row in db.session.execute(table.select()).mappings():
                for column, value in row.items():
                    cells.add((table.name, column, value if _hashable(value) else repr(value)))
        db.session.rollback()
        return {table.name for table in schema.sorted_tables}, cells


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def says_a_time_of_day(value: Any, low: float, high: float) -> bool:
    if isinstance(value, datetime):
        return value.time() != time(0)
    if isinstance(value, time):
        return True
    if isinstance(value, str):
        return TIME_OF_DAY.search(value) is not None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return low <= value <= high or low * 1000 <= value <= high * 1000
    return False


def finer_than_a_day(cells: set[tuple[str, str, Any]], around: datetime) -> list[str]:
    """Values that say a time of day: a datetime or time off midnight, text with hh:mm, or a
    number that reads as a Unix time of these days (seconds or milliseconds)."""
    epoch = around.replace(tzinfo=None) - datetime(1970, 1, 1)
    low = (epoch - timedelta(days=2)).total_seconds()
    high = (epoch + timedelta(days=2)).total_seconds()
    return sorted(
        f"{table}.{column} = {str(value)[:80]!r}"
        for table, column, value in cells
        if says_a_time_of_day(value, low, high)
    )


def test_after_submissions_no_table_holds_a_time_finer_than_a_day(
    limited_app: Flask,
    make_round: Callable[..., RoundRef],
    make_workshop: Callable[..., WorkshopRef],
    questionnaire: Questionnaire,
) -> None:
    """The ballot-stuffing counts once kept ten-minute windows in the database: joined with
    a submission's day, one window of one pinned a person's answers to ten minutes. Now
    every table and column is read before and after online responses and workshop answers,
    and nothing they wrote may say a time of day."""
    round_ = make_round()
    workshop = make_workshop()
    tables, before = every_cell(limited_app)
    assert {"submissions", "answers", "workshop_responses", "drafts"} <= tables
    assert "arrival_windows" not in tables

    started = utc_now()
    for _ in range(2):
        assert (
            "Your answers have been sent"
            in send_a_response(limited_app, round_, questionnaire).text
        )
    phone = Participant(limited_app, workshop)
    phone.join()
    phone.answer()
    _tables, after = every_cell(limited_app)

    written = after - before
    seen = {(table, column) for table, column, _value in written}
    assert ("submissions", "submitted_on") in seen, "the scan sees what the submissions wrote"
    assert finer_than_a_day(written, started) == []
    assert counted(limited_app, round_) == 2  # the counts went to the limiter's storage

    # The scan itself finds a time of day when one is written (a staff action here).
    make_workshop()
    _tables, later = every_cell(limited_app)
    assert any(
        "workshop_sessions.created_at" in found
        for found in finer_than_a_day(later - after, started)
    )


# --- Redis, as in production ----------------------------------------------------------------

REDIS_URL = "redis://127.0.0.1:6379/9"  # this file's own Redis database; only its keys touched


@pytest.fixture
def redis_app(database_url: str) -> Iterator[tuple[Flask, str]]:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip("Redis does not answer at 127.0.0.1:6379")
    prefix = f"stuffing-test-{uuid.uuid4().hex[:8]}"
    app = limited_app_with(
        database_url, RATELIMIT_STORAGE_URI=REDIS_URL, RATELIMIT_KEY_PREFIX=prefix
    )
    yield app, prefix
    connection = redis.Redis.from_url(REDIS_URL)
    for key in connection.scan_iter(f"*{prefix}*"):
        connection.delete(key)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_in_redis_the_counts_are_atomic_and_expire_within_a_day(
    redis_app: tuple[Flask, str], make_round: Callable[..., RoundRef]
) -> None:
    import redis

    app, prefix = redis_app
    round_ = make_round()
    moment = utc_now()
    barrier = threading.Barrier(8)

    def send() -> None:
        with app.app_context():
            barrier.wait()
            stuffing.count_arrival(round_.id, moment)

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert counted(app, round_) == 8
    connection = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    [key] = list(connection.scan_iter(f"*{prefix}/arrivals/*"))
    assert connection.get(key) == "8"
    assert 0 < connection.ttl(key) <= 24 * 60 * 60
