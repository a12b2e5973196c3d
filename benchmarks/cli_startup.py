"""How long `flask --app app ...` commands take, beside starting Python itself, in one run.

    .venv/bin/python -m benchmarks.cli_startup [--repeats N]

Builds the demo round in a new SQLite database (in a temporary instance folder), then runs
each command below as a new process, in turns (so a machine that slows down during the run
weighs on all alike), and prints the best and median wall-clock time of each beside
`python -c pass` (the baseline) as a ratio. Commands that render nothing should start in
under 0.5 s; `report` typesets a PDF, so it loads WeasyPrint and pikepdf, and is shown for
comparison.
"""

from __future__ import annotations

import argparse
import os
import resource
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
        [sys.executable, "-c", "import flask_sqlalchemy, flask_migrate, flask_wtf, flask_login"],
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
    arguments = parser.parse_args()
    repeats, project = arguments.repeats, arguments.project.resolve()
    with tempfile.TemporaryDirectory() as folder:
        env = {
            **os.environ,
            "BOUNDARY_INSTANCE_PATH": folder,
            "DATABASE_URL": f"sqlite:///{folder}/boundary.sqlite3",
            "SECRET_KEY": "benchmark-only-secret",
        }
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
                    for cached in Path(folder, "reports").glob("*.pdf"):
                        cached.unlink()
    baseline = min(timings[COMMANDS[0][0]])
    load = os.getloadavg()[0]
    print(f"CLI start-up of {project}, {repeats} runs each, in turns (load average {load:.1f})")
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
