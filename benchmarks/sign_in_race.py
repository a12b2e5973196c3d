"""How many passwords parallel guesses get checked: the old count-then-record limit beside
the atomic back-off, in the same run, against the same database.

    .venv/bin/python -m benchmarks.sign_in_race                     # SQLite in a temporary folder
    .venv/bin/python -m benchmarks.sign_in_race --guesses 64
    .venv/bin/python -m benchmarks.sign_in_race --database postgresql://postgres@127.0.0.1/test

Both release all guesses at once from threads, each with its own database connection:
  before  SELECT COUNT(*) of recent failures; if under 5, check the password, then INSERT a
          failure (what Boundary did: parallel guesses all read the same count)
  after   surveys.auth.service.authenticate: one UPDATE ... RETURNING counts the attempt
          before its password is checked
and prints how many passwords each checked (the rule allows 5). Not a timing: a count.
"""

from __future__ import annotations

import argparse
import contextlib
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from flask import Flask
from sqlalchemy import text
from werkzeug.security import check_password_hash

from surveys import create_app
from surveys.auth import service
from surveys.auth.models import Role
from surveys.database import db, upgrade

EMAIL = "race@example.org"
PASSWORD = "correct horse battery staple"
FREE = 5
OLD_TABLE = "benchmark_old_attempts"


def race(app: Flask, guesses: int, attempt: Callable[[int], None]) -> None:
    start = threading.Barrier(guesses)

    def one(number: int) -> None:
        with app.test_request_context():
            start.wait()
            attempt(number)
            db.session.remove()

    threads = [threading.Thread(target=one, args=(n,)) for n in range(guesses)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--guesses", type=int, default=40)
    parser.add_argument("--database", help="a PostgreSQL URL (its public schema is used)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database or f"sqlite:///{Path(folder) / 'race.sqlite3'}"
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "SECRET_KEY": "benchmark-" + "x" * 32,
                "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": min(args.guesses, 20), "max_overflow": 0}
                if args.database
                else {},
            },
            instance_path=Path(folder),
        )
        with app.app_context():
            upgrade()
            db.session.execute(text(f"DROP TABLE IF EXISTS {OLD_TABLE}"))
            db.session.execute(text(f"CREATE TABLE {OLD_TABLE} (email VARCHAR(254))"))
            db.session.execute(text("DELETE FROM sign_in_throttles"))
            db.session.execute(text("DELETE FROM audit_events"))
            db.session.execute(text("DELETE FROM users WHERE email = :e"), {"e": EMAIL})
            db.session.commit()
            user = service.create_user(EMAIL, "Race", Role.ADMIN, PASSWORD)
            password_hash = user.password_hash

        checked = {"before": 0, "after": 0}
        lock = threading.Lock()

        def old_way(number: int) -> None:
            failures = db.session.scalar(
                text(f"SELECT COUNT(*) FROM {OLD_TABLE} WHERE email = :e"), {"e": EMAIL}
            )
            db.session.commit()
            if (failures or 0) >= FREE:
                return
            with lock:
                checked["before"] += 1
            check_password_hash(password_hash, f"wrong {number}")
            db.session.execute(text(f"INSERT INTO {OLD_TABLE} VALUES (:e)"), {"e": EMAIL})
            db.session.commit()

        real = service.check_password_hash

        def counting(stored: str, password: str) -> bool:
            with lock:
                checked["after"] += 1
            return real(stored, password)

        def new_way(number: int) -> None:
            with contextlib.suppress(service.TooManyAttempts):
                service.authenticate(EMAIL, f"wrong {number}", "10.0.0.1")

        race(app, args.guesses, old_way)
        service.check_password_hash = counting  # type: ignore[assignment]
        try:
            race(app, args.guesses, new_way)
        finally:
            service.check_password_hash = real
        with app.app_context():
            db.session.execute(text(f"DROP TABLE {OLD_TABLE}"))
            db.session.commit()
            db.engine.dispose()
    database = "PostgreSQL" if args.database else "SQLite"
    print(f"{args.guesses} parallel wrong guesses on {database}; the rule allows {FREE}")
    print(f"  before (count, then record): {checked['before']:3d} passwords checked")
    print(f"  after  (one UPDATE first):   {checked['after']:3d} passwords checked")


if __name__ == "__main__":
    main()
