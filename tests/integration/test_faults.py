"""Faults survived: a gunicorn worker killed in the middle of a burst of submissions, the
database gone part-way through a respondent's journey, and SQLite locked for too long.

What must hold: every journey that reached its confirmation page is in the database, none
twice; a respondent who meets the outage sees a 503 page that says what happened, nothing is
half-written, and the draft they were writing is there to continue and send when the
database is back.
"""

from __future__ import annotations

import os
import secrets
import signal
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import make_url, select, text
from sqlalchemy.exc import OperationalError

from benchmarks.journey_load import Journey, complete_journey, stored_journeys, tally
from benchmarks.workshop_load import worker_pids
from surveys import create_app, database
from surveys.database import db, is_locked
from surveys.questionnaire import Questionnaire
from surveys.responses.models import Draft, Submission
from tests.faulty import Door, served
from tests.helpers import (
    TEST_PASSWORD,
    Respondent,
    RoundRef,
    app_config,
    count_rows,
    csrf_token_in,
    feature_answers,
)

pytestmark = pytest.mark.faults

ON_POSTGRES = bool(os.environ.get("TEST_DATABASE_URL"))
postgres_only = pytest.mark.skipif(not ON_POSTGRES, reason="needs TEST_DATABASE_URL")
sqlite_only = pytest.mark.skipif(ON_POSTGRES, reason="SQLite's own locks")

CLIENTS, JOURNEYS = 24, 60
UNAVAILABLE = "Sorry, the service is unavailable"
KEPT = "The answers on pages you had already finished are kept"


# --- a worker killed in the middle of a burst of submissions -----------------------------


def test_a_worker_killed_mid_burst_loses_no_confirmed_submission_and_stores_none_twice(
    app: Flask, database_url: str, make_round: Callable[..., RoundRef]
) -> None:
    """On the suite's database (SQLite, or PostgreSQL in its pass): two workers are killed
    with SIGKILL, each just as a journey sends its answers, while others are mid-journey.
    People whose page never arrives press again (up to twice), as people do."""
    round_ = make_round("killed")
    run = secrets.token_hex(4)
    sending = threading.Event()
    journeys = [Journey(number, sending=sending) for number in range(JOURNEYS)]
    killed: list[int] = []
    with served(database_url) as (server, port):

        def kill_as_answers_are_sent() -> None:
            for share in (1 / 4, 2 / 3):
                while sum(j.confirmed for j in journeys) < JOURNEYS * share:
                    time.sleep(0.01)
                sending.clear()
                sending.wait(30)
                victim = next(pid for pid in worker_pids(server) if pid not in killed)
                os.kill(victim, signal.SIGKILL)
                killed.append(victim)

        def journey(j: Journey) -> Journey:
            try:
                return complete_journey(port, round_.token, j.number, run, retries=2, journey=j)
            except Exception:  # noqa: BLE001 - a journey cut short is allowed; counted below
                return j

        killer = threading.Thread(target=kill_as_answers_are_sent, daemon=True)
        killer.start()
        with ThreadPoolExecutor(CLIENTS) as pool:
            list(pool.map(journey, journeys))
        killer.join(30)
        replacements = worker_pids(server)

    assert len(killed) == 2, "the workers were not killed"
    assert not set(killed) & set(replacements) and len(replacements) == 2  # gunicorn replaced them
    total, counts = stored_journeys(database_url, round_.id, run)
    found = tally(journeys, total, counts)
    assert found.lost == [], "confirmed journeys missing from the database"
    assert found.twice == [], "journeys stored twice"
    assert found.unmarked == 0
    # The burst went on through the kills: most journeys were confirmed, some after them.
    assert found.confirmed >= JOURNEYS // 2
    assert [e for j in journeys for e in j.server_errors] == []


# --- PostgreSQL goes away part-way through a journey -------------------------------------


@pytest.fixture
def door(database_url: str) -> Iterator[Door]:
    url = make_url(database_url)
    door = Door(url.host or "127.0.0.1", url.port or 5432)
    door.open()
    yield door
    door.shut()


@pytest.fixture
def app_at(database_url: str) -> Iterator[Callable[[str], Flask]]:
    """The app as a deployment runs it, at another address of the database; its
    connections are closed after the test."""
    made: list[Flask] = []

    def make(url: str) -> Flask:
        options = {"pool_pre_ping": True, "connect_args": {"connect_timeout": 3}}
        made.append(create_app(app_config(url, SQLALCHEMY_ENGINE_OPTIONS=options)))
        return made[-1]

    yield make
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def drafts_of(app: Flask, round_id: int) -> list[dict[str, Any]]:
    with app.app_context():
        return [
            dict(d.answers)
            for d in db.session.scalars(select(Draft).where(Draft.round_id == round_id))
        ]


