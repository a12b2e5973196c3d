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

Pure Python: only the standard library and markupsafe.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from markupsafe import Markup, escape

from .. import figures

__all__ = [
    "CONTESTED_FILL",
    "FRONTLINE_COLOUR",
    "MANAGEMENT_COLOUR",
    "MATURITY_FILLS",
    "MATURITY_LEVEL_NAMES",
    "PARTNERSHIP_COLOUR",
    "SCALE_FILLS",
    "Bar",
    "DistributionRow",
    "GapRow",
    "HeatCell",
    "Series",
    "bar_chart",
    "distribution_chart",
    "gap_chart",
    "heatmap",
    "radar",
    "text_colour_for",
]

# ---------------------------------------------------------------------------------------------
# Palette and typography
# ---------------------------------------------------------------------------------------------

SVG_NS = "http://www.w3.org/2000/svg"
FONT_FAMILY = "sans-serif"  # WeasyPrint resolves it through fontconfig; browsers use their default
WIDTH = 700.0  # viewBox width of every chart (the heatmap widens only when it must)

TEXT_COLOUR = "#0b0c0c"
WHITE = "#ffffff"
SECONDARY_TEXT = "#505a5f"  # 7:1 on white
GRID_COLOUR = "#dee0e2"
BORDER_COLOUR = "#b1b4b6"
SUPPRESSED_FILL = "#f3f2f1"
HATCH_COLOUR = "#b1b4b6"

MANAGEMENT_COLOUR = "#1d70b8"  # GOV.UK blue
# GOV.UK orange (#f47738) is only 2.8:1 against white; this darker orange keeps the hue and
# reaches the 3:1 WCAG asks of graphical objects.
FRONTLINE_COLOUR = "#d45500"
PARTNERSHIP_COLOUR = "#0b0c0c"

# Maturity levels 1 (Fragmented) .. 5 (Embedded): sequential yellow-green-blue, light to dark.
MATURITY_FILLS: tuple[str, ...] = ("#edf8b1", "#7fcdbb", "#1d91c0", "#225ea8", "#0c2c84")
MATURITY_LEVEL_NAMES: tuple[str, ...] = (
    "Fragmented",
    "Emerging",
    "Developing",
    "Established",
    "Embedded",
)
CONTESTED_FILL = "#d6c9e6"  # light purple: outside the sequential palette on purpose
NEUTRAL_FILL = "#f3f2f1"  # a value with no maturity level

# Answers 1..5: disagree in orange on the left, 'neither' grey, agree in blue on the right.
SCALE_FILLS: tuple[str, ...] = ("#b35806", "#fdb863", "#dee0e2", "#92c5de", "#0571b0")
DONT_KNOW_FILL = "#8e979c"

_CHART_ID = re.compile(r"[A-Za-z0-9-]+")
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_MINUS = "\u2212"
_DASH = "\u2013"
_ELLIPSIS = "\u2026"

# Advance widths (in em) of DejaVu Sans, the widest common sans-serif and WeasyPrint's usual
# 'sans-serif', rounded up to 0.05: estimates made with it are safe for narrower fonts too.
_WIDTH_GROUPS = (
    (0.30, "ijlIJ'"),
    (0.35, ",./:;\\| \u2019\u2018"),
    (0.40, "ft()-[]"),
    (0.45, "r!"),
    (0.50, '"*_`\u2013'),
    (0.55, "csz?\u201c\u201d"),
    (0.60, "kvxyFL"),
    (0.65, "abdeghnopquEPSTY0123456789${}"),
    (0.70, "ABCKRVXZ"),
    (0.75, "NU"),
    (0.80, "DGHOQ&"),
    (0.85, "w#+<=>^~\u2212"),
    (0.90, "M"),
    (1.00, "mW%@\u2026"),
)
_CHAR_WIDTHS = {ch: width for width, chars in _WIDTH_GROUPS for ch in chars}
_DEFAULT_CHAR_WIDTH = 0.7
_BOLD_FACTOR = 1.1


# ---------------------------------------------------------------------------------------------
# Public data types
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    """One line on a radar chart: mean scores (1-5) per axis id; None means suppressed."""

    name: str
    values: Mapping[str, float | None]
    kind: str = "partnership"  # "management" | "frontline" | "partnership"


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


