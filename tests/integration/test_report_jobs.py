"""PDF reports typeset by background jobs, never in a web request (surveys/jobs.py,
surveys/reporting/stored.py).

The embedded default runs the jobs in a thread of the web process; with BOUNDARY_REDIS_URL,
on an RQ queue worked by `flask --app app worker`. The Redis tests use database 6 (or
TEST_REDIS_URL) of the Redis at 127.0.0.1:6379 (only that one, flushed before and after)
and a real RQ worker: in this process (SimpleWorker, burst mode) where a test swaps the
typesetter for one that fails or hangs, and the documented command in a subprocess where a
work horse is killed.
"""

from __future__ import annotations

import html
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, has_request_context
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from surveys import jobs
from surveys.database import db
from surveys.library import current_questionnaire
from surveys.questionnaire import Questionnaire
from surveys.releases.invariance import invariance_of
from surveys.releases.models import Release
from surveys.reporting import documents
from surveys.reporting.models import ReportState, StoredReport
from surveys.reporting.stored import edition, job_id
from surveys.responses.answers import CompletedResponse
from surveys.responses.models import Channel
from surveys.responses.service import record_submissions
from surveys.rounds.models import Round
from tests.helpers import PROJECT_ROOT, RoundRef, csrf_token_in, pdf_text, publish, without_redis
from tests.workers import redis_url

# This suite's own Redis database (its worker's, in parallel: tests/workers.py), never
# another; TEST_REDIS_URL names another where several runs share one Redis.
REDIS_URL = os.environ.get("TEST_REDIS_URL", redis_url(6))
AGENCIES = ["police", "childrens-social-care"]
WAIT = 180  # seconds a test waits for a background job at most, on a loaded machine
real_render = documents.render_report


def answers(q: Questionnaire, agency: str, level: str, score: int) -> CompletedResponse:
    items = {item.id: (6 - score if item.reverse else score) for item in q.items}
    return CompletedResponse(agency_id=agency, level_id=level, items=items)


@pytest.fixture
def answered_round(app: Flask, make_round: Callable[..., RoundRef]) -> RoundRef:
    """A round with enough answers from two agencies to publish, not yet published."""
    round_ = make_round("jobs", agencies=AGENCIES)
    with app.app_context():
        q = current_questionnaire()
        people = [
            answers(q, agency, level, score)
            for agency in AGENCIES
            for level, score in [("operational", 4)] * 6 + [("frontline", 2)] * 6
        ]
        live = db.session.get(Round, round_.id)
        assert live is not None
        record_submissions(live, q, people, Channel.IMPORT, date.today())
        db.session.commit()
    return round_


def use_jobs(app: Flask, **config: Any) -> jobs.Runner:
    """The app's jobs as configured (the suite's default typesets in the request)."""
    app.config.update({"REPORT_JOBS": "background", **config})
    app.extensions["jobs"] = jobs.make_runner(app)
    runner: jobs.Runner = app.extensions["jobs"]
    return runner


@pytest.fixture
def typeset_without_a_request(monkeypatch: pytest.MonkeyPatch) -> None:
    """A job or a command typesets with its application only: a PDF that needed a request
    (faked, as the chart images once did through flask.g) fails the test."""
    real_render_pdf = documents.render_pdf

    def checked(template: str, **context: object) -> bytes:
        assert not has_request_context(), f"{template} was typeset inside a request"
        return real_render_pdf(template, **context)

    monkeypatch.setattr(documents, "render_pdf", checked)


def stored(app: Flask, round_id: int) -> list[StoredReport]:
    with app.app_context():
        rows = list(
            db.session.scalars(select(StoredReport).where(StoredReport.round_id == round_id))
        )
        db.session.expunge_all()
        return rows


