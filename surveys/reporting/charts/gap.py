"""The gap (dumbbell) chart: management against frontline, with the interval of the gap."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from ...languages import gettext, ngettext
from .canvas import WIDTH, _Canvas, _empty
from .colours import GRID_COLOUR, SECONDARY_TEXT, TEXT_COLOUR, WHITE
from .legend import _STYLES, _legend, _LegendEntry, _marker, _marker_swatch
from .numbers import _DASH, _finite, _score, _signed
from .text import _clean, _first_baseline, _measure, _wrap


@dataclass(frozen=True)
class GapRow:
    """Management and frontline means for one row; the interval is of management - frontline."""

    label: str
    management: float | None
    frontline: float | None
    ci_low: float | None = None
    ci_high: float | None = None
    notable: bool = False
    suppressed: bool = False


def gap_chart(
    chart_id: str,
    rows: Sequence[GapRow],
    title: str,
    *,
    numbers: bool = True,
    width: float = WIDTH,
) -> Markup:
    """Dumbbell chart on the 1-5 scale: management and frontline markers joined by a line.

    The gap (management minus frontline) and its interval are printed on the right, unless
    `numbers` is False because a table beside the chart gives them; notable rows have a bold
    label (and a 'notable' tag by the number); suppressed rows are hatched. A narrower
    `width` keeps the text readable where the chart has a small space (the summary's).
    """
    canvas = _Canvas(chart_id)
    notable = sum(1 for row in rows if row.notable and not row.suppressed)
    # One sentence in two whole parts, each with its own plural, for a translator to order.
    desc = " ".join(
        (
            ngettext(
                "Dumbbell chart comparing management and frontline mean scores, from 1 "
                "(weaker) to 5 (stronger), for %(num)s row;",
                "Dumbbell chart comparing management and frontline mean scores, from 1 "
                "(weaker) to 5 (stronger), for %(num)s rows;",
                len(rows),
            ),
            ngettext("%(num)s gap is marked notable.", "%(num)s gaps are marked notable.", notable),
        )
    )
    if not rows:
        return _empty(canvas, title, desc)

    size, line_height, row_height = 14.0, 17.0, 46.0
    longest = max(_measure(_clean(row.label), size, bold=row.notable) for row in rows)
    label_w = min(max(longest + 16, 110.0), 220.0)
    x0 = label_w + 24
    x1 = width - 176 if numbers else width - 24
    gap_x = width - 138

    def x_of(score: float) -> float:
        return x0 + (score - 1) / 4 * (x1 - x0)

    management, frontline = _STYLES["management"], _STYLES["frontline"]
    legend_bottom = _legend(
        canvas,
        [
            _LegendEntry(_marker_swatch(management), 16, gettext("Management")),
            _LegendEntry(_marker_swatch(frontline), 16, gettext("Frontline")),
        ],
        0,
        0,
        width,
    )
    words_y, ticks_y = legend_bottom + 20, legend_bottom + 38
    canvas.text(x_of(1) - 6, words_y, [gettext("weaker")], size=12, fill=SECONDARY_TEXT)
    canvas.text(
        x_of(5) + 6, words_y, [gettext("stronger")], size=12, anchor="end", fill=SECONDARY_TEXT
    )
    for tick in range(1, 6):
        canvas.text(x_of(tick), ticks_y, [str(tick)], size=12, anchor="middle")
    if numbers:
        canvas.text(
            gap_x,
            words_y,
            # Two lines, as the column is narrow; each is its own string to translate.
            [gettext("Gap: management"), gettext("minus frontline")],
            size=12,
            bold=True,
            line_height=18,
        )

    grid_top = ticks_y + 8
    grid_bottom = grid_top + len(rows) * row_height
    for tick in range(1, 6):
        canvas.line(x_of(tick), grid_top, x_of(tick), grid_bottom, GRID_COLOUR)
    for i in range(len(rows) + 1):
        y = grid_top + i * row_height
        canvas.line(0, y, width, y, GRID_COLOUR)

    for i, row in enumerate(rows):
        centre = grid_top + (i + 0.5) * row_height
        bold = row.notable and not row.suppressed
        lines = _wrap(row.label, label_w - 16, size, 2, bold=bold)
        canvas.text(
            0,
            _first_baseline(centre, len(lines), size, line_height),
            lines,
            size=size,
            bold=bold,
            line_height=line_height,
        )
        if row.suppressed:
            canvas.hatched(x0 - 10, centre - 13, x1 - x0 + 20, 26)
            continue
        m, f = _score(row.management), _score(row.frontline)
        if m is None and f is None:
            canvas.text(
                x0,
                _first_baseline(centre, 1, size, size),
                [f"{_DASH} no data"],
                size=size,
                fill=SECONDARY_TEXT,
            )
            continue
        m_y = f_y = centre
        if m is not None and f is not None:
            if abs(x_of(m) - x_of(f)) < 14:  # nudge apart so that neither marker hides
                m_y, f_y = centre - 5, centre + 5
            canvas.line(x_of(m), m_y, x_of(f), f_y, "#6f777b", width=3)
        if f is not None:
            canvas.add(_marker(frontline, x_of(f), f_y))
        if m is not None:
            canvas.add(_marker(management, x_of(m), m_y))
        if not numbers:
            continue
        raw_m, raw_f = _finite(row.management), _finite(row.frontline)
        gap_text = _DASH if raw_m is None or raw_f is None else _signed(raw_m - raw_f)
        low, high = _finite(row.ci_low), _finite(row.ci_high)
        has_ci = low is not None and high is not None and gap_text != _DASH
        gap_y = centre - 3 if has_ci else _first_baseline(centre, 1, size, size)
        canvas.text(gap_x, gap_y, [gap_text], size=size, bold=True)
        if low is not None and high is not None and has_ci:
            canvas.text(
                gap_x,
                centre + 14,
                [f"({_signed(low)} to {_signed(high)})"],
                size=12,
                fill=SECONDARY_TEXT,
            )
        if row.notable:
            tag_x = gap_x + _measure(gap_text, size, bold=True) + 8
            tag = gettext("notable")
            tag_w = _measure(tag, 11, bold=True) + 10
            canvas.rect(tag_x, gap_y - 12, tag_w, 16, TEXT_COLOUR, rx=3)
            canvas.text(
                tag_x + tag_w / 2,
                gap_y,
                [tag],
                size=11,
                bold=True,
                anchor="middle",
                fill=WHITE,
            )

    return canvas.render(width, grid_bottom + 8, title, desc)
