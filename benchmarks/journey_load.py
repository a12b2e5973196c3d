"""Complete survey journeys against gunicorn: server CPU per submission, latency, none lost.

    .venv/bin/python -m benchmarks.journey_load [--clients 32] [--journeys 320] [--sqlite]

Builds a fresh PostgreSQL schema with the real migrations (TEST_DATABASE_URL, or
postgresql://postgres@127.0.0.1/test), opens a round, starts gunicorn with 2 worker processes
(gthread) on a free port, and lets 32 clients answer the survey at once, each journey the 20
requests a browser makes: the start page, about you, five feature pages, partners and their
ratings, the check page, send, and the confirmation, each page read and its form (CSRF token
included) sent back as a browser would, on a new connection each time.

It prints the server's CPU time per complete submission (gunicorn's processes, read from
/proc before and after) and per request, beside the CPU time of rendering the same feature
page template in a bare Flask request context, measured in the same run (the ratio is the
target: at most 2); p50 and p99 latency per request, and of the send alone; and the journeys
confirmed, stored, lost and stored twice (both must be 0). `--sqlite` runs the same load on
SQLite as well.

Then, under the same gunicorn settings, the same clients make the same number of requests,
in the same order of pages and forms, of benchmarks/bare_page.py: the feature page rendered
with no database, and a form that writes nothing. Its CPU per request and its p50 and p99
are what any page of this size costs on this machine (32 clients, the load generator and
the server sharing its cores); the journeys' figures are printed beside them.
Nothing here is a test: it measures. tests/integration/test_faults.py reuses its journeys.
"""

from __future__ import annotations

import argparse
import html
import http.client
import os
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from flask import g, render_template
from sqlalchemy import func, select

from surveys import create_app, widgets
from surveys.database import db, migrate_from_nothing
from surveys.library import current_questionnaire, questionnaire
from surveys.responses.forms import feature_form
from surveys.responses.journey import section, statement_numbers
from surveys.responses.models import Comment, Submission
from surveys.rounds.models import Round, utc_now
from surveys.rounds.service import RoundSpec, create_round

from .workshop_load import (
    SCHEMA,
    SECRET,
    WORKERS,
    Phone,
    free_port,
    gunicorn,
    hidden_inputs,
    percentile,
    postgres_url,
    worker_pids,
)

CLIENTS = 32
WARM_JOURNEYS = 4 * WORKERS  # before measuring: enough at once that every worker gets some
THREADS = 16  # per worker, as the README's gunicorn command
CONFIRMED = "Your answers have been sent"
INPUT = re.compile(r"<input[^>]*>")
NAME, VALUE = re.compile(r'name="([^"]+)"'), re.compile(r'value="([^"]*)"')
TYPE = re.compile(r'type="(radio|checkbox)"')
MARKER = "Load journey {run} number {number}."  # one comment per journey tells them apart


class JourneyFailed(Exception):
    """A page answered in a way a browser's person could not go on from."""


def choices_on(page: str) -> dict[str, list[str]]:
    """Every radio and checkbox group of a page, with the values it offers."""
    found: dict[str, list[str]] = {}
    for tag in INPUT.findall(page):
        kind, name, value = TYPE.search(tag), NAME.search(tag), VALUE.search(tag)
        if kind and name and value:
            found.setdefault(html.unescape(name.group(1)), []).append(html.unescape(value.group(1)))
    return found


def local_path(location: str) -> str:
    """A redirect's Location as a path on this server (it may be absolute)."""
    parts = urllib.parse.urlsplit(location)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@dataclass
class Journey:
    """One person's way through the survey: what each request answered and how fast."""

    number: int
    confirmed: bool = False
    requests: int = 0
    latencies: list[float] = field(default_factory=list)
    send_latencies: list[float] = field(default_factory=list)  # also in latencies
    server_errors: list[str] = field(default_factory=list)  # every 5xx, with its page title
    retried: int = 0
    sending: threading.Event | None = None  # set as the answers are sent (a fault test waits)


