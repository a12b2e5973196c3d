"""Showing the manager and the facilitator when submissions look like stuffing
(surveys/stuffing), with bursts planted on purpose, through the real pages."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from surveys import create_app
from surveys.database import db
from surveys.questionnaire import Questionnaire
from surveys.responses.models import Submission
from surveys.rounds.models import Round
from surveys.stuffing import service as stuffing
from surveys.stuffing.models import ArrivalWindow
from surveys.workshops.models import RoomResponse
from tests.helpers import (
    Respondent,
    RoundRef,
    WorkshopRef,
    answer_everything,
    app_config,
    count_rows,
    csrf_token_in,
)
from tests.integration.test_workshops import Participant

MONDAY_9AM = datetime(2026, 11, 30, 9, 0)


def plant(app: Flask, slug: str, arrivals: dict[datetime, int]) -> None:
    """Arrivals counted as the submit page counts them, at chosen moments."""
    with app.app_context():
        round_ = db.session.scalar(select(Round).where(Round.slug == slug))
        assert round_ is not None
        for moment, how_many in arrivals.items():
            for _ in range(how_many):
                stuffing.count_arrival(round_.id, moment)


def a_steady_week(per_window: int = 2) -> dict[datetime, int]:
    """A couple of responses every hour of the working day, for a week."""
    return {
        MONDAY_9AM + timedelta(days=day, hours=hour, minutes=7): per_window
        for day in range(5)
        for hour in range(8)
    }


def integrity_page(client: FlaskClient, round_: RoundRef) -> str:
    page = client.get(f"/rounds/{round_.slug}/invitations")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def test_a_planted_burst_is_shown_to_the_manager_and_a_steady_round_is_not(
    app: Flask, manager: FlaskClient, make_round: Callable[..., RoundRef]
) -> None:
    steady, stuffed = make_round(), make_round()
    plant(app, steady.slug, a_steady_week())
    burst_at = MONDAY_9AM + timedelta(days=2, hours=3, minutes=14)
    plant(app, stuffed.slug, {**a_steady_week(), burst_at: 40})

    calm = integrity_page(manager, steady)
    assert "data-bursts-none" in calm and "data-bursts>" not in calm

    page = integrity_page(manager, stuffed)
    assert "data-bursts>" in page
    assert "40 responses between" in page and "against a usual 2 in ten minutes" in page
    with app.app_context():
        round_ = db.session.scalar(select(Round).where(Round.slug == stuffed.slug))
        assert round_ is not None
        [burst] = stuffing.bursts(round_)
    assert burst.starts_at == datetime(2026, 12, 2, 12, 10) and burst.arrivals == 40


def test_a_busy_morning_is_not_called_a_burst_below_the_floor(
    app: Flask, make_round: Callable[..., RoundRef]
) -> None:
    """A team of a dozen answering together is five times the usual, but not a burst."""
    round_ = make_round()
    plant(app, round_.slug, {**a_steady_week(1), MONDAY_9AM + timedelta(minutes=31): 12})
    with app.app_context():
        row = db.session.scalar(select(Round).where(Round.slug == round_.slug))
        assert row is not None
        assert stuffing.bursts(row) == []


def test_each_submission_adds_one_to_its_window_and_the_window_holds_only_a_count(
    app: Flask,
    client: FlaskClient,
    make_round: Callable[..., RoundRef],
    questionnaire: Questionnaire,
) -> None:
    round_ = make_round()
    for _ in range(2):
        person = Respondent(app.test_client(), round_)
        answer_everything(person, questionnaire)
        assert person.post({}, path="/submit", action=None, follow=False).status_code == 302
    with app.app_context():
        [window] = db.session.scalars(select(ArrivalWindow)).all()
    assert window.arrivals == 2
    assert window.starts_at.minute % 10 == 0 and window.starts_at.second == 0
    assert set(ArrivalWindow.__table__.columns.keys()) == {"round_id", "starts_at", "arrivals"}
    assert count_rows(app, Submission) == 2


def test_responses_opening_the_same_window_at_once_are_all_counted_and_none_fails(
    app: Flask, make_round: Callable[..., RoundRef]
) -> None:
    """Found by the worker-kill fault test on PostgreSQL: two sends opening a new window
    together made the second respondent's confirmation a 500 (a duplicate key)."""
    round_ = make_round()
    moment = datetime(2026, 12, 4, 10, 3)
    barrier = threading.Barrier(8)
    failures: list[BaseException] = []

    def send() -> None:
        with app.app_context():
            barrier.wait()
            try:
                stuffing.count_arrival(round_.id, moment)
            except BaseException as error:  # noqa: BLE001 - any failure fails the test
                failures.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with app.app_context():
        [window] = db.session.scalars(select(ArrivalWindow)).all()
    assert window.arrivals == 8


@pytest.fixture
def limited_app(app: Flask, database_url: str) -> Iterator[Flask]:
    """The shipped limits, on: the workshop signs are counted in the limiter's storage."""
    limited = create_app(app_config(database_url, RATELIMIT_ENABLED=True))
    yield limited
    with limited.app_context():
        db.session.remove()
        db.engine.dispose()


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
        from tests.helpers import TEST_PASSWORD

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
    app: Flask,
    client: FlaskClient,
    make_user: Callable[..., str],
    sign_in: Callable[[str], None],
    make_round: Callable[..., RoundRef],
) -> None:
    round_ = make_round()
    plant(app, round_.slug, {**a_steady_week(), MONDAY_9AM + timedelta(hours=2, minutes=30): 35})
    sign_in(make_user("admin"))
    for path in (f"/manage/rounds/{round_.slug}", f"/reports/{round_.slug}"):
        page = client.get(path).get_data(as_text=True)
        assert "data-stuffing-banner" in page, path
        # The window's day is said once, and the count says what it counts.
        assert re.search(r"usual once: 35 responses between [0-9:apm]+ and [0-9:apm]+ on \d", page)
    client.post("/sign-out", data={"csrf_token": csrf_token_in(page)})
    lead = Flask.test_client(app)
    token = csrf_token_in(lead.get("/sign-in").get_data(as_text=True))
    from tests.helpers import TEST_PASSWORD

    lead.post(
        "/sign-in",
        data={
            "csrf_token": token,
            "email": make_user("agency-lead", "police"),
            "password": TEST_PASSWORD,
        },
    )
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
