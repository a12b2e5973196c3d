"""The projector's bar for version 2: "not applicable" after "don't know", a balance
statement in its own fills, and the room's published figures keeping the not-applicable
count (the six-number figures stored before version 2 still read)."""

from __future__ import annotations

import json
import re

import pytest

from surveys.reporting.charts import BIPOLAR_FILLS, NOT_APPLICABLE_FILL, SCALE_FILLS
from surveys.reporting.charts.colours import DONT_KNOW_FILL
from surveys.scoring.distribution import ItemDistribution
from surveys.workshops import wall_charts
from surveys.workshops.presentation import shares
from surveys.workshops.room import Side

NAMES = ["Strongly disagree", "Disagree", "Neither", "Agree", "Strongly agree"]
POLES = ["Gives much more", "Gives a little more", "About the same", "Gets a little more",
         "Gets much more"]  # fmt: skip


def label(svg: str) -> str:
    found = re.search(r'aria-label="([^"]*)"', svg)
    assert found is not None
    return found.group(1).replace("&#39;", "'")


def segments(svg: str) -> list[tuple[str, float]]:
    """(fill, width) of each segment, after the white frame."""
    found = re.findall(r'<rect x="[\d.]+" y="0" width="([\d.]+)" height="80" fill="(#\w+)"', svg)
    return [(fill, float(width)) for width, fill in found][1:]


@pytest.mark.parametrize(
    ("answers", "dont_know", "not_applicable", "fills", "names", "said", "drawn"),
    [
        (
            [0.0, 0.1, 0.2, 0.3, 0.1], 0.1, (0.2, "Not applicable to my role"), SCALE_FILLS,
            NAMES,
            "Strongly disagree 0%, Disagree 10%, Neither 20%, Agree 30%, Strongly agree 10%, "
            "Don't know 10%, Not applicable to my role 20%",
            [*SCALE_FILLS[1:], DONT_KNOW_FILL, NOT_APPLICABLE_FILL],
        ),
        (
            [0.1, 0.2, 0.4, 0.2, 0.1], 0.0, (0.0, "Not applicable to my role"), BIPOLAR_FILLS,
            POLES,
            "Gives much more 10%, Gives a little more 20%, About the same 40%, "
            "Gets a little more 20%, Gets much more 10%, Don't know 0%, "
            "Not applicable to my role 0%",
            list(BIPOLAR_FILLS),
        ),
        (  # version 1: one non-answer, as it always was
            [0.1, 0.2, 0.3, 0.2, 0.1], 0.1, None, SCALE_FILLS, NAMES,
            "Strongly disagree 10%, Disagree 20%, Neither 30%, Agree 20%, Strongly agree 10%, "
            "Don't know 10%",
            [*SCALE_FILLS, DONT_KNOW_FILL],
        ),
    ],
    ids=["agree-scale", "bipolar", "version-1"],
)  # fmt: skip
def test_the_wall_bar_draws_and_names_each_answer_and_non_answer(
    answers: list[float],
    dont_know: float,
    not_applicable: tuple[float, str] | None,
    fills: tuple[str, ...],
    names: list[str],
    said: str,
    drawn: list[str],
) -> None:
    svg = str(
        wall_charts.shares_bar(
            answers, dont_know, names, "Don't know", not_applicable=not_applicable, fills=fills
        )
    )
    assert label(svg) == said
    assert [fill for fill, _w in segments(svg)] == drawn
    assert sum(w for _f, w in segments(svg)) == pytest.approx(1000, abs=0.5)


def test_a_wall_bar_needs_five_fills() -> None:
    with pytest.raises(ValueError, match="5 fills"):
        wall_charts.shares_bar([0.2] * 5, 0.0, NAMES, "Don't know", fills=SCALE_FILLS[:4])


def test_the_rooms_shares_are_of_everyone_asked_not_applicable_included() -> None:
    answered, dont_know, not_applicable = shares(ItemDistribution.of({4: 6, 2: 2}, 1, 1))
    assert answered == [0.0, 0.2, 0.0, 0.6, 0.0]
    assert (dont_know, not_applicable) == (0.1, 0.1)
    assert shares(ItemDistribution()) == ([0.0] * 5, 0.0, 0.0)


def test_published_room_figures_keep_not_applicable_and_read_the_old_six_numbers() -> None:
    side = Side(10, {}, {"x": ItemDistribution.of({4: 6, 2: 2}, 1, 1)})
    again = Side.from_json(json.loads(json.dumps(side.as_json())))
    assert again.answers["x"] == side.answers["x"]
    assert again.answers["x"].not_applicable == 1
    old = Side.from_json({"people": 5, "answers": {"x": [0, 1, 0, 4, 0, 2]}})
    assert old.answers["x"] == ItemDistribution((0, 1, 0, 4, 0), 2, 0)