class Browser(Phone):
    """A respondent's browser: one cookie, a new connection per request, and a person who
    presses again (up to `retries` times) when a page never arrives, as people do."""

    def __init__(self, port: int, journey: Journey, retries: int = 0) -> None:
        super().__init__(port)
        self.journey = journey
        self.retries = retries

    def send(
        self, method: str, path: str, form: Mapping[str, str | list[str]] | None = None
    ) -> tuple[int, str, dict[str, str]]:
        for attempt in range(self.retries + 1):
            if path.endswith("/submit") and self.journey.sending is not None:
                self.journey.sending.set()
            started = time.perf_counter()
            try:
                status, page, headers = self.request(method, path, form)
            except (OSError, http.client.HTTPException):
                if attempt == self.retries:
                    raise
                self.journey.retried += 1
                time.sleep(0.2)
                continue
            self.journey.latencies.append(time.perf_counter() - started)
            if path.endswith("/submit"):
                self.journey.send_latencies.append(self.journey.latencies[-1])
            self.journey.requests += 1
            if status >= 500:
                title = re.search(r"<title>([^<]*)</title>", page)
                self.journey.server_errors.append(
                    f"{status} {method} {path}: {title.group(1).strip() if title else page[:80]}"
                )
            return status, page, headers
        raise AssertionError("unreachable")

    def get(self, path: str) -> str:
        status, page, _ = self.send("GET", path)
        if status != 200:
            raise JourneyFailed(f"GET {path}: {status}")
        return page

    def post(self, path: str, page: str, answers: Mapping[str, str | list[str]]) -> str:
        """Send the form of `page` with these answers; returns where it leads."""
        form = {**hidden_inputs(page), "action": "continue", **answers}
        status, reply, headers = self.send("POST", path, form)
        if status != 302:
            raise JourneyFailed(f"POST {path}: {status} {reply[:120]!r}")
        return local_path(headers.get("Location", ""))


def answer(choices: Mapping[str, list[str]], number: int) -> dict[str, str]:
    """A different, valid answer to every question of a page for each journey."""
    return {
        name: values[(number + position) % len(values)]
        for position, (name, values) in enumerate(choices.items())
    }


def complete_journey(
    port: int,
    token: str,
    number: int,
    run: str,
    retries: int = 0,
    journey: Journey | None = None,
    browser: Browser | None = None,
) -> Journey:
    """Answer the whole survey and send it: the 20 requests of a browser's journey.

    The first feature's comment names the journey, so the database can be asked whether
    this journey's answers are there, and how many times. `browser`: another way of sending
    the requests (benchmarks/journey_profile.py's, in one process); its journey is used."""
    if browser is not None:
        journey = browser.journey
    journey = journey or Journey(number)
    browser = browser or Browser(port, journey, retries)
    survey = f"/r/{token}"
    browser.get(survey)
    page = browser.get(f"{survey}/about-you")
    about = answer(choices_on(page), number)
    about["agency"] = "police" if number % 2 else "health"
    place = browser.post(f"{survey}/about-you", page, about)
    commented = False
    while "/section/" in place:
        page = browser.get(place)
        answers = answer(choices_on(page), number)
        if not commented:
            answers["comment"] = MARKER.format(run=run, number=number)
            commented = True
        place = browser.post(place, page, answers)
    if not place.startswith(f"{survey}/partners"):
        raise JourneyFailed(f"after the features, expected the partners page, not {place}")
    page = browser.get(place)
    partner = "education" if number % 3 else "youth-service"
    place = browser.post(place, page, {"partners": [partner]})
    page = browser.get(place)
    place = browser.post(place, page, answer(choices_on(page), number))
    if place != f"{survey}/check":
        raise JourneyFailed(f"after the partners, expected the check page, not {place}")
    page = browser.get(place)
    place = browser.post(f"{survey}/submit", page, {})
    if place == f"{survey}/done":
        journey.confirmed = CONFIRMED in browser.get(place)
    return journey


def stored_journeys(url: str, round_id: int, run: str) -> tuple[int, dict[int, int]]:
    """How many submissions the round holds, and per journey number how many carry its mark."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET})
    pattern = re.compile(re.escape(MARKER.format(run=run, number="@")).replace("@", r"(-?\d+)"))
    counts: dict[int, int] = {}
    with app.app_context():
        total = db.session.scalar(
            select(func.count()).select_from(Submission).where(Submission.round_id == round_id)
        )
        for text in db.session.scalars(select(Comment.text).where(Comment.round_id == round_id)):
            found = pattern.search(text)
            if found:
                counts[int(found.group(1))] = counts.get(int(found.group(1)), 0) + 1
        db.session.remove()
        db.engine.dispose()
    return int(total or 0), counts


@dataclass(frozen=True)
class Tally:
    """What the database says about a set of journeys."""

    confirmed: int
    stored: int
    lost: list[int]  # confirmed, yet not stored
    twice: list[int]  # stored more than once
    unmarked: int  # submissions that carry no journey's mark (there must be none)


def tally(journeys: Iterable[Journey], total: int, counts: Mapping[int, int]) -> Tally:
    journeys = list(journeys)
    return Tally(
        confirmed=sum(j.confirmed for j in journeys),
        stored=sum(counts.values()),
        lost=[j.number for j in journeys if j.confirmed and counts.get(j.number, 0) == 0],
        twice=sorted(number for number, count in counts.items() if count > 1),
        unmarked=total - sum(counts.values()),
    )


def open_round(url: str, schema: str) -> tuple[int, str]:
    """A fresh schema built by the migrations, holding one open round; (id, public token)."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET})
    with app.app_context():
        migrate_from_nothing(schema)
        now = utc_now()
        round_ = create_round(
            RoundSpec("Journey load", "journey-load", now - timedelta(days=1), now + timedelta(30)),
            current_questionnaire(),
            30,
        )
        found = round_.id, round_.public_token
        db.session.remove()
        db.engine.dispose()
    return found


