"""The projector's charts: few marks, and text big enough to read from the back of a room.

The report's charts (reporting/charts) draw 12-14 unit text on a 700-unit canvas, which the
projector then shrinks: 12-21 px on a wall. These draw one row each on a 1,000-unit canvas
with 40-unit text, so that at the width the projector gives them (about two thirds of the
screen) their text is over 28 px at 1080p. Labels, legends and figures around them are HTML.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

from ..figures import percent
from ..reporting.charts.colours import (
    BORDER_COLOUR,
    DONT_KNOW_FILL,
    FRONTLINE_COLOUR,
    GRID_COLOUR,
    MANAGEMENT_COLOUR,
    NOT_APPLICABLE_FILL,
    SCALE_FILLS,
    TEXT_COLOUR,
    WHITE,
    text_colour_for,
)

WIDTH = 1000
TEXT_SIZE = 40  # canvas units; the projector's CSS keeps the canvas wide enough (see tests)
_LEFT, _RIGHT = 30.0, 970.0  # scores 1 and 5: room for a marker and a centred tick label


def _x(score: float) -> float:
    return _LEFT + (min(max(score, 1.0), 5.0) - 1) / 4 * (_RIGHT - _LEFT)


def _n(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def _svg(height: int, label: str, body: list[str]) -> Markup:
    return Markup(
        f'<svg class="boundary-wall__chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">'
        f"{''.join(body)}</svg>"
    )


def dumbbell(management: float | None, frontline: float | None, label: str) -> Markup:
    """Managers' mean (a blue circle) and frontline staff's (an orange square) on 1-5."""
    body = [
        f'<line x1="{_LEFT}" y1="40" x2="{_RIGHT}" y2="40" stroke="{GRID_COLOUR}" '
        'stroke-width="6"/>'
    ]
    for tick in range(1, 6):
        tick_x = _n(_x(tick))
        body.append(
            f'<line x1="{tick_x}" y1="20" x2="{tick_x}" y2="60" stroke="{BORDER_COLOUR}" '
            'stroke-width="3"/>'
        )
        body.append(
            f'<text x="{tick_x}" y="122" font-size="{TEXT_SIZE}" text-anchor="middle" '
            f'fill="{TEXT_COLOUR}">{tick}</text>'
        )
    m_y = f_y = 40
    if management is not None and frontline is not None:
        if abs(_x(management) - _x(frontline)) < 48:  # set apart, so that neither hides
            m_y, f_y = 26, 54
        body.append(
            f'<line x1="{_n(_x(management))}" y1="{m_y}" x2="{_n(_x(frontline))}" y2="{f_y}" '
            'stroke="#6f777b" stroke-width="10"/>'
        )
    if frontline is not None:
        x = _x(frontline)
        body.append(
            f'<rect x="{_n(x - 22)}" y="{f_y - 22}" width="44" height="44" '
            f'fill="{FRONTLINE_COLOUR}" stroke="{WHITE}" stroke-width="3"/>'
        )
    if management is not None:
        body.append(
            f'<circle cx="{_n(_x(management))}" cy="{m_y}" r="24" fill="{MANAGEMENT_COLOUR}" '
            f'stroke="{WHITE}" stroke-width="3"/>'
        )
    return _svg(134, label, body)


def shares_bar(
    shares: Sequence[float],
    dont_know: float,
    names: Sequence[str],
    dont_know_name: str,
    *,
    not_applicable: tuple[float, str] | None = None,
    fills: Sequence[str] = SCALE_FILLS,
) -> Markup:
    """One stacked bar of everyone asked: each answer's share, then the non-answers at the end
    (don't know, and from version 2 not applicable, given as its share and name).

    `fills` are a bipolar statement's own (BIPOLAR_FILLS), whose answers are not agree words.
    A share is printed inside its segment when the segment is wide enough for the words.
    """
    if len(shares) != len(SCALE_FILLS) or len(names) != len(SCALE_FILLS):
        raise ValueError(f"a bar needs {len(SCALE_FILLS)} shares and names, one per answer")
    if len(fills) != len(SCALE_FILLS):
        raise ValueError(f"a bar needs {len(SCALE_FILLS)} fills, one per answer")
    parts = [(max(s, 0.0), fill) for s, fill in zip(shares, fills, strict=True)]
    parts.append((max(dont_know, 0.0), DONT_KNOW_FILL))
    all_names = [*names, dont_know_name]
    if not_applicable is not None:
        parts.append((max(not_applicable[0], 0.0), NOT_APPLICABLE_FILL))
        all_names.append(not_applicable[1])
    total = sum(s for s, _ in parts)
    scale = 1 / total if total > 1 else 1.0  # rounding may carry shares just over 1
    body = [
        f'<rect x="0" y="0" width="{WIDTH}" height="80" fill="{WHITE}" '
        f'stroke="{BORDER_COLOUR}" stroke-width="2"/>'
    ]
    cursor = 0.0
    for share, fill in parts:
        width = share * scale * WIDTH
        if width <= 0:
            continue
        body.append(
            f'<rect x="{_n(cursor)}" y="0" width="{_n(width)}" height="80" fill="{fill}" '
            f'stroke="{WHITE}" stroke-width="2"/>'
        )
        if width >= 120:  # "100%" at 40 units is about 90 wide
            body.append(
                f'<text x="{_n(cursor + width / 2)}" y="54" font-size="{TEXT_SIZE}" '
                f'font-weight="700" text-anchor="middle" fill="{text_colour_for(fill)}">'
                f"{percent(share)}</text>"
            )
        cursor += width
    label = ", ".join(
        f"{name} {percent(share)}" for name, (share, _) in zip(all_names, parts, strict=True)
    )
    return _svg(80, label, body)
