"""The distribution chart for questionnaire version 2: both non-answers drawn apart, each with
its share, and a bipolar statement's row in its own answers' words and colours.

Parsed back with ElementTree; the legends, the bars and the text alternative are each read."""

from __future__ import annotations

import colorsys
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import pytest

from surveys.reporting.charts import (
    BIPOLAR_FILLS,
    NOT_APPLICABLE_FILL,
    SCALE_FILLS,
    DistributionRow,
    distribution_chart,
)
from surveys.reporting.charts.colours import DONT_KNOW_FILL
from tests.unit.test_charts import NS, contrast, rects, texts

SCALE = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"]
DONT_KNOW = "Don't know"
NOT_APPLICABLE = "Not applicable to my role"
POLES = [
    "Gives much more than it gets back",
    "Gives a little more than it gets back",
    "Gives and gets about the same",
    "Gets a little more than it gives",
    "Gets much more than it gives",
]
BAR_HEIGHT = 24.0  # a bar's height; legend swatches are 18


def chart(rows: list[DistributionRow], not_applicable: str | None = NOT_APPLICABLE) -> ET.Element:
    svg = distribution_chart("v2", rows, SCALE, DONT_KNOW, "How people answered", not_applicable)
    return ET.fromstring(str(svg))


def bars(root: ET.Element, fill: str) -> list[tuple[float, float]]:
    """(x, width) of each bar-height rectangle painted `fill`."""
    return [(r[0], r[2]) for r in rects(root) if r[4] == fill and r[3] == BAR_HEIGHT]


def swatches(root: ET.Element, fill: str) -> int:
    return sum(1 for r in rects(root) if r[4] == fill and r[3] == 18)


def hue(colour: str) -> float:
    red, green, blue = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return colorsys.rgb_to_hsv(red, green, blue)[0] * 360


def description(root: ET.Element) -> str:
    desc = root.find(f"{NS}desc")
    assert desc is not None and desc.text
    return desc.text


@dataclass(frozen=True)
class Case:
    row: DistributionRow
    fills: tuple[str, ...]  # the bar's segments, left to right
    dont_know: str  # the percentages printed beside each non-answer's bar
    not_applicable: str
    said: tuple[str, ...]  # sentences the text alternative must hold


AGREE = DistributionRow(
    "1. Agencies here share one aim.",
    [0.05, 0.1, 0.15, 0.3, 0.1],
    0.1,
    not_applicable=0.2,
    short_label="Statement 1",
)
BALANCE = DistributionRow(
    "2. My agency gives and gets in balance.",
    [0.1, 0.2, 0.4, 0.1, 0.05],
    0.05,
    not_applicable=0.1,
    poles=POLES,
    short_label="Statement 2",
)
NONE_APPLICABLE = DistributionRow(
    "3. Agencies share buildings.", [0.0] * 5, 0.0, not_applicable=1.0, short_label="Statement 3"
)


@pytest.mark.parametrize(
    "case",
    [
        Case(
            AGREE,
            SCALE_FILLS,
            "10%",
            "20%",
            ("Statement 1: Don't know 10%, Not applicable to my role 20%.",),
        ),
        Case(
            BALANCE,
            BIPOLAR_FILLS,
            "5%",
            "10%",
            (
                "Statement 2 has its own answers, from Gives much more than it gets back "
                "through Gives and gets about the same to Gets much more than it gives.",
                "Statement 2: Don't know 5%, Not applicable to my role 10%.",
            ),
        ),
        Case(
            NONE_APPLICABLE,
            (),
            "0%",
            "100%",
            ("Statement 3: Don't know 0%, Not applicable to my role 100%.",),
        ),
    ],
    ids=["agree", "bipolar", "all-not-applicable"],
)
def test_each_row_draws_its_answers_and_both_non_answers(case: Case) -> None:
    root = chart([case.row])
    segments = sorted(
        (x, fill) for fill in {*SCALE_FILLS, *BIPOLAR_FILLS} for x, _w in bars(root, fill)
    )
    assert tuple(fill for _x, fill in segments) == case.fills
    # Each non-answer has its own bar, as long as its share of a 56-unit track.
    # Each non-answer has its own bar, as long as its share of a 56-unit track, in its column.
    for fill, share, column in (
        (DONT_KNOW_FILL, case.row.dont_know, 500.0),
        (NOT_APPLICABLE_FILL, case.row.not_applicable, 600.0),
    ):
        drawn = bars(root, fill)
        assert len(drawn) == (1 if share else 0)
        for x, width in drawn:
            assert x == column and width == pytest.approx(share * 56, abs=0.1)
    shown = texts(root)
    assert DONT_KNOW in shown and NOT_APPLICABLE in shown  # the legend names both
    assert swatches(root, DONT_KNOW_FILL) == 1 and swatches(root, NOT_APPLICABLE_FILL) == 1
    # The percentages printed beside the two small bars, in column order.
    beside = [t for t in shown if re.fullmatch(r"\d+%", t)][-2:]
    assert beside == [case.dont_know, case.not_applicable]
    for sentence in case.said:
        assert sentence in description(root)


