"""The distribution chart: 100% stacked bars of the answers, don't know apart."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from ... import figures
from .canvas import WIDTH, _Canvas, _empty
from .colours import (
    BORDER_COLOUR,
    DONT_KNOW_FILL,
    GRID_COLOUR,
    SCALE_FILLS,
    SECONDARY_TEXT,
    WHITE,
    text_colour_for,
)
from .legend import _fill_swatch, _legend, _LegendEntry
from .numbers import _share
from .text import _clean, _first_baseline, _measure, _plural, _wrap


@dataclass(frozen=True)
class DistributionRow:
    """Shares (0-1) answering 1..5, in that order, plus the share answering don't know."""

    label: str
    counts: Sequence[float]
    dont_know: float = 0.0
    suppressed: bool = False


def distribution_chart(
    chart_id: str,
    rows: Sequence[DistributionRow],
    scale_labels: Sequence[str],
    dont_know_label: str,
    title: str,
) -> Markup:
    """Stacked horizontal bars of the share giving each answer, disagree left, agree right.

    Shares are of everyone asked, so a bar stops short by the share answering don't know, which
    has its own small bar on the right. Percentages are printed in segments of at least 8%.
    """
    if len(scale_labels) != len(SCALE_FILLS):
        raise ValueError(f"scale_labels must have {len(SCALE_FILLS)} items")
    for row in rows:
        if not row.suppressed and len(row.counts) != len(SCALE_FILLS):
            raise ValueError(f"counts must have {len(SCALE_FILLS)} shares, one per scale point")
    canvas = _Canvas(chart_id)
    desc = (
        f"Stacked bars showing the share of answers from {_clean(scale_labels[0])} to "
        f"{_clean(scale_labels[-1])}, with {_clean(dont_know_label)} shown separately, for "
        f"{_plural(len(rows), 'statement')}."
    )
    if not rows:
        return _empty(canvas, title, desc)

    size, line_height = 13.0, 16.0
    longest = max(_measure(_clean(row.label), size) for row in rows)
    label_w = min(max(longest + 16, 120.0), 250.0)
    dk_track = 56.0
    dk_x = WIDTH - 100
    x0, x1 = label_w, dk_x - 24
    track = x1 - x0
    bar_h = 24.0

    entries = [
        _LegendEntry(_fill_swatch(fill), 18, label)
        for fill, label in zip(SCALE_FILLS, scale_labels, strict=True)
    ]
    entries.append(_LegendEntry(_fill_swatch(DONT_KNOW_FILL), 18, dont_know_label))
    legend_bottom = _legend(canvas, entries, 0, 0, WIDTH)

    dk_lines = _wrap(dont_know_label, WIDTH - dk_x, 12, 3, bold=True)
    header_h = max(len(dk_lines) * 15, 15) + 12
    grid_top = legend_bottom + 8 + header_h
    canvas.text(
        dk_x,
        grid_top - 8 - (len(dk_lines) - 1) * 15,
        dk_lines,
        size=12,
        bold=True,
        line_height=15,
    )
    for share, anchor in ((0.0, "start"), (0.5, "middle"), (1.0, "end")):
        canvas.text(
            x0 + share * track,
            grid_top - 8,
            [figures.percent(share)],
            size=12,
            anchor=anchor,
            fill=SECONDARY_TEXT,
        )

    label_lines = [_wrap(row.label, label_w - 14, size, 4) for row in rows]
    heights = [max(38.0, len(lines) * line_height + 12) for lines in label_lines]
    grid_bottom = grid_top + sum(heights)
    for share in (0.0, 0.5, 1.0):
        x = x0 + share * track
        canvas.line(x, grid_top, x, grid_bottom, GRID_COLOUR)

    top = grid_top
    for row, lines, height in zip(rows, label_lines, heights, strict=True):
        centre = top + height / 2
        canvas.text(
            0,
            _first_baseline(centre, len(lines), size, line_height),
            lines,
            size=size,
            line_height=line_height,
        )
        bar_top = centre - bar_h / 2
        if row.suppressed:
            canvas.hatched(x0, bar_top, track, bar_h)
            canvas.hatched(dk_x, bar_top, dk_track, bar_h, label=False)
            top += height
            continue
        shares = [_share(v) for v in row.counts]
        total = sum(shares)
        if total > 1:
            shares = [s / total for s in shares]
        canvas.rect(x0, bar_top, track, bar_h, WHITE, stroke=BORDER_COLOUR)
        cursor = x0
        for share, fill in zip(shares, SCALE_FILLS, strict=True):
            if share <= 0:
                continue
            w = share * track
            canvas.rect(cursor, bar_top, w, bar_h, fill, stroke=WHITE, stroke_width=1)
            text = figures.percent(share)
            if share >= 0.08 and _measure(text, 12) + 4 <= w:
                canvas.text(
                    cursor + w / 2,
                    _first_baseline(centre, 1, 12, 12),
                    [text],
                    size=12,
                    anchor="middle",
                    fill=text_colour_for(fill),
                )
            cursor += w
        dont_know = _share(row.dont_know)
        canvas.rect(dk_x, bar_top, dk_track, bar_h, WHITE, stroke=BORDER_COLOUR)
        if dont_know > 0:
            canvas.rect(dk_x, bar_top, dont_know * dk_track, bar_h, DONT_KNOW_FILL)
        canvas.text(
            dk_x + dk_track + 5,
            _first_baseline(centre, 1, 12, 12),
            [figures.percent(dont_know)],
            size=12,
        )
        top += height

    return canvas.render(WIDTH, grid_bottom + 8, title, desc)
