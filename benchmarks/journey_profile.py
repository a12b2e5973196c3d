"""Complete survey journeys in one process: server CPU per request, what each request asks of
the database, and (with --profile) where the time goes.

    .venv/bin/python -m benchmarks.journey_profile [--journeys 40] [--sqlite] [--profile]

The journeys are benchmarks/journey_load.py's own (every page read and its form sent back,
CSRF token included), sent through the Flask test client to the app gunicorn would serve
(`app.create_app()`, the same settings the load benchmark gives it), one after another: no
sockets, no other process, no threads waiting for the GIL, so the process's CPU time is the
app's own work per request, on a machine whose load moves the load benchmark's figures.

It prints the CPU time spent inside the app's WSGI callable per request beside the bare
render of the same feature page (journey_load.bare_render_seconds) in the same process:
blocks of journeys and of renders take turns, so both meet the same moments of a shared
machine's load, and the ratio is the median of the blocks' (the target: at most 2x). It
counts the SQL statements and pool checkouts of the measured journeys. With --profile,
cProfile's 30 costliest functions by CPU (own time, then with callees) go to stderr, the
whole profile to a file, and the Python calls per request (which the load does not move)
to the table.
Nothing here is a test: it measures.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.pool import Pool

import app as boundary
from surveys.database import db

from .journey_load import (
    Browser,
    Journey,
    bare_render_seconds,
    complete_journey,
    open_round,
    stored_journeys,
)
from .workshop_load import SCHEMA, SECRET, postgres_url

JOURNEYS = 40
WARM = 4
BLOCKS = 8  # journeys and bare renders take turns this many times


def served_app(url: str) -> Flask:
    """The app as benchmarks/journey_load.py's gunicorn serves it (its environment, as settings)."""
    return boundary.create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": SECRET,
            "SESSION_COOKIE_SECURE": False,
            "PUBLIC_URL": "http://127.0.0.1",
            "RATELIMIT_ENABLED": False,
        }
    )


