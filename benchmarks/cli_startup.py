"""How long `flask --app app ...` commands take, beside starting Python itself, in one run.

    .venv/bin/python -m benchmarks.cli_startup [--repeats N] [--project CHECKOUT]
                                               [--compile-each-time]

Builds the demo round in a new SQLite database (in a temporary instance folder), then runs
each command below as a new process, in turns (so a machine that slows down during the run
weighs on all alike), and prints the best and median wall-clock time of each beside
`python -c pass` (the baseline) as a ratio. Commands that render nothing should start in
under 0.5 s; `report` typesets a PDF, so it loads WeasyPrint, and is shown for
comparison.

Python keeps the compiled bytecode of Boundary's modules in __pycache__ after the first
run, as it does on anyone's machine; the set-up commands (db upgrade, demo) make sure it is
there. Where PYTHONDONTWRITEBYTECODE is set, every command would compile Boundary's source
again: the benchmark unsets it for the commands it runs, unless --compile-each-time asks to
measure that case. --project runs another checkout (e.g. `git archive` of main) with this
virtual environment, so two versions are compared on the same packages.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
FLASK = [sys.executable, "-m", "flask", "--app", "app"]

COMMANDS: list[tuple[str, list[str]]] = [
    ("python -c pass (baseline)", [sys.executable, "-c", "pass"]),
    (
        "import the frameworks only",
        # What `flask` loads before Boundary's code (flask.cli, and Flask-Limiter's plugin
        # command, which Flask imports for every command), and the ORM and forms it uses.
        [
            sys.executable,
            "-c",
            "import flask.cli, flask_limiter, flask_sqlalchemy, flask_wtf, flask_login, "
            "sqlalchemy.orm",
        ],
    ),
    ("flask --help", [*FLASK, "--help"]),
    ("questionnaire show", [*FLASK, "questionnaire", "show"]),
    ("links demo", [*FLASK, "links", "demo"]),
    ("export demo --format csv", [*FLASK, "export", "demo", "--format", "csv"]),
    ("forget-drafts", [*FLASK, "forget-drafts"]),
    ("report demo (renders a PDF)", [*FLASK, "report", "demo", "-o", "{folder}/demo.pdf"]),
]
RENDERS = {"report demo (renders a PDF)"}
FLOOR = "import the frameworks only"  # what any `flask` command of this app imports anyway
TARGET_S = 0.5


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(command: list[str], folder: str, env: dict[str, str], project: Path) -> tuple[float, float]:
    """Wall-clock and CPU seconds (user + system, the command's own and its children's)."""
    argv = [part.format(folder=folder) for part in command]
    cpu, started = children_cpu(), time.perf_counter()
    subprocess.run(argv, cwd=project, env=env, check=True, capture_output=True)
    return time.perf_counter() - started, children_cpu() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument(
        "--project", type=Path, default=PROJECT, help="another checkout, to compare (git archive)"
    )
    parser.add_argument(
        "--compile-each-time",
        action="store_true",
        help="keep no bytecode: every command compiles Boundary's modules again",
    )
    arguments = parser.parse_args()
    repeats, project = arguments.repeats, arguments.project.resolve()
    with tempfile.TemporaryDirectory() as folder:
        env = {
            **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
            "BOUNDARY_INSTANCE_PATH": folder,
            "DATABASE_URL": f"sqlite:///{folder}/boundary.sqlite3",
            "SECRET_KEY": "benchmark-only-secret",
        }
        if arguments.compile_each_time:  # as where PYTHONDONTWRITEBYTECODE is set
            env["PYTHONDONTWRITEBYTECODE"] = "1"
            # Boundary's own bytecode (app.py's and the package's); the packages keep theirs.
            for cache in [project / "__pycache__", *project.glob("surveys/**/__pycache__")]:
                shutil.rmtree(cache, ignore_errors=True)
        for setup in (["db", "upgrade"], ["demo"]):
            subprocess.run([*FLASK, *setup], cwd=project, env=env, check=True, capture_output=True)
        timings: dict[str, list[float]] = {label: [] for label, _ in COMMANDS}
        cpu: dict[str, list[float]] = {label: [] for label, _ in COMMANDS}
        for _ in range(repeats):
            for label, command in COMMANDS:
                wall, used = run(command, folder, env, project)
                timings[label].append(wall)
                cpu[label].append(used)
                if label in RENDERS:  # the next report is rendered again, not read back
                    with contextlib.closing(sqlite3.connect(f"{folder}/boundary.sqlite3")) as db:
                        db.execute("DELETE FROM stored_reports")
                        db.commit()
    baseline = min(timings[COMMANDS[0][0]])
    load = os.getloadavg()[0]
    bytecode = "compiled each time" if arguments.compile_each_time else "bytecode kept"
    print(
        f"CLI start-up of {project}, {repeats} runs each, in turns ({bytecode}; "
        f"load average {load:.1f})"
    )
    print("wall: best and median clock time; cpu: best user+system time (steadier on a busy")
    print("machine, where waiting for a core adds to the clock but not to the CPU time)")
    print(f"{'command':<30} {'wall best':>9} {'median':>8} {'x python':>9} {'cpu best':>9}  target")
    for label, _ in COMMANDS:
        best, median = min(timings[label]), statistics.median(timings[label])
        target = (
            ""
            if label in (COMMANDS[0][0], FLOOR) or label in RENDERS
            else ("met" if best < TARGET_S else f"missed (under {TARGET_S} s)")
        )
        print(
            f"{label:<30} {best:>8.3f}s {median:>7.3f}s {best / baseline:>8.1f}x "
            f"{min(cpu[label]):>8.3f}s  {target}"
        )


if __name__ == "__main__":
    main()