def wait_until(done: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not done():
        assert time.monotonic() < deadline, f"waited {WAIT} s for {what}"
        time.sleep(0.1)


def all_ready(app: Flask, round_id: int, count: int) -> Callable[[], bool]:
    def check() -> bool:
        rows = stored(app, round_id)
        assert not any(r.state == ReportState.FAILED for r in rows), [r.problem for r in rows]
        return len(rows) == count and all(r.state == ReportState.READY for r in rows)

    return check


def text(response: TestResponse) -> str:
    return re.sub(r"\s+", " ", html.unescape(response.get_data(as_text=True)))


def publish_as_admin(client: FlaskClient, slug: str) -> None:
    token = csrf_token_in(client.get(f"/manage/rounds/{slug}").get_data(as_text=True))
    response = client.post(f"/manage/rounds/{slug}/release", data={"csrf_token": token})
    assert response.status_code == 302


# The embedded default: a thread in the web process.


def test_publishing_prepares_every_report_and_the_reader_waits_on_a_page_that_refreshes(
    app: Flask,
    client: FlaskClient,
    answered_round: RoundRef,
    make_user: Callable[..., str],
    sign_in: Callable[[str], None],
    typeset_without_a_request: None,
) -> None:
    runner = use_jobs(app)
    assert isinstance(runner, jobs.InThisProcess)
    sign_in(make_user("admin"))
    slug = answered_round.slug
    # Hold the job thread's turn, so the reader certainly arrives before the report does.
    assert runner._one_at_a_time.acquire(timeout=5)
    try:
        publish_as_admin(client, slug)
        download = client.get(f"/reports/{slug}/report.pdf")
        assert download.status_code == 302  # never a request that waits for WeasyPrint
        assert download.headers["Location"].endswith(f"/reports/{slug}/report")
        page = client.get(f"/reports/{slug}/report")
        assert page.status_code == 202
        assert "The partnership report is being prepared" in text(page)
        assert '<meta http-equiv="refresh" content="3">' in text(page)
        assert "<script>" not in page.get_data(as_text=True)  # the strict CSP holds
        rows = stored(app, answered_round.id)
        assert sorted(r.agency for r in rows) == ["", *sorted(AGENCIES)]
        assert {r.state for r in rows} == {ReportState.PENDING}
    finally:
        runner._one_at_a_time.release()

    wait_until(all_ready(app, answered_round.id, 1 + len(AGENCIES)), "every report")
    page = client.get(f"/reports/{slug}/report")
    assert page.status_code == 200 and "The partnership report is ready" in text(page)
    assert "http-equiv" not in text(page)  # it stops looking once the report is there
    download = client.get(f"/reports/{slug}/report.pdf")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    flat = pdf_text(download.data)
    assert "Partnership maturity report" in flat and "Release 1 (interim)" in flat
    # An agency's report is named "The report for <agency>", never "<agency>'s report".
    assert "The report for Police is ready" in text(
        client.get(f"/reports/{slug}/report?agency=police")
    )
    police = client.get(f"/reports/{slug}/report.pdf?agency=police")
    assert "Police beside the whole partnership" in pdf_text(police.data)
    assert [r.attempts for r in stored(app, answered_round.id)] == [1, 1, 1]  # one render each


def test_a_failed_report_says_so_and_can_be_tried_again(
    app: Flask,
    manager: FlaskClient,
    answered_round: RoundRef,
    monkeypatch: pytest.MonkeyPatch,
    typeset_without_a_request: None,
) -> None:
    use_jobs(app, REPORT_ATTEMPTS=2)
    publish(app, answered_round.slug)  # from the command line: reports wait to be asked for
    assert stored(app, answered_round.id) == []
    tries: list[str | None] = []

    def broken(round_: Round, agency: str | None = None, **kwargs: Any) -> bytes:
        tries.append(agency)
        raise RuntimeError("the typesetter broke, with the words of some comment")

    monkeypatch.setattr(documents, "render_report", broken)
    page = manager.get(f"/reports/{answered_round.slug}/report")
    assert page.status_code == 202
    wait_until(
        lambda: [r.state for r in stored(app, answered_round.id)] == [ReportState.FAILED],
        "the failure to be recorded",
    )
    assert tries == [None, None]  # both attempts
    page = manager.get(f"/reports/{answered_round.slug}/report.pdf", follow_redirects=True)
    assert page.status_code == 503
    said = text(page)
    assert "The partnership report could not be made" in said
    assert "Typesetting stopped with an error (RuntimeError)." in said
    assert "some comment" not in said  # the error's own words are never shown
    assert "http-equiv" not in said  # nothing refreshes a failure forever

    monkeypatch.setattr(documents, "render_report", real_render)
    token = csrf_token_in(page.get_data(as_text=True))
    refused = manager.post(f"/reports/{answered_round.slug}/report", data={})
    assert refused.status_code == 400  # a form without its CSRF token
    again = manager.post(f"/reports/{answered_round.slug}/report", data={"csrf_token": token})
    assert again.status_code == 302
    wait_until(all_ready(app, answered_round.id, 1), "the report tried again")
    download = manager.get(f"/reports/{answered_round.slug}/report.pdf")
    assert download.status_code == 200
    assert "Partnership maturity report" in pdf_text(download.data)


def test_a_report_whose_job_was_lost_is_not_waited_for_forever(
    app: Flask, manager: FlaskClient, answered_round: RoundRef
) -> None:
    """The web process that ran the job stopped: the report is pending and nothing works
    on it. Once every attempt would have finished, the reader is told, and may try again."""
    use_jobs(app, REPORT_TIME_LIMIT=5, REPORT_ATTEMPTS=2)
    publish(app, answered_round.slug)
    with app.app_context():
        live = db.session.get(Round, answered_round.id)
        release = db.session.scalar(select(Release).where(Release.round_id == answered_round.id))
        assert live is not None and release is not None
        db.session.add(
            StoredReport(
                release_id=release.id,
                round_id=live.id,
                agency="",
                edition=edition(live, None),
                state=ReportState.PENDING,
                attempts=1,
                requested_at=release.published_at - timedelta(seconds=71),  # 2 x 5 s + 60 s
            )
        )
        db.session.commit()
    page = manager.get(f"/reports/{answered_round.slug}/report")
    assert page.status_code == 503
    assert "It was not ready after 70 seconds" in text(page)
    token = csrf_token_in(page.get_data(as_text=True))
    manager.post(f"/reports/{answered_round.slug}/report", data={"csrf_token": token})
    wait_until(all_ready(app, answered_round.id, 1), "the report asked for again")


def test_the_report_command_typesets_at_once_and_stores_what_it_made(
    app: Flask, answered_round: RoundRef, tmp_path: Path, typeset_without_a_request: None
) -> None:
    use_jobs(app)
    publish(app, answered_round.slug)
    target = tmp_path / "report.pdf"
    result = app.test_cli_runner().invoke(args=["report", answered_round.slug, "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert "Partnership maturity report" in pdf_text(target.read_bytes())
    assert [r.state for r in stored(app, answered_round.id)] == [ReportState.READY]


# On Redis, with RQ.


@pytest.fixture
def redis_db() -> Iterator[Any]:
    from redis import Redis
    from redis.exceptions import RedisError

    connection = Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except RedisError as error:
        connection.close()
        without_redis(f"Redis does not answer at {REDIS_URL} ({error})")
    connection.flushdb()
    yield connection
    connection.flushdb()
    connection.close()


@pytest.fixture
def on_redis(app: Flask, redis_db: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[jobs.OnRedis]:
    runner = use_jobs(app, REDIS_URL=REDIS_URL, REPORT_TIME_LIMIT=60, REPORT_ATTEMPTS=3)
    assert isinstance(runner, jobs.OnRedis)
    # A worker in this process runs its jobs in this app.
    monkeypatch.setattr(jobs, "_worker_app", app)
    monkeypatch.setattr(jobs, "_worker_pid", os.getpid())
    yield runner
    runner.connection.close()


def partnership(app: Flask, round_: RoundRef) -> StoredReport:
    return next(r for r in stored(app, round_.id) if r.agency == "")


def queue_only_the_partnerships(app: Flask, runner: jobs.OnRedis, round_: RoundRef) -> None:
    """The agencies' reports are not the test's: only the partnership's job is left queued."""
    runner.queue.empty()  # type: ignore[no-untyped-call]
    row = partnership(app, round_)
    assert row.release_id is not None
    runner.submit(
        job_id(row.release_id, None, row.edition), "surveys.reporting.stored.prepare", row.id
    )
    assert runner.queue.count == 1


def work(runner: jobs.OnRedis) -> None:
    """A real RQ worker in this process, in burst mode: it works the queue until it is empty,
    with RQ's own time limit (SIGALRM) and retries."""
    from rq import SimpleWorker

    class Worker(SimpleWorker):
        def subscribe(self) -> None:
            """No channel for 'stop this job' commands, which these tests do not send: RQ
            takes up to a minute to close it after a burst."""

    Worker([runner.queue], connection=runner.connection).work(burst=True, with_scheduler=False)


def test_on_redis_a_release_queues_each_report_once_and_a_worker_makes_them(
    app: Flask,
    manager: FlaskClient,
    answered_round: RoundRef,
    on_redis: jobs.OnRedis,
    monkeypatch: pytest.MonkeyPatch,
    typeset_without_a_request: None,
) -> None:
    renders: list[str | None] = []

    def counted(round_: Round, agency: str | None = None, **kwargs: Any) -> bytes:
        renders.append(agency)
        return real_render(round_, agency, **kwargs)

    monkeypatch.setattr(documents, "render_report", counted)
    publish(app, answered_round.slug)  # from the command line: queued for the worker
    # One job per report, and the release's measurement invariance check.
    assert on_redis.queue.count == 1 + len(AGENCIES) + 1
    # Asked for again, by readers and by hand: still one job each.
    assert manager.get(f"/reports/{answered_round.slug}/report").status_code == 202
    assert manager.get(f"/reports/{answered_round.slug}/report.pdf").status_code == 302
    partnership = next(r for r in stored(app, answered_round.id) if r.agency == "")
    assert partnership.release_id is not None
    same = job_id(partnership.release_id, None, partnership.edition)
    on_redis.submit(same, "surveys.reporting.stored.prepare", partnership.id)
    assert on_redis.queue.count == 1 + len(AGENCIES) + 1

    work(on_redis)
    assert sorted(renders, key=str) == sorted([None, *AGENCIES], key=str)  # one render each
    assert all_ready(app, answered_round.id, 1 + len(AGENCIES))()
    with app.app_context():  # the worker ran the check too: too few people, and it says so
        assert invariance_of(partnership.release_id) is not None
    download = manager.get(f"/reports/{answered_round.slug}/report.pdf")
    assert download.status_code == 200
    assert "Partnership maturity report" in pdf_text(download.data)
    # Once made, asking again queues nothing.
    on_redis.submit(same, "surveys.reporting.stored.prepare", partnership.id)
    work(on_redis)
    assert len(renders) == 1 + len(AGENCIES)


def test_on_redis_a_job_that_fails_is_tried_again(
    app: Flask,
    manager: FlaskClient,
    answered_round: RoundRef,
    on_redis: jobs.OnRedis,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tries: list[str | None] = []

    def fails_once(round_: Round, agency: str | None = None, **kwargs: Any) -> bytes:
        tries.append(agency)
        if len(tries) == 1:
            raise MemoryError("the first attempt ran out of memory")
        return real_render(round_, agency, **kwargs)

    monkeypatch.setattr(documents, "render_report", fails_once)
    publish(app, answered_round.slug)
    queue_only_the_partnerships(app, on_redis, answered_round)
    work(on_redis)
    assert tries == [None, None]
    row = partnership(app, answered_round)
    assert row.state == ReportState.READY and row.attempts == 2
    download = manager.get(f"/reports/{answered_round.slug}/report.pdf")
    assert "Partnership maturity report" in pdf_text(download.data)


def test_on_redis_a_hung_job_is_killed_at_its_time_limit_then_tried_again_by_hand(
    app: Flask,
    manager: FlaskClient,
    answered_round: RoundRef,
    on_redis: jobs.OnRedis,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app.config.update(REPORT_TIME_LIMIT=2, REPORT_ATTEMPTS=2)
    app.extensions["jobs"] = runner = jobs.make_runner(app)
    assert isinstance(runner, jobs.OnRedis)
    hung: list[float] = []

    def hangs(round_: Round, agency: str | None = None, **kwargs: Any) -> bytes:
        hung.append(time.monotonic())
        time.sleep(600)
        raise AssertionError("the time limit should have stopped this")

    monkeypatch.setattr(documents, "render_report", hangs)
    publish(app, answered_round.slug)
    queue_only_the_partnerships(app, runner, answered_round)
    assert manager.get(f"/reports/{answered_round.slug}/report").status_code == 202
    started = time.monotonic()
    work(runner)
    assert time.monotonic() - started < 30  # two attempts of 2 s, not 600
    assert len(hung) == 2
    row = partnership(app, answered_round)
    assert row.state == ReportState.FAILED and row.attempts == 2
    page = manager.get(f"/reports/{answered_round.slug}/report")
    assert page.status_code == 503
    assert "Typesetting took longer than the 2 seconds it is allowed, and was stopped." in text(
        page
    )

    monkeypatch.setattr(documents, "render_report", real_render)
    app.config["REPORT_TIME_LIMIT"] = 120  # a real report on a loaded machine
    app.extensions["jobs"] = runner = jobs.make_runner(app)
    assert isinstance(runner, jobs.OnRedis)
    token = csrf_token_in(page.get_data(as_text=True))
    manager.post(f"/reports/{answered_round.slug}/report", data={"csrf_token": token})
    assert runner.queue.count == 1  # the failed job is asked for again, under its own id
    work(runner)
    row = partnership(app, answered_round)
    assert row.state == ReportState.READY
    runner.connection.close()


def children_of(pid: int) -> list[int]:
    found = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in found.read_text().split()] if found.exists() else []


def test_the_worker_command_survives_a_killed_work_horse(
    app: Flask,
    manager: FlaskClient,
    answered_round: RoundRef,
    on_redis: jobs.OnRedis,
    database_url: str,
    tmp_path: Path,
) -> None:
    """`flask --app app worker`, as the README starts it: the process typesetting a report is
    killed (as the kernel does when memory runs out); the worker tries the job again."""
    if not Path("/proc/self/task").exists():
        pytest.skip("finding the work horse needs /proc (Linux)")
    publish(app, answered_round.slug)
    queue_only_the_partnerships(app, on_redis, answered_round)
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "worker-test-secret",
        "BOUNDARY_REDIS_URL": REDIS_URL,
        "BOUNDARY_REPORT_TIME_LIMIT": "120",
    }
    log = tmp_path / "worker.log"
    with log.open("w") as output:
        worker = subprocess.Popen(
            [str(Path(sys.executable).with_name("flask")), "--app", "app", "worker"],
            cwd=PROJECT_ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + WAIT
        # Once the job has begun typesetting (its attempt is counted), kill its process.
        while (
            not (horses := children_of(worker.pid)) or partnership(app, answered_round).attempts < 1
        ):
            assert worker.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the worker never started the job"
            time.sleep(0.01)
        os.kill(horses[0], signal.SIGKILL)
        wait_until(
            lambda: partnership(app, answered_round).state == ReportState.READY,
            "the job tried again",
        )
    finally:
        worker.send_signal(signal.SIGTERM)  # a warm shutdown, as a service manager stops it
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
    assert partnership(app, answered_round).attempts == 2, log.read_text()
    assert "Work-horse terminated unexpectedly" in log.read_text()
    download = manager.get(f"/reports/{answered_round.slug}/report.pdf")
    assert "Partnership maturity report" in pdf_text(download.data)


def test_the_worker_command_says_when_there_is_no_redis(app: Flask) -> None:
    use_jobs(app)
    result = app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code != 0
    assert "BOUNDARY_REDIS_URL is not set" in result.output


def test_when_redis_is_down_publishing_still_works_and_the_reader_is_told(
    app: Flask,
    client: FlaskClient,
    answered_round: RoundRef,
    make_user: Callable[..., str],
    sign_in: Callable[[str], None],
) -> None:
    use_jobs(app, REDIS_URL="redis://127.0.0.1:1/6")  # nothing listens on port 1
    sign_in(make_user("admin"))
    publish_as_admin(client, answered_round.slug)  # the release is made all the same
    page = client.get(f"/reports/{answered_round.slug}/report.pdf", follow_redirects=True)
    assert page.status_code == 503
    assert "Boundary's job queue could not be reached: Redis did not answer" in text(page)
    assert {r.state for r in stored(app, answered_round.id)} == {ReportState.FAILED}


def test_in_process_a_hung_report_does_not_hold_up_the_others(
    app: Flask,
    client: FlaskClient,
    answered_round: RoundRef,
    make_user: Callable[..., str],
    sign_in: Callable[[str], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A thread cannot be killed: once the partnership's job has run past its time limit,
    the agencies' jobs stop waiting for it and run beside it."""
    use_jobs(app, REPORT_TIME_LIMIT=1, REPORT_ATTEMPTS=1)
    let_go = threading.Event()

    def partnership_hangs(round_: Round, agency: str | None = None, **kwargs: Any) -> bytes:
        if agency is None:
            let_go.wait(WAIT)
            raise RuntimeError("hung, then let go")
        return real_render(round_, agency, **kwargs)

    monkeypatch.setattr(documents, "render_report", partnership_hangs)
    sign_in(make_user("admin"))
    publish_as_admin(client, answered_round.slug)
    try:
        wait_until(
            lambda: (
                sum(r.state == ReportState.READY for r in stored(app, answered_round.id))
                == len(AGENCIES)
            ),
            "the agencies' reports, beside the hung one",
        )
        assert partnership(app, answered_round).state == ReportState.PENDING
    finally:
        let_go.set()
    wait_until(
        lambda: partnership(app, answered_round).state == ReportState.FAILED, "the hung job to end"
    )


def test_in_process_only_one_report_runs_beside_a_hung_one(
    app: Flask,
    client: FlaskClient,
    answered_round: RoundRef,
    make_user: Callable[..., str],
    sign_in: Callable[[str], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Found in review: once one job overran, every later job started at once beside it,
    each typesetting a PDF inside the web process. Now one at a time runs beside a hang."""
    use_jobs(app, REPORT_TIME_LIMIT=1, REPORT_ATTEMPTS=1)
    let_go = threading.Event()
    lock = threading.Lock()
    running = [0]
    most = [0]

    def counted(round_: Round, agency: str | None = None, **kwargs: Any) -> bytes:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        try:
            if agency is None:
                let_go.wait(WAIT)
                raise RuntimeError("hung, then let go")
            time.sleep(1.5)  # long enough for the next agency's job to try to start beside
            return real_render(round_, agency, **kwargs)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(documents, "render_report", counted)
    sign_in(make_user("admin"))
    publish_as_admin(client, answered_round.slug)
    try:
        wait_until(
            lambda: (
                sum(r.state == ReportState.READY for r in stored(app, answered_round.id))
                == len(AGENCIES)
            ),
            "the agencies' reports, one after the other beside the hung one",
        )
    finally:
        let_go.set()
    assert most[0] == 2  # the hung job and one beside it, never more
