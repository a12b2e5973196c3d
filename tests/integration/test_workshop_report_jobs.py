"""A workshop's PDF report typeset by a background job and stored, never in a web request
(surveys/workshops/report.py, with the machinery of surveys/reporting/stored.py and
surveys/jobs.py).

The Redis test uses one Redis database only (TEST_REDIS_URL, by default database 7 of the
Redis at 127.0.0.1:6379, flushed before and after: not the release reports' database 6, so
the two files may run at once) and a real RQ worker in this process.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from surveys import jobs
from surveys.audit import Download
from surveys.database import db
from surveys.reporting import documents
from surveys.reporting.models import ReportState, StoredReport
from surveys.retention import delete_round
from surveys.rounds.models import Round
from surveys.workshops import service
from surveys.workshops.models import WorkshopAction, WorkshopSession
from surveys.workshops.presentation import RoomView
from surveys.workshops.report import room_view
from tests.helpers import (
    RoundRef,
    WorkshopRef,
    assert_tagged,
    csrf_token_in,
    pdf_text,
    without_redis,
)
from tests.integration.test_report_jobs import text, use_jobs, wait_until, work
from tests.workers import redis_url

REDIS_URL = os.environ.get("TEST_REDIS_URL", redis_url(7))  # tests/workers.py
real_report = documents.workshop_report


@pytest.fixture
def facilitator(
    client: FlaskClient, make_user: Callable[..., str], sign_in: Callable[[str], None]
) -> FlaskClient:
    sign_in(make_user("facilitator"))
    return client


@pytest.fixture
def workshop(app: Flask, make_workshop: Callable[..., WorkshopRef]) -> WorkshopRef:
    """A workshop of the signed-in facilitator's, with an action agreed."""
    ref = make_workshop(title="Harbour cluster")
    with app.app_context():
        live = db.session.get(WorkshopSession, ref.id)
        assert live is not None
        service.add_action(live, "Shared chronology for every strategy meeting", None, None, None)
    return ref


def reports_of(app: Flask, workshop: WorkshopRef) -> list[StoredReport]:
    with app.app_context():
        rows = list(
            db.session.scalars(
                select(StoredReport)
                .where(StoredReport.workshop_id == workshop.id)
                .order_by(StoredReport.id)
            )
        )
        db.session.expunge_all()
        return rows


def ready(app: Flask, workshop: WorkshopRef) -> Callable[[], bool]:
    def check() -> bool:
        rows = reports_of(app, workshop)
        assert not any(r.state == ReportState.FAILED for r in rows), [r.problem for r in rows]
        return [r.state for r in rows] == [ReportState.READY]

    return check


def downloads(app: Flask) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(Download.what).order_by(Download.id)))


def test_the_report_is_prepared_by_a_job_while_the_facilitator_waits_on_a_page(
    app: Flask, facilitator: FlaskClient, workshop: WorkshopRef
) -> None:
    runner = use_jobs(app)
    assert isinstance(runner, jobs.InThisProcess)
    # Hold the job thread's turn, so the facilitator certainly arrives before the report.
    assert runner._one_at_a_time.acquire(timeout=5)
    try:
        download = facilitator.get(f"{workshop.console}/report.pdf")
        assert download.status_code == 302  # never a request that waits for WeasyPrint
        assert download.headers["Location"].endswith(f"{workshop.console}/report")
        page = facilitator.get(f"{workshop.console}/report")
        assert page.status_code == 202
        assert "The workshop report is being prepared" in text(page)
        assert '<meta http-equiv="refresh" content="3">' in text(page)
        assert "<script>" not in page.get_data(as_text=True)  # the strict CSP holds
        assert [r.state for r in reports_of(app, workshop)] == [ReportState.PENDING]
        assert downloads(app) == []  # nothing was downloaded yet
    finally:
        runner._one_at_a_time.release()

    wait_until(ready(app, workshop), "the workshop report")
    page = facilitator.get(f"{workshop.console}/report")
    assert page.status_code == 200 and "The workshop report is ready" in text(page)
    assert "http-equiv" not in text(page)
    download = facilitator.get(f"{workshop.console}/report.pdf")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    flat = pdf_text(download.data)
    assert "Workshop report" in flat and "Harbour cluster" in flat
    assert "Shared chronology for every strategy meeting" in flat
    assert downloads(app) == ["workshop report (PDF): Harbour cluster"]
    assert [r.attempts for r in reports_of(app, workshop)] == [1]  # one render


