"""The radar chart: one axis per feature, one closed shape per series."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup

from .canvas import WIDTH, _Canvas, _empty
from .colours import BORDER_COLOUR, GRID_COLOUR, SECONDARY_TEXT
from .legend import _legend, _LegendEntry, _marker, _series_swatch, _stroke_attrs, _style
from .numbers import _n, _score
from .text import _clean, _first_baseline, _list_names, _plural, _wrap


@dataclass(frozen=True)
class Series:
    """One line on a radar chart: mean scores (1-5) per axis id; None means suppressed."""

    name: str
    values: Mapping[str, float | None]
    kind: str = "partnership"  # "management" | "frontline" | "partnership"


def radar(
    chart_id: str, axes: Sequence[tuple[str, str]], series: Sequence[Series], title: str
) -> Markup:
    """Radar chart: one axis per feature, rings at 1..5, one closed shape per series.

    A series with a None value has a gap there: only segments between known values are drawn,
    and no marker. An axis where every series is None is labelled '(suppressed)'.
    """
    canvas = _Canvas(chart_id)
    styles = [_style(s.kind) for s in series]
    n = len(axes)
    desc = (
        f"Radar chart of mean scores from 1 (weakest, centre) to 5 (strongest, outer ring) on "
        f"{_plural(n, 'feature')}"
        + (f", comparing {_list_names([s.name for s in series])}." if series else ".")
    )
    if n == 0 or not series:
        return _empty(canvas, title, desc)

    values = [[_score(s.values.get(axis_id)) for axis_id, _ in axes] for s in series]
    suppressed_axes = [all(v[i] is None for v in values) for i in range(n)]
    if any(suppressed_axes):
        desc = desc[:-1] + "; some values are suppressed because the groups are too small."

    radius = 160.0
    label_gap = 16.0
    size, line_height = 14.0, 17.0
    cx = WIDTH / 2
    angles = [-math.pi / 2 + 2 * math.pi * i / n for i in range(n)]

    # Lay the axis labels out around a centre at (cx, 0), then move everything down.
    layouts: list[tuple[float, float, str, list[str], list[str | None]]] = []
    top, bottom = -radius, radius
    for i, (_, label) in enumerate(axes):
        cos, sin = math.cos(angles[i]), math.sin(angles[i])
        px = cx + (radius + label_gap) * cos
        py = (radius + label_gap) * sin
        if cos > 0.3:
            anchor, x = "start", px + 2
            room = WIDTH - 6 - x
        elif cos < -0.3:
            anchor, x = "end", px - 2
            room = x - 6
        else:
            anchor, x = "middle", px
            room = 2 * min(x - 6, WIDTH - 6 - x)
        lines = _wrap(label, min(room, 280.0 if anchor == "middle" else 200.0), size, 3)
        fills: list[str | None] = [None] * len(lines)
        if suppressed_axes[i]:
            lines.append("(suppressed)")
            fills.append(SECONDARY_TEXT)
        count = len(lines)
        if sin < -0.3:
            first = py - 4 - (count - 1) * line_height
        elif sin > 0.3:
            first = py + 4 + 0.8 * size
        else:
            first = _first_baseline(py, count, size, line_height)
        top = min(top, first - 0.8 * size)
        bottom = max(bottom, first + (count - 1) * line_height + 0.3 * size)
        layouts.append((x, first, anchor, lines, fills))

    cy = 12 - top

    def point(i: int, score: float) -> tuple[float, float]:
        r = radius * score / 5
        return cx + r * math.cos(angles[i]), cy + r * math.sin(angles[i])

    # Grid: rings at 1..5 and one spoke per axis.
    for ring in range(1, 6):
        colour = BORDER_COLOUR if ring == 5 else GRID_COLOUR
        if n >= 3:
            ring_points = " ".join(
                f"{_n(px)},{_n(py)}" for px, py in (point(i, ring) for i in range(n))
            )
            canvas.add(
                f'<polygon points="{ring_points}" fill="none" stroke="{colour}" stroke-width="1"/>'
            )
        else:
            canvas.add(
                f'<circle cx="{_n(cx)}" cy="{_n(cy)}" r="{_n(radius * ring / 5)}" fill="none" '
                f'stroke="{colour}" stroke-width="1"/>'
            )
    for i in range(n):
        end_x, end_y = point(i, 5)
        canvas.line(cx, cy, end_x, end_y, BORDER_COLOUR)
    # Ring numbers sit midway between the first two spokes, clear of the markers on the spokes.
    mid = -math.pi / 2 + (math.pi / n if n >= 3 else math.pi / 4)
    reach = (
        math.cos(math.pi / n) if n >= 3 else 1.0
    )  # a polygon ring's edge is nearer than its corners
    for ring in range(1, 6):
        r = radius * ring / 5 * reach
        canvas.text(
            cx + r * math.cos(mid) + 3,
            cy + r * math.sin(mid) - 3,
            [str(ring)],
            size=12,
            fill=SECONDARY_TEXT,
        )
    for x, first, anchor, lines, fills in layouts:
        canvas.text(
            x,
            cy + first,
            lines,
            size=size,
            anchor=anchor,
            line_height=line_height,
            line_fills=fills,
        )

    # Series: lines first, markers on top.
    markers: list[str] = []
    for style, vals in zip(styles, values, strict=True):
        pts = [None if v is None else point(i, v) for i, v in enumerate(vals)]
        known = [p for p in pts if p is not None]
        if len(known) == n and n >= 3:
            canvas.add(
                f'<polygon points="{" ".join(f"{_n(x)},{_n(y)}" for x, y in known)}" '
                f"{_stroke_attrs(style)}/>"
            )
        elif known:
            for run in _runs(pts):
                if len(run) >= 2:
                    canvas.add(
                        f'<polyline points="{" ".join(f"{_n(x)},{_n(y)}" for x, y in run)}" '
                        f"{_stroke_attrs(style)}/>"
                    )
        markers.extend(_marker(style, x, y) for x, y in known)
    for marker in markers:
        canvas.add(marker)

    legend_top = cy + bottom + 14
    entries = [  # a series with nothing to draw says why it is missing
        _LegendEntry(
            _series_swatch(style),
            36,
            s.name if any(v is not None for v in vals) else f"{_clean(s.name)} (suppressed)",
        )
        for style, s, vals in zip(styles, series, values, strict=True)
    ]
    legend_bottom = _legend(canvas, entries, 0, legend_top, WIDTH)
    canvas.text(
        0,
        legend_bottom + 14,
        ["Rings show the scale: 1 (centre, weakest) to 5 (outer, strongest)."],
        size=12,
        fill=SECONDARY_TEXT,
    )
    return canvas.render(WIDTH, legend_bottom + 24, title, desc)


def _runs(points: Sequence[tuple[float, float] | None]) -> list[list[tuple[float, float]]]:
    """Consecutive known points around a closed shape, split at the unknown ones."""
    n = len(points)
    missing = [i for i in range(n) if points[i] is None]
    if not missing:  # fewer than three axes: an open line through them all
        return [[p for p in points if p is not None]]
    start = missing[0]
    runs: list[list[tuple[float, float]]] = []
    current: list[tuple[float, float]] = []
    for step in range(1, n + 1):
        p = points[(start + step) % n]
        if p is None:
            if current:
                runs.append(current)
            current = []
        else:
            current.append(p)
    if current:
        runs.append(current)
    return runs
