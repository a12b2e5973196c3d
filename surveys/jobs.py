"""Background jobs: work too slow for a web request (typesetting a PDF report) done apart.

Where the jobs run depends on REDIS_URL (BOUNDARY_REDIS_URL in the environment):

- unset, the embedded default: in a thread of the process that asked, one job at a time. A
  job is lost if the process stops; whoever waits for it sees that it did not finish in time.
- set: on an RQ queue on that Redis, worked by `flask --app app worker`, which runs each job
  in a process of its own, kills it at REPORT_TIME_LIMIT seconds and tries it again, up to
  REPORT_ATTEMPTS times in all. A web process only puts jobs on the queue.

REPORT_JOBS = "on-request" runs a job at once, in the caller: for the test suite, whose
requests may then wait.

A job is a function named by its dotted path and called with plain arguments (ids and
strings, never an ORM object), inside an app context, and given the same id each time it is
asked for the same work: a job already waiting or running under that id is not added again.
"""

from __future__ import annotations

import importlib
import logging
import os
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

if TYPE_CHECKING:
    from redis import Redis
    from rq import Queue

QUEUE = "boundary"
log = logging.getLogger(__name__)


class JobsUnavailable(Exception):
    """The job queue could not be reached: nothing was asked for."""


class Runner(Protocol):
    def submit(self, job_id: str, function: str, *args: str | int) -> None:
        """Have `function(*args)` run soon, unless a job of that id waits or runs already."""

    def gave_up(self, job_id: str) -> bool:
        """Whether the job of that id failed every attempt (so nothing will finish it)."""


def call(app: Flask, function: str, args: tuple[str | int, ...]) -> None:
    module, name = function.rsplit(".", 1)
    target: Callable[..., None] = getattr(importlib.import_module(module), name)
    with app.app_context():
        target(*args)


_attempt = threading.local()


def last_attempt() -> bool:
    """Whether the job running now will not be tried again if it fails."""
    from rq import get_current_job

    job = get_current_job()
    if job is not None:
        return not job.retries_left
    return bool(getattr(_attempt, "last", True))