@dataclass(frozen=True)
class DistributionRow:
    """Shares (0-1) answering 1..5, in that order, plus the share answering don't know."""

    label: str
    counts: Sequence[float]
    dont_know: float = 0.0
    suppressed: bool = False


@dataclass(frozen=True)
class Bar:
    """One horizontal bar: a rate (0-1) or any non-negative number; None is no data."""

    label: str
    value: float | None
    suppressed: bool = False
    note: str | None = None


# ---------------------------------------------------------------------------------------------
# Colour
# ---------------------------------------------------------------------------------------------


def _relative_luminance(colour: str) -> float:
    """WCAG 2 relative luminance of '#rgb' or '#rrggbb'."""
    digits = colour.strip().lstrip("#")
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    if len(digits) != 6 or any(d not in "0123456789abcdefABCDEF" for d in digits):
        raise ValueError(f"not a hex colour: {colour!r}")

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(int(digits[i : i + 2], 16)) for i in (0, 2, 4))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: str, b: str) -> float:
    la, lb = sorted((_relative_luminance(a), _relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_colour_for(fill: str) -> str:
    """Near-black or white, whichever contrasts more with ``fill`` (a '#rrggbb' colour)."""
    if _contrast(fill, TEXT_COLOUR) >= _contrast(fill, WHITE):
        return TEXT_COLOUR
    return WHITE


def _maturity_fill(level: int | None) -> str:
    if level is not None and 1 <= level <= len(MATURITY_FILLS):
        return MATURITY_FILLS[level - 1]
    return NEUTRAL_FILL


# ---------------------------------------------------------------------------------------------
# Numbers and text
# ---------------------------------------------------------------------------------------------


def _n(x: float) -> str:
    """A coordinate: finite, rounded to one decimal place, without a trailing '.0' or '-0'."""
    if not math.isfinite(x):
        raise ValueError(f"a chart coordinate must be finite, not {x}")
    text = f"{round(x, 1):.1f}"
    if text.endswith(".0"):
        text = text[:-2]
    return "0" if text == "-0" else text


def _finite(value: float | None) -> float | None:
    """The value as a float, or None when it is missing, not a number or infinite."""
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


# Charts are drawn from figures as printed (scores to two decimals, shares to whole
# percents), so their geometry says no more than the numbers in the table beside them.
SCORE_PLACES = 2


def _score(value: float | None) -> float | None:
    """A mean score as published, clamped to the 1-5 scale, or None."""
    number = _finite(value)
    return None if number is None else min(5.0, max(1.0, figures.rounded(number, SCORE_PLACES)))


def _share(value: float | None) -> float:
    """A share as published (a whole percent), between 0 and 1."""
    number = _finite(value)
    return 0.0 if number is None else min(1.0, max(0.0, figures.percentage_points(number)))


def _signed(value: float) -> str:
    return figures.signed(value, 1, minus=_MINUS)


def _number(value: float) -> str:
    if abs(value - round(value)) < 1e-9:
        return f"{round(value):,}"
    return f"{value:,.1f}"


def _clean(text: object) -> str:
    """Plain text on one line, without characters XML cannot hold."""
    return " ".join(_XML_INVALID.sub("", str(text)).split())


def _esc(text: object) -> str:
    """Escaped for XML text and attribute values. Markup is escaped too: labels are plain text."""
    return str(escape(_clean(text)))


def _measure(text: str, size: float, *, bold: bool = False) -> float:
    width = sum(_CHAR_WIDTHS.get(ch, _DEFAULT_CHAR_WIDTH) for ch in text) * size
    return width * _BOLD_FACTOR if bold else width


def _wrap_checked(
    text: str, width: float, size: float, max_lines: int, *, bold: bool = False
) -> tuple[list[str], bool]:
    """Greedy word wrap to ``width``; the second item says whether text had to be cut short."""
    words = _clean(text).split(" ")
    if words == [""]:
        return [""], False
    pieces: list[tuple[str, bool]] = []  # (text, must end its line)
    for word in words:  # break a word too long for a line of its own
        while _measure(word, size, bold=bold) > width and len(word) > 1:
            cut = len(word) - 1
            while cut > 1 and _measure(word[:cut] + "-", size, bold=bold) > width:
                cut -= 1
            pieces.append((word[:cut] + "-", True))
            word = word[cut:]
        pieces.append((word, False))
    lines: list[str] = []
    current, closed = "", False
    for piece, ends_line in pieces:
        candidate = f"{current} {piece}" if current else piece
        if not current or (not closed and _measure(candidate, size, bold=bold) <= width):
            current = candidate
        else:
            lines.append(current)
            current = piece
        closed = ends_line
    lines.append(current)
    if len(lines) <= max_lines:
        return lines, False
    kept = lines[:max_lines]
    last = kept[-1].rstrip("-")
    while last and _measure(last + _ELLIPSIS, size, bold=bold) > width:
        last = last[:-1]
    kept[-1] = last.rstrip(" ,;:-") + _ELLIPSIS
    return kept, True


def _wrap(text: str, width: float, size: float, max_lines: int, *, bold: bool = False) -> list[str]:
    return _wrap_checked(text, width, size, max_lines, bold=bold)[0]


def _fit(text: str, width: float, size: float, *, bold: bool = False) -> str:
    """One line, shortened with an ellipsis when it is wider than ``width``."""
    return _wrap(text, width, size, 1, bold=bold)[0]


def _two_line_width(text: str, size: float) -> float:
    """The narrowest width at which ``text`` fits on two lines (split between words)."""
    words = _clean(text).split(" ")
    return min(
        max(_measure(" ".join(words[:k]), size), _measure(" ".join(words[k:]), size))
        for k in range(1, len(words) + 1)
    )


def _first_baseline(centre_y: float, lines: int, size: float, line_height: float) -> float:
    """Baseline of the first of ``lines`` lines whose block is centred on ``centre_y``."""
    return centre_y - (lines - 1) * line_height / 2 + 0.35 * size


# ---------------------------------------------------------------------------------------------
# Drawing
# ---------------------------------------------------------------------------------------------


Box = tuple[float, float, float, float]  # left, top, right, bottom


def _overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@dataclass
class _Shape:
    """One element of a chart's shapes layer; rects and lines of one style share a <path>."""

    svg: str  # the element, or for a group the paint attributes of its <path>
    boxes: list[Box] | None  # what it covers, where known (a group: each member's box)
    grouped: bool = False  # a <path> of joined rects or lines, with `svg` as its style
    outlines: list[str] = field(default_factory=list)  # a group's subpaths

    def covers(self, box: Box) -> bool:
        return self.boxes is None or any(_overlap(mine, box) for mine in self.boxes)

    def render(self) -> str:
        if not self.grouped:
            return self.svg
        return f'<path d="{" ".join(self.outlines)}" {self.svg}/>'


class _Canvas:
    """Collects the SVG body of one chart and wraps it in a well-formed, accessible <svg>.

    Shapes are drawn first, in the order given, and text on top of them. Rects and lines of
    the same style become one <path> where that cannot change what is on top of what: PDF
    renderers spend most of a chart's time per element, and a heat map or a reciprocity
    matrix has hundreds of rects in a handful of colours."""

    def __init__(self, chart_id: str) -> None:
        if not isinstance(chart_id, str) or not _CHART_ID.fullmatch(chart_id):
            raise ValueError(f"chart_id must be letters, digits and hyphens, not {chart_id!r}")
        self.cid = chart_id
        self.shapes: list[_Shape] = []
        self.labels: list[str] = []
        self.hatch_used = False

    @property
    def hatch_id(self) -> str:
        return f"{self.cid}-hatch"

    def add(self, svg: str, box: Box | None = None) -> None:
        """A shape of any kind; without a box it is assumed to overlap everything."""
        self.shapes.append(_Shape(svg, None if box is None else [box]))

    def _join(self, style: str, outline: str, box: Box) -> None:
        """Add a rect or line outline to the last path painted in `style`, unless something
        drawn since then overlaps it (joining would put it underneath that).

        Members of one path are not ordered among themselves: that is safe because every
        fill here is opaque and one style's shapes look the same whichever is on top."""
        for shape in reversed(self.shapes):
            if shape.grouped and shape.svg == style and shape.boxes is not None:
                shape.outlines.append(outline)
                shape.boxes.append(box)
                return
            if shape.covers(box):
                break
        self.shapes.append(_Shape(style, [box], True, [outline]))

    def rect(
        self,
        x: float,
        y: float,
        width: float,
        height: float,
        fill: str,
        *,
        stroke: str | None = None,
        stroke_width: float = 1,
        rx: float = 0,
    ) -> None:
        if width <= 0 or height <= 0:
            return  # as SVG draws a rect of no size: not at all, stroke included
        half = stroke_width / 2 if stroke else 0.0
        box = (x - half, y - half, x + width + half, y + height + half)
        paint = f'fill="{fill}"'
        if stroke:
            paint += f' stroke="{stroke}" stroke-width="{_n(stroke_width)}"'
        if not rx:
            outline = f"M{_n(x)} {_n(y)}h{_n(width)}v{_n(height)}h{_n(-width)}z"
            self._join(paint, outline, box)
            return
        self.add(
            f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(width)}" height="{_n(height)}" '
            f'rx="{_n(rx)}" {paint}/>',
            box,
        )

    def line(
        self,
        x1: float,
        y1: float,
        x2: float,
        y2: float,
        stroke: str,
        *,
        width: float = 1,
        dash: str | None = None,
    ) -> None:
        paint = f'fill="none" stroke="{stroke}" stroke-width="{_n(width)}"'
        if dash:
            paint += f' stroke-dasharray="{dash}"'
        half = width / 2
        box = (min(x1, x2) - half, min(y1, y2) - half, max(x1, x2) + half, max(y1, y2) + half)
        self._join(paint, f"M{_n(x1)} {_n(y1)}L{_n(x2)} {_n(y2)}", box)

    def text(
        self,
        x: float,
        y: float,
        lines: Sequence[str],
        *,
        size: float = 14,
        anchor: str = "start",
        bold: bool = False,
        fill: str = TEXT_COLOUR,
        line_height: float | None = None,
        line_fills: Sequence[str | None] = (),
        transform: str | None = None,
    ) -> None:
        """Text whose first baseline is at ``y``; further lines follow ``line_height`` apart."""
        step = line_height if line_height is not None else size * 1.2
        attrs = f'x="{_n(x)}" y="{_n(y)}" font-size="{_n(size)}" fill="{fill}"'
        if transform:
            attrs += f' transform="{transform}"'
        if anchor != "start":
            attrs += f' text-anchor="{anchor}"'
        if bold:
            attrs += ' font-weight="bold"'
        if len(lines) == 1 and not line_fills:
            self.labels.append(f"<text {attrs}>{_esc(lines[0])}</text>")
            return
        spans = []
        for i, line in enumerate(lines):
            colour = line_fills[i] if i < len(line_fills) else None
            fill_attr = f' fill="{colour}"' if colour else ""
            spans.append(
                f'<tspan x="{_n(x)}" y="{_n(y + i * step)}"{fill_attr}>{_esc(line)}</tspan>'
            )
        self.labels.append(f"<text {attrs}>{''.join(spans)}</text>")

    def hatched(
        self, x: float, y: float, width: float, height: float, *, label: bool = True
    ) -> None:
        """A suppressed area: grey diagonal hatching, with 'suppressed' (or 'supp.') on a tag."""
        self.hatch_used = True
        self.rect(x, y, width, height, SUPPRESSED_FILL)
        self.rect(x, y, width, height, f"url(#{self.hatch_id})", stroke=BORDER_COLOUR)
        if not label:
            return
        size = 12.0
        for word in ("suppressed", "supp."):
            tag_width = _measure(word, size) + 10
            if tag_width <= width - 4 and size + 6 <= height:
                tag_height = min(height - 4, size + 8)
                self.rect(
                    x + (width - tag_width) / 2,
                    y + (height - tag_height) / 2,
                    tag_width,
                    tag_height,
                    WHITE,
                )
                self.text(
                    x + width / 2,
                    _first_baseline(y + height / 2, 1, size, size),
                    [word],
                    size=size,
                    anchor="middle",
                )
                return

    def render(self, width: float, height: float, title: str, desc: str) -> Markup:
        cid = self.cid
        defs = ""
        if self.hatch_used:
            defs = (
                f'<defs><pattern id="{self.hatch_id}" patternUnits="userSpaceOnUse" width="8" '
                f'height="8" patternTransform="rotate(45)"><line x1="4" y1="-1" x2="4" y2="9" '
                f'stroke="{HATCH_COLOUR}" stroke-width="2.5"/></pattern></defs>'
            )
        svg = (
            f'<svg xmlns="{SVG_NS}" viewBox="0 0 {_n(width)} {_n(height)}" width="100%" '
            f'role="img" aria-labelledby="{cid}-title {cid}-desc" '
            f'font-family="{FONT_FAMILY}" font-size="14" fill="{TEXT_COLOUR}">'
            f'<title id="{cid}-title">{_esc(title)}</title>'
            f'<desc id="{cid}-desc">{_esc(desc)}</desc>'
            f"{defs}{''.join(s.render() for s in self.shapes)}{''.join(self.labels)}</svg>"
        )
        return Markup(svg)


def _empty(canvas: _Canvas, title: str, desc: str) -> Markup:
    canvas.text(0, 24, ["No data to show."], size=14, fill=SECONDARY_TEXT)
    return canvas.render(WIDTH, 40, title, desc)


# --- series styles and markers ---------------------------------------------------------------


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


# --- legends ---------------------------------------------------------------------------------

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


def _list_names(names: Sequence[str]) -> str:
    cleaned = [_clean(name) for name in names]
    if len(cleaned) <= 1:
        return "".join(cleaned)
    return ", ".join(cleaned[:-1]) + " and " + cleaned[-1]


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else (plural or word + 's')}"