def first_two_features(questionnaire: Questionnaire) -> tuple[str, str]:
    return questionnaire.features[0].id, questionnaire.features[1].id


def finish_and_send(person: Respondent, questionnaire: Questionnaire) -> None:
    """From wherever the journey is, answer what is left and send."""
    while "/section/" in person.path:
        person.post(feature_answers(questionnaire, person.path.rsplit("/", 1)[1]))
    person.post({"partners": ["health"]})
    person.post({f"health--{q.id}": "3" for q in questionnaire.partners.questions})
    assert person.path.endswith("/check"), person.path
    sent = person.post({}, path="/submit", action=None)
    assert "Your answers have been sent" in sent.get_data(as_text=True)


@postgres_only
def test_postgres_refusing_connections_mid_journey_shows_a_503_and_the_draft_survives(
    app: Flask,
    database_url: str,
    door: Door,
    app_at: Callable[[str], Flask],
    make_round: Callable[..., RoundRef],
    questionnaire: Questionnaire,
) -> None:
    round_ = make_round("outage")
    served_app = app_at(door.url(database_url))
    person = Respondent(served_app.test_client(), round_)
    first, second = first_two_features(questionnaire)
    person.get("/about-you")
    person.post({"agency": "police", "level": "frontline"})
    person.post(feature_answers(questionnaire, first, "2"))
    assert person.path.endswith(f"/section/{second}")
    form = person.hidden_fields()

    door.shut()  # the server goes down: open connections cut, new ones refused
    sent = person.client.post(
        person.path, data={**form, "action": "continue", **feature_answers(questionnaire, second)}
    )
    assert sent.status_code == 503
    page = sent.get_data(as_text=True)
    assert UNAVAILABLE in page and KEPT in page and "Try again in a few minutes" in page
    assert "Traceback" not in page and "psycopg" not in page and "OperationalError" not in page
    assert sent.headers["Retry-After"]
    shown = person.client.get(f"{round_.url}/section/{second}")
    assert shown.status_code == 503 and "this page cannot be shown" in shown.get_data(as_text=True)

    # Nothing half-written: the draft holds the first feature's answers and not the second's.
    (draft,) = drafts_of(app, round_.id)
    items = draft["items"]
    assert set(feature_answers(questionnaire, first)) <= set(items)
    assert not set(feature_answers(questionnaire, second)) & set(items)
    assert count_rows(app, Submission) == 0

    door.open()  # back: the respondent sends the page again and goes on to send it all
    person.get(f"/section/{second}")
    person.post(feature_answers(questionnaire, second))
    finish_and_send(person, questionnaire)
    assert count_rows(app, Submission, round_id=round_.id) == 1
    assert drafts_of(app, round_.id) == []


@postgres_only
def test_a_signed_in_page_during_an_outage_is_a_503_page_not_a_bare_error(
    database_url: str,
    door: Door,
    app_at: Callable[[str], Flask],
    make_user: Callable[..., str],
) -> None:
    email = make_user("manager")
    staff = app_at(door.url(database_url)).test_client()
    token = csrf_token_in(staff.get("/sign-in").get_data(as_text=True))
    signed_in = staff.post(
        "/sign-in", data={"csrf_token": token, "email": email, "password": TEST_PASSWORD}
    )
    assert signed_in.status_code == 302
    door.shut()
    page = staff.get("/manage/rounds")
    assert page.status_code == 503
    text = page.get_data(as_text=True)
    assert UNAVAILABLE in text and "Try again in a few minutes" in text
    assert "Internal Server Error" not in text and "Traceback" not in text


@postgres_only
def test_postgres_backends_terminated_mid_journey_are_replaced_without_a_500(
    app: Flask,
    database_url: str,
    app_at: Callable[[str], Flask],
    make_round: Callable[..., RoundRef],
    questionnaire: Questionnaire,
) -> None:
    """pg_terminate_backend on the app's own connections between two pages: the next page
    finds its pooled connection dead, takes a new one, and the journey carries on."""
    round_ = make_round("terminated")
    name = f"boundary-faults-{secrets.token_hex(4)}"
    url = make_url(database_url).update_query_dict({"application_name": name})
    served_app = app_at(url.render_as_string(hide_password=False))
    person = Respondent(served_app.test_client(), round_)
    first, second = first_two_features(questionnaire)
    person.get("/about-you")
    person.post({"agency": "police", "level": "frontline"})
    person.post(feature_answers(questionnaire, first))

    with app.app_context():
        terminated = db.session.scalars(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = :name"
            ),
            {"name": name},
        ).all()
    assert terminated and all(terminated), "the app had no connection to terminate"

    page = person.post(feature_answers(questionnaire, second))
    assert page.status_code == 200 and person.path.endswith(
        f"/section/{questionnaire.features[2].id}"
    )
    finish_and_send(person, questionnaire)
    assert count_rows(app, Submission, round_id=round_.id) == 1


