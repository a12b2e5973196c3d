"""How long the demo round's partnership PDF report takes: cold, cached, and without charts.

    .venv/bin/python -m benchmarks.report_speed

Builds the demo round (360 synthetic responses) in a new SQLite database, then times in the
same run, best of several each:
  chart-free  the same document with its charts left out (the baseline)
  cold        the full report, with its analysis cached but no PDF cached
  cached      a second download of the same report (read back from the report cache)
and prints the charts' cost as a ratio to the chart-free document.
"""

from __future__ import annotations

import io
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import flask_migrate
from pypdf import PdfReader

from surveys import create_app
from surveys.reporting.documents import cache_path, render_report, round_report
from surveys.rounds.service import find_round

REPEATS = 5


def timed(repeats: int, work: Callable[[], object]) -> tuple[float, float]:
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
    return min(timings), statistics.median(timings)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(folder) / 'report.sqlite3'}",
                "SECRET_KEY": "benchmark",
            },
            instance_path=Path(folder),
        )
        with app.app_context(), app.test_request_context():
            flask_migrate.upgrade()
            result = app.test_cli_runner().invoke(args=["demo"])
            assert result.exit_code == 0, result.output
            round_ = find_round("demo")
            assert round_ is not None
            render_report(round_)  # warm the analysis cache, fonts and templates

            def cold() -> None:
                cache_path(round_, None).unlink(missing_ok=True)
                round_report(round_)

            chart_free, chart_free_median = timed(
                REPEATS, lambda: render_report(round_, with_charts=False)
            )
            full, full_median = timed(REPEATS, cold)
            cached, cached_median = timed(REPEATS * 4, lambda: round_report(round_))
            pages = len(PdfReader(io.BytesIO(round_report(round_))).pages)
            print(f"demo round, 360 responses; best of {REPEATS} (median in brackets)\n")
            free_median = chart_free_median * 1000
            print(f"chart-free document   {chart_free * 1000:7.0f} ms  ({free_median:.0f})")
            print(f"cold full report      {full * 1000:7.0f} ms  ({full_median * 1000:.0f})")
            print(f"cached full report    {cached * 1000:7.1f} ms  ({cached_median * 1000:.1f})")
            extra = (full / chart_free - 1) * 100
            print(f"charts add            {extra:7.0f} %  over the chart-free document")
            print(f"pages                 {pages:7d}")


if __name__ == "__main__":
    main()
