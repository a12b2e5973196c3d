"""How long the demo round's partnership PDF report takes: cold, stored, and without charts.

    .venv/bin/python -m benchmarks.report_speed [--old CHECKOUT] [--instructions]

Builds the demo round (360 synthetic responses) in a new SQLite database, then times in the
same run, best of several each, the first two taken in turns so that a machine that slows
down or speeds up during the run weighs on both alike:
  chart-free  the same document with its charts left out (the baseline)
  cold        the full report, with its analysis cached but no PDF stored
  stored      a second download of the same report (read back from the database)
and prints the charts' cost as a ratio to the chart-free document.

With --old CHECKOUT (an earlier Boundary, e.g. `git archive 2582fce | tar -x -C /tmp/old`,
the last version that typeset a report in two processes and stitched it with pikepdf), the
same cold report is also typeset by that checkout's code, in a process of its own on the
same database and the same packages, in turns with the two above: the line `old pipeline`
and the ratio beside it say what the one plain render costs against it, in seconds.

A shared machine's clock can swing by a fifth between runs. With --instructions (and
valgrind installed), it also counts the instructions of one chart-free and one full render
under callgrind, side by side: slow (about five minutes), but the same on every run.
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


def app_config(folder: str) -> dict[str, object]:
    return {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(folder) / 'report.sqlite3'}",
        "SECRET_KEY": "benchmark",
        "REPORT_JOBS": "on-request",  # nothing typeset behind the benchmark's back
    }


@contextmanager
def demo_round(folder: str, build: bool) -> Iterator[Round]:
    app = create_app(app_config(folder), instance_path=Path(folder))
    with app.app_context():
        if build:
            upgrade()
            result = app.test_cli_runner().invoke(args=["demo"])
            assert result.exit_code == 0, result.output
        round_ = find_round("demo")
        assert round_ is not None
        render_report(round_)  # warm the analysis cache, fonts and templates
        yield round_


# The old pipeline's cold report, in a process of its own that imports the old checkout's
# code: it waits for a line on stdin, typesets, and answers with the seconds it took. Its
# charts went through flask.g, so it typesets inside a made-up request, as it did itself.
OLD_WORKER = """
import ast, sys, time
from pathlib import Path
checkout, folder, config = sys.argv[1], sys.argv[2], ast.literal_eval(sys.argv[3])
sys.path.insert(0, checkout)
from sqlalchemy import delete
from surveys import create_app
from surveys.database import db
from surveys.reporting.documents import render_report
from surveys.reporting.models import StoredReport
from surveys.reporting.stored import report_now
from surveys.rounds.service import find_round
import surveys
assert surveys.__file__.startswith(checkout), surveys.__file__
app = create_app(config, instance_path=Path(folder))
with app.app_context(), app.test_request_context():
    round_ = find_round("demo")
    render_report(round_)
    print("ready", flush=True)
    for _ in sys.stdin:
        db.session.execute(delete(StoredReport))
        db.session.commit()
        started = time.perf_counter()
        report_now(round_, None)
        print(time.perf_counter() - started, flush=True)
"""


class OldPipeline:
    """The earlier checkout's report, typeset on request in its own process."""

    def __init__(self, checkout: Path, folder: str) -> None:
        if not (checkout / "surveys" / "reporting" / "assembly.py").exists():
            raise SystemExit(f"{checkout} is not a Boundary that stitched its reports")
        self.process = subprocess.Popen(
            [sys.executable, "-c", OLD_WORKER, str(checkout), folder, repr(app_config(folder))],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(checkout)},
        )
        assert self.answer() == "ready"

    def answer(self) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline().strip()
        if not line:
            raise SystemExit("the old pipeline's process stopped (see its error above)")
        return line

    def cold(self) -> float:
        assert self.process.stdin is not None
        self.process.stdin.write("go\n")
        self.process.stdin.flush()
        return float(self.answer())

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=120)


def timings(round_: Round, old: OldPipeline | None) -> None:
    def cold() -> None:
        db.session.execute(delete(StoredReport))
        db.session.commit()
        report_now(round_, None)

    free_times, full_times, old_times = [], [], []
    for _ in range(REPEATS):
        free_times.append(seconds(lambda: render_report(round_, with_charts=False)))
        full_times.append(seconds(cold))
        if old is not None:
            old_times.append(old.cold())
    chart_free, chart_free_median = best_and_median(free_times)
    full, full_median = best_and_median(full_times)
    cached, cached_median = best_and_median(
        [seconds(lambda: report_now(round_, None)) for _ in range(REPEATS * 4)]
    )
    pages = len(PdfReader(io.BytesIO(report_now(round_, None))).pages)
    print(f"demo round, 360 responses; best of {REPEATS} (median in brackets)\n")
    free_median = chart_free_median * 1000
    print(f"chart-free document   {chart_free * 1000:7.0f} ms  ({free_median:.0f})")
    print(f"cold full report      {full * 1000:7.0f} ms  ({full_median * 1000:.0f})")
    print(f"stored full report    {cached * 1000:7.1f} ms  ({cached_median * 1000:.1f})")
    extra = (full / chart_free - 1) * 100
    print(f"charts add            {extra:7.0f} %  over the chart-free document")
    if old_times:
        was, was_median = best_and_median(old_times)
        print(f"old pipeline, cold    {was * 1000:7.0f} ms  ({was_median * 1000:.0f})")
        print(
            f"one plain render      {full / was:7.2f} x  the old pipeline's time "
            f"({full - was:+.2f} s)"
        )
    print(f"pages                 {pages:7d}")


KINDS = {"chart-free": False, "full": True}


def count_one(kind: str, folder: str) -> None:
    """Runs under callgrind with instrumentation off; counts one render after a warm one."""
    with demo_round(folder, build=False) as round_:
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
    checkout = sys.argv[sys.argv.index("--old") + 1] if "--old" in sys.argv else None
    with tempfile.TemporaryDirectory() as folder:
        with demo_round(folder, build=True) as round_:
            old = OldPipeline(Path(checkout).resolve(), folder) if checkout else None
            try:
                timings(round_, old)
            finally:
                if old is not None:
                    old.close()
        if "--instructions" in sys.argv[1:]:
            instructions(folder)


if __name__ == "__main__":
    main()