# --- SQLite locked beyond its busy timeout -------------------------------------------------


@pytest.fixture
def short_busy_timeout(monkeypatch: pytest.MonkeyPatch, app: Flask) -> None:
    """SQLite waits 0.1 s for a lock instead of seconds, so the tests take no time."""
    monkeypatch.setattr(database, "BUSY_TIMEOUT_MS", 100)
    with app.app_context():
        db.engine.dispose()  # new connections take the new timeout


@pytest.fixture
def writer_holding_the_lock(database_url: str) -> Iterator[sqlite3.Connection]:
    """Another process's writer, in the middle of a long transaction."""
    path = make_url(database_url).database
    assert path
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    yield holder
    if holder.in_transaction:
        holder.execute("ROLLBACK")
    holder.close()


@sqlite_only
@pytest.mark.usefixtures("short_busy_timeout")
def test_sqlite_locked_beyond_the_busy_timeout_shows_a_503_and_the_draft_survives(
    app: Flask,
    client: FlaskClient,
    make_round: Callable[..., RoundRef],
    questionnaire: Questionnaire,
    writer_holding_the_lock: sqlite3.Connection,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    round_ = make_round("locked")
    person = Respondent(client, round_)
    first, second = first_two_features(questionnaire)
    person.get("/about-you")
    person.post({"agency": "police", "level": "frontline"})
    person.post(feature_answers(questionnaire, first, "2"))
    form = person.hidden_fields()

    locked_attempts = []

    def counted(error: OperationalError) -> bool:
        locked_attempts.append(error)
        return is_locked(error)

    monkeypatch.setattr(database, "is_locked", counted)
    writer_holding_the_lock.execute("BEGIN IMMEDIATE")
    sent = client.post(
        person.path, data={**form, "action": "continue", **feature_answers(questionnaire, second)}
    )
    assert sent.status_code == 503
    page = sent.get_data(as_text=True)
    assert UNAVAILABLE in page and KEPT in page and "Traceback" not in page
    assert len(locked_attempts) == database.LOCKED_ATTEMPTS  # each waited out the busy timeout
    # Reading still works while another writes (WAL): the page they were on is shown.
    assert client.get(person.path).status_code == 200
    writer_holding_the_lock.execute("ROLLBACK")

    (draft,) = drafts_of(app, round_.id)
    assert not set(feature_answers(questionnaire, second)) & set(draft["items"])

    person.get(f"/section/{second}")
    person.post(feature_answers(questionnaire, second))
    finish_and_send(person, questionnaire)
    assert count_rows(app, Submission, round_id=round_.id) == 1


@sqlite_only
@pytest.mark.usefixtures("short_busy_timeout")
def test_a_write_locked_once_is_tried_again_and_the_answers_are_sent_once(
    app: Flask,
    client: FlaskClient,
    make_round: Callable[..., RoundRef],
    questionnaire: Questionnaire,
    writer_holding_the_lock: sqlite3.Connection,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The other writer finishes just after the first attempt gives up: the second attempt
    sends the answers, and the respondent sees the confirmation, not an error."""
    round_ = make_round("retried")
    person = Respondent(client, round_)
    from tests.helpers import answer_everything

    answer_everything(person, questionnaire)
    seen = []

    def locked_then_released(error: Exception) -> bool:
        seen.append(error)
        if writer_holding_the_lock.in_transaction:
            writer_holding_the_lock.execute("ROLLBACK")
        return True

    monkeypatch.setattr(database, "is_locked", locked_then_released)
    writer_holding_the_lock.execute("BEGIN IMMEDIATE")
    sent = person.post({}, path="/submit", action=None)
    assert "Your answers have been sent" in sent.get_data(as_text=True)
    assert len(seen) == 1
    assert count_rows(app, Submission, round_id=round_.id) == 1
    assert drafts_of(app, round_.id) == []
