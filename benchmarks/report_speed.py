"""How long the demo round's partnership PDF report takes: cold, stored, and without charts.

    .venv/bin/python -m benchmarks.report_speed [--instructions]

Builds the demo round (360 synthetic responses) in a new SQLite database, then times in the
same run, best of several each, the first two taken in turns so that a machine that slows
down or speeds up during the run weighs on both alike:
  chart-free  the same document with its charts left out (the baseline)
  cold        the full report, with its analysis cached but no PDF stored
  stored      a second download of the same report (read back from the database)
  in turn     the full report with REPORT_PROCESSES=1: its halves typeset one after the
              other in this process, not side by side (for comparison)
and prints the charts' cost as a ratio to the chart-free document.

A shared machine's clock can swing by a fifth between runs. With --instructions (and
valgrind installed), it also counts the instructions of one chart-free and one full render
under callgrind, side by side: slow (about five minutes), but the same on every run. These
count all of a render's work, typeset in turn (callgrind follows one process), not the time
a reader waits.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import current_app
from pypdf import PdfReader
from sqlalchemy import delete

from surveys import create_app
from surveys.database import db, upgrade
from surveys.reporting.documents import render_report
from surveys.reporting.models import StoredReport
from surveys.reporting.stored import report_now
from surveys.rounds.models import Round
from surveys.rounds.service import find_round

REPEATS = 7


def seconds(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def best_and_median(timings: list[float]) -> tuple[float, float]:
    return min(timings), statistics.median(timings)


@contextmanager
def demo_round(folder: str, build: bool, processes: int = 2) -> Iterator[Round]:
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(folder) / 'report.sqlite3'}",
            "SECRET_KEY": "benchmark",
            "REPORT_PROCESSES": processes,
            "REPORT_JOBS": "on-request",  # nothing typeset behind the benchmark's back
        },
        instance_path=Path(folder),
    )
    with app.app_context(), app.test_request_context():
        if build:
            upgrade()
            result = app.test_cli_runner().invoke(args=["demo"])
            assert result.exit_code == 0, result.output
        round_ = find_round("demo")
        assert round_ is not None
        render_report(round_)  # warm the analysis cache, fonts and templates
        yield round_


def timings(round_: Round) -> None:
    def cold() -> None:
        db.session.execute(delete(StoredReport))
        db.session.commit()
        report_now(round_, None)

    free_times, full_times = [], []
    for _ in range(REPEATS):
        free_times.append(seconds(lambda: render_report(round_, with_charts=False)))
        full_times.append(seconds(cold))
    chart_free, chart_free_median = best_and_median(free_times)
    full, full_median = best_and_median(full_times)
    cached, cached_median = best_and_median(
        [seconds(lambda: report_now(round_, None)) for _ in range(REPEATS * 4)]
    )
    current_app.config["REPORT_PROCESSES"] = 1
    in_turn, in_turn_median = best_and_median([seconds(cold) for _ in range(REPEATS)])
    current_app.config["REPORT_PROCESSES"] = 2
    pages = len(PdfReader(io.BytesIO(report_now(round_, None))).pages)
    print(f"demo round, 360 responses; best of {REPEATS} (median in brackets)\n")
    free_median = chart_free_median * 1000
    print(f"chart-free document   {chart_free * 1000:7.0f} ms  ({free_median:.0f})")
    print(f"cold full report      {full * 1000:7.0f} ms  ({full_median * 1000:.0f})")
    print(f"stored full report    {cached * 1000:7.1f} ms  ({cached_median * 1000:.1f})")
    print(f"cold, typeset in turn {in_turn * 1000:7.0f} ms  ({in_turn_median * 1000:.0f})")
    extra = (full / chart_free - 1) * 100
    print(f"charts add            {extra:7.0f} %  over the chart-free document")
    print(f"pages                 {pages:7d}")


KINDS = {"chart-free": False, "full": True}


def count_one(kind: str, folder: str) -> None:
    """Runs under callgrind with instrumentation off; counts one render after a warm one."""
    with demo_round(folder, build=False, processes=1) as round_:
        toggle = ["callgrind_control", "--instr"]
        subprocess.run([*toggle, "on", str(os.getpid())], check=True, capture_output=True)
        render_report(round_, with_charts=KINDS[kind])
        subprocess.run([*toggle, "off", str(os.getpid())], check=True, capture_output=True)


def instructions(folder: str) -> None:
    if shutil.which("valgrind") is None:
        print("\ninstructions: valgrind is not installed (apt-get install valgrind)")
        return
    print("\ncounting instructions under callgrind (about five minutes)...", flush=True)
    runs = {}
    for kind in KINDS:
        out = Path(folder) / f"{kind}.callgrind"
        command = [
            *("valgrind", "--tool=callgrind", "--instr-atstart=no"),
            f"--callgrind-out-file={out}",
            *(sys.executable, "-m", "benchmarks.report_speed", "--count", kind, folder),
        ]
        runs[kind] = (
            out,
            subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT),
        )
    counts = {}
    for kind, (out, process) in runs.items():
        output, _ = process.communicate()
        totals = re.search(r"^totals: (\d+)", out.read_text() if out.exists() else "", re.M)
        if process.returncode != 0 or totals is None:
            print(f"instructions: the {kind} count failed:\n{output.decode()[-2000:]}")
            return
        counts[kind] = int(totals.group(1))
    print(f"chart-free document   {counts['chart-free'] / 1e9:7.2f} G instructions")
    print(f"full report           {counts['full'] / 1e9:7.2f} G instructions")
    extra = (counts["full"] / counts["chart-free"] - 1) * 100
    print(f"charts add            {extra:7.0f} %  over the chart-free document")


def main() -> None:
    if sys.argv[1:2] == ["--count"]:
        count_one(sys.argv[2], sys.argv[3])
        return
    with tempfile.TemporaryDirectory() as folder:
        with demo_round(folder, build=True) as round_:
            timings(round_)
        if "--instructions" in sys.argv[1:]:
            instructions(folder)


if __name__ == "__main__":
    main()