def test_a_stale_copy_is_never_served_and_is_deleted_once_superseded(
    app: Flask, facilitator: FlaskClient, workshop: WorkshopRef
) -> None:
    """The suite's default makes the report in the request that asks, so each step shows
    what is served: a changed action status (which leaves the room's version alone) and a
    new action each make a new copy, and the old one goes."""
    first = facilitator.get(f"{workshop.console}/report.pdf")
    assert "Agreed" in pdf_text(first.data) and "In progress" not in pdf_text(first.data)
    [made] = reports_of(app, workshop)
    assert facilitator.get(f"{workshop.console}/report.pdf").data == first.data  # kept

    with app.app_context():
        action_id = db.session.scalar(
            select(WorkshopAction.id).where(WorkshopAction.session_id == workshop.id)
        )
    token = csrf_token_in(facilitator.get(workshop.console).get_data(as_text=True))
    moved = facilitator.post(
        f"/workshops/actions/{action_id}/status",
        data={"csrf_token": token, "status": "in-progress"},
    )
    assert moved.status_code == 302
    second = facilitator.get(f"{workshop.console}/report.pdf")
    assert "In progress" in pdf_text(second.data)
    [now] = reports_of(app, workshop)
    assert now.id != made.id and now.edition != made.edition  # the old copy is gone

    with app.app_context():
        live = db.session.get(WorkshopSession, workshop.id)
        assert live is not None
        service.add_action(live, "Named lead for missing children", None, None, None)
    assert "Named lead for missing children" in pdf_text(
        facilitator.get(f"{workshop.console}/report.pdf").data
    )
    [latest] = reports_of(app, workshop)
    assert latest.id != now.id