def bare_render_seconds(url: str, token: str, repeats: int = 300, afresh: bool = False) -> float:
    """CPU seconds to render one feature page from its template in a bare request context:
    no routing, no database, no session; the floor under what a journey's page costs.
    `afresh`: every question's radios drawn by the macros each time, as before they were
    kept per process (surveys/widgets.py)."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET})
    with app.app_context():
        round_ = db.session.scalar(select(Round).where(Round.public_token == token))
        assert round_ is not None
        q = questionnaire(round_.questionnaire_version)
        feature = q.features[0]
        with app.test_request_context(f"/r/{token}/section/{feature.id}"):
            g.round, g.questionnaire = round_, q
            g.round_token, g.round_id = token, round_.id

            numbers = statement_numbers(q)

            def render() -> str:
                if afresh:
                    widgets.forget_drawn()
                form = feature_form(feature, q, data={})
                form.round.data = token
                return render_template(
                    "respond/feature.html",
                    form=form,
                    section=section(q, feature.id),
                    back=f"/r/{token}/about-you",
                    feature=feature,
                    numbers=numbers,  # as the survey's feature page passes them
                    statement_total=len(numbers),
                )

            for _ in range(20):  # templates compiled, caches warm, as in a running server
                render()
            started = time.process_time()
            for _ in range(repeats):
                render()
            spent = time.process_time() - started
        db.session.remove()
        db.engine.dispose()
    return spent / repeats


def cpu_seconds(pids: Iterable[int]) -> float:
    """User plus system CPU time of these processes so far, from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / ticks


def server_pids(server: subprocess.Popen[bytes]) -> list[int]:
    return [server.pid, *worker_pids(server)]


# The methods of a journey's 20 requests in order (see complete_journey): 11 pages, 9 forms.
JOURNEY_METHODS = ["GET", "GET", "POST", *["GET", "POST"] * 7, "GET"]


@dataclass(frozen=True)
class Served:
    """What the server spent and how fast it answered, for one load."""

    cpu_seconds: float
    requests: int
    latencies: list[float]
    failures: list[str]

    @property
    def cpu_per_request(self) -> float:
        return self.cpu_seconds / max(self.requests, 1)


def bare_page_load(url: str, clients: int, journeys: int) -> Served:
    """The same clients, connections and mix of requests against benchmarks/bare_page.py
    (the feature page rendered with no database; a POST that writes nothing) under the
    same gunicorn settings: the CPU and latency any page of this size costs here."""
    from .bare_page import PATH

    port = free_port()
    app = "benchmarks.bare_page:create_app()"
    with gunicorn(url, port, workers=WORKERS, threads=THREADS, ready_path=PATH, app=app) as server:
        with ThreadPoolExecutor(max_workers=WARM_JOURNEYS) as pool:  # every worker's templates
            list(pool.map(lambda _n: Phone(port).request("GET", PATH), range(8 * WARM_JOURNEYS)))
        pids = server_pids(server)
        before = cpu_seconds(pids)
        latencies: list[float] = []
        failures: list[str] = []
        lock = threading.Lock()

        def one(_number: int) -> None:
            phone, spent = Phone(port), []
            for method in JOURNEY_METHODS:
                started = time.perf_counter()
                try:
                    status, _page, _ = phone.request(method, PATH, {} if method == "POST" else None)
                except (OSError, http.client.HTTPException) as error:
                    failures.append(f"{method} {PATH}: {error}")
                    continue
                spent.append(time.perf_counter() - started)
                if status != (302 if method == "POST" else 200):
                    failures.append(f"{method} {PATH}: {status}")
            with lock:
                latencies.extend(spent)

        with ThreadPoolExecutor(max_workers=clients) as pool:
            list(pool.map(one, range(journeys)))
        spent = cpu_seconds(pids) - before
    return Served(spent, len(latencies), latencies, failures)


