"""One rounding rule for every published figure (surveys/figures.py): a chart, the table
under it and the sentence above it print the same share and the same score alike."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from jinja2 import Environment, FileSystemLoader

from surveys import figures
from surveys.reporting.charts import Bar, bar_chart

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# Halves as a reader rounds them, where Python's round() and "%.Nf" go to even or follow
# the binary value (0.285 * 100 is 28.499999999999996, 2.675 is stored as 2.67499...).
HALVES = [(0.125, "13%"), (0.285, "29%"), (0.005, "1%"), (0.115, "12%"), (0.665, "67%")]


@pytest.mark.parametrize(
    ("write", "expected"),
    [
        (lambda: figures.percent(0.125), "13%"),
        (lambda: figures.percent(0.285), "29%"),
        (lambda: figures.percent(1 / 3), "33%"),
        (lambda: figures.percent(0.0), "0%"),
        (lambda: figures.percent(None), "–"),
        (lambda: figures.fixed(2.25, 1), "2.3"),
        (lambda: figures.fixed(2.675, 2), "2.68"),
        (lambda: figures.fixed(3, 1), "3.0"),
        (lambda: figures.fixed(-0.04, 1), "0.0"),  # a rounded zero has no sign
        (lambda: figures.fixed(2.5, 0), "3"),
        (lambda: figures.signed(-0.125), "-0.13"),
        (lambda: figures.signed(0.125), "+0.13"),
        (lambda: figures.signed(-0.004), "0.00"),
        (lambda: figures.signed(0.25, 1, minus="\u2212"), "+0.3"),
        (lambda: figures.signed(-0.25, 1, minus="\u2212"), "\u22120.3"),
        (lambda: figures.rounded(-2.5), -3.0),
        (lambda: figures.percentage_points(0.285), 0.29),
    ],
)
def test_halves_are_rounded_as_a_reader_rounds_them(write: object, expected: object) -> None:
    assert write() == expected  # type: ignore[operator]


def macro_text(template: str, value: float) -> str:
    environment = Environment(loader=FileSystemLoader(str(TEMPLATES)))
    environment.filters.update(fixed=figures.fixed, signed=figures.signed, percent=figures.percent)
    page = environment.from_string(f'{{% import "{template}" as m %}}{{{{ m.pct(value) }}}}')
    return page.render(value=value).strip()


@pytest.mark.parametrize(("share", "expected"), HALVES)
def test_a_share_prints_the_same_in_a_chart_and_in_the_tables_of_page_and_pdf(
    share: float, expected: str
) -> None:
    """Found in review: 13% on a PDF chart, 12% in the table under it."""
    chart = bar_chart("c", [Bar("Police", share)], "Shares")
    printed = [t.text for t in ET.fromstring(str(chart)).iter() if t.text]
    assert expected in printed
    assert macro_text("_macros/results.html", share) == expected
    assert macro_text("pdf/_macros.html", share) == expected


def test_no_template_writes_a_number_by_another_rule() -> None:
    """Numbers in templates go through the filters (fixed, signed, percent), never through
    printf-style formats or Jinja's round, which round half to even."""
    other_rules = re.compile(r'"%[+]?\.\*?\d*f"\s*\|\s*format|\|\s*round\b')
    found = [
        f"{path.relative_to(TEMPLATES)}:{number}"
        for path in TEMPLATES.rglob("*.html")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if other_rules.search(line)
    ]
    assert found == []


def test_exports_round_by_the_same_rule() -> None:
    """The analysis exports keep four decimals, rounded as the pages and PDFs round."""
    from surveys.analysis.export import _number

    assert _number({"mean": 0.00125, "gaps": [2.00005, float("nan")]}) == {
        "mean": 0.0013,
        "gaps": [2.0001, None],
    }
