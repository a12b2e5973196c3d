"""One colour scale for maturity levels (issue 17): the web page's level tags and the
charts colour a level the same way, and every tag's text passes WCAG AA on its fill."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask

from surveys.reporting.charts.colours import (
    CONTESTED_FILL,
    MATURITY_FILLS,
    MATURITY_LEVEL_NAMES,
    _contrast,
    _maturity_fill,
    level_tag_class,
    level_tag_colours,
)

STYLESHEET = Path(__file__).parents[2] / "static" / "css" / "boundary.css"
RULE = re.compile(
    r"\.govuk-tag\.(boundary-level--[\w-]+)\s*\{\s*background-color:\s*(#[0-9a-f]{6});"
    r"\s*color:\s*(#[0-9a-f]{6});\s*\}",
    re.I,
)


def declared() -> dict[str, tuple[str, str]]:
    return {
        name: (fill.lower(), text.lower())
        for name, fill, text in RULE.findall(STYLESHEET.read_text())
    }


def test_the_stylesheet_declares_each_level_tag_as_the_charts_colour_it() -> None:
    assert declared() == level_tag_colours()
    for level, name in enumerate(MATURITY_LEVEL_NAMES, 1):
        fill, _text = declared()[level_tag_class(name)]
        assert fill == MATURITY_FILLS[level - 1] == _maturity_fill(level)  # the heat map's cell
    assert declared()[level_tag_class("Contested")][0] == CONTESTED_FILL


@pytest.mark.parametrize("name", [*MATURITY_LEVEL_NAMES, "Contested"])
def test_every_level_tags_text_passes_aa(name: str) -> None:
    fill, text = declared()[level_tag_class(name)]
    assert _contrast(fill, text) >= 4.5


def test_a_result_with_no_level_gets_no_colour_of_the_scale() -> None:
    assert level_tag_class("") == "govuk-tag--grey"
    assert level_tag_class("Not enough answers") == "govuk-tag--grey"


def test_the_pages_level_tag_uses_the_scale(app: Flask) -> None:
    with app.test_request_context():
        template = app.jinja_env.from_string(
            '{% from "_macros/results.html" import level_tag %}'
            '{{ level_tag("Developing") }}|{{ level_tag("<b>") }}'
        )
        shown = template.render()
    assert 'class="govuk-tag boundary-level--3">Developing</strong>' in shown
    assert "&lt;b&gt;" in shown and "<b>" not in shown
