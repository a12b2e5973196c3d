"""What keeps the suite's parallel workers apart (pytest-xdist, `-n 2` in `make test`).

Each worker is a process of its own running whole test files (`--dist loadfile`). Nothing
one worker's tests touch may be touched by the other's at the same time:

- PostgreSQL: each worker gets a database of its own, named after the suite's and the
  worker (`test_gw0` beside `test`), created on first use. Everything that reads
  TEST_DATABASE_URL (the fixtures, the fault and first-run tests, the pg_dump copy) then
  reads the worker's. Creating databases needs the CREATEDB right, as CI's `postgres` has.
- SQLite files and instance folders live under each test's tmp_path, which pytest-xdist
  already keeps per worker.
- Redis: a file that flushes a Redis database asks redis_url() for it: in a run of one
  process, the file's own number (4, 6, 7); under pytest-xdist, the worker's own (gw0 10,
  gw1 11... up to gw5 15), which the files on that worker use one after another, each
  flushing it before and after. test_stuffing touches only keys of its own prefix.
- Servers (gunicorn, the PostgreSQL door) listen on free ports the system hands out.

Which worker runs which file is decided as the run goes: each worker holds two files, and
takes the next in line when one is done. `make test` keeps the line in the order
slow_files_first() sets (--no-loadscope-reorder): a file that starts servers or a browser
can take minutes with a handful of tests, and at the end of the line it kept one core busy
long after the other had nothing left to do. Those files (ONE_AT_A_TIME) are also handed out
as one unit, to one worker, one after another: each loads the machine on purpose (a burst
of 4,000 requests, workers killed, sqlmap, Chromium with its time limits), and two of them
side by side on two cores failed for want of CPU, not for anything in the app.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from sqlalchemy import create_engine, make_url, text

from surveys.config import normalise_database_url


def worker_name() -> str | None:
    """The worker's name (gw0, gw1...) under pytest-xdist; None in a run of one process."""
    return os.environ.get("PYTEST_XDIST_WORKER")


FIRST_WORKER_REDIS, REDIS_DATABASES = 10, 16  # Redis has databases 0-15 unless told otherwise


def redis_url(own: int) -> str:
    """The Redis database (at 127.0.0.1:6379) a test file may flush: see above."""
    worker = worker_name()
    if worker is None:
        return f"redis://127.0.0.1:6379/{own}"
    number = FIRST_WORKER_REDIS + int(worker.removeprefix("gw"))
    if number >= REDIS_DATABASES:
        raise RuntimeError(
            f"Worker {worker} has no Redis database of its own (10-15 serve six workers): "
            "run pytest with -n 6 or fewer"
        )
    return f"redis://127.0.0.1:6379/{number}"


def worker_database_url(url: str, worker: str) -> str:
    """The PostgreSQL database of `worker` beside the one `url` names (created if missing)."""
    given = make_url(url)
    own = given.set(database=f"{given.database}_{worker}")
    engine = create_engine(normalise_database_url(url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            found = connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": own.database}
            )
            if not found:
                connection.execute(text(f'CREATE DATABASE "{own.database}"'))
    finally:
        engine.dispose()
    return own.render_as_string(hide_password=False)


def keep_workers_apart() -> None:
    """Point this worker's TEST_DATABASE_URL at its own database (run before collection,
    so test modules that read the variable on import see the worker's)."""
    worker, url = worker_name(), os.environ.get("TEST_DATABASE_URL")
    if worker and url:
        os.environ["TEST_DATABASE_URL"] = worker_database_url(url, worker)


SLOW_MARKERS = ("faults", "probe", "browser")  # gunicorn, sqlmap, Chromium: minutes a file
# The files holding such tests: the scheduler, which sees test ids but no markers, runs them
# on one worker one after another. slow_files_first() checks this list against the markers.
ONE_AT_A_TIME = {
    f"tests/integration/{name}.py"
    for name in (
        "test_browser",
        "test_browser_phone",
        "test_declaration_browser",
        "test_faults",
        "test_projector_screens",
        "test_sqlite_concurrency",
        "test_sqlmap_probe",
        "test_summary_first",
    )
}


def file_of(nodeid: str) -> str:
    return nodeid.split("::")[0]


def slow_files_first(items: list[pytest.Item]) -> None:
    """Put the files holding a test with one of SLOW_MARKERS at the head of the run, in
    their own order; the rest keep theirs (integration files, then the quick unit ones)."""

    def slow(item: pytest.Item) -> bool:
        return any(item.get_closest_marker(name) is not None for name in SLOW_MARKERS)

    slow_files = {file_of(item.nodeid) for item in items if slow(item)}
    if unlisted := sorted(slow_files - ONE_AT_A_TIME):
        raise pytest.UsageError(
            f"{', '.join(unlisted)} start servers or a browser ({', '.join(SLOW_MARKERS)}): "
            "add them to ONE_AT_A_TIME in tests/workers.py"
        )
    items.sort(key=lambda item: file_of(item.nodeid) not in slow_files)  # stable


def one_at_a_time_scheduler(config: pytest.Config, log: Any) -> Any:
    """pytest-xdist's loadfile scheduler, with the ONE_AT_A_TIME files as one unit."""
    from xdist.scheduler import LoadFileScheduling  # type: ignore[import-untyped]  # no types

    class OneAtATime(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            file = file_of(nodeid)
            return "one at a time" if file in ONE_AT_A_TIME else file

    return OneAtATime(config, log)
