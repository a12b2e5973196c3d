"""What the JSON request log costs a request, next to the same request with it switched off.

    .venv/bin/python -m benchmarks.request_log

Times, in the same run and on the same app (test client, no network), the survey's start
page and the /healthz probe's failure-free path, with the request log writing JSON lines to
a null stream, then with logging disabled; prints both per request and their ratio. Each
figure is the best of several runs.
"""

from __future__ import annotations

import io
import logging
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from surveys import create_app
from surveys.database import db, migrate_from_nothing
from surveys.library import current_questionnaire
from surveys.rounds.models import utc_now
from surveys.rounds.service import RoundSpec, create_round

REQUESTS = 300
REPEATS = 7


def per_request(client: object, path: str) -> float:
    best = float("inf")
    for _ in range(REPEATS):
        started = time.perf_counter()
        for _ in range(REQUESTS):
            client.get(path)  # type: ignore[attr-defined]
        best = min(best, (time.perf_counter() - started) / REQUESTS)
    return best


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(folder) / 'bench.sqlite3'}",
                "SECRET_KEY": "benchmark",
            }
        )
        with app.app_context():
            migrate_from_nothing("unused on SQLite")
            now = utc_now()
            round_ = create_round(
                RoundSpec(
                    name="Bench",
                    slug="bench",
                    opens_at=now - timedelta(days=1),
                    closes_at=now + timedelta(days=9),
                ),
                current_questionnaire(),
                30,
            )
            start = f"/r/{round_.public_token}"
        client = app.test_client()
        sink = io.StringIO()
        real_stderr, sys.stderr = sys.stderr, sink  # the log's lines go nowhere visible
        try:
            rows = []
            for label, path in (("survey start page", start), ("staff sign-in page", "/sign-in")):
                client.get(path)
                logged, unlogged = float("inf"), float("inf")
                for _ in range(3):  # alternated, so both see the same machine
                    logged = min(logged, per_request(client, path))
                    logging.disable(logging.INFO)
                    unlogged = min(unlogged, per_request(client, path))
                    logging.disable(logging.NOTSET)
                rows.append((label, logged, unlogged))
        finally:
            sys.stderr = real_stderr
        for label, logged, unlogged in rows:
            print(
                f"{label:20} logged {logged * 1000:7.3f} ms   log off (baseline) "
                f"{unlogged * 1000:7.3f} ms   ratio {logged / unlogged:5.2f}"
            )
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
