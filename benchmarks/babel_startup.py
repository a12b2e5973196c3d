"""What having Flask-Babel installed costs a command-line command, beside the same command
with it made unimportable, in one run, in turns.

    .venv/bin/python -m benchmarks.babel_startup [--repeats N]

Flask-WTF imports Flask-Babel whenever it is installed (flask_wtf/i18n.py, for WTForms'
own messages), so every `flask` command loads it, though Boundary itself sets Flask-Babel
up only on the first string a page translates (surveys/languages.py). This prints the
wall-clock and CPU time of `questionnaire show` and `--help` with Flask-Babel importable and
with `sys.modules["flask_babel"] = None` (as if it were not installed; Flask-WTF then goes
without), beside `python -c pass`, and the ratio of each pair.
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
RUN_FLASK = (
    "import sys; {block}from flask.cli import main; "
    "sys.argv = ['flask', '--app', 'app', *sys.argv[1:]]; main()"
)
WITH = RUN_FLASK.format(block="")
WITHOUT = RUN_FLASK.format(block="sys.modules['flask_babel'] = None; ")
COMMANDS: list[tuple[str, list[str]]] = [
    ("python -c pass (baseline)", [sys.executable, "-c", "pass"]),
    ("--help, Flask-Babel installed", [sys.executable, "-c", WITH, "--help"]),
    ("--help, Flask-Babel not importable", [sys.executable, "-c", WITHOUT, "--help"]),
    ("questionnaire show, installed", [sys.executable, "-c", WITH, "questionnaire", "show"]),
    (
        "questionnaire show, not importable",
        [sys.executable, "-c", WITHOUT, "questionnaire", "show"],
    ),
]
PAIRS = [
    ("--help, Flask-Babel installed", "--help, Flask-Babel not importable"),
    ("questionnaire show, installed", "questionnaire show, not importable"),
]


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    repeats = parser.parse_args().repeats
    wall: dict[str, list[float]] = {label: [] for label, _ in COMMANDS}
    cpu: dict[str, list[float]] = {label: [] for label, _ in COMMANDS}
    with tempfile.TemporaryDirectory() as folder:
        env = {
            **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
            "BOUNDARY_INSTANCE_PATH": folder,
            "DATABASE_URL": f"sqlite:///{folder}/boundary.sqlite3",
            "SECRET_KEY": "benchmark-only-secret",
        }
        subprocess.run(
            [sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"],
            cwd=PROJECT,
            env=env,
            check=True,
            capture_output=True,
        )
        for _ in range(repeats):
            for label, command in COMMANDS:
                used, started = children_cpu(), time.perf_counter()
                subprocess.run(command, cwd=PROJECT, env=env, check=True, capture_output=True)
                wall[label].append(time.perf_counter() - started)
                cpu[label].append(children_cpu() - used)
    baseline = statistics.median(wall[COMMANDS[0][0]])
    print(f"{repeats} runs each, in turns; load average {os.getloadavg()[0]:.1f}")
    print(f"{'command':40} {'median s':>9} {'x pass':>7} {'CPU s':>7}")
    for label, _ in COMMANDS:
        median = statistics.median(wall[label])
        print(
            f"{label:40} {median:9.3f} {median / baseline:7.1f} "
            f"{statistics.median(cpu[label]):7.3f}"
        )
    for installed, absent in PAIRS:
        ratio = statistics.median(wall[installed]) / statistics.median(wall[absent])
        cpu_ratio = statistics.median(cpu[installed]) / statistics.median(cpu[absent])
        print(f"{installed} / not importable: wall {ratio:.2f}x, CPU {cpu_ratio:.2f}x")


if __name__ == "__main__":
    main()
