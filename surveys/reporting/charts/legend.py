"""Series styles, markers and legends, shared by the charts that show several series."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .canvas import _Canvas
from .colours import (
    BORDER_COLOUR,
    FRONTLINE_COLOUR,
    MANAGEMENT_COLOUR,
    PARTNERSHIP_COLOUR,
    WHITE,
    text_colour_for,
)
from .numbers import _n
from .text import _first_baseline, _fit, _measure


@dataclass(frozen=True)
class _Style:
    colour: str
    dash: str | None
    marker: str  # "circle" | "square" | "diamond"


_STYLES = {
    "management": _Style(MANAGEMENT_COLOUR, None, "circle"),
    "frontline": _Style(FRONTLINE_COLOUR, "9 5", "square"),
    "partnership": _Style(PARTNERSHIP_COLOUR, "1 6", "diamond"),
}


def _style(kind: str) -> _Style:
    try:
        return _STYLES[kind]
    except KeyError:
        raise ValueError(f"series kind must be one of {sorted(_STYLES)}, not {kind!r}") from None


def _marker(style: _Style, x: float, y: float, size: float = 1.0) -> str:
    outline = f'stroke="{WHITE}" stroke-width="1.5"'
    if style.marker == "circle":
        return (
            f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{_n(6 * size)}" '
            f'fill="{style.colour}" {outline}/>'
        )
    if style.marker == "square":
        half = 5.5 * size
        return (
            f'<rect x="{_n(x - half)}" y="{_n(y - half)}" width="{_n(2 * half)}" '
            f'height="{_n(2 * half)}" fill="{style.colour}" {outline}/>'
        )
    half = 7 * size
    corners = ((x, y - half), (x + half, y), (x, y + half), (x - half, y))
    points = " ".join(f"{_n(px)},{_n(py)}" for px, py in corners)
    return f'<polygon points="{points}" fill="{style.colour}" {outline}/>'


def _stroke_attrs(style: _Style, width: float = 2.5) -> str:
    attrs = (
        f'fill="none" stroke="{style.colour}" stroke-width="{_n(width)}" stroke-linejoin="round"'
    )
    if style.dash:
        attrs += f' stroke-dasharray="{style.dash}"'
    if style.marker == "diamond":  # dotted: round caps turn the short dashes into dots
        attrs += ' stroke-linecap="round"'
    return attrs


_Swatch = Callable[[_Canvas, float, float], None]  # draws at (left x, centre y)


@dataclass(frozen=True)
class _LegendEntry:
    swatch: _Swatch | None
    swatch_width: float
    label: str
    bold: bool = False


def _legend(
    canvas: _Canvas, entries: Sequence[_LegendEntry], x: float, y: float, right: float
) -> float:
    """Lays entries out left to right, wrapping at ``right``; returns the bottom y."""
    size = 13.0
    row_height = 24.0
    cursor, row_top = x, y
    for entry in entries:
        label = _fit(entry.label, right - x - entry.swatch_width - 8, size, bold=entry.bold)
        gap = 8.0 if entry.swatch else 0.0
        width = entry.swatch_width + gap + _measure(label, size, bold=entry.bold)
        if cursor > x and cursor + width > right:
            cursor, row_top = x, row_top + row_height
        centre = row_top + row_height / 2
        if entry.swatch:
            entry.swatch(canvas, cursor, centre)
        canvas.text(
            cursor + entry.swatch_width + gap,
            _first_baseline(centre, 1, size, size),
            [label],
            size=size,
            bold=entry.bold,
        )
        cursor += width + 20
    return row_top + row_height


def _fill_swatch(fill: str, text: str | None = None) -> _Swatch:
    def draw(canvas: _Canvas, x: float, centre: float) -> None:
        canvas.rect(x, centre - 9, 18, 18, fill, stroke=BORDER_COLOUR)
        if text:
            canvas.text(
                x + 9,
                _first_baseline(centre, 1, 12, 12),
                [text],
                size=12,
                anchor="middle",
                fill=text_colour_for(fill),
            )

    return draw


def _hatch_swatch(canvas: _Canvas, x: float, centre: float) -> None:
    canvas.hatched(x, centre - 9, 18, 18, label=False)


def _series_swatch(style: _Style) -> _Swatch:
    def draw(canvas: _Canvas, x: float, centre: float) -> None:
        canvas.add(
            f'<polyline points="{_n(x)},{_n(centre)} {_n(x + 36)},{_n(centre)}" '
            f"{_stroke_attrs(style)}/>"
        )
        canvas.add(_marker(style, x + 18, centre))

    return draw


def _marker_swatch(style: _Style) -> _Swatch:
    def draw(canvas: _Canvas, x: float, centre: float) -> None:
        canvas.add(_marker(style, x + 8, centre))

    return draw
