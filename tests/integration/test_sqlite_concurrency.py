"""The embedded default holds under gunicorn: SQLite with two worker processes and a burst
of complete journeys at once, and no respondent ever sees a 500 ("database is locked").

Before commits stopped waiting for an fsync while holding SQLite's one write lock, a burst
like this one left some respondents queued behind the lock until their busy timeout ran out.
"""

from __future__ import annotations

import os
import secrets
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from benchmarks.journey_load import Journey, complete_journey, open_round, stored_journeys, tally
from tests.faulty import served

pytestmark = [
    pytest.mark.faults,
    pytest.mark.skipif(
        bool(os.environ.get("TEST_DATABASE_URL")),
        reason="SQLite under gunicorn: run in the suite's SQLite pass",
    ),
]

CLIENTS = 100  # three times the 32 threads of the two workers: writes collide
JOURNEYS = 200  # 4,000 requests, 2,000 of them writes


def test_a_burst_of_complete_journeys_on_sqlite_under_gunicorn_sees_no_500(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'burst.sqlite3'}"
    round_id, token = open_round(url, "")
    run = secrets.token_hex(4)
    journeys = [Journey(number) for number in range(JOURNEYS)]
    with served(url) as (_server, port), ThreadPoolExecutor(CLIENTS) as pool:
        finished = pool.map(
            lambda j: complete_journey(port, token, j.number, run, journey=j), journeys
        )
        assert all(j.confirmed for j in finished)

    errors = [e for j in journeys for e in j.server_errors]
    assert errors == []
    total, counts = stored_journeys(url, round_id, run)
    found = tally(journeys, total, counts)
    assert found.confirmed == found.stored == total == JOURNEYS
    assert (found.lost, found.twice, found.unmarked) == ([], [], 0)
    assert sum(j.requests for j in journeys) == 20 * JOURNEYS  # each journey its 20 requests
