"""The heat map: maturity by row and column, suppressed cells hatched."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup

from ... import figures
from .canvas import WIDTH, _Canvas, _empty
from .colours import (
    BORDER_COLOUR,
    CONTESTED_FILL,
    MATURITY_FILLS,
    MATURITY_LEVEL_NAMES,
    SECONDARY_TEXT,
    WHITE,
    _maturity_fill,
    text_colour_for,
)
from .legend import _fill_swatch, _hatch_swatch, _legend, _LegendEntry
from .numbers import _DASH, _finite, _n
from .text import (
    _clean,
    _first_baseline,
    _fit,
    _measure,
    _plural,
    _two_line_width,
    _wrap,
    _wrap_checked,
)


@dataclass(frozen=True)
class HeatCell:
    """One heatmap cell.

    ``value`` None with ``suppressed`` False means no responses (drawn empty with a dash);
    ``suppressed`` True means the group is too small to show (hatched, 'suppressed').
    """

    value: float | None
    level: int | None = None
    label: str | None = None
    contested: bool = False
    suppressed: bool = False


def heatmap(
    chart_id: str,
    rows: Sequence[tuple[str, str]],
    columns: Sequence[tuple[str, str]],
    cells: Mapping[tuple[str, str], HeatCell],
    title: str,
) -> Markup:
    """Grid of rows x columns, each cell shaded by maturity level and printed with its value.

    Missing keys in ``cells`` mean no responses ('–'). Contested cells have their own fill and
    the word 'contested'; suppressed cells are hatched with 'suppressed'.
    """
    canvas = _Canvas(chart_id)
    desc = (
        f"Grid of mean scores from 1 to 5 for {_plural(len(rows), 'row')} by "
        f"{_plural(len(columns), 'column')}, shaded by maturity level from 1 (Fragmented) to "
        f"5 (Embedded); contested and suppressed cells are marked in words."
    )
    if not rows or not columns:
        return _empty(canvas, title, desc)

    label_size, head_size, value_size = 14.0, 12.0, 15.0
    head_line = 15.0
    row_height = 46.0
    count = len(columns)
    longest = max(_measure(_clean(label), label_size) for _, label in rows)
    full_label_w = min(max(longest + 16, 100.0), 240.0)
    two_line_w = max(min(_two_line_width(label, label_size), 170.0) for _, label in rows)
    compact_label_w = min(full_label_w, max(two_line_w + 17, 100.0))

    def fits(width: float, max_lines: int) -> bool:
        """Every header wraps into max_lines lines without cutting or breaking a word."""
        return all(
            not _wrap_checked(label, width, head_size, max_lines, bold=True)[1]
            and all(_measure(w, head_size, bold=True) <= width for w in _clean(label).split())
            for _, label in columns
        )

    # Horizontal headers of up to 3 lines (4 if need be), row labels on one line if possible.
    layout: tuple[float, float, int] | None = None
    for head_lines in (3, 4):
        for label_w in dict.fromkeys((full_label_w, compact_label_w)):
            col_w = min((WIDTH - label_w) / count, 150.0)
            if col_w >= 78 and fits(col_w - 8, head_lines):
                layout = (label_w, col_w, head_lines)
                break
        if layout:
            break
    if layout:
        label_w, col_w, head_lines = layout
        rotated = False
        headers = [
            _wrap(label, col_w - 8, head_size, head_lines, bold=True) for _, label in columns
        ]
        header_h = max(len(h) for h in headers) * head_line + 10
    else:
        # Too many columns (a reciprocity matrix, say) for horizontal headers: turn them
        # upright and give the columns the room the row labels can spare.
        rotated = True
        label_w = compact_label_w
        col_w = min(max((WIDTH - label_w) / count, 62.0), 90.0)
        headers = [_wrap(label, 180, head_size, 3, bold=True) for _, label in columns]
        header_h = max(_measure(line, head_size, bold=True) for h in headers for line in h) + 14
    row_lines = [_wrap(label, label_w - 16, label_size, 2) for _, label in rows]
    width = max(WIDTH, label_w + count * col_w)

    grid_top = header_h
    for c, lines in enumerate(headers):
        centre = label_w + (c + 0.5) * col_w
        if rotated:
            canvas.text(
                0,
                _first_baseline(0, len(lines), head_size, head_line),
                lines,
                size=head_size,
                bold=True,
                line_height=head_line,
                transform=f"translate({_n(centre)} {_n(grid_top - 8)}) rotate(-90)",
            )
        else:
            first = grid_top - 8 - (len(lines) - 1) * head_line
            canvas.text(
                centre,
                first,
                lines,
                size=head_size,
                anchor="middle",
                bold=True,
                line_height=head_line,
            )

    for r, (row_id, _) in enumerate(rows):
        top = grid_top + r * row_height
        centre_y = top + row_height / 2
        lines = row_lines[r]
        canvas.text(
            0,
            _first_baseline(centre_y, len(lines), label_size, 17),
            lines,
            size=label_size,
            line_height=17,
        )
        for c, (column_id, _) in enumerate(columns):
            x, y = label_w + c * col_w + 1, top + 1
            w, h = col_w - 2, row_height - 2
            cell = cells.get((row_id, column_id))
            value = None if cell is None else _finite(cell.value)
            if cell is not None and cell.suppressed:
                canvas.hatched(x, y, w, h)
                continue
            if cell is None or (value is None and cell.label is None):
                canvas.rect(x + 0.5, y + 0.5, w - 1, h - 1, WHITE, stroke=BORDER_COLOUR)
                canvas.text(
                    x + w / 2,
                    _first_baseline(y + h / 2, 1, value_size, value_size),
                    [_DASH],
                    size=value_size,
                    anchor="middle",
                    fill=SECONDARY_TEXT,
                )
                continue
            fill = CONTESTED_FILL if cell.contested else _maturity_fill(cell.level)
            ink = text_colour_for(fill)
            canvas.rect(x, y, w, h, fill)
            shown = cell.label if cell.label is not None else figures.fixed(value, 1)
            shown = _fit(shown, w - 8, value_size, bold=True)
            if cell.contested:
                canvas.text(
                    x + w / 2,
                    y + h / 2 - 2,
                    [shown],
                    size=value_size,
                    anchor="middle",
                    bold=True,
                    fill=ink,
                )
                word, word_size = "contested", 12.0
                if _measure(word, word_size) > w - 4:
                    word_size = 11.0
                if _measure(word, word_size) > w - 2:
                    word = "cont."
                canvas.text(
                    x + w / 2, y + h / 2 + 14, [word], size=word_size, anchor="middle", fill=ink
                )
            else:
                canvas.text(
                    x + w / 2,
                    _first_baseline(y + h / 2, 1, value_size, value_size),
                    [shown],
                    size=value_size,
                    anchor="middle",
                    bold=True,
                    fill=ink,
                )

    grid_bottom = grid_top + len(rows) * row_height
    entries = [_LegendEntry(None, 0, "Maturity level:", bold=True)]
    entries += [
        _LegendEntry(_fill_swatch(fill), 18, f"{level} {name}")
        for level, (fill, name) in enumerate(
            zip(MATURITY_FILLS, MATURITY_LEVEL_NAMES, strict=True), start=1
        )
    ]
    entries += [
        _LegendEntry(_fill_swatch(CONTESTED_FILL), 18, "Contested (views split)"),
        _LegendEntry(_hatch_swatch, 18, "Suppressed (group too small)"),
        _LegendEntry(_fill_swatch(WHITE, _DASH), 18, "No responses"),
    ]
    legend_bottom = _legend(canvas, entries, 0, grid_bottom + 12, width)
    return canvas.render(width, legend_bottom + 6, title, desc)