@pytest.mark.parametrize(
    ("rows", "legends"),
    [
        ([AGREE], []),
        ([BALANCE], ["Statement 2 has its own answers:"]),
        ([AGREE, BALANCE, NONE_APPLICABLE], ["Statement 2 has its own answers:"]),
        # A workshop's rows are all one statement: one legend for it, not one per row.
        (
            [
                DistributionRow("First answers", [0.2] * 5, poles=POLES),
                DistributionRow("Survey", [0.2] * 5, poles=POLES),
            ],
            ["This statement has its own answers:"],
        ),
    ],
    ids=["agree-only", "bipolar-only", "mixed", "one-statement-many-rows"],
)
def test_a_bipolar_statement_gets_its_own_legend_in_its_own_words(
    rows: list[DistributionRow], legends: list[str]
) -> None:
    root = chart(rows)
    shown = texts(root)
    assert [t for t in shown if t.endswith("has its own answers:")] == legends
    for pole in POLES:
        assert (pole in shown) == bool(legends)
    # The agree scale's legend is always there, once; the bipolar fills once per legend.
    for fill in SCALE_FILLS:
        assert swatches(root, fill) == 1
    for fill in BIPOLAR_FILLS:
        assert swatches(root, fill) == len(legends)


def test_balance_never_looks_like_an_agree_answer() -> None:
    balance = BIPOLAR_FILLS[2]
    assert balance not in SCALE_FILLS
    assert not set(BIPOLAR_FILLS) & set(SCALE_FILLS)
    assert not {DONT_KNOW_FILL, NOT_APPLICABLE_FILL} & {*SCALE_FILLS, *BIPOLAR_FILLS}
    # Not a shade of strongly agree's blue: a hue a clear way round the colour wheel from it.
    assert abs(hue(balance) - hue(SCALE_FILLS[-1])) >= 45
    assert contrast(DONT_KNOW_FILL, NOT_APPLICABLE_FILL) >= 2  # the two non-answers told apart


@pytest.mark.parametrize("fill", [*BIPOLAR_FILLS, NOT_APPLICABLE_FILL])
def test_percentages_printed_on_the_new_fills_are_legible(fill: str) -> None:
    from surveys.reporting.charts import text_colour_for

    assert contrast(text_colour_for(fill), fill) >= 4.5


def test_the_balance_rows_percentages_sit_on_its_own_fills() -> None:
    root = chart([BALANCE])
    inside = [
        el.attrib["fill"]
        for el in root.iter(f"{NS}text")
        if el.attrib.get("text-anchor") == "middle" and "".join(el.itertext()) in {"20%", "40%"}
    ]
    assert inside == ["#0b0c0c", "#ffffff"]  # black on light purple, white on green


def test_suppressed_row_hides_both_non_answers() -> None:
    hidden = DistributionRow("4. Small group", [], 0.3, True, not_applicable=0.4)
    root = chart([hidden])
    assert not bars(root, NOT_APPLICABLE_FILL) and not bars(root, DONT_KNOW_FILL)
    hatches = [r for r in rects(root) if r[4] == "url(#v2-hatch)"]
    assert len(hatches) == 3  # the answers, and each non-answer's column
    assert "30%" not in texts(root) and "40%" not in texts(root)
    assert "4. Small group: suppressed." in description(root)
    assert "40%" not in description(root)


def test_version_one_draws_one_non_answer_and_ignores_a_stray_share() -> None:
    """Without a not-applicable label (version 1) there is no second column, and the chart is
    the one version 1 always drew: a not-applicable share given by mistake changes nothing."""
    plain = DistributionRow("1. A", [0.1, 0.2, 0.3, 0.2, 0.1], 0.1)
    stray = DistributionRow("1. A", [0.1, 0.2, 0.3, 0.2, 0.1], 0.1, not_applicable=0.5)
    assert distribution_chart("v1", [plain], SCALE, DONT_KNOW, "t") == distribution_chart(
        "v1", [stray], SCALE, DONT_KNOW, "t"
    )
    root = chart([stray], not_applicable=None)
    assert not bars(root, NOT_APPLICABLE_FILL) and not swatches(root, NOT_APPLICABLE_FILL)
    assert "Not applicable" not in " ".join(texts(root)) + description(root)


@pytest.mark.parametrize("poles", [POLES[:4], [*POLES, "Sixth"]])
def test_a_bipolar_row_needs_five_answers(poles: list[str]) -> None:
    with pytest.raises(ValueError, match="poles must have 5"):
        chart([DistributionRow("2. B", [0.2] * 5, poles=poles)])


def test_pole_words_are_escaped() -> None:
    nasty = ["<script>x</script>", *POLES[1:]]
    svg = str(
        distribution_chart(
            "e",
            [DistributionRow("2", [0.2] * 5, poles=nasty)],
            SCALE,
            DONT_KNOW,
            "t",
            NOT_APPLICABLE,
        )
    )
    assert "<script>" not in svg and "&lt;script&gt;" in svg