def test_a_failed_report_says_so_and_can_be_tried_again(
    app: Flask,
    facilitator: FlaskClient,
    workshop: WorkshopRef,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    use_jobs(app, REPORT_ATTEMPTS=2)
    tries: list[int] = []

    def broken(room: RoomView) -> bytes:
        tries.append(room.workshop.id)
        raise RuntimeError("the typesetter broke, with the words of some action")

    monkeypatch.setattr(documents, "workshop_report", broken)
    assert facilitator.get(f"{workshop.console}/report").status_code == 202
    wait_until(
        lambda: [r.state for r in reports_of(app, workshop)] == [ReportState.FAILED],
        "the failure to be recorded",
    )
    assert tries == [workshop.id, workshop.id]  # every attempt, then no more
    page = facilitator.get(f"{workshop.console}/report")
    assert page.status_code == 503
    said = text(page)
    assert "The workshop report could not be made" in said and "Try again" in said
    assert "Typesetting stopped with an error (RuntimeError)." in said
    assert "the words of some action" not in said  # the kind of fault, never its text
    download = facilitator.get(f"{workshop.console}/report.pdf")
    assert download.status_code == 302 and download.headers["Location"].endswith("/report")

    assert facilitator.post(f"{workshop.console}/report").status_code == 400  # no CSRF token
    monkeypatch.setattr(documents, "workshop_report", real_report)
    token = csrf_token_in(page.get_data(as_text=True))
    again = facilitator.post(f"{workshop.console}/report", data={"csrf_token": token})
    assert again.status_code == 302 and again.headers["Location"].endswith("/report")
    wait_until(ready(app, workshop), "the report tried again")
    assert "Harbour cluster" in pdf_text(facilitator.get(f"{workshop.console}/report.pdf").data)


def test_only_whoever_may_run_the_workshop_sees_its_report(
    app: Flask,
    client: FlaskClient,
    make_user: Callable[..., str],
    sign_in: Callable[[str], None],
    make_workshop: Callable[..., WorkshopRef],
) -> None:
    theirs = make_workshop(facilitator="someone-else@example.org")
    sign_in(make_user("facilitator"))
    for page in ("/report", "/report.pdf"):
        assert client.get(f"{theirs.console}{page}").status_code == 403
    assert reports_of(app, theirs) == []  # nothing was asked for on their behalf


def test_the_stored_report_goes_with_its_round_and_stays_when_a_comment_is_taken_down(
    app: Flask,
    facilitator: FlaskClient,
    make_round: Callable[..., RoundRef],
    make_workshop: Callable[..., WorkshopRef],
) -> None:
    from surveys.releases.service import comments_taken_down

    round_ = make_round("harbour")
    linked = make_workshop(round_slug=round_.slug)
    assert facilitator.get(f"{linked.console}/report.pdf").status_code == 200
    assert len(reports_of(app, linked)) == 1
    with app.app_context():
        live = db.session.get(Round, round_.id)
        assert live is not None
        # The workshop report shows no comments: a take-down leaves it be.
        comments_taken_down.send(app, round_=live)
        db.session.commit()
    assert len(reports_of(app, linked)) == 1
    with app.app_context():
        live = db.session.get(Round, round_.id)
        assert live is not None
        delete_round(live)
    assert reports_of(app, linked) == []


# On Redis, with a real RQ worker.


@pytest.fixture
def on_redis(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[jobs.OnRedis]:
    from redis import Redis
    from redis.exceptions import RedisError

    connection = Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except RedisError as error:
        connection.close()
        without_redis(f"Redis does not answer at {REDIS_URL} ({error})")
    connection.flushdb()
    runner = use_jobs(app, REDIS_URL=REDIS_URL, REPORT_TIME_LIMIT=120, REPORT_ATTEMPTS=2)
    assert isinstance(runner, jobs.OnRedis)
    monkeypatch.setattr(jobs, "_worker_app", app)  # a worker in this process uses this app
    monkeypatch.setattr(jobs, "_worker_pid", os.getpid())
    yield runner
    connection.flushdb()
    connection.close()
    runner.connection.close()


def test_on_redis_the_report_is_queued_once_and_a_worker_makes_it(
    app: Flask,
    facilitator: FlaskClient,
    workshop: WorkshopRef,
    on_redis: jobs.OnRedis,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made: list[int] = []

    def counted(room: RoomView) -> Any:
        made.append(room.workshop.id)
        return real_report(room)

    monkeypatch.setattr(documents, "workshop_report", counted)
    assert facilitator.get(f"{workshop.console}/report.pdf").status_code == 302
    assert facilitator.get(f"{workshop.console}/report").status_code == 202
    assert on_redis.queue.count == 1  # asked twice, queued once
    [row] = reports_of(app, workshop)
    assert on_redis.queue.job_ids == [f"workshop-report-{workshop.id}-{row.edition}"]
    assert made == []  # the web requests typeset nothing
    work(on_redis)
    assert made == [workshop.id]
    assert [r.state for r in reports_of(app, workshop)] == [ReportState.READY]
    download = facilitator.get(f"{workshop.console}/report.pdf")
    assert download.status_code == 200
    assert "Shared chronology for every strategy meeting" in pdf_text(download.data)
    assert on_redis.queue.count == 0 and made == [workshop.id]  # served, not made again


def test_an_answer_in_the_live_room_makes_the_stored_copy_stale(
    app: Flask, facilitator: FlaskClient, workshop: WorkshopRef
) -> None:
    from tests.integration.test_workshops import room_of

    assert facilitator.get(f"{workshop.console}/report.pdf").status_code == 200
    [before] = reports_of(app, workshop)
    room_of(app, workshop, [("police", "frontline")])  # one phone joins and answers
    again = facilitator.get(f"{workshop.console}/report.pdf")
    assert again.status_code == 200 and "Harbour cluster" in pdf_text(again.data)
    [after] = reports_of(app, workshop)
    assert after.edition != before.edition  # made again, the old copy gone


def test_the_workshop_pdf_is_tagged_for_screen_readers(
    app: Flask, workshop: WorkshopRef, caplog: pytest.LogCaptureFixture
) -> None:
    """Typeset as the job does, with the application and no request: headings, tables with
    their headers and the room's chart with its text alternative, as PDF/UA-1."""
    caplog.set_level(logging.WARNING, logger="weasyprint")
    with app.app_context():
        live = db.session.get(WorkshopSession, workshop.id)
        assert live is not None
        pdf = documents.workshop_report(room_view(live))
    found = assert_tagged(pdf, "Workshop report: Harbour cluster")
    alts = [alt or "" for _, _, alt in found.of_kind("Figure")]
    assert len(alts) == 1 and "Managers and frontline staff in the room" in alts[0], alts
    assert len(found.of_kind("H2")) >= 3  # levels, gaps, before and after, actions
    # WeasyPrint names what a tagged PDF lacks (an image without alt, no language) as errors.
    assert [r.getMessage() for r in caplog.records if r.name.startswith("weasyprint")] == []
