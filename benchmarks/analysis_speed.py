"""How long a cold full analysis of a round takes, next to one plain GROUP BY over its answers.

    .venv/bin/python -m benchmarks.analysis_speed                 # SQLite in a temporary folder
    .venv/bin/python -m benchmarks.analysis_speed --sizes 1000 10000
    .venv/bin/python -m benchmarks.analysis_speed --database postgresql://postgres@127.0.0.1/test

For each size it builds a round of synthetic responses, then times, in the same run:
  baseline  SELECT item_id, COUNT(*), AVG(value) FROM answers WHERE round_id = ? GROUP BY item_id
  analysis  the whole analysis (every breakdown, gap, interval, alpha and suppression),
            with no cached copy, as the dashboard, exports and reports get it
and prints both with their ratio. Each is the best of several runs.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path

from sqlalchemy import text

from surveys import create_app
from surveys.analysis.engine import analyse_round
from surveys.database import db, upgrade
from surveys.library import current_questionnaire
from surveys.responses.models import Channel
from surveys.responses.service import record_submissions
from surveys.responses.synthetic import synthetic_responses
from surveys.rounds.service import RoundSpec, create_round

BATCH = 5000
REPEATS = 5
BASELINE = text(
    "SELECT item_id, COUNT(*), AVG(value) FROM answers WHERE round_id = :round GROUP BY item_id"
)


def best_of(repeats: int, work: Callable[[], object]) -> tuple[float, float]:
    timings = []
    for _ in range(repeats):
        db.session.expire_all()
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
    return min(timings), statistics.median(timings)


def group_by_item(round_id: int) -> list[object]:
    """The baseline: one plain aggregate over every answer of the round, fetched."""
    return list(db.session.execute(BASELINE, {"round": round_id}).all())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--database", help="database URL (default: a new SQLite file)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        url = args.database or f"sqlite:///{Path(folder) / 'benchmark.sqlite3'}"
        app = create_app(
            {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "benchmark"}, instance_path=Path(folder)
        )
        with app.app_context():
            upgrade()
            questionnaire = current_questionnaire()
            print(f"database: {db.engine.dialect.name}; best of {REPEATS} runs each\n")
            print(
                f"{'responses':>10} {'answers':>10} {'baseline GROUP BY':>18} "
                f"{'cold analysis':>14} {'ratio':>6}   (median analysis)"
            )
            for size in args.sizes:
                round_ = create_round(
                    RoundSpec(
                        name=f"Benchmark {size}",
                        slug=f"benchmark-{size}-{time.time_ns()}",
                        localities=("North", "South", "East", "West"),
                    ),
                    questionnaire,
                    30,
                )
                for start in range(0, size, BATCH):
                    batch = synthetic_responses(
                        questionnaire,
                        min(BATCH, size - start),
                        seed=start,
                        localities=["north", "south", "east", "west"],
                    )
                    record_submissions(round_, questionnaire, batch, Channel.DEMO, date.today())
                    db.session.commit()
                answers = db.session.scalar(
                    text("SELECT COUNT(*) FROM answers WHERE round_id = :round"),
                    {"round": round_.id},
                )
                baseline, _ = best_of(REPEATS, partial(group_by_item, round_.id))
                analysis, median = best_of(
                    REPEATS, partial(analyse_round, round_, questionnaire, 5)
                )
                print(
                    f"{size:>10,} {answers:>10,} {baseline * 1000:>15.1f} ms "
                    f"{analysis * 1000:>11.1f} ms {analysis / baseline:>6.2f}   "
                    f"({median * 1000:.1f} ms)"
                )


if __name__ == "__main__":
    main()
