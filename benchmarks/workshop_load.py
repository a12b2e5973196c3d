"""A room of 300 phones against gunicorn: is every answer stored once, and how soon is it seen?

    .venv/bin/python -m benchmarks.workshop_load [--participants 300] [--window 25]

For SQLite, and for PostgreSQL when TEST_DATABASE_URL (or postgresql://postgres@127.0.0.1/test)
answers, it builds a fresh database with the real migrations, starts gunicorn with 2 worker
processes (gthread), and then, while a facilitator's console and a projector poll their live
fragments as the browser would (every 1.5 s, with If-None-Match):

  - 300 simulated participants arrive over 25 seconds; each opens the join link, says
    agency and role, loads the statements and sends answers, on a new connection each time,
    as a phone on a weak network does;
  - every tenth one sends its answers a second time with the cookie it had before the first
    reply arrived (a double tap or a resend), which must not store a second answer;
  - then each phone stays on its thanks page, asking every 5 s whether there is something
    new to answer, as the page does.

It prints, per database: answers sent and stored (equal means none lost and none twice);
p50/p95/p99 submit latency beside the p50 of a plain page (GET /join) measured on the same
server just before the load, as a ratio; and how long after the last submit the console
showed all of them. Nothing here is a test: it measures.
"""

from __future__ import annotations

import argparse
import html
import http.client
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, make_url, select

from surveys import create_app
from surveys.auth.models import Role
from surveys.auth.service import create_user
from surveys.config import normalise_database_url
from surveys.database import db, migrate_from_nothing
from surveys.library import current_questionnaire
from surveys.responses.service import today
from surveys.workshops.models import Mode, RoomResponse
from surveys.workshops.service import SessionSpec, create_session, open_answering

PROJECT = Path(__file__).resolve().parent.parent
SECRET = "benchmark-secret-key-not-for-production"
FACILITATOR, PASSWORD = "facilitator@example.org", "a benchmark password"
POSTGRES = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
SCHEMA = "boundary_bench"
WORKERS, THREADS = 2, 16
POLL_SECONDS = 1.5  # as the console and projector pages do
STATUS_POLL_SECONDS = 5  # as a phone waiting on the thanks page does
LEVELS = ["frontline"] * 6 + ["operational"] * 3 + ["strategic"]
AGENCIES = ["police", "childrens-social-care", "health", "education", "youth-service"]
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
HIDDEN = re.compile(r'<input[^>]*type="hidden"[^>]*>')
NAME, VALUE = re.compile(r'name="([^"]+)"'), re.compile(r'value="([^"]*)"')
RADIOS = re.compile(r'class="govuk-radios__input" id="[^"]+" name="([^"]+)"')
ANSWERED = re.compile(r"(\d+) (?:people have|person has) answered")


def hidden_inputs(page: str) -> dict[str, str]:
    """Every hidden input of the page (CSRF token, join code, ballot, which vote, what was
    asked), sent back as a browser would."""
    found = {}
    for tag in HIDDEN.findall(page):
        name, value = NAME.search(tag), VALUE.search(tag)
        if name is not None:
            found[name.group(1)] = html.unescape(value.group(1)) if value else ""
    return found


def first(pattern: re.Pattern[str], page: str) -> str:
    found = pattern.search(page)
    if found is None:
        raise RuntimeError(f"expected {pattern.pattern} in the page: {page[:300]}")
    return found.group(1) or found.group(2)


