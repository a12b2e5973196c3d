"""The distribution chart: 100% stacked bars of the answers, the non-answers apart.

Version 1 has one non-answer ("don't know / not applicable"); version 2 has two ("don't
know" and "not applicable to my role"), each drawn in a column of its own with its share. A
bipolar statement's answers are not agree-disagree words: its row takes its own five fills
and its own legend, so balance (its best answer) never looks like "strongly agree".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from ... import figures
from ...languages import gettext, ngettext
from .canvas import WIDTH, _Canvas, _empty
from .colours import (
    BIPOLAR_FILLS,
    BORDER_COLOUR,
    DONT_KNOW_FILL,
    GRID_COLOUR,
    NOT_APPLICABLE_FILL,
    SCALE_FILLS,
    SECONDARY_TEXT,
    WHITE,
    text_colour_for,
)
from .legend import _fill_swatch, _legend, _LegendEntry
from .numbers import _share
from .text import _clean, _first_baseline, _measure, _wrap


@dataclass(frozen=True)
class DistributionRow:
    """Shares (0-1) answering 1..5, in that order, plus the shares answering don't know and
    (version 2 on) not applicable. A bipolar statement gives its own five answers as `poles`;
    `short_label` ("Statement 3") names the row in its legend and the text alternative."""

    label: str
    counts: Sequence[float]
    dont_know: float = 0.0
    suppressed: bool = False
    not_applicable: float = 0.0
    poles: Sequence[str] = ()
    short_label: str = ""

    @property
    def fills(self) -> tuple[str, ...]:
        return BIPOLAR_FILLS if self.poles else SCALE_FILLS


@dataclass(frozen=True)
class _Column:
    """A non-answer's own small bar, right of the answers."""

    label: str
    fill: str
    x: float

    def share(self, row: DistributionRow) -> float:
        return _share(row.not_applicable if self.fill == NOT_APPLICABLE_FILL else row.dont_know)


_COLUMN_STEP = 100.0  # a non-answer column: its bar (56) and its percentage
_COLUMN_TRACK = 56.0


