"""Faster SVG text in WeasyPrint: shape a run of text as a whole, not letter by letter.

WeasyPrint 70 lays out and draws SVG text one character at a time, so that each glyph
could be placed on its own (x, y, dx, dy or rotate lists). Our charts never place glyphs
one by one, yet their labels made a report's charts cost more than the rest of the
document. This applies the fix its maintainers describe (Kozea/WeasyPrint#2249, proposed
in #2754): when a text node has no glyph-level positioning or spacing, shape and draw its
text as one run (which also keeps kerning). Any other text takes WeasyPrint's own path.

A report's charts repeat their labels (a score such as "3.2", an agency's name, an axis's
ticks): 579 labels, 165 different ones, in the demo round's report. Each label is shaped by
Pango once per document; later ones replay the same glyphs at their own place. A centred or
right-aligned label is moved by its own width, not drawn into a PDF form of its own.

It replaces two internal functions (text drawing, and draw_node for anchored labels), so
WeasyPrint is pinned to the 70 series in pyproject.toml, and a test renders the same chart
both ways and compares the pages.
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass, field
from math import inf
from typing import Any

import weasyprint.svg as svg_package
from weasyprint.css.properties import INITIAL_VALUES
from weasyprint.draw.text import draw_emojis, draw_first_line
from weasyprint.matrix import Matrix
from weasyprint.svg.bounding_box import extend_bounding_box
from weasyprint.svg.text import Style, TextBox
from weasyprint.svg.text import text as letter_by_letter
from weasyprint.svg.utils import color, normalize, size
from weasyprint.text import line_break

GLYPH_LEVEL = ("dx", "dy", "rotate", "letter-spacing", "textLength")


def _single(node: Any, name: str) -> bool:
    """True when the attribute is absent or gives one value (not one per glyph)."""
    value = node.attrib.get(name)
    return value is None or len(normalize(value).strip().split(" ")) == 1


def _runs_whole(node: Any) -> bool:
    return (
        bool(node.text)
        and not any(name in node.attrib for name in GLYPH_LEVEL)
        and _single(node, "x")
        and _single(node, "y")
    )


_PLAIN_COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}|[a-zA-Z]+")
_NOT_PLAIN = {"none", "context-fill", "context-stroke", "currentcolor", "inherit"}
_COLOURS: dict[str, Any] = {}  # colour text -> parsed colour, which nothing here mutates


def _paint(svg: Any, node: Any, font_size: float) -> tuple[Any, Any]:
    """Set a label's fill. Chart labels are filled with a plain colour and never stroked, so
    their colour is parsed once, instead of running WeasyPrint's whole graphical state
    (paints, strokes, dashes, caps, joins) for each of the report's hundreds of labels. Any
    other text (a stroke, an opacity, a gradient or pattern) takes WeasyPrint's own path."""
    fill = node.get("fill", "black").strip()
    plain = (
        node.get("stroke", "none").strip() in ("", "none")
        and "fill-opacity" not in node.attrib
        and fill.lower() not in _NOT_PLAIN
        and _PLAIN_COLOUR.fullmatch(fill) is not None
    )
    if not plain:
        return svg.set_graphical_state(node, font_size)  # type: ignore[no-any-return]
    colour = _COLOURS.get(fill)
    if colour is None:
        colour = _COLOURS[fill] = color(fill)
    svg.stream.set_color(colour)
    return fill, None


@dataclass
class _Shaped:
    """A label as Pango shaped it, and the text operators that drew it the first time."""

    width: float
    height: float
    baseline: float
    operators: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)


class _Recorder:
    """Passes draw_first_line's calls on to the stream, noting those that write the text."""

    def __init__(self, stream: Any, operators: list[tuple[str, tuple[Any, ...]]]) -> None:
        self._stream = stream
        self._operators = operators

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)

    def _note(self, name: str, *arguments: Any) -> None:
        self._operators.append((name, arguments))
        getattr(self._stream, name)(*arguments)

    def set_font_size(self, font: Any, font_size: float) -> None:
        self._note("set_font_size", font, font_size)

    def show_text(self, text: Any) -> None:
        self._note("show_text", text)

    def set_text_rise(self, rise: float) -> None:
        self._note("set_text_rise", rise)


# Per document (its layout context): the fonts its PDF embeds, and the labels shaped so far.
# A replayed label relies on its glyphs being in that document's font subsets, so shaped
# labels never outlive their document.
_SHAPED: weakref.WeakKeyDictionary[Any, tuple[Any, dict[tuple[Any, ...], _Shaped]]] = (
    weakref.WeakKeyDictionary()
)


def _shaped_labels(svg: Any) -> dict[tuple[Any, ...], _Shaped] | None:
    if svg.context is None:
        return None
    fonts = svg.stream._fonts
    known = _SHAPED.get(svg.context)
    if known is None or known[0] is not fonts:
        known = _SHAPED[svg.context] = (fonts, {})
    return known[1]