class Phone:
    """A client with a cookie and no connection kept between requests."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookie: str | None = None

    def request(
        self,
        method: str,
        path: str,
        form: Mapping[str, str | list[str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, str, dict[str, str]]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        sent = dict(headers or {})
        if self.cookie:
            sent["Cookie"] = self.cookie
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form, doseq=True)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            page = response.read().decode("utf-8", "replace")
            cookie = response.getheader("Set-Cookie")
            if cookie:
                self.cookie = cookie.split(";", 1)[0]
            return response.status, page, dict(response.getheaders())
        finally:
            connection.close()


@dataclass
class Outcome:
    sent: int = 0
    resent: int = 0
    failures: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    last_submit: float = 0.0
    status_polls: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)

    @property
    def done(self) -> int:
        return self.sent + len(self.failures)


def participant(port: int, code: str, number: int, start_at: float, outcome: Outcome) -> None:
    time.sleep(max(0.0, start_at - time.perf_counter()))
    phone = Phone(port)
    room = f"/w/{code}"
    try:
        status, page, _ = phone.request("GET", room)
        about = {
            "csrf_token": first(CSRF, page),
            "round": code,
            "agency": AGENCIES[number % len(AGENCIES)],
            "level": LEVELS[number % len(LEVELS)],
        }
        status, page, _ = phone.request("POST", room, about)
        assert status == 302, f"about you: {status}"
        status, page, _ = phone.request("GET", room)
        statements = list(dict.fromkeys(RADIOS.findall(page)))
        answers: dict[str, str | list[str]] = {
            **hidden_inputs(page),
            **{item: str(1 + (number + i) % 5) for i, item in enumerate(statements)},
        }
        before = phone.cookie
        started = time.perf_counter()
        status, page, _ = phone.request("POST", room, answers)
        finished = time.perf_counter()
        assert status == 302, f"answers: {status} {page[:200]}"
        with outcome.lock:
            outcome.sent += 1
            outcome.latencies.append(finished - started)
            outcome.last_submit = max(outcome.last_submit, finished)
        if number % 10 == 0:
            # The reply was lost on a weak connection: the phone sends the same form again.
            phone.cookie = before
            status, page, _ = phone.request("POST", room, answers)
            assert status == 302, f"resend: {status}"
            with outcome.lock:
                outcome.resent += 1
                outcome.last_submit = max(outcome.last_submit, time.perf_counter())
    except Exception as error:  # noqa: BLE001 - a benchmark reports every failure and goes on
        with outcome.lock:
            outcome.failures.append(f"participant {number}: {error}")
        return
    # Then the phone waits on the thanks page, which asks every few seconds whether there is
    # something new to answer, as the page's script does.
    tag = None
    while not outcome.stop.wait(STATUS_POLL_SECONDS):
        status, _page, headers = phone.request(
            "GET", f"{room}/status", headers={"If-None-Match": tag} if tag else None
        )
        tag = headers.get("ETag", tag)
        with outcome.lock:
            outcome.status_polls += 1


def facilitate(facilitator: Phone, workshop_id: int, began: float, window: float) -> str:
    """The facilitator's buttons while people answer: results shown a third of the way in,
    the next feature two thirds in. Each takes the session's lock, as a submit does."""
    console = f"/workshops/{workshop_id}"
    done = []
    for at, step, form in ((1 / 3, "reveal", {}), (2 / 3, "focus", {"feature": "trust"})):
        time.sleep(max(0.0, began + window * at - time.perf_counter()))
        _, page, _ = facilitator.request("GET", console)
        started = time.perf_counter()
        status, _, _ = facilitator.request(
            "POST", f"{console}/{step}", {"csrf_token": first(CSRF, page), **form}
        )
        elapsed = (time.perf_counter() - started) * 1000
        done.append(f"{step} {elapsed:.0f} ms" if status == 302 else f"{step} FAILED {status}")
    return ", ".join(done)


@dataclass
class Watch:
    polls: int = 0
    unchanged: int = 0
    seen: list[tuple[float, int]] = field(default_factory=list)


def watch(phone: Phone, path: str, stop: threading.Event, result: Watch) -> None:
    tag = None
    while not stop.is_set():
        started = time.perf_counter()
        status, page, headers = phone.request(
            "GET", path, headers={"If-None-Match": tag} if tag else None
        )
        result.polls += 1
        if status == 304:
            result.unchanged += 1
        elif status == 200:
            tag = headers.get("ETag")
            found = ANSWERED.search(page)
            result.seen.append((time.perf_counter(), int(found.group(1)) if found else -1))
        stop.wait(max(0.0, POLL_SECONDS - (time.perf_counter() - started)))