def distribution_chart(
    chart_id: str,
    rows: Sequence[DistributionRow],
    scale_labels: Sequence[str],
    dont_know_label: str,
    title: str,
    not_applicable_label: str | None = None,
) -> Markup:
    """Stacked horizontal bars of the share giving each answer, disagree left, agree right.

    Shares are of everyone asked, so a bar stops short by the share of non-answers, each of
    which has its own small bar on the right (not applicable only when the questionnaire
    offers it). Percentages are printed in segments of at least 8%.
    """
    if len(scale_labels) != len(SCALE_FILLS):
        raise ValueError(f"scale_labels must have {len(SCALE_FILLS)} items")
    for row in rows:
        if not row.suppressed and len(row.counts) != len(SCALE_FILLS):
            raise ValueError(f"counts must have {len(SCALE_FILLS)} shares, one per scale point")
        if row.poles and len(row.poles) != len(BIPOLAR_FILLS):
            raise ValueError(f"poles must have {len(BIPOLAR_FILLS)} answers, one per point")
    canvas = _Canvas(chart_id)
    columns = [_Column(dont_know_label, DONT_KNOW_FILL, WIDTH - _COLUMN_STEP)]
    if not_applicable_label is not None:
        columns = [
            _Column(dont_know_label, DONT_KNOW_FILL, WIDTH - 2 * _COLUMN_STEP),
            _Column(not_applicable_label, NOT_APPLICABLE_FILL, WIDTH - _COLUMN_STEP),
        ]
    desc = _description(rows, scale_labels, columns, not_applicable_label is not None)
    if not rows:
        return _empty(canvas, title, desc)

    size, line_height = 13.0, 16.0
    longest = max(_measure(_clean(row.label), size) for row in rows)
    label_w = min(max(longest + 16, 120.0), 250.0)
    x0, x1 = label_w, columns[0].x - 24
    track = x1 - x0
    bar_h = 24.0

    entries = [
        _LegendEntry(_fill_swatch(fill), 18, label)
        for fill, label in zip(SCALE_FILLS, scale_labels, strict=True)
    ]
    entries += [_LegendEntry(_fill_swatch(c.fill), 18, c.label) for c in columns]
    legend_bottom = _legend(canvas, entries, 0, 0, WIDTH)
    legend_bottom = _bipolar_legends(canvas, rows, legend_bottom)

    column_lines = [
        _wrap(c.label, _COLUMN_STEP - 6 if len(columns) > 1 else WIDTH - c.x, 12, 3, bold=True)
        for c in columns
    ]
    header_h = max(max(len(lines) for lines in column_lines) * 15, 15) + 12
    grid_top = legend_bottom + 8 + header_h
    for column, lines in zip(columns, column_lines, strict=True):
        canvas.text(
            column.x,
            grid_top - 8 - (len(lines) - 1) * 15,
            lines,
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
            for column in columns:
                canvas.hatched(column.x, bar_top, _COLUMN_TRACK, bar_h, label=False)
            top += height
            continue
        shares = [_share(v) for v in row.counts]
        total = sum(shares)
        if total > 1:
            shares = [s / total for s in shares]
        canvas.rect(x0, bar_top, track, bar_h, WHITE, stroke=BORDER_COLOUR)
        cursor = x0
        for share, fill in zip(shares, row.fills, strict=True):
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
        for column in columns:
            share = column.share(row)
            canvas.rect(column.x, bar_top, _COLUMN_TRACK, bar_h, WHITE, stroke=BORDER_COLOUR)
            if share > 0:
                canvas.rect(column.x, bar_top, share * _COLUMN_TRACK, bar_h, column.fill)
            canvas.text(
                column.x + _COLUMN_TRACK + 5,
                _first_baseline(centre, 1, 12, 12),
                [figures.percent(share)],
                size=12,
            )
        top += height

    return canvas.render(WIDTH, grid_bottom + 8, title, desc)


def _bipolar_sets(rows: Sequence[DistributionRow]) -> list[tuple[str, tuple[str, ...]]]:
    """Each bipolar statement's own answers once, with what to call it: its short label, or
    "This statement" where every row is the one statement (a workshop's)."""
    found: dict[tuple[str, tuple[str, ...]], None] = {}
    for row in rows:
        if row.poles:
            found[(row.short_label or gettext("This statement"), tuple(row.poles))] = None
    return list(found)


def _bipolar_legends(canvas: _Canvas, rows: Sequence[DistributionRow], top: float) -> float:
    """A legend of its own for each bipolar statement, below the scale's: its five answers in
    its own fills, headed by the statement's short name."""
    for subject, poles in _bipolar_sets(rows):
        entries = [
            _LegendEntry(
                None, 0, gettext("%(subject)s has its own answers:", subject=subject), bold=True
            )
        ]
        entries += [
            _LegendEntry(_fill_swatch(fill), 18, label)
            for fill, label in zip(BIPOLAR_FILLS, poles, strict=True)
        ]
        top = _legend(canvas, entries, 0, top + 6, WIDTH)
    return top


def _description(
    rows: Sequence[DistributionRow],
    scale_labels: Sequence[str],
    columns: Sequence[_Column],
    per_row: bool,
) -> str:
    """The chart's text alternative. With two non-answers (version 2) it also names a bipolar
    statement's own answers and gives each row's non-answer shares, which the bars alone
    would leave to colour and to small print."""
    apart = gettext(" and ").join(_clean(c.label) for c in columns)
    parts = [
        ngettext(
            "Stacked bars showing the share of answers from %(first)s to %(last)s, with "
            "%(apart)s shown separately, for %(num)s statement.",
            "Stacked bars showing the share of answers from %(first)s to %(last)s, with "
            "%(apart)s shown separately, for %(num)s statements.",
            len(rows),
            first=_clean(scale_labels[0]),
            last=_clean(scale_labels[-1]),
            apart=apart,
        )
    ]
    if not per_row:
        return parts[0]
    for subject, poles in _bipolar_sets(rows):
        parts.append(
            gettext(
                "%(subject)s has its own answers, from %(first)s through %(middle)s to %(last)s.",
                subject=_clean(subject),
                first=_clean(poles[0]),
                middle=_clean(poles[2]),
                last=_clean(poles[-1]),
            )
        )
    for row in rows:
        name = _clean(row.short_label or row.label)
        if row.suppressed:
            parts.append(gettext("%(name)s: suppressed.", name=name))
            continue
        shares = ", ".join(f"{_clean(c.label)} {figures.percent(c.share(row))}" for c in columns)
        parts.append(f"{name}: {shares}.")
    return " ".join(parts)
