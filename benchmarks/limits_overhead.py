"""What the request limits cost on the routes they guard, beside the same routes unlimited.

    .venv/bin/python -m benchmarks.limits_overhead
    .venv/bin/python -m benchmarks.limits_overhead --redis redis://127.0.0.1:6379/4

In one run, on one SQLite database in a temporary folder, three apps serve the same requests
through the Flask test client: limits off (the baseline), limits counted in memory (the
embedded default) and, with --redis, limits counted in Redis (production). It times:
  status   a waiting phone's poll, GET /w/<code>/status (hundreds of phones, every 5 s);
           its limiter check is for wrong codes, so every poll is tested against it
  answers  a phone joining and sending its answers (GET, POST about, GET, POST answers),
           with the per-address count of answers per question
  page     the sign-in page, GET, which carries no limit: the limiter's bare cost
and prints milliseconds per request with the ratio to the unlimited app. The limits are
raised so that nothing is refused; the apps take turns, round by round, and each keeps its
best round.

The Redis database given is flushed before and after (use one kept for this).
"""

from __future__ import annotations

import argparse
import html
import re
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from surveys import create_app
from surveys.database import db, migrate_from_nothing
from surveys.library import current_questionnaire
from surveys.rounds.models import utc_now
from surveys.workshops.models import Mode
from surveys.workshops.service import SessionSpec, create_session, open_answering

GENEROUS = {
    "LIMIT_JOIN_MISSES": "1000000 per minute",
    "LIMIT_WORKSHOP_SENDS": "1000000 per minute",
    "LIMIT_WORKSHOP_ANSWERS_PER_ADDRESS": 1_000_000,
}
HIDDEN = re.compile(r'<input[^>]*type="hidden"[^>]*>')
RADIO = re.compile(r'class="govuk-radios__input" id="[^"]+" name="([^"]+)"')


def hidden_fields(page: str) -> dict[str, str]:
    fields = {}
    for tag in HIDDEN.findall(page):
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        if name and value:
            fields[name.group(1)] = html.unescape(value.group(1))
    return fields


def app_for(url: str, **config: Any) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "benchmark-secret-key",
            **GENEROUS,
            **config,
        }
    )


def new_workshop(app: Flask) -> str:
    with app.app_context():
        workshop = create_session(
            SessionSpec("Bench", utc_now().date(), ["purpose", "trust"], Mode.PULSE),
            current_questionnaire(),
            None,
        )
        open_answering(workshop)
        return workshop.join_code


def join_and_answer(client: FlaskClient, code: str) -> None:
    room = f"/w/{code}"
    page = client.get(room).get_data(as_text=True)
    fields = hidden_fields(page)
    client.post(room, data={**fields, "agency": "police", "level": "frontline"})
    page = client.get(room).get_data(as_text=True)
    fields = hidden_fields(page)
    answers = {name: "4" for name in dict.fromkeys(RADIO.findall(page)) if name not in fields}
    response = client.post(room, data={**fields, **answers})
    assert response.status_code == 302, response.status_code


def interleaved_ms(
    works: dict[str, Callable[[], None]], requests: int, repeats: int
) -> dict[str, float]:
    """Best milliseconds per request for each app, the apps taking turns round by round so
    that a busy moment on a shared machine falls on all of them alike."""
    best = dict.fromkeys(works, float("inf"))
    for _ in range(repeats):
        for kind, work in works.items():
            started = time.perf_counter()
            work()
            best[kind] = min(best[kind], time.perf_counter() - started)
    return {kind: seconds / requests * 1000 for kind, seconds in best.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redis", help="a Redis URL whose database this may flush")
    parser.add_argument("--polls", type=int, default=400)
    parser.add_argument("--phones", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=5)
    options = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="boundary-limits-"))
    url = f"sqlite:///{folder / 'bench.sqlite3'}"
    baseline = app_for(url, RATELIMIT_ENABLED=False)
    with baseline.app_context():
        migrate_from_nothing("bench")
    apps = {"off": baseline, "memory": app_for(url, RATELIMIT_ENABLED=True)}
    if options.redis:
        import redis

        redis.Redis.from_url(options.redis).flushdb()
        apps["redis"] = app_for(url, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=options.redis)
    code = new_workshop(baseline)

    def status(app: Flask) -> Callable[[], None]:
        client = app.test_client()

        def work() -> None:
            for _ in range(options.polls):
                client.get(f"/w/{code}/status")

        return work

    def answers(app: Flask) -> Callable[[], None]:
        def work() -> None:
            room = new_workshop(app)  # the same size of room for every app and round
            for _ in range(options.phones):
                join_and_answer(app.test_client(), room)

        return work

    def page(app: Flask) -> Callable[[], None]:
        client = app.test_client()

        def work() -> None:
            for _ in range(options.polls):
                client.get("/sign-in")

        return work

    print(f"limits_overhead: SQLite, test client, best of {options.repeats}")
    for name, make, requests in (
        ("status", status, options.polls),
        ("answers", answers, options.phones * 4),
        ("page", page, options.polls),
    ):
        for app in apps.values():  # warm each app once
            make(app)()
        timings = interleaved_ms(
            {kind: make(app) for kind, app in apps.items()}, requests, options.repeats
        )
        line = "  ".join(
            f"{kind} {ms:6.3f} ms ({ms / timings['off']:.2f}x)" for kind, ms in timings.items()
        )
        print(f"  {name:8} {line}")

    for app in apps.values():
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    if options.redis:
        import redis

        redis.Redis.from_url(options.redis).flushdb()


if __name__ == "__main__":
    main()
