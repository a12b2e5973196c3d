"""The canvas every chart draws on, which makes one well-formed, accessible <svg>."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from markupsafe import Markup

from .colours import (
    BORDER_COLOUR,
    HATCH_COLOUR,
    SECONDARY_TEXT,
    SUPPRESSED_FILL,
    TEXT_COLOUR,
    WHITE,
)
from .numbers import _n
from .text import _esc, _first_baseline, _measure

SVG_NS = "http://www.w3.org/2000/svg"
FONT_FAMILY = "sans-serif"  # WeasyPrint resolves it through fontconfig; browsers use their default
WIDTH = 700.0  # viewBox width of every chart (the heatmap widens only when it must)
_CHART_ID = re.compile(r"[A-Za-z0-9-]+")

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
