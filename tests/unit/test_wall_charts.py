"""The projector's own charts (surveys/workshops/wall_charts.py): big text, honest marks."""

from __future__ import annotations

import re

import pytest

from surveys.workshops import wall_charts

NAMES = ["Strongly disagree", "Disagree", "Neither", "Agree", "Strongly agree"]


def texts(svg: str) -> list[str]:
    return re.findall(r"<text[^>]*>([^<]*)</text>", svg)


def test_every_word_in_a_wall_chart_is_drawn_at_the_large_size() -> None:
    for svg in (
        str(wall_charts.dumbbell(3.8, 2.6, "This room")),
        str(wall_charts.shares_bar([0.1, 0.2, 0.3, 0.3, 0.1], 0.0, NAMES, "Don't know")),
    ):
        sizes = re.findall(r'<text[^>]*font-size="([\d.]+)"', svg)
        assert sizes and {float(s) for s in sizes} == {wall_charts.TEXT_SIZE}
        assert 'viewBox="0 0 1000 ' in svg


def test_a_share_is_printed_only_where_it_fits_and_the_label_names_them_all() -> None:
    svg = str(wall_charts.shares_bar([0.05, 0.0, 0.25, 0.6, 0.0], 0.1, NAMES, "Don't know"))
    assert texts(svg) == ["25%", "60%"]  # 5% and 10% are too narrow to print in the bar
    label = re.search(r'aria-label="([^"]*)"', svg)
    assert label is not None
    assert label.group(1) == (
        "Strongly disagree 5%, Disagree 0%, Neither 25%, Agree 60%, Strongly agree 0%, "
        "Don&#39;t know 10%"
    )
    widths = [float(w) for w in re.findall(r'<rect x="[\d.]+" y="0" width="([\d.]+)"', svg)]
    assert sum(widths[1:]) == pytest.approx(1000)  # the segments fill the frame exactly


def test_shares_rounded_over_one_still_fit_the_bar() -> None:
    svg = str(wall_charts.shares_bar([0.34, 0.0, 0.34, 0.34, 0.0], 0.0, NAMES, "Don't know"))
    widths = [float(w) for w in re.findall(r'<rect x="[\d.]+" y="0" width="([\d.]+)"', svg)]
    assert sum(widths[1:]) == pytest.approx(1000, abs=0.2)


def test_a_bar_needs_one_share_per_answer() -> None:
    with pytest.raises(ValueError, match="5 shares"):
        wall_charts.shares_bar([0.5, 0.5], 0.0, NAMES, "Don't know")


def test_markers_close_together_are_set_apart_so_neither_hides() -> None:
    apart = str(wall_charts.dumbbell(3.3, 3.3, "Survey"))
    circle = re.search(r'<circle cx="[\d.]+" cy="([\d.]+)"', apart)
    square = re.search(r'<rect x="[\d.]+" y="([\d.]+)" width="44"', apart)
    assert circle is not None and square is not None
    assert float(square.group(1)) + 22 - float(circle.group(1)) >= 24  # centres 28 apart
    far = str(wall_charts.dumbbell(4.5, 1.5, "Room"))
    assert 'cy="40"' in far


def test_the_label_is_escaped() -> None:
    svg = str(wall_charts.dumbbell(None, 2.0, '<b>"Room"</b>'))
    assert "<b>" not in svg and "&lt;b&gt;" in svg
    assert "<circle" not in svg and "<rect" in svg  # only the figure that is there is drawn
