"""Publishing a release, next to a cold analysis of the same round; reading one, next to a
cached analysis as readers got it before releases.

    .venv/bin/python -m benchmarks.release_speed                 # SQLite in a temporary folder
    .venv/bin/python -m benchmarks.release_speed --sizes 1000 10000
    .venv/bin/python -m benchmarks.release_speed --database postgresql://postgres@127.0.0.1/test

For each size it builds a round of synthetic responses with some comments published by a
moderator, then times, in the same run (best of several):
  cold analysis   the whole analysis of the round's tallies, as before releases
  first release   publishing release 1: the analysis protected on membership, comments
                  labelled, everything stored (target: at most twice the cold analysis)
  final release   release 2, when the round closes after 10% more responses: the same, also
                  kept from differing by fewer than k from release 1
  cached analysis what a reader's request cost before: a lookup in the analysis cache
  read release    what it costs now: find the round's latest release and take it from the
                  release cache (target: as fast as the cached analysis, within a query)
  first read      the same in a new process: the release read back from its JSON once
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from flask import Flask
from sqlalchemy import delete, update

from surveys import create_app
from surveys.analysis.engine import analyse_round
from surveys.database import db, upgrade
from surveys.library import current_questionnaire
from surveys.releases.models import Release
from surveys.releases.service import ReleaseCache, publish_release, published
from surveys.responses.models import Channel, Comment
from surveys.responses.service import record_submissions
from surveys.responses.synthetic import synthetic_responses
from surveys.rounds.models import Round
from surveys.rounds.service import RoundSpec, create_round
from surveys.scoring.suppression import _space

BATCH = 5000
REPEATS = 5
PLACES = ["north", "south", "east", "west"]


def best_of(
    repeats: int, work: Callable[[], object], before: Callable[[], object] = lambda: None
) -> tuple[float, float]:
    timings = []
    for _ in range(repeats):
        before()
        db.session.expire_all()
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
    return min(timings), statistics.median(timings)


def fill(round_: Round, size: int, seed: int) -> None:
    questionnaire = current_questionnaire()
    for start in range(0, size, BATCH):
        batch = synthetic_responses(
            questionnaire, min(BATCH, size - start), seed=seed + start, localities=PLACES
        )
        record_submissions(round_, questionnaire, batch, Channel.ONLINE, date.today())
        db.session.commit()
    # A moderator has published every comment: the release labels and stores them all.
    db.session.execute(
        update(Comment).where(Comment.round_id == round_.id).values(status="published")
    )
    db.session.commit()


def drop_releases(round_: Round, keep: int) -> Callable[[], None]:
    def drop() -> None:
        db.session.execute(
            delete(Release).where(Release.round_id == round_.id, Release.number > keep)
        )
        round_.latest_release = keep
        db.session.commit()
        _space.cache_clear()

    return drop


def row(name: str, best: float, median: float, baseline: float | None = None) -> None:
    ratio = f"{best / baseline:6.2f}x" if baseline else "       "
    print(f"  {name:<16} {best * 1000:9.2f} ms {ratio}   (median {median * 1000:.2f} ms)")


def measure(app: Flask, size: int) -> None:
    questionnaire = current_questionnaire()
    round_ = create_round(
        RoundSpec(
            name=f"Benchmark {size}",
            slug=f"benchmark-{size}-{time.time_ns()}",
            localities=("North", "South", "East", "West"),
        ),
        questionnaire,
        30,
    )
    fill(round_, size, seed=0)
    k = app.config["MIN_CELL_SIZE"]
    print(f"{size:,} responses")
    # Every run starts without the row spaces suppression keeps between decisions.
    cold, cold_median = best_of(
        REPEATS, lambda: analyse_round(round_, questionnaire, k), before=_space.cache_clear
    )
    row("cold analysis", cold, cold_median)
    first, first_median = best_of(
        REPEATS, lambda: publish_release(round_), before=drop_releases(round_, 0)
    )
    row("first release", first, first_median, cold)
    drop_releases(round_, 0)()
    publish_release(round_)
    fill(round_, size // 10, seed=10**6)
    round_.close()  # the final release: never refused, it keeps back what moved by under k
    db.session.commit()
    later, later_median = best_of(
        REPEATS, lambda: publish_release(round_), before=drop_releases(round_, 1)
    )
    row("final release", later, later_median, cold)

    analysis = analyse_round(round_, questionnaire, k)
    cache = {(round_.public_token, round_.data_version, k): analysis}
    lookup, lookup_median = best_of(
        REPEATS * 20, lambda: cache[(round_.public_token, round_.data_version, k)]
    )
    row("cached analysis", lookup, lookup_median)
    published(round_)  # into the release cache
    read, read_median = best_of(REPEATS * 20, lambda: published(round_))
    row("read release", read, read_median, lookup)

    def fresh_cache() -> None:
        app.extensions["release_cache"] = ReleaseCache()

    first_read, first_read_median = best_of(REPEATS, lambda: published(round_), before=fresh_cache)
    row("first read", first_read, first_read_median, lookup)
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--database", help="database URL (default: a new SQLite file)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        url = args.database or f"sqlite:///{Path(folder) / 'benchmark.sqlite3'}"
        app = create_app(
            {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "benchmark"}, instance_path=Path(folder)
        )
        with app.app_context():
            upgrade()
            runs = f"best of {REPEATS} runs each (reads: {REPEATS * 20})"
            print(f"database: {db.engine.dialect.name}; {runs}")
            print("ratios: releases against the cold analysis, reads against the cached analysis\n")
            for size in args.sizes:
                measure(app, size)


if __name__ == "__main__":
    main()
