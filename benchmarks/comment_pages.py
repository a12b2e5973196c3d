"""The size and time of a feature page when a round holds very many comments, paged (as
served) beside every comment on the one page (as it was), in the same run.

    .venv/bin/python -m benchmarks.comment_pages                     # 100,000 comments, SQLite
    .venv/bin/python -m benchmarks.comment_pages --comments 20000
    .venv/bin/python -m benchmarks.comment_pages --database postgresql://postgres@127.0.0.1/test

It builds a round whose respondents each left a comment on one feature, publishes it, signs
in as a partnership manager through the test client, and fetches the feature page:
  baseline  every comment on the one page (the paging switched off for this run only)
  paged     the page as served: the first 50 comments and the pagination
and prints bytes and the best of several fetches for each, with their ratios.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date
from functools import partial
from pathlib import Path
from unittest import mock

from sqlalchemy import select, update

from surveys import create_app
from surveys.auth.models import Role
from surveys.auth.service import create_user
from surveys.database import db, upgrade
from surveys.library import current_questionnaire
from surveys.paging import page_of
from surveys.releases.service import publish_release
from surveys.responses.answers import CompletedResponse
from surveys.responses.models import Channel, Comment
from surveys.responses.service import record_submissions
from surveys.rounds.models import Round
from surveys.rounds.service import RoundSpec, create_round

BATCH = 5000
PASSWORD = "benchmark password, not for use"


def fetch(client: object, path: str, repeats: int) -> tuple[int, float]:
    best = float("inf")
    size = 0
    for _ in range(repeats):
        started = time.perf_counter()
        response = client.get(path)  # type: ignore[attr-defined]
        best = min(best, time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
        size = len(response.data)
    return size, best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--database", help="a database URL (default: SQLite in a temp folder)")
    parser.add_argument("--repeats", type=int, default=3)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = options.database or f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "SECRET_KEY": "benchmark-secret-key-not-for-production-use",
                "SESSION_COOKIE_SECURE": False,
                "WTF_CSRF_ENABLED": False,
                "PARTNERSHIP_NAME": "Benchmark partnership",
            },
            instance_path=Path(folder),
        )
        with app.app_context():
            upgrade()
            q = current_questionnaire()
            round_ = create_round(RoundSpec(name="Talkative", slug="talkative"), q, 30)
            item = q.features[1].items[0].id
            for start in range(0, options.comments, BATCH):
                people = [
                    CompletedResponse(
                        agency_id="police",
                        level_id="frontline",
                        items={item: 3},
                        comments={q.features[1].id: f"Comment {n}: " + "words " * 20},
                    )
                    for n in range(start, min(start + BATCH, options.comments))
                ]
                record_submissions(round_, q, people, Channel.IMPORT, date.today())
                db.session.commit()
            db.session.execute(update(Comment).values(status="published"))
            db.session.commit()
            live = db.session.scalar(select(Round).where(Round.slug == "talkative"))
            assert live is not None
            publish_release(live)
            create_user("bench@example.org", "Bench", Role.MANAGER, PASSWORD)
        client = app.test_client()
        client.post("/sign-in", data={"email": "bench@example.org", "password": PASSWORD})
        path = f"/reports/talkative/features/{q.features[1].id}"
        everything = partial(page_of, per_page=options.comments + 1)
        with mock.patch("surveys.reporting.views.page_of", everything):
            base_size, base_time = fetch(client, path, options.repeats)
        size, took = fetch(client, path, options.repeats)
    print(f"{options.comments:,} comments on one feature")
    print(f"  baseline (all on one page)  {base_size / 1e6:8.2f} MB  {base_time * 1000:8.0f} ms")
    print(f"  paged (50 a page)           {size / 1e6:8.2f} MB  {took * 1000:8.0f} ms")
    print(f"  ratio paged/baseline        {size / base_size:8.4f}     {took / base_time:8.3f}")


if __name__ == "__main__":
    main()