def worker_pids(server: subprocess.Popen[bytes]) -> list[int]:
    """The PIDs of gunicorn's workers: the master's children, as the kernel lists them."""
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text()
    return [int(pid) for pid in children.split()]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare(url: str, participants: int) -> tuple[int, str]:
    """A migrated database with a facilitator and an open pulse workshop on all features."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET})
    with app.app_context():
        migrate_from_nothing(SCHEMA)
        create_user(FACILITATOR, "Facilitator", Role.FACILITATOR, PASSWORD, None)
        q = current_questionnaire()
        workshop = create_session(
            SessionSpec(
                f"Load: {participants} phones", today(), [f.id for f in q.features], Mode.PULSE
            ),
            q,
            None,
        )
        open_answering(workshop)
        found = workshop.id, workshop.join_code
        db.engine.dispose()
    return found


def stored(url: str, workshop_id: int) -> int:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET})
    with app.app_context():
        count = db.session.scalar(
            select(func.count())
            .select_from(RoomResponse)
            .where(RoomResponse.session_id == workshop_id, RoomResponse.vote == 1)
        )
        db.engine.dispose()
    return int(count or 0)


@contextmanager
def gunicorn(
    url: str,
    port: int,
    *,
    workers: int = WORKERS,
    threads: int = THREADS,
    ready_path: str = "/join",
    settings: Mapping[str, str] | None = None,
    app: str = "app:create_app()",
) -> Iterator[subprocess.Popen[bytes]]:
    """gunicorn serving the app on `url` at `port` (gthread), until the block ends; `app`
    is gunicorn's name for it: another application served the same way (a benchmark's
    baseline, or a test's app built on this one).

    Yields the master process: its children are the workers (see `worker_pids`)."""
    binary = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    environment = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET,
        # Plain HTTP on localhost: a Secure cookie would never come back from these clients.
        "BOUNDARY_SESSION_COOKIE_SECURE": "false",
        "BOUNDARY_PUBLIC_URL": f"http://127.0.0.1:{port}",
        # gunicorn.conf.py (read from the project folder) refuses SQLite with 2 workers
        # unless told: this benchmark measures exactly that case.
        "BOUNDARY_ALLOW_SQLITE_WORKERS": "1",
        # Every simulated person comes from 127.0.0.1: the per-address limits against ballot
        # stuffing would (rightly) refuse them. These runs measure serving, not limiting
        # (benchmarks/limits_overhead.py measures that).
        "BOUNDARY_RATELIMIT_ENABLED": "false",
        **(settings or {}),
    }
    server = subprocess.Popen(
        [
            binary,
            "--workers",
            str(workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(threads),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            app,
        ],
        cwd=PROJECT,
        env=environment,
        start_new_session=True,
    )
    try:
        deadline = time.time() + 60
        while True:
            try:
                if Phone(port).request("GET", ready_path)[0] == 200:
                    break
            except OSError:
                pass
            if time.time() > deadline or server.poll() is not None:
                raise RuntimeError("gunicorn did not start")
            time.sleep(0.2)
        yield server
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def percentile(values: list[float], p: int) -> float:
    if len(values) < 2:  # quantiles need two values; a failed run must still print
        return float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def run(name: str, url: str, participants: int, window: float) -> dict[str, str]:
    workshop_id, code = prepare(url, participants)
    port = free_port()
    with gunicorn(url, port):
        plain = Phone(port)
        baseline = []
        for _ in range(50):
            started = time.perf_counter()
            plain.request("GET", "/join")
            baseline.append(time.perf_counter() - started)

        facilitator = Phone(port)
        _, page, _ = facilitator.request("GET", "/sign-in")
        status, _, _ = facilitator.request(
            "POST",
            "/sign-in",
            {"csrf_token": first(CSRF, page), "email": FACILITATOR, "password": PASSWORD},
        )
        assert status == 302, "the facilitator could not sign in"
        projector = Phone(port)
        projector.cookie = facilitator.cookie
        stop = threading.Event()
        console_watch, projector_watch = Watch(), Watch()
        screens = [
            threading.Thread(
                target=watch, args=(phone, f"/workshops/{workshop_id}/live/{screen}", stop, seen)
            )
            for phone, screen, seen in (
                (facilitator, "console", console_watch),
                (projector, "projector", projector_watch),
            )
        ]
        for screen in screens:
            screen.start()

        outcome = Outcome()
        began = time.perf_counter()
        with ThreadPoolExecutor(max_workers=participants + 1) as pool:
            for number in range(participants):
                arrives = began + window * number / participants
                pool.submit(participant, port, code, number, arrives, outcome)
            hands = Phone(port)  # the console's buttons, beside its polling
            hands.cookie = facilitator.cookie
            moves = pool.submit(facilitate, hands, workshop_id, began, window)
            while outcome.done < participants:
                time.sleep(0.05)
            deadline = time.perf_counter() + 30
            while time.perf_counter() < deadline:
                if any(count >= outcome.sent for _t, count in console_watch.seen[-1:]):
                    break
                time.sleep(0.05)
            stop.set()
            outcome.stop.set()  # the phones stop waiting on their thanks pages
            moved = moves.result()
        for screen in screens:
            screen.join()

    saved = stored(url, workshop_id)
    shown = next((t for t, count in console_watch.seen if count >= outcome.sent), None)
    for failure in outcome.failures[:5]:
        print(f"  {name}: {failure}", file=sys.stderr)
    base_p50 = statistics.median(baseline)
    p50 = percentile(outcome.latencies, 50)
    return {
        "database": name,
        "sent": str(outcome.sent),
        "stored": str(saved),
        "resent": str(outcome.resent),
        "failed": str(len(outcome.failures)),
        "all sent within": f"{outcome.last_submit - began:.1f} s",
        "submit p50": f"{p50 * 1000:.0f} ms",
        "p95": f"{percentile(outcome.latencies, 95) * 1000:.0f} ms",
        "p99": f"{percentile(outcome.latencies, 99) * 1000:.0f} ms",
        "GET /join p50 (baseline)": f"{base_p50 * 1000:.1f} ms",
        "ratio p50": f"{p50 / base_p50:.1f}",
        "console shows all, after last submit": (
            "never" if shown is None else f"{max(0.0, shown - outcome.last_submit):.2f} s"
        ),
        "console polls (304)": f"{console_watch.polls} ({console_watch.unchanged})",
        "projector polls (304)": f"{projector_watch.polls} ({projector_watch.unchanged})",
        "phones' status polls": str(outcome.status_polls),
        "facilitator moves during load": moved,
    }


def postgres_url() -> str | None:
    url = make_url(normalise_database_url(POSTGRES)).update_query_dict(
        {"options": f"-csearch_path={SCHEMA}"}
    )
    try:
        import psycopg

        psycopg.connect(POSTGRES.replace("+psycopg", ""), connect_timeout=3).close()
    except Exception:  # noqa: BLE001 - no server here: SQLite only
        return None
    return url.render_as_string(hide_password=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=300)
    parser.add_argument("--window", type=float, default=25.0, help="seconds over which they arrive")
    options = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        database = f"sqlite:///{Path(folder) / 'load.sqlite3'}"
        rows.append(run("SQLite", database, options.participants, options.window))
        url = postgres_url()
        if url is None:
            print(f"No PostgreSQL at {POSTGRES}: SQLite only.", file=sys.stderr)
        else:
            rows.append(run("PostgreSQL", url, options.participants, options.window))
    print(
        f"\nWorkshop load: {options.participants} participants arriving over "
        f"{options.window:.0f} s; gunicorn {WORKERS} workers x {THREADS} threads (gthread); "
        f"console and projector polling every {POLL_SECONDS} s\n"
    )
    width = max(len(key) for key in rows[0])
    for key in rows[0]:
        print(f"{key:<{width}}  " + "  ".join(f"{row[key]:>14}" for row in rows))
    ok = all(row["sent"] == row["stored"] and row["failed"] == "0" for row in rows)
    print("\nEvery answer stored exactly once." if ok else "\nANSWERS LOST OR DUPLICATED.")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
