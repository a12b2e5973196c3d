"""The bar chart: horizontal bars of rates or counts."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from ... import figures
from .canvas import WIDTH, _Canvas, _empty
from .colours import GRID_COLOUR, MANAGEMENT_COLOUR, SECONDARY_TEXT
from .numbers import _DASH, SCORE_PLACES, _finite, _n, _number
from .text import _clean, _esc, _first_baseline, _fit, _measure, _plural, _wrap


@dataclass(frozen=True)
class Bar:
    """One horizontal bar: a rate (0-1) or any non-negative number; None is no data."""

    label: str
    value: float | None
    suppressed: bool = False
    note: str | None = None


def bar_chart(
    chart_id: str,
    bars: Sequence[Bar],
    title: str,
    maximum: float = 1.0,
    percent: bool = True,
) -> Markup:
    """Horizontal bars with the value printed at the end ('56%' when ``percent``).

    Suppressed bars are hatched across the whole scale and say 'suppressed'; a value of None
    that is not suppressed shows a dash ('no data').
    """
    top_value = _finite(maximum)
    if top_value is None or top_value <= 0:
        raise ValueError(f"maximum must be a positive number, not {maximum!r}")
    canvas = _Canvas(chart_id)
    desc = f"Horizontal bar chart of {_plural(len(bars), 'value')}" + (
        ", as percentages." if percent else f", on a scale from 0 to {_number(top_value)}."
    )
    if not bars:
        return _empty(canvas, title, desc)

    size, line_height = 14.0, 17.0
    longest = max(_measure(_clean(bar.label), size) for bar in bars)
    label_w = min(max(longest + 16, 100.0), 240.0)
    label_lines = [_wrap(bar.label, label_w - 16, size, 2) for bar in bars]
    row_height = 44.0 if any(len(lines) > 1 for lines in label_lines) else 36.0
    x0, x1 = label_w, WIDTH - 150
    track = x1 - x0
    bar_h = 20.0

    def fmt(value: float) -> str:
        return figures.percent(value) if percent else _number(value)

    if percent:
        ticks = [top_value * i / 4 for i in range(5)]
    else:
        raw = top_value / 4
        magnitude = 10 ** math.floor(math.log10(raw))
        step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
        ticks = [step * i for i in range(int(top_value / step + 1e-9) + 1)]
    grid_top = 26.0
    grid_bottom = grid_top + len(bars) * row_height
    for tick in ticks:
        x = x0 + tick / top_value * track
        anchor = "start" if tick == 0 else "middle"
        canvas.text(x, grid_top - 10, [fmt(tick)], size=12, anchor=anchor, fill=SECONDARY_TEXT)
        canvas.line(x, grid_top, x, grid_bottom, GRID_COLOUR)

    for i, (bar, lines) in enumerate(zip(bars, label_lines, strict=True)):
        centre = grid_top + (i + 0.5) * row_height
        canvas.text(
            0,
            _first_baseline(centre, len(lines), size, line_height),
            lines,
            size=size,
            line_height=line_height,
        )
        baseline = _first_baseline(centre, 1, 13, 13)
        value = _finite(bar.value)
        if value is not None:
            value = (
                figures.percentage_points(value)
                if percent
                else figures.rounded(value, SCORE_PLACES)
            )
        if bar.suppressed:
            canvas.hatched(x0, centre - bar_h / 2, track, bar_h)
            continue
        if value is None:
            canvas.text(x0 + 6, baseline, [f"{_DASH} no data"], size=13, fill=SECONDARY_TEXT)
            continue
        value = max(0.0, value)
        width = min(value, top_value) / top_value * track
        if width > 0:
            canvas.rect(x0, centre - bar_h / 2, width, bar_h, MANAGEMENT_COLOUR)
        text_x = x0 + width + 6
        shown = fmt(value)
        note = ""
        if bar.note and _clean(bar.note):
            room = WIDTH - 4 - (text_x + _measure(shown + " ", 13, bold=True))
            if room >= 30:
                note = _fit(f"({_clean(bar.note)})", room, 12)
        # One text element, so the note follows the value at the font's own spacing.
        note_span = (
            f' <tspan font-size="12" fill="{SECONDARY_TEXT}">{_esc(note)}</tspan>' if note else ""
        )
        canvas.add(
            f'<text x="{_n(text_x)}" y="{_n(baseline)}" font-size="13">'
            f'<tspan font-weight="bold">{_esc(shown)}</tspan>{note_span}</text>'
        )

    return canvas.render(WIDTH, grid_bottom + 6, title, desc)