class AtOnce:
    """Runs each job in the caller, now (REPORT_JOBS = "on-request": the test suite)."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def submit(self, job_id: str, function: str, *args: str | int) -> None:
        _attempt.last = True
        try:
            call(self.app, function, args)
        except Exception as error:  # the job has recorded what went wrong, for its reader
            log.warning("job %s failed (%s)", job_id, type(error))

    def gave_up(self, job_id: str) -> bool:
        return False


class InThisProcess:
    """Jobs in threads of this process, one at a time, each tried up to `attempts` times.

    A thread cannot be stopped from outside, so a job that hangs is not killed: once it has
    run for `time_limit` seconds the next job stops waiting for it and runs beside it, and
    the reader of a report that takes too long is told so and may ask again. Only one job
    runs beside a hung one (found in review: without that bound every later job started at
    once, each typesetting a PDF in the web process); if that one hangs too, jobs wait."""

    def __init__(self, app: Flask, time_limit: int, attempts: int) -> None:
        self.app = app
        self.time_limit = time_limit
        self.attempts = attempts
        self._lock = threading.Lock()
        self._waiting_or_running: set[str] = set()
        self._one_at_a_time = threading.Semaphore(1)
        self._beside_a_hang = threading.Semaphore(1)
        self._running_since: float | None = None  # when the job with the turn began

    def submit(self, job_id: str, function: str, *args: str | int) -> None:
        with self._lock:
            if job_id in self._waiting_or_running:
                return
            self._waiting_or_running.add(job_id)
        # A daemon thread: a web process that is told to stop does not wait for a report.
        threading.Thread(
            target=self._run, args=(job_id, function, args), name=f"job {job_id}", daemon=True
        ).start()

    def _turn(self) -> bool:
        """Wait for the job before to end, or to overrun its time limit (a hang) while no
        other job runs beside it: whether this job has the turn (False: it holds the one
        place beside the job that hangs)."""
        while not self._one_at_a_time.acquire(timeout=1):
            with self._lock:
                began = self._running_since
            overrun = began is not None and time.monotonic() - began > self.time_limit
            if overrun and self._beside_a_hang.acquire(blocking=False):
                return False
        with self._lock:
            self._running_since = time.monotonic()
        return True

    def _run(self, job_id: str, function: str, args: tuple[str | int, ...]) -> None:
        turn = self._turn()
        try:
            for attempt in range(1, self.attempts + 1):
                _attempt.last = attempt == self.attempts
                try:
                    call(self.app, function, args)
                    return
                except Exception as error:
                    # The job has recorded what went wrong; its text is never logged here.
                    log.warning("job %s: attempt %d failed (%s)", job_id, attempt, type(error))
        finally:
            if turn:
                with self._lock:
                    self._running_since = None
                self._one_at_a_time.release()
            else:
                self._beside_a_hang.release()
            with self._lock:
                self._waiting_or_running.discard(job_id)

    def gave_up(self, job_id: str) -> bool:
        return False


class OnRedis:
    """Jobs on an RQ queue, worked by `flask --app app worker` (or `rq worker boundary`)."""

    def __init__(self, url: str, time_limit: int, attempts: int) -> None:
        from redis import Redis
        from rq import Queue

        # Short timeouts: a web request that asks for a job never waits long on Redis.
        self.connection: Redis = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
        self.queue: Queue = Queue(QUEUE, connection=self.connection)
        self.time_limit = time_limit
        self.attempts = attempts

    def submit(self, job_id: str, function: str, *args: str | int) -> None:
        from redis.exceptions import RedisError

        try:
            self._submit(job_id, function, *args)
        except RedisError as error:
            raise JobsUnavailable(f"Redis did not answer ({type(error).__name__})") from None

    def _submit(self, job_id: str, function: str, *args: str | int) -> None:
        from rq import Retry
        from rq.job import JobStatus

        existing = self.queue.fetch_job(job_id)
        if existing is not None and existing.get_status(refresh=False) in (
            JobStatus.QUEUED,
            JobStatus.STARTED,
            JobStatus.SCHEDULED,
            JobStatus.DEFERRED,
        ):
            return  # the same work is waiting or under way: one render, not two
        self.queue.enqueue(
            "surveys.jobs.run_on_worker",
            function,
            args,
            job_id=job_id,
            job_timeout=self.time_limit,  # the worker kills the job's process after this
            retry=Retry(max=self.attempts - 1) if self.attempts > 1 else None,
            result_ttl=3600,
            failure_ttl=24 * 3600,
        )

    def gave_up(self, job_id: str) -> bool:
        from redis.exceptions import RedisError
        from rq.job import JobStatus

        try:
            job = self.queue.fetch_job(job_id)
        except RedisError:
            return False  # not known: the reader waits, until the report is overdue
        return job is not None and job.get_status(refresh=False) in (
            JobStatus.FAILED,
            JobStatus.STOPPED,
            JobStatus.CANCELED,
        )


_worker_app: Flask | None = None
_worker_pid: int | None = None


def run_on_worker(function: str, args: tuple[str | int, ...]) -> None:
    """What RQ runs: the job, in the worker's app (or a new one, under a bare `rq worker`)."""
    global _worker_app, _worker_pid
    if _worker_app is None:
        from . import create_app

        _worker_app, _worker_pid = create_app(), os.getpid()
    if _worker_pid != os.getpid():
        # A process forked for this job must not use the database connections of the
        # worker it was forked from: new ones, the old left alone for their owner.
        from .database import db

        with _worker_app.app_context():
            db.engine.dispose(close=False)
        _worker_pid = os.getpid()
    call(_worker_app, function, args)


def runner() -> Runner:
    found: Runner = current_app.extensions["jobs"]
    return found


@click.command("worker")
@with_appcontext
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker_command(burst: bool) -> None:
    """Work the background jobs (PDF reports) from Redis: BOUNDARY_REDIS_URL must be set."""
    jobs = runner()
    if not isinstance(jobs, OnRedis):
        raise click.ClickException(
            "BOUNDARY_REDIS_URL is not set: without Redis the web process does its own "
            "background jobs, and no worker is needed."
        )
    from redis.exceptions import ConnectionError as RedisDown
    from rq import Worker

    global _worker_app, _worker_pid
    _worker_app, _worker_pid = current_app._get_current_object(), os.getpid()  # type: ignore[attr-defined]
    try:
        jobs.connection.ping()
    except RedisDown as error:
        raise click.ClickException(
            f"Redis does not answer at BOUNDARY_REDIS_URL: {error}"
        ) from None
    Worker([jobs.queue], connection=jobs.connection).work(burst=burst, with_scheduler=False)


def make_runner(app: Flask) -> Runner:
    limit = int(app.config["REPORT_TIME_LIMIT"])
    attempts = int(app.config["REPORT_ATTEMPTS"])
    if app.config["REPORT_JOBS"] == "on-request":
        return AtOnce(app)
    if app.config.get("REDIS_URL"):
        return OnRedis(str(app.config["REDIS_URL"]), limit, attempts)
    return InThisProcess(app, limit, attempts)


def init_app(app: Flask) -> None:
    app.extensions["jobs"] = make_runner(app)
    app.cli.add_command(worker_command)