# ---------------------------------------------------------------------------------------------
# Radar
# ---------------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------------
# Heatmap
# ---------------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------------
# Gap (dumbbell) chart
# ---------------------------------------------------------------------------------------------


def gap_chart(chart_id: str, rows: Sequence[GapRow], title: str, *, numbers: bool = True) -> Markup:
    """Dumbbell chart on the 1-5 scale: management and frontline markers joined by a line.

    The gap (management minus frontline) and its interval are printed on the right, unless
    `numbers` is False because a table beside the chart gives them; notable rows have a bold
    label (and a 'notable' tag by the number); suppressed rows are hatched.
    """
    canvas = _Canvas(chart_id)
    notable = sum(1 for row in rows if row.notable and not row.suppressed)
    desc = (
        f"Dumbbell chart comparing management and frontline mean scores, from 1 (weaker) to "
        f"5 (stronger), for {_plural(len(rows), 'row')}; "
        f"{_plural(notable, 'gap is', 'gaps are')} marked notable."
    )
    if not rows:
        return _empty(canvas, title, desc)

    size, line_height, row_height = 14.0, 17.0, 46.0
    longest = max(_measure(_clean(row.label), size, bold=row.notable) for row in rows)
    label_w = min(max(longest + 16, 110.0), 220.0)
    x0 = label_w + 24
    x1 = WIDTH - 176 if numbers else WIDTH - 24
    gap_x = WIDTH - 138

    def x_of(score: float) -> float:
        return x0 + (score - 1) / 4 * (x1 - x0)

    management, frontline = _STYLES["management"], _STYLES["frontline"]
    legend_bottom = _legend(
        canvas,
        [
            _LegendEntry(_marker_swatch(management), 16, "Management"),
            _LegendEntry(_marker_swatch(frontline), 16, "Frontline"),
        ],
        0,
        0,
        WIDTH,
    )
    words_y, ticks_y = legend_bottom + 20, legend_bottom + 38
    canvas.text(x_of(1) - 6, words_y, ["weaker"], size=12, fill=SECONDARY_TEXT)
    canvas.text(x_of(5) + 6, words_y, ["stronger"], size=12, anchor="end", fill=SECONDARY_TEXT)
    for tick in range(1, 6):
        canvas.text(x_of(tick), ticks_y, [str(tick)], size=12, anchor="middle")
    if numbers:
        canvas.text(
            gap_x,
            words_y,
            ["Gap: management", "minus frontline"],
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
        canvas.line(0, y, WIDTH, y, GRID_COLOUR)

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
            tag_w = _measure("notable", 11, bold=True) + 10
            canvas.rect(tag_x, gap_y - 12, tag_w, 16, TEXT_COLOUR, rx=3)
            canvas.text(
                tag_x + tag_w / 2,
                gap_y,
                ["notable"],
                size=11,
                bold=True,
                anchor="middle",
                fill=WHITE,
            )

    return canvas.render(WIDTH, grid_bottom + 8, title, desc)


# ---------------------------------------------------------------------------------------------
# Distribution (100% stacked bars)
# ---------------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------------
# Bar chart
# ---------------------------------------------------------------------------------------------


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