class InProcessBrowser(Browser):
    """A journey_load Browser whose requests go through the Flask test client."""

    def __init__(self, served: Flask, journey: Journey) -> None:
        super().__init__(0, journey)
        self.client = served.test_client()

    def request(
        self,
        method: str,
        path: str,
        form: Mapping[str, str | list[str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, str, dict[str, str]]:
        response = self.client.open(path, method=method, data=form, headers=headers)
        page = response.get_data(as_text=True)
        return response.status_code, page, dict(response.headers)


class Metered:
    """The app's WSGI callable, timed: CPU spent inside the app (its response's body too),
    not in the test client or in the journey reading the pages."""

    def __init__(self, wsgi_app: Any) -> None:
        self.wsgi_app = wsgi_app
        self.seconds = 0.0

    def __call__(self, environ: Any, start_response: Any) -> list[bytes]:
        started = time.process_time()
        try:
            body = self.wsgi_app(environ, start_response)
            try:
                return list(body)
            finally:
                if hasattr(body, "close"):
                    body.close()
        finally:
            self.seconds += time.process_time() - started


class Counter:
    """SQL statements and pool checkouts seen while counting."""

    def __init__(self) -> None:
        self.statements = self.checkouts = 0

    def statement(self, *_args: Any) -> None:
        self.statements += 1

    def checkout(self, *_args: Any) -> None:
        self.checkouts += 1


@contextmanager
def counting(served: Flask) -> Iterator[Counter]:
    counter = Counter()
    with served.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", counter.statement)
    event.listen(Pool, "checkout", counter.checkout)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", counter.statement)
        event.remove(Pool, "checkout", counter.checkout)


def run(name: str, url: str, schema: str, journeys: int, profile: bool) -> dict[str, str]:
    round_id, token = open_round(url, schema)
    served = served_app(url)
    metered = Metered(served.wsgi_app)
    served.wsgi_app = metered  # type: ignore[method-assign]
    label = secrets.token_hex(4)

    def journey(number: int, run_label: str) -> Journey:
        one = Journey(number)
        complete_journey(0, token, number, run_label, browser=InProcessBrowser(served, one))
        return one

    for number in range(1, WARM + 1):  # templates compiled, pool filled, caches warm
        journey(-number, f"{label}-warm")
    profiler = cProfile.Profile(time.process_time) if profile else None  # CPU, not waits
    done: list[Journey] = []
    # Journeys and bare renders take turns, a block of each, so both meet the same moments of
    # a shared machine's load; each block's ratio is its journeys' CPU over the render next to it.
    spent_each: list[float] = []  # CPU per request, block by block
    renders: list[float] = []
    per_block = max(1, journeys // BLOCKS)
    with counting(served) as counter:
        for start in range(0, journeys, per_block):
            before, requests_before = metered.seconds, sum(j.requests for j in done)
            if profiler:
                profiler.enable()
            for number in range(start, min(start + per_block, journeys)):
                done.append(journey(number, label))
            if profiler:
                profiler.disable()
            requests = sum(j.requests for j in done) - requests_before
            spent_each.append((metered.seconds - before) / max(requests, 1))
            renders.append(bare_render_seconds(url, token, repeats=60))
    with served.app_context():
        db.session.remove()
        db.engine.dispose()
    requests = sum(j.requests for j in done)
    calls = ""
    if profiler:
        for order in ("tottime", "cumulative"):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(30)
            print(f"--- {name}, by {order} ---\n{out.getvalue()}", file=sys.stderr)
        kept = Path(tempfile.gettempdir()) / f"journey-profile-{name.lower()}.prof"
        profiler.dump_stats(kept)
        print(f"The whole profile: {kept} (python -m pstats)", file=sys.stderr)
        # Unlike time, the number of Python calls does not move with the machine's load.
        calls = f"{pstats.Stats(profiler).total_calls / max(requests, 1):.0f}"  # type: ignore[attr-defined]
    total, counts = stored_journeys(url, round_id, label)
    confirmed = sum(j.confirmed for j in done)
    stored_once = sum(1 for j in done if counts.get(j.number) == 1)
    ratios = [spent / render for spent, render in zip(spent_each, renders, strict=True)]
    row = {
        "database": name,
        "journeys (confirmed)": f"{journeys} ({confirmed})",
        "stored once": str(stored_once),
        "requests": str(requests),
        "server errors (5xx)": str(sum(len(j.server_errors) for j in done)),
        "CPU per request (median block)": f"{statistics.median(spent_each) * 1000:.2f} ms",
        "bare render (median block)": f"{statistics.median(renders) * 1000:.2f} ms",
        "ratio (median of blocks)": f"{statistics.median(ratios):.2f}",
        "ratio (lowest / highest)": f"{min(ratios):.2f} / {max(ratios):.2f}",
        "SQL statements / journey": f"{counter.statements / max(journeys, 1):.1f}",
        "pool checkouts / journey": f"{counter.checkouts / max(journeys, 1):.1f}",
        "_ok": str(confirmed == journeys == stored_once and total == journeys + WARM),
    }
    if calls:
        row["Python calls / request (profiled)"] = calls
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--journeys", type=int, default=JOURNEYS)
    parser.add_argument("--sqlite", action="store_true", help="run on SQLite as well")
    parser.add_argument("--profile", action="store_true", help="cProfile to stderr")
    options = parser.parse_args()
    rows = []
    url = postgres_url()
    if url is None:
        print("No PostgreSQL answers: the benchmark runs on SQLite only.", file=sys.stderr)
    else:
        rows.append(run("PostgreSQL", url, SCHEMA, options.journeys, options.profile))
    with tempfile.TemporaryDirectory() as folder:
        if options.sqlite or url is None:
            database = f"sqlite:///{Path(folder) / 'profile.sqlite3'}"
            rows.append(run("SQLite", database, "", options.journeys, options.profile))
    print(f"\nJourneys in one process: {options.journeys}, one after another (test client)\n")
    width = max(len(key) for key in rows[0])
    for key in rows[0]:
        if not key.startswith("_"):
            print(f"{key:<{width}}  " + "  ".join(f"{row[key]:>14}" for row in rows))
    ok = all(row["_ok"] == "True" for row in rows)
    print("\nEvery journey confirmed and stored once." if ok else "\nFAILURES.")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
