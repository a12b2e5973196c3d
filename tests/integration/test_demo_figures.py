"""Every figure of the demo round, pinned: the JSON export and the PDF report's text.

The goldens in tests/golden/ were written by the code as it stood before scoring rules were
moved into one home (issue 16), so a refactor that changes no behaviour leaves them equal.
If one of them must change on purpose, rewrite it with BOUNDARY_WRITE_GOLDEN=1 and say why
in the commit. A failure names the table, the record and the figure that moved.

Dates (when the demo was built, when its release was made) are the only words replaced:
everything else in the files is the real output.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.helpers import pdf_text

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
WRITE = os.environ.get("BOUNDARY_WRITE_GOLDEN") == "1"

ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}(T[\d:.]+Z?)?")
SPELLED_DATE = re.compile(
    r"\b\d{1,2} (January|February|March|April|May|June|July|August|September|October"
    r"|November|December) \d{4}\b"
)


def run(app: Flask, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == 0, result.output
    return result.stdout


def undated(text: str) -> str:
    return SPELLED_DATE.sub("<date>", ISO_MOMENT.sub("<date>", text))


@pytest.fixture
def demo(app: Flask) -> Flask:
    run(app, "demo")
    return app


def as_lines(export: dict[str, Any]) -> str:
    """One record a line, led by its table's name (cells[] for a table of records), so a
    changed golden reads as a short diff."""

    def line(key: str, value: Any) -> str:
        return (
            f"{key} {json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(',', ':'))}"
        )

    lines = []
    for key, value in export.items():
        if isinstance(value, list):
            lines.append(f"{key}[] {len(value)}")
            lines += [line(f"{key}[]", record) for record in value]
        else:
            lines.append(line(key, value))
    return "\n".join(lines) + "\n"


def from_lines(text: str) -> dict[str, Any]:
    export: dict[str, Any] = {}
    for line in text.splitlines():
        key, record = line.split(" ", 1)
        if not key.endswith("[]"):
            export[key] = json.loads(record)
        elif key[:-2] not in export:
            export[key[:-2]] = []  # the first line of a table is its length, skipped
        else:
            export[key[:-2]].append(json.loads(record))
    return export


def moved_figures(expected: Any, actual: Any, where: str = "") -> list[str]:
    """Where two exports differ, each as table[record].figure: was -> is."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        found = []
        for key in sorted(set(expected) | set(actual)):
            at = f"{where}.{key}" if where else key
            if key not in actual:
                found.append(f"{at}: gone")
            elif key not in expected:
                found.append(f"{at}: new")
            else:
                found += moved_figures(expected[key], actual[key], at)
        return found
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return [f"{where}: {len(expected)} records -> {len(actual)}"]
        found = []
        for index, (was, now) in enumerate(zip(expected, actual, strict=True)):
            found += moved_figures(was, now, f"{where}[{_record_name(was, index)}]")
        return found
    return [] if expected == actual else [f"{where}: {expected!r} -> {actual!r}"]


def _record_name(record: Any, index: int) -> str:
    """A record's key fields (agency=police level=frontline feature=trust), or its place."""
    if isinstance(record, dict):
        keys = ("agency", "level", "locality", "feature", "item", "from_agency", "to_agency")
        named = " ".join(f"{k}={record[k]}" for k in keys if record.get(k) is not None)
        return named or str(index)
    return str(index)


def moved_words(expected: str, actual: str) -> list[str]:
    """Where two texts differ, each change with a few words either side."""
    was, now = expected.split(), actual.split()
    changes = []
    matcher = difflib.SequenceMatcher(a=was, b=now, autojunk=False)
    for tag, a1, a2, b1, b2 in matcher.get_opcodes():
        if tag != "equal":
            before = " ".join(was[max(0, a1 - 6) : a1])
            changes.append(
                f"after '…{before}': {' '.join(was[a1:a2])!r} -> {' '.join(now[b1:b2])!r}"
            )
    return changes


def test_the_demo_rounds_export_keeps_every_figure(demo: Flask) -> None:
    export = json.loads(undated(run(demo, "export", "demo", "--format", "json")))
    golden = GOLDEN / "demo-export.jsonl"
    if WRITE:
        golden.write_text(as_lines(export))
    moved = moved_figures(from_lines(golden.read_text()), export)
    assert not moved, "figures moved in the demo export:\n" + "\n".join(moved[:40])


def test_the_demo_rounds_report_keeps_every_figure(demo: Flask, tmp_path: Path) -> None:
    target = tmp_path / "report.pdf"
    run(demo, "report", "demo", "-o", str(target))
    text = undated(pdf_text(target.read_bytes()))
    golden = GOLDEN / "demo-report.txt"
    if WRITE:
        # One sentence or so a line, so a change to the golden reads as a short diff.
        golden.write_text(re.sub(r"(?<=[\w)][.:]) (?=[A-Z])", "\n", text) + "\n")
    moved = moved_words(golden.read_text(), text)
    assert not moved, "words moved in the demo report:\n" + "\n".join(moved[:40])
