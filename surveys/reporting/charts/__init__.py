"""Server-side SVG charts for the dashboard and the PDF reports.

Every public function returns :class:`markupsafe.Markup` holding exactly one ``<svg>`` element
that works in two very different places:

* browsers, under a strict Content Security Policy: no ``style`` attributes, no ``<style>``
  elements and no scripts, so everything is drawn with SVG presentation attributes;
* WeasyPrint 70's own SVG renderer, so only basic elements are used (no ``dominant-baseline``,
  no CSS, no markers, no filters); text is positioned with explicit ``x``/``y`` on ``<tspan>``.

Accessibility: each SVG has ``role="img"``, a ``<title>`` and a one-sentence ``<desc>`` as its
first children, and ``aria-labelledby`` pointing at both. Templates show a data table beside every
chart, so the charts do not try to be read out element by element.

Design: GOV.UK colours, colour-blind safe, never colour alone. Management is blue, solid, with
circles; frontline is orange, dashed, with squares; the whole partnership is black, dotted, with
diamonds. Suppressed values (groups too small to show) are hatched and say "suppressed", and never
look like a zero. All text from arguments is escaped; every coordinate is finite and rounded.

Pure Python: only the standard library, markupsafe and surveys/figures.py (the one number
formatter). One module per chart (radar, heatmap, gap, distribution, bar, levels) on shared
primitives: colours, numbers, text (measuring and wrapping), canvas, legend. Helpers with a
leading underscore are the package's own, shared between its modules and nothing else.
"""

from __future__ import annotations

from .bar import Bar, bar_chart
from .colours import (
    BIPOLAR_FILLS,
    CONTESTED_FILL,
    FRONTLINE_COLOUR,
    MANAGEMENT_COLOUR,
    MATURITY_FILLS,
    MATURITY_LEVEL_NAMES,
    NOT_APPLICABLE_FILL,
    PARTNERSHIP_COLOUR,
    SCALE_FILLS,
    text_colour_for,
)
from .distribution import DistributionRow, distribution_chart
from .gap import GapRow, gap_chart
from .heatmap import HeatCell, heatmap
from .levels import STRIP_WIDTH, LevelRow, level_strip
from .radar import Series, radar

__all__ = [
    "BIPOLAR_FILLS",
    "CONTESTED_FILL",
    "FRONTLINE_COLOUR",
    "MANAGEMENT_COLOUR",
    "MATURITY_FILLS",
    "MATURITY_LEVEL_NAMES",
    "NOT_APPLICABLE_FILL",
    "PARTNERSHIP_COLOUR",
    "SCALE_FILLS",
    "STRIP_WIDTH",
    "Bar",
    "DistributionRow",
    "GapRow",
    "HeatCell",
    "LevelRow",
    "Series",
    "bar_chart",
    "distribution_chart",
    "gap_chart",
    "heatmap",
    "level_strip",
    "radar",
    "text_colour_for",
]