def _style(svg: Any, node: Any, font_size: float) -> Any:
    style = Style()
    style.update(INITIAL_VALUES)
    style.font_config = svg.font_config
    style["font_family"] = [
        font.strip("\"'") for font in node.get("font-family", "sans-serif").split(",")
    ]
    style["font_style"] = node.get("font-style", "normal")
    weight = node.get("font-weight", 400)
    style["font_weight"] = {"normal": 400, "bold": 700}.get(weight, weight)
    try:
        style["font_weight"] = int(style["font_weight"])
    except ValueError:
        style["font_weight"] = 400
    style["font_size"] = font_size
    if node.get("direction") in ("ltr", "rtl"):
        style["direction"] = node.get("direction")
    return style


def text(svg: Any, node: Any, font_size: float) -> None:
    if node.tag == "textPath" or not _runs_whole(node):
        letter_by_letter(svg, node, font_size)
        return

    labels = _shaped_labels(svg)
    key = (
        node.text,
        node.get("font-family"),
        node.get("font-style"),
        node.get("font-weight"),
        node.get("direction"),
        font_size,
    )
    shaped = labels.get(key) if labels is not None else None
    if shaped is None:
        style = _style(svg, node, font_size)
        layout, _, _, width, height, baseline = line_break.split_first_line(
            node.text, style, svg.context, inf, 0
        )
    else:
        width, height, baseline = shaped.width, shaped.height, shaped.baseline

    # The same vertical alignment as WeasyPrint's own path.
    ascent, descent = font_size * 0.8, font_size * 0.2
    y_align = 0.0
    display_anchor = node.get("display-anchor")
    alignment = node.get("dominant-baseline", node.get("alignment-baseline"))
    if display_anchor == "middle":
        y_align = -height / 2
    elif display_anchor == "bottom":
        y_align = -height
    elif alignment in ("central", "middle"):
        y_align = (ascent + descent) / 2 - descent
    elif alignment in ("text-before-edge", "before_edge", "top", "hanging", "text-top"):
        y_align = ascent
    elif alignment in ("text-after-edge", "after_edge", "bottom", "text-bottom"):
        y_align = -descent

    if "x" in node.attrib:
        x = size(node.attrib["x"], font_size, svg.inner_width)
        svg.cursor_d_position[0] = 0
    else:
        x = svg.cursor_position[0]
    if "y" in node.attrib:
        y = size(node.attrib["y"], font_size, svg.inner_height)
        svg.cursor_d_position[1] = 0
    else:
        y = svg.cursor_position[1]
    # A label anchored at its middle or end (see _draw_node) moves left by half or all of it.
    x -= width * getattr(node, "anchor_shift", 0.0)
    x_position = x + svg.cursor_d_position[0]
    y_position = y + svg.cursor_d_position[1] + y_align
    svg.cursor_position = x + width, y
    node.text_bounding_box = extend_bounding_box(
        node.text_bounding_box,
        ((x_position, y_position - baseline), (x_position + width, y_position - baseline + height)),
    )

    svg.stream.push_state()
    fill, stroke = _paint(svg, node, font_size)
    svg.stream.begin_text()
    svg.fill_stroke(fill, stroke, text=True)
    matrix = Matrix(d=-1, e=x_position, f=y_position)
    if shaped is not None:
        svg.stream.set_text_matrix(*matrix.values)
        for name, arguments in shaped.operators:
            getattr(svg.stream, name)(*arguments)
        emojis = []
    else:
        layout.reactivate(style)
        text_box = TextBox(layout, style)
        text_box.baseline = baseline
        shaped = _Shaped(width, height, baseline)
        recorder = _Recorder(svg.stream, shaped.operators)
        emojis = draw_first_line(recorder, text_box, "none", "none", matrix)
        if labels is not None and not emojis:
            labels[key] = shaped
    svg.stream.end_text()
    svg.stream.pop_state()
    if emojis:
        draw_emojis(svg.stream, style, x, y, emojis)


_ANCHOR_SHIFTS = {"middle": 0.5, "end": 1.0}
_weasyprints_draw_node = svg_package.SVG.draw_node


def _draw_node(svg: Any, node: Any, font_size: float, *args: Any, **kwargs: Any) -> Any:
    """WeasyPrint centres or right-aligns a text node by drawing it into a PDF form of its
    own and moving that by its measured width: an object in the PDF for each such label,
    318 in the demo report, which made half of its file (322 KB, 167 KB without) and slowed
    joining its parts. A single run, once shaped, knows its width, so `text` moves it there
    and then, and the node is drawn as start-anchored."""
    anchor = node.attrib.get("text-anchor") if node.tag == "text" else None
    if (
        anchor not in _ANCHOR_SHIFTS
        or node.attrib.get("direction", "ltr") != "ltr"
        or node._wrapper.etree_children
        or not _runs_whole(node)
    ):
        return _weasyprints_draw_node(svg, node, font_size, *args, **kwargs)
    node.attrib["text-anchor"] = "start"
    node.anchor_shift = _ANCHOR_SHIFTS[anchor]
    try:
        return _weasyprints_draw_node(svg, node, font_size, *args, **kwargs)
    finally:
        node.attrib["text-anchor"] = anchor
        del node.anchor_shift


def install() -> None:
    """Use whole-run text where it applies, WeasyPrint's own path elsewhere (idempotent)."""
    for tag in ("a", "text", "textPath", "tspan"):
        svg_package.TAGS[tag] = text
    # draw_node compares nodes' drawing function with this name to handle text-anchor.
    svg_package.text = text
    svg_package.SVG.draw_node = _draw_node
