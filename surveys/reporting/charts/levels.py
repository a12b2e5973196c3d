"""The level strip: how far up the five maturity levels each feature has climbed.

A board member reads it in seconds: one short bar a feature, filled level by level in the
maturity colours, with the level's name and the mean beside it. It is drawn narrow (not the
other charts' 700 units) so that its text stays readable in half a desktop column and on a
phone, where a wide chart would be scaled down.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from ... import figures
from .canvas import _Canvas, _empty
from .colours import (
    BORDER_COLOUR,
    CONTESTED_FILL,
    MATURITY_FILLS,
    SECONDARY_TEXT,
    TEXT_COLOUR,
    WHITE,
)
from .numbers import _score
from .text import _fit, _plural, _wrap

STRIP_WIDTH = 380.0  # viewBox units: about the width of a phone's column, so drawn near 1:1


@dataclass(frozen=True)
class LevelRow:
    """One feature: its level (1 to 5, None when it has none), and why it may have none."""

    label: str
    level: int | None
    level_name: str
    mean: float | None = None
    contested: bool = False
    suppressed: bool = False


def level_strip(chart_id: str, rows: Sequence[LevelRow], title: str) -> Markup:
    """A row per feature: its name, then five steps filled up to its level."""
    canvas = _Canvas(chart_id)
    desc = (
        f"Five steps per feature, from Fragmented (1) to Embedded (5), filled up to each "
        f"feature's level, for {_plural(len(rows), 'feature')}"
        + (
            "; " + "; ".join(f"{row.label}: {row.level_name}" for row in rows) + "."
            if rows
            else "."
        )
    )
    if not rows:
        return _empty(canvas, title, desc)

    size, name_size = 14.0, 14.0
    step_w, step_h, step_gap = 40.0, 18.0, 3.0
    track_w = 5 * step_w + 4 * step_gap
    text_x = track_w + 12
    y = 0.0
    for row in rows:
        lines = _wrap(row.label, STRIP_WIDTH, name_size, 2, bold=True)
        canvas.text(0, y + name_size, lines, size=name_size, bold=True, line_height=17)
        top = y + 3 + 17 * len(lines)
        if row.suppressed:
            canvas.hatched(0, top, track_w, step_h)
        else:
            for step in range(1, 6):
                x = (step - 1) * (step_w + step_gap)
                if row.contested:
                    fill = CONTESTED_FILL
                elif row.level is not None and step <= row.level:
                    fill = MATURITY_FILLS[step - 1]
                else:
                    fill = WHITE
                canvas.rect(x, top, step_w, step_h, fill, stroke=BORDER_COLOUR)
        mean = None if row.suppressed else _score(row.mean)
        words = row.level_name if mean is None else f"{row.level_name} {figures.fixed(mean)}"
        canvas.text(
            text_x,
            top + step_h / 2 + size * 0.35,
            [_fit(words, STRIP_WIDTH - text_x, size, bold=True)],
            size=size,
            bold=True,
            fill=SECONDARY_TEXT if row.level is None else TEXT_COLOUR,
        )
        y = top + step_h + 9
    return canvas.render(STRIP_WIDTH, y - 8, title, desc)