def run(name: str, url: str, schema: str, clients: int, journeys: int) -> dict[str, str]:
    round_id, token = open_round(url, schema)
    render = bare_render_seconds(url, token)
    render_afresh = bare_render_seconds(url, token, afresh=True)
    label = secrets.token_hex(4)
    warm = range(1, WARM_JOURNEYS + 1)
    port = free_port()
    with gunicorn(url, port, workers=WORKERS, threads=THREADS, ready_path="/") as server:
        # Journeys first, at once, so every worker has compiled its templates before measuring
        # (with one, the other worker compiled them in the measured run).
        with ThreadPoolExecutor(max_workers=WARM_JOURNEYS) as pool:
            list(pool.map(lambda n: complete_journey(port, token, -n, f"{label}-warm"), warm))
        pids = server_pids(server)
        before = cpu_seconds(pids)
        began = time.perf_counter()
        results: list[Journey] = []
        failures: list[str] = []
        lock = threading.Lock()

        def one(number: int) -> None:
            journey = Journey(number)
            try:
                complete_journey(port, token, number, label, journey=journey)
            except Exception as error:  # noqa: BLE001 - a benchmark counts every failure
                failures.append(f"journey {number}: {error}")
            with lock:
                results.append(journey)

        with ThreadPoolExecutor(max_workers=clients) as pool:
            list(pool.map(one, range(journeys)))
        elapsed = time.perf_counter() - began
        spent = cpu_seconds(pids) - before
    bare = bare_page_load(url, clients, journeys)
    total, counts = stored_journeys(url, round_id, label)
    found = tally(results, total - WARM_JOURNEYS, counts)  # the warm-up ones are unmarked
    latencies = [t for j in results for t in j.latencies]
    sends = [t for j in results for t in j.send_latencies]
    requests = sum(j.requests for j in results)
    errors = [e for j in results for e in j.server_errors]
    for failure in (failures + errors + bare.failures)[:5]:
        print(f"  {name}: {failure}", file=sys.stderr)
    per_request = spent / max(requests, 1)
    return {
        "database": name,
        "journeys (confirmed)": f"{journeys} ({found.confirmed})",
        "requests": str(requests),
        "server errors (5xx)": str(len(errors)),
        "stored": str(found.stored),
        "lost / stored twice": f"{len(found.lost)} / {len(found.twice)}",
        "wall time": f"{elapsed:.1f} s",
        "server CPU per submission": f"{spent / max(found.confirmed, 1) * 1000:.1f} ms",
        "server CPU per request": f"{per_request * 1000:.2f} ms",
        "bare render (baseline)": f"{render * 1000:.2f} ms",
        "ratio per request": f"{per_request / render:.2f}",
        "bare render, radios afresh": f"{render_afresh * 1000:.2f} ms",
        "ratio to that": f"{per_request / render_afresh:.2f}",
        "bare page served: CPU/request": f"{bare.cpu_per_request * 1000:.2f} ms",
        "ratio to the served page": f"{per_request / bare.cpu_per_request:.2f}",
        "latency p50": f"{percentile(latencies, 50) * 1000:.0f} ms",
        "latency p99": f"{percentile(latencies, 99) * 1000:.0f} ms",
        "sending only: p50 / p99": (
            f"{percentile(sends, 50) * 1000:.0f} / {percentile(sends, 99) * 1000:.0f} ms"
        ),
        "bare page served: p50": f"{percentile(bare.latencies, 50) * 1000:.0f} ms",
        "bare page served: p99": f"{percentile(bare.latencies, 99) * 1000:.0f} ms",
        "_ok": str(
            not failures and not errors and not found.lost and not found.twice and not bare.failures
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=CLIENTS)
    parser.add_argument("--journeys", type=int, default=10 * CLIENTS)
    parser.add_argument("--sqlite", action="store_true", help="run on SQLite as well")
    options = parser.parse_args()
    rows = []
    url = postgres_url()
    if url is None:
        print("No PostgreSQL answers: the benchmark runs on SQLite only.", file=sys.stderr)
    else:
        rows.append(run("PostgreSQL", url, SCHEMA, options.clients, options.journeys))
    with tempfile.TemporaryDirectory() as folder:
        if options.sqlite or url is None:
            database = f"sqlite:///{Path(folder) / 'load.sqlite3'}"
            rows.append(run("SQLite", database, "", options.clients, options.journeys))
    print(
        f"\nJourney load: {options.journeys} complete journeys by {options.clients} clients at "
        f"once; gunicorn {WORKERS} workers x {THREADS} threads (gthread)\n"
    )
    width = max(len(key) for key in rows[0])
    for key in rows[0]:
        if not key.startswith("_"):
            print(f"{key:<{width}}  " + "  ".join(f"{row[key]:>14}" for row in rows))
    ok = all(row["_ok"] == "True" for row in rows)
    print("\nEvery confirmed journey stored once." if ok else "\nFAILURES, LOST OR DUPLICATED.")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
