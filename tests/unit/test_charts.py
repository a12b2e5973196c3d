"""The SVG charts: well-formed, accessible, CSP-safe, escaped, finite, and honest about suppression.

Every check parses the real output with ElementTree; contrast is worked out here with the WCAG
formula, independently of the module.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Sequence

import pytest
from markupsafe import Markup

from surveys.reporting import charts
from surveys.reporting.charts import (
    CONTESTED_FILL,
    MANAGEMENT_COLOUR,
    MATURITY_FILLS,
    SCALE_FILLS,
    Bar,
    DistributionRow,
    GapRow,
    HeatCell,
    Series,
    bar_chart,
    distribution_chart,
    gap_chart,
    heatmap,
    radar,
    text_colour_for,
)

SVG = "http://www.w3.org/2000/svg"
NS = f"{{{SVG}}}"
XSS = "<script>alert(1)</script> & co"

FEATURES = [
    ("purpose", "Shared commitment and purpose"),
    ("trust", "Relations of trust"),
    ("exchange", "Balanced exchange of information and resources"),
    ("respect", "Mutual respect for difference"),
    ("dialogue", "Open and mature dialogue over conflicts"),
]
AGENCIES = [
    ("police", "Police"),
    ("childrens-social-care", "Children's social care"),
    ("health", "Health"),
    ("education", "Education"),
    ("youth-service", "Youth service"),
    ("third-sector", "Voluntary and community sector"),
    ("probation", "Probation"),
    ("housing", "Housing"),
    ("youth-justice", "Youth justice"),
    ("other", "Other"),
]
SCALE = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"]
DONT_KNOW = "Don't know / not applicable"
STATEMENTS = [
    "The agencies I work with share the same main aim: keeping children safe.",
    "Senior leaders in my agency are committed to working with partner agencies.",
    "What senior leaders agree between agencies often does not reach staff on the ground.",
    "Partner agencies stay involved in a case for as long as the child needs them.",
]
SCORES = [4.1, 3.6, 2.9, 3.8, 3.2]


# --- the charts, each in several shapes ---------------------------------------------------------


def level_of(mean: float) -> int:
    return 1 + sum(1 for bound in (1.8, 2.6, 3.4, 4.2) if mean >= bound)


def realistic_radar(cid: str, label: str = "Management") -> Markup:
    management = dict(zip([f for f, _ in FEATURES], SCORES, strict=True))
    frontline: dict[str, float | None] = {f: s - 0.7 for f, s in management.items()}
    frontline["trust"] = None
    return radar(
        cid,
        FEATURES,
        [
            Series(label, management, "management"),
            Series("Frontline", frontline, "frontline"),
            Series("Whole partnership", {f: 3.5 for f, _ in FEATURES}, "partnership"),
        ],
        "Management and frontline",
    )


def realistic_heatmap(cid: str, label: str = "Police") -> Markup:
    rows = [("all", "All agencies"), *AGENCIES]
    rows[1] = ("police", label)
    cells: dict[tuple[str, str], HeatCell] = {}
    for r, (row_id, _) in enumerate(rows):
        for c, (feature, _) in enumerate(FEATURES):
            mean = 1.2 + ((r * 7 + c * 3) % 38) / 10
            cells[(row_id, feature)] = HeatCell(mean, level=level_of(mean))
    cells[("police", "trust")] = HeatCell(3.0, level=3, contested=True)
    cells[("health", "exchange")] = HeatCell(None, suppressed=True)
    cells[("education", "dialogue")] = HeatCell(None)
    del cells[("youth-justice", "respect")]
    return heatmap(cid, rows, FEATURES, cells, "Maturity by agency and feature")


def reciprocity_heatmap(cid: str, label: str = "Police") -> Markup:
    agencies = list(AGENCIES)
    agencies[0] = ("police", label)
    cells = {
        (a, b): HeatCell(2.0 + (i + j) % 30 / 10, level=level_of(2.0 + (i + j) % 30 / 10))
        for i, (a, _) in enumerate(agencies)
        for j, (b, _) in enumerate(agencies)
        if a != b
    }
    cells[("police", "health")] = HeatCell(None, suppressed=True)
    cells[("health", "police")] = HeatCell(3.1, level=3, contested=True)
    return heatmap(cid, agencies, agencies, cells, "How well does this agency share information?")


def realistic_gaps(cid: str, label: str = "Shared commitment and purpose") -> Markup:
    return gap_chart(
        cid,
        [
            GapRow(label, 4.1, 3.4, 0.3, 1.1, notable=True),
            GapRow("Relations of trust", 3.6, 3.5, -0.3, 0.5),
            GapRow("Balanced exchange of information and resources", 2.9, 3.3, -0.9, 0.1),
            GapRow("Mutual respect for difference", None, None, suppressed=True),
            GapRow("Open and mature dialogue over conflicts", 3.2, None),
        ],
        "Management and frontline, feature by feature",
    )


def realistic_distribution(cid: str, label: str = STATEMENTS[0]) -> Markup:
    return distribution_chart(
        cid,
        [
            DistributionRow(label, [0.02, 0.05, 0.11, 0.46, 0.33], 0.03),
            DistributionRow(STATEMENTS[1], [0.04, 0.09, 0.2, 0.4, 0.17], 0.10),
            DistributionRow(STATEMENTS[2], [0.3, 0.3, 0.1, 0.1, 0.1], 0.1, suppressed=True),
            DistributionRow(STATEMENTS[3], [0.07, 0.08, 0.3, 0.3, 0.05], 0.2),
        ],
        SCALE,
        DONT_KNOW,
        "Answers to the shared purpose statements",
    )


def realistic_bars(cid: str, label: str = "Whole partnership") -> Markup:
    bars = [Bar(label, 0.56, note="450 of 800")]
    for i, (_, name) in enumerate(AGENCIES):
        if name == "Probation":
            bars.append(Bar(name, None, suppressed=True))
        elif name == "Youth service":
            bars.append(Bar(name, None))
        else:
            bars.append(Bar(name, i / 10, note=f"{i * 8} of 80"))
    return bar_chart(cid, bars, "Response rate by agency")


def count_bars(cid: str, label: str = "Comments") -> Markup:
    return bar_chart(
        cid,
        [Bar(label, 37), Bar("Respondents", 124, note="n"), Bar("Small", None, suppressed=True)],
        "Counts",
        maximum=150,
        percent=False,
    )


Factory = Callable[..., Markup]


def realistic_levels(cid: str, label: str = "Shared commitment and purpose") -> Markup:
    return charts.level_strip(
        cid,
        [
            charts.LevelRow(label, 4, "Established", 3.46),
            charts.LevelRow("Relations of trust", 3, "Developing", 3.2),
            charts.LevelRow("Balanced exchange of information and resources", 1, "Fragmented", 1.5),
            charts.LevelRow("Mutual respect", None, "Contested", 3.0, contested=True),
            charts.LevelRow("Open and mature dialogue", None, "Suppressed", suppressed=True),
        ],
        "Each feature's maturity level",
    )


def narrow_gaps(cid: str, label: str = "1. Police") -> Markup:
    return gap_chart(
        cid,
        [GapRow(label, 3.5, 2.6, 0.6, 1.2, notable=True), GapRow("2. Health", 3.9, 3.4)],
        "The largest notable gaps",
        numbers=False,
        width=charts.STRIP_WIDTH,
    )


REALISTIC: dict[str, Factory] = {
    "radar": realistic_radar,
    "heatmap": realistic_heatmap,
    "reciprocity": reciprocity_heatmap,
    "gaps": realistic_gaps,
    "distribution": realistic_distribution,
    "bars": realistic_bars,
    "counts": count_bars,
    "levels": realistic_levels,
    "narrow-gaps": narrow_gaps,
}

NAN, INF = float("nan"), float("inf")


def edge_cases(cid: str) -> Iterator[tuple[str, Markup]]:
    """Empty, single, all-suppressed and not-a-number inputs for every chart."""
    one = FEATURES[:1]
    yield "radar-empty", radar(cid, [], [], "t")
    yield "radar-no-series", radar(cid, FEATURES, [], "t")
    yield "radar-one-axis", radar(cid, one, [Series("M", {"purpose": 3}, "management")], "t")
    yield "radar-two-axes", radar(cid, FEATURES[:2], [Series("M", {"purpose": 3})], "t")
    yield (
        "radar-all-suppressed",
        radar(cid, FEATURES, [Series("M", {}, "management"), Series("F", {}, "frontline")], "t"),
    )
    yield (
        "radar-nan",
        radar(cid, FEATURES, [Series("M", {"purpose": NAN, "trust": INF, "exchange": -INF})], "t"),
    )
    yield "heatmap-empty", heatmap(cid, [], [], {}, "t")
    yield "heatmap-no-cells", heatmap(cid, [("all", "All agencies")], FEATURES, {}, "t")
    yield (
        "heatmap-single",
        heatmap(cid, [("all", "All agencies")], one, {("all", "purpose"): HeatCell(4.5, 5)}, "t"),
    )
    yield (
        "heatmap-all-suppressed",
        heatmap(
            cid,
            AGENCIES,
            FEATURES,
            {(a, f): HeatCell(None, suppressed=True) for a, _ in AGENCIES for f, _ in FEATURES},
            "t",
        ),
    )
    yield (
        "heatmap-nan",
        heatmap(cid, [("a", "A")], one, {("a", "purpose"): HeatCell(NAN, level=9)}, "t"),
    )
    yield "gaps-empty", gap_chart(cid, [], "t")
    yield "gaps-single", gap_chart(cid, [GapRow("Trust", 3.0, 3.0)], "t")
    yield "gaps-all-suppressed", gap_chart(cid, [GapRow("A", None, None, suppressed=True)], "t")
    yield "gaps-nan", gap_chart(cid, [GapRow("A", NAN, INF, NAN, INF, notable=True)], "t")
    yield "gaps-no-data", gap_chart(cid, [GapRow("A", None, None)], "t")
    yield "distribution-empty", distribution_chart(cid, [], SCALE, DONT_KNOW, "t")
    yield (
        "distribution-single",
        distribution_chart(cid, [DistributionRow("A", [0, 0, 1, 0, 0])], SCALE, DONT_KNOW, "t"),
    )
    yield (
        "distribution-all-suppressed",
        distribution_chart(cid, [DistributionRow("A", [], suppressed=True)], SCALE, DONT_KNOW, "t"),
    )
    yield (
        "distribution-nan",
        distribution_chart(
            cid, [DistributionRow("A", [NAN, INF, -1, 0.9, 0.9], NAN)], SCALE, DONT_KNOW, "t"
        ),
    )
    yield "bars-empty", bar_chart(cid, [], "t")
    yield "bars-single", bar_chart(cid, [Bar("All", 0.5)], "t")
    yield "bars-all-suppressed", bar_chart(cid, [Bar("A", None, suppressed=True)], "t")
    yield "bars-nan", bar_chart(cid, [Bar("A", NAN), Bar("B", INF), Bar("C", -3)], "t")
    yield "bars-over-maximum", bar_chart(cid, [Bar("A", 7, note="n" * 200)], "t", maximum=5)


def every_chart(cid: str = "chart") -> list[tuple[str, Markup]]:
    return [(name, make(f"{cid}-{name}")) for name, make in REALISTIC.items()] + list(
        edge_cases(cid)
    )


ALL = every_chart()
ALL_IDS = [name for name, _ in ALL]


# --- helpers -----------------------------------------------------------------------------------


def parse(svg: Markup) -> ET.Element:
    return ET.fromstring(str(svg))


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def texts(root: ET.Element) -> list[str]:
    """The visible text of each <text> element, its lines joined by spaces."""
    return [" ".join(" ".join(el.itertext()).split()) for el in root.iter(f"{NS}text")]


def all_text(root: ET.Element) -> str:
    return " ".join(texts(root))


def luminance(colour: str) -> float:
    """WCAG 2.x relative luminance, written out independently of the module."""
    value = colour.lstrip("#")
    rgb = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def view_box(root: ET.Element) -> tuple[float, float, float, float]:
    x, y, w, h = (float(v) for v in root.attrib["viewBox"].split())
    return x, y, w, h


def points(el: ET.Element) -> list[tuple[float, float]]:
    pairs = el.attrib["points"].split()
    return [(float(p.split(",")[0]), float(p.split(",")[1])) for p in pairs]


Rect = tuple[float, float, float, float, str]


RECT_OUTLINE = re.compile(r"M(-?[\d.]+) (-?[\d.]+)h(-?[\d.]+)v(-?[\d.]+)h(-?[\d.]+)z")


def rects(root: ET.Element) -> list[Rect]:
    """Every rectangle in paint order: <rect> elements, and the rectangles that the canvas
    joins into one <path> per style."""
    found: list[Rect] = []
    for el in root.iter():
        if el.tag == f"{NS}rect" and "x" in el.attrib:
            found.append(
                (
                    float(el.attrib["x"]),
                    float(el.attrib["y"]),
                    float(el.attrib["width"]),
                    float(el.attrib["height"]),
                    el.attrib["fill"],
                )
            )
        elif el.tag == f"{NS}path" and RECT_OUTLINE.match(el.attrib.get("d", "")):
            d = el.attrib["d"]
            outlines = RECT_OUTLINE.findall(d)
            assert "".join(RECT_OUTLINE.sub("", d).split()) == "", d  # nothing but rectangles
            for x, y, w, h, back in outlines:
                assert float(back) == -float(w)
                found.append((float(x), float(y), float(w), float(h), el.attrib["fill"]))
    return found


LINE_OUTLINE = re.compile(r"M(-?[\d.]+) (-?[\d.]+)L(-?[\d.]+) (-?[\d.]+)")


def segments(root: ET.Element) -> list[tuple[float, float, float, float]]:
    """Every straight line in paint order: <line> elements, and the lines that the canvas
    joins into one <path> per style."""
    found = []
    for el in root.iter():
        if el.tag == f"{NS}line":
            found.append(tuple(float(el.attrib[k]) for k in ("x1", "y1", "x2", "y2")))
        elif el.tag == f"{NS}path" and LINE_OUTLINE.match(el.attrib.get("d", "")):
            d = el.attrib["d"]
            assert "".join(LINE_OUTLINE.sub("", d).split()) == "", d  # nothing but lines
            found += [tuple(float(v) for v in m) for m in LINE_OUTLINE.findall(d)]
    return found  # type: ignore[return-value]


def fill_under(all_rects: Sequence[Rect], x: float, y: float, fills: Sequence[str]) -> str | None:
    """The fill of the topmost rect among ``fills`` that contains (x, y)."""
    found = None
    for rx, ry, rw, rh, fill in all_rects:
        if fill in fills and rx <= x <= rx + rw and ry <= y <= ry + rh:
            found = fill
    return found


NUMBER_ATTRIBUTES = {
    "x",
    "y",
    "x1",
    "y1",
    "x2",
    "y2",
    "cx",
    "cy",
    "r",
    "width",
    "height",
    "rx",
    "font-size",
    "stroke-width",
}


# --- structure and accessibility --------------------------------------------------------------


@pytest.mark.parametrize(("name", "svg"), ALL, ids=ALL_IDS)
def test_every_chart_is_one_accessible_svg(name: str, svg: Markup) -> None:
    assert isinstance(svg, Markup)
    assert str(svg).startswith("<svg ") and str(svg).endswith("</svg>")
    root = parse(svg)
    assert root.tag == f"{NS}svg"
    assert root.attrib["role"] == "img"
    assert root.attrib["width"] == "100%"
    _, _, width, height = view_box(root)
    assert width > 0 and height > 0
    children = list(root)
    assert local(children[0].tag) == "title" and local(children[1].tag) == "desc"
    title_id, desc_id = children[0].attrib["id"], children[1].attrib["id"]
    assert title_id.endswith("-title") and desc_id.endswith("-desc")
    assert root.attrib["aria-labelledby"] == f"{title_id} {desc_id}"
    assert (children[0].text or "").strip()
    description = (children[1].text or "").strip()
    assert description.endswith(".") and description.count(". ") == 0  # one sentence


@pytest.mark.parametrize(("name", "svg"), ALL, ids=ALL_IDS)
def test_no_styles_or_scripts_for_the_csp(name: str, svg: Markup) -> None:
    root = parse(svg)
    for el in root.iter():
        assert "style" not in el.attrib, local(el.tag)
        assert local(el.tag) not in {"style", "script", "foreignObject", "image", "a"}
        assert not any(key.startswith("on") for key in el.attrib)
    assert "<script" not in str(svg).lower()


@pytest.mark.parametrize(("name", "svg"), ALL, ids=ALL_IDS)
def test_only_elements_weasyprint_draws(name: str, svg: Markup) -> None:
    allowed = {
        "svg",
        "g",
        "rect",
        "line",
        "polyline",
        "polygon",
        "circle",
        "path",
        "text",
        "tspan",
        "title",
        "desc",
        "defs",
        "pattern",
        "clipPath",
    }
    assert {local(el.tag) for el in parse(svg).iter()} <= allowed
    assert "dominant-baseline" not in str(svg)


@pytest.mark.parametrize(("name", "svg"), ALL, ids=ALL_IDS)
def test_numbers_are_finite_and_rounded(name: str, svg: Markup) -> None:
    assert not re.search(r"\bnan\b|\binf(inity)?\b", str(svg), re.IGNORECASE)
    root = parse(svg)
    numbers: list[str] = root.attrib["viewBox"].split()
    for el in root.iter():
        if el is root:
            continue  # its width is "100%"
        numbers += [el.attrib[key] for key in NUMBER_ATTRIBUTES & el.attrib.keys()]
        if "points" in el.attrib:
            numbers += re.split(r"[ ,]", el.attrib["points"])
        if "d" in el.attrib:
            numbers += re.findall(r"-?[\d.]+", el.attrib["d"])
    assert numbers
    for number in numbers:
        assert re.fullmatch(r"-?\d+(\.\d)?", number), number
        assert math.isfinite(float(number))


@pytest.mark.parametrize(("name", "svg"), ALL, ids=ALL_IDS)
def test_text_is_big_enough_to_read_in_a_pdf(name: str, svg: Markup) -> None:
    root = parse(svg)
    sizes = [float(el.attrib["font-size"]) for el in root.iter() if "font-size" in el.attrib]
    assert sizes and min(sizes) >= 11
    for el in root.iter():
        assert el.attrib.get("font-family", "sans-serif") == "sans-serif"
    assert root.attrib["font-family"] == "sans-serif"


def test_feature_charts_keep_to_the_page_width() -> None:
    """At 700 units wide, font sizes in the viewBox are the sizes on the page."""
    for name in ("radar", "heatmap", "gaps", "distribution", "bars"):
        _, _, width, _ = view_box(parse(REALISTIC[name](name)))
        assert width == 700, name


@pytest.mark.parametrize(("name", "svg"), ALL, ids=ALL_IDS)
def test_text_starts_inside_the_chart(name: str, svg: Markup) -> None:
    root = parse(svg)
    _, _, width, height = view_box(root)
    for text in root.iter(f"{NS}text"):
        if "transform" in text.attrib:
            continue  # upright headers: positioned in their own, rotated, coordinates
        for el in text.iter():
            assert 0 <= float(el.attrib.get("x", "0")) <= width
            assert 0 < float(el.attrib.get("y", "1")) <= height


# --- escaping --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(REALISTIC))
def test_text_from_arguments_is_escaped(name: str) -> None:
    svg = REALISTIC[name](f"x-{name}", XSS)
    raw = str(svg)
    assert "<script" not in raw
    assert "&lt;script&gt;" in raw
    root = parse(svg)
    # Wrapped labels are split over lines, so compare with the spaces and breaks taken out.
    flat = re.sub(r"[\s\-\u2026]", "", all_text(root))
    assert re.sub(r"[\s\-]", "", XSS)[:20] in flat


def test_titles_and_legends_keep_the_exact_text() -> None:
    root = parse(radar("r", FEATURES, [Series(XSS, {"purpose": 3.0}, "management")], XSS))
    assert root[0].text == XSS
    assert XSS in texts(root)
    assert XSS in (root[1].text or "")


def test_markup_labels_are_escaped_as_plain_text() -> None:
    raw = str(bar_chart("b", [Bar(Markup("<b>bold</b>"), 0.5)], Markup("<i>t</i>")))
    assert "<b>" not in raw and "<i>" not in raw
    assert "&lt;b&gt;bold&lt;/b&gt;" in raw


def test_control_characters_are_dropped_so_the_xml_stays_valid() -> None:
    root = parse(bar_chart("b", [Bar("Police\x00\x1b", 0.5)], "Rates\x08"))
    assert root[0].text == "Rates"
    assert "Police" in texts(root)


@pytest.mark.parametrize("chart_id", ["", "a b", 'x"y', "<svg>", "a_b", "caf\u00e9"])
def test_chart_ids_are_checked(chart_id: str) -> None:
    with pytest.raises(ValueError):
        bar_chart(chart_id, [Bar("A", 0.5)], "t")


# --- ids ---------------------------------------------------------------------------------------


def ids_of(root: ET.Element) -> list[str]:
    return [el.attrib["id"] for el in root.iter() if "id" in el.attrib]


@pytest.mark.parametrize("name", list(REALISTIC))
def test_ids_are_unique_and_scoped_to_the_chart(name: str) -> None:
    first, second = parse(REALISTIC[name]("first")), parse(REALISTIC[name]("second-2"))
    for root, cid in ((first, "first"), (second, "second-2")):
        ids = ids_of(root)
        assert len(ids) == len(set(ids))
        assert all(i.startswith(f"{cid}-") for i in ids)
        references = re.findall(r"url\(#([^)]+)\)", ET.tostring(root, encoding="unicode"))
        references += root.attrib["aria-labelledby"].split()
        assert set(references) <= set(ids)
    assert not set(ids_of(first)) & set(ids_of(second))


# --- suppression -------------------------------------------------------------------------------


def assert_hatched(svg: Markup, cid: str) -> ET.Element:
    root = parse(svg)
    patterns = [el for el in root.iter(f"{NS}pattern") if el.attrib["id"] == f"{cid}-hatch"]
    assert len(patterns) == 1
    assert f'fill="url(#{cid}-hatch)"' in str(svg)
    assert "suppressed" in texts(root)
    return root


def test_a_suppressed_bar_is_hatched_and_never_a_bar() -> None:
    root = assert_hatched(bar_chart("b", [Bar("Probation", 0.8, suppressed=True)], "t"), "b")
    assert not [r for r in rects(root) if r[4] == MANAGEMENT_COLOUR]
    assert "80%" not in all_text(root)


def test_no_data_is_a_dash_and_zero_is_a_zero() -> None:
    root = parse(bar_chart("b", [Bar("Youth service", None), Bar("Education", 0.0)], "t"))
    assert "\u2013 no data" in texts(root)
    assert "0%" in texts(root)
    assert "suppressed" not in all_text(root)
    assert "url(#" not in str(bar_chart("b", [Bar("Youth service", None)], "t"))


def test_bar_values_and_notes_are_printed() -> None:
    root = parse(bar_chart("b", [Bar("Police", 0.5625, note="45 of 80")], "t"))
    assert "56% (45 of 80)" in texts(root)
    bar = [r for r in rects(root) if r[4] == MANAGEMENT_COLOUR]
    assert len(bar) == 1
    root = parse(bar_chart("b", [Bar("Police", 0.5)], "t"))
    half = [r for r in rects(root) if r[4] == MANAGEMENT_COLOUR][0][2]
    root = parse(bar_chart("b", [Bar("Police", 1.0)], "t"))
    full = [r for r in rects(root) if r[4] == MANAGEMENT_COLOUR][0][2]
    assert full == pytest.approx(2 * half, abs=0.2)


def test_a_suppressed_heat_cell_is_hatched_and_hides_its_value() -> None:
    cells = {("police", "trust"): HeatCell(3.2, level=3, suppressed=True)}
    root = assert_hatched(heatmap("h", [("police", "Police")], FEATURES[1:2], cells, "t"), "h")
    assert "3.2" not in all_text(root)


def test_heat_cells_with_no_responses_show_a_dash() -> None:
    cells = {("police", "purpose"): HeatCell(None)}  # and trust is missing altogether
    root = parse(heatmap("h", [("police", "Police")], FEATURES[:2], cells, "t"))
    assert texts(root).count("\u2013") >= 2  # two cells (the legend has one more)
    assert "suppressed" not in texts(root)


def test_contested_cells_have_their_own_fill_and_say_so() -> None:
    cells = {("police", "trust"): HeatCell(3.0, level=3, contested=True)}
    root = parse(heatmap("h", [("police", "Police")], FEATURES[1:2], cells, "t"))
    assert "contested" in texts(root)
    assert "3.0" in texts(root)
    assert any(r[4] == CONTESTED_FILL and r[2] > 50 for r in rects(root))
    assert CONTESTED_FILL not in MATURITY_FILLS


def test_heat_cell_labels_replace_the_value() -> None:
    cells = {("police", "trust"): HeatCell(3.04, level=3, label="3.0*")}
    root = parse(heatmap("h", [("police", "Police")], FEATURES[1:2], cells, "t"))
    assert "3.0*" in texts(root)


def test_the_heatmap_legend_names_every_level() -> None:
    text = all_text(parse(realistic_heatmap("h")))
    for level, name in enumerate(charts.MATURITY_LEVEL_NAMES, start=1):
        assert f"{level} {name}" in text
    assert "Contested" in text and "Suppressed" in text and "No responses" in text


def test_a_suppressed_gap_row_is_hatched_without_markers() -> None:
    suppressed = gap_chart("g", [GapRow("Trust", 3.0, 4.0, suppressed=True)], "t")
    shown = gap_chart("g", [GapRow("Trust", 3.0, 4.0)], "t")
    root = assert_hatched(suppressed, "g")
    # The legend has one circle (management); each shown row adds another.
    assert len(list(root.iter(f"{NS}circle"))) == 1
    assert len(list(parse(shown).iter(f"{NS}circle"))) == 2
    assert "\u22121.0" not in all_text(root)
    assert "\u22121.0" in all_text(parse(shown))


def test_notable_gaps_are_tagged_and_bold() -> None:
    root = parse(gap_chart("g", [GapRow("Trust", 4.0, 3.0, 0.4, 1.6, notable=True)], "t"))
    assert "notable" in texts(root)
    assert "+1.0" in texts(root)
    assert "(+0.4 to +1.6)" in texts(root)
    bold = [
        " ".join(el.itertext())
        for el in root.iter(f"{NS}text")
        if el.attrib.get("font-weight") == "bold"
    ]
    assert "Trust" in bold
    assert "weaker" in texts(root) and "stronger" in texts(root)
    assert {"1", "2", "3", "4", "5"} <= set(texts(root))


def test_a_suppressed_distribution_row_is_hatched_without_segments() -> None:
    row = DistributionRow("Statement", [0.1, 0.2, 0.3, 0.2, 0.1], 0.1, suppressed=True)
    root = assert_hatched(distribution_chart("d", [row], SCALE, DONT_KNOW, "t"), "d")
    for fill in SCALE_FILLS:  # only the legend swatch is left
        assert len([r for r in rects(root) if r[4] == fill]) == 1
    assert "30%" not in all_text(root)


def test_distribution_segments_are_in_scale_order_with_percentages() -> None:
    row = DistributionRow("Statement", [0.05, 0.15, 0.2, 0.4, 0.15], 0.05)
    root = parse(distribution_chart("d", [row], SCALE, DONT_KNOW, "t"))
    segments = [r for r in rects(root) if r[4] in SCALE_FILLS and r[3] > 20]
    assert [r[4] for r in segments] == list(SCALE_FILLS)
    assert [r[0] for r in segments] == sorted(r[0] for r in segments)
    widths = [r[2] for r in segments]
    assert widths[3] == pytest.approx(widths[2] * 2, abs=0.3)
    text = texts(root)
    assert {"15%", "20%", "40%"} <= set(text)
    assert DONT_KNOW in text
    for label in SCALE:
        assert label in text


def test_distribution_needs_five_labels_and_shares() -> None:
    with pytest.raises(ValueError):
        distribution_chart("d", [], SCALE[:4], DONT_KNOW, "t")
    with pytest.raises(ValueError):
        distribution_chart("d", [DistributionRow("A", [0.5, 0.5])], SCALE, DONT_KNOW, "t")


def test_bar_chart_needs_a_positive_maximum() -> None:
    for maximum in (0.0, -1.0, NAN, INF):
        with pytest.raises(ValueError):
            bar_chart("b", [Bar("A", 1)], "t", maximum=maximum)


# --- colour ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fill", [*MATURITY_FILLS, CONTESTED_FILL, *SCALE_FILLS])
def test_text_on_every_fill_meets_wcag_aa(fill: str) -> None:
    ink = text_colour_for(fill)
    assert ink in {"#0b0c0c", "#ffffff"}
    assert contrast(ink, fill) >= 4.5


def test_maturity_fills_run_from_light_to_dark() -> None:
    assert len(MATURITY_FILLS) == 5
    lum = [luminance(fill) for fill in MATURITY_FILLS]
    assert lum == sorted(lum, reverse=True)
    steps = [contrast(a, b) for a, b in zip(MATURITY_FILLS, MATURITY_FILLS[1:], strict=False)]
    assert min(steps) >= 1.4  # neighbouring levels are told apart by lightness, not hue alone


def test_series_colours_stand_out_from_the_background() -> None:
    for colour in (charts.MANAGEMENT_COLOUR, charts.FRONTLINE_COLOUR, charts.PARTNERSHIP_COLOUR):
        assert contrast(colour, "#ffffff") >= 3  # WCAG 1.4.11, graphical objects


@pytest.mark.parametrize("name", ["heatmap", "reciprocity"])
def test_printed_values_contrast_with_their_cell(name: str) -> None:
    root = parse(REALISTIC[name](name))
    all_rects = rects(root)
    fills = [*MATURITY_FILLS, CONTESTED_FILL, "#f3f2f1", "#ffffff"]
    checked = 0
    for el in root.iter(f"{NS}text"):
        text = "".join(el.itertext())
        if re.fullmatch(r"\d\.\d|contested", text):
            under = fill_under(all_rects, float(el.attrib["x"]), float(el.attrib["y"]) - 4, fills)
            assert under is not None, text
            assert contrast(el.attrib["fill"], under) >= 4.5, (text, under)
            checked += 1
    assert checked > 40


def test_distribution_percentages_contrast_with_their_segment() -> None:
    root = parse(realistic_distribution("d"))
    all_rects = rects(root)
    checked = 0
    for el in root.iter(f"{NS}text"):
        text = "".join(el.itertext())
        inside = el.attrib.get("fill") != "#505a5f"  # the axis labels are grey, above the bars
        if inside and el.attrib.get("text-anchor") == "middle" and text.endswith("%"):
            under = fill_under(
                all_rects, float(el.attrib["x"]), float(el.attrib["y"]) - 4, SCALE_FILLS
            )
            assert under is not None, text
            assert contrast(el.attrib["fill"], under) >= 4.5
            checked += 1
    assert checked >= 6


def test_text_colour_for_accepts_short_hex_and_rejects_nonsense() -> None:
    assert text_colour_for("#fff") == "#0b0c0c"
    assert text_colour_for("#000000") == "#ffffff"
    with pytest.raises(ValueError):
        text_colour_for("blue")


# --- radar geometry ----------------------------------------------------------------------------


def radar_of(values: dict[str, dict[str, float | None]]) -> ET.Element:
    kinds = ["management", "frontline", "partnership"]
    series = [Series(name, vals, kinds[i % 3]) for i, (name, vals) in enumerate(values.items())]
    return parse(radar("r", FEATURES, series, "t"))


def series_shapes(root: ET.Element, colour: str) -> list[ET.Element]:
    return [
        el
        for el in root.iter()
        if local(el.tag) in {"polygon", "polyline"}
        and el.attrib.get("stroke") == colour
        and el.attrib.get("fill") == "none"
        and len(points(el)) > 2
    ]


def test_radar_points_lie_inside_the_view_box() -> None:
    root = parse(realistic_radar("r"))
    x0, y0, width, height = view_box(root)
    shapes = [el for el in root.iter() if local(el.tag) in {"polygon", "polyline"}]
    assert shapes
    for el in shapes:
        for x, y in points(el):
            assert x0 <= x <= x0 + width and y0 <= y <= y0 + height
    for el in root.iter(f"{NS}circle"):
        assert x0 <= float(el.attrib["cx"]) <= x0 + width
        assert y0 <= float(el.attrib["cy"]) <= y0 + height


def test_radar_puts_a_five_further_out_than_a_one() -> None:
    features = [f for f, _ in FEATURES]
    root = radar_of(
        {"Management": dict.fromkeys(features, 5.0), "Frontline": dict.fromkeys(features, 1.0)}
    )
    spokes = segments(root)
    centre = spokes[0][:2]
    assert all(s[:2] == centre for s in spokes[: len(FEATURES)])

    def distances(colour: str) -> list[float]:
        (shape,) = series_shapes(root, colour)
        return [math.dist(centre, p) for p in points(shape)]

    outer = distances(charts.MANAGEMENT_COLOUR)
    inner = distances(charts.FRONTLINE_COLOUR)
    assert len(outer) == len(inner) == 5
    assert min(outer) > max(inner) * 4.5  # radius is proportional to the score


def test_radar_leaves_a_gap_for_suppressed_values() -> None:
    root = radar_of(
        {
            "Management": {"purpose": 4.0, "trust": None, "exchange": 3.0, "respect": 3.5},
            "Frontline": {"purpose": 3.0, "trust": None, "exchange": 2.0, "respect": 2.5},
        }
    )
    # Management: known at purpose, exchange, respect -> one run exchange-respect, purpose alone.
    management = [
        el
        for el in root.iter()
        if local(el.tag) in {"polygon", "polyline"}
        and el.attrib.get("stroke") == charts.MANAGEMENT_COLOUR
        and el.attrib.get("fill") == "none"
    ]
    data = [el for el in management if local(el.tag) == "polyline" and len(points(el)) >= 2]
    assert all(local(el.tag) == "polyline" for el in data)
    assert sorted(len(points(el)) for el in data)[-1] == 2
    circles = [c for c in root.iter(f"{NS}circle") if c.attrib["fill"] == MANAGEMENT_COLOUR]
    assert len(circles) == 3 + 1  # three known values and the legend
    labels = texts(root)
    assert any(t.startswith("Relations of trust") and "(suppressed)" in t for t in labels)
    assert not any(t.startswith("Shared") and "(suppressed)" in t for t in labels)
    assert "(suppressed)" in " ".join(labels)


def test_radar_only_marks_an_axis_suppressed_when_every_series_is() -> None:
    root = radar_of({"M": {"purpose": 4.0, "trust": None}, "F": {"purpose": 3.0, "trust": 3.0}})
    assert not any("(suppressed)" in t for t in texts(root) if t.startswith("Relations"))


def test_a_wholly_suppressed_series_says_so_in_the_legend() -> None:
    root = radar_of({"Management": {"purpose": 4.0}, "Frontline": {}})
    assert "Frontline (suppressed)" in texts(root)
    assert "Management" in texts(root)
    assert not series_shapes(root, charts.FRONTLINE_COLOUR)


def test_radar_wraps_long_axis_labels_into_at_most_three_lines() -> None:
    label = "Working together to keep children safe from harm " * 3
    series = [Series("M", {"a": 3.0}, "management")]
    root = parse(radar("r", [("a", label), *FEATURES[1:]], series, "t"))
    (text,) = [el for el in root.iter(f"{NS}text") if "".join(el.itertext()).startswith("Work")]
    lines = list(text.iter(f"{NS}tspan"))
    assert 2 <= len(lines) <= 3
    assert lines[-1].text is not None and lines[-1].text.endswith("\u2026")


def test_radar_legend_shows_each_series_style() -> None:
    root = parse(realistic_radar("r"))
    assert {"Management", "Frontline", "Whole partnership"} <= set(texts(root))
    dashes = {
        el.attrib.get("stroke"): el.attrib.get("stroke-dasharray")
        for el in root.iter(f"{NS}polyline")
    }
    assert dashes[charts.MANAGEMENT_COLOUR] is None
    assert dashes[charts.FRONTLINE_COLOUR] and dashes[charts.PARTNERSHIP_COLOUR]
    assert dashes[charts.FRONTLINE_COLOUR] != dashes[charts.PARTNERSHIP_COLOUR]
    # Markers differ in shape as well as colour: circles, squares and diamonds.
    assert any(c.attrib["fill"] == charts.MANAGEMENT_COLOUR for c in root.iter(f"{NS}circle"))
    assert any(r[4] == charts.FRONTLINE_COLOUR for r in rects(root))
    assert any(
        p.attrib["fill"] == charts.PARTNERSHIP_COLOUR and len(points(p)) == 4
        for p in root.iter(f"{NS}polygon")
    )


def test_unknown_series_kinds_are_refused() -> None:
    with pytest.raises(ValueError):
        radar("r", FEATURES, [Series("M", {}, "managers")], "t")


# --- layout of long labels ---------------------------------------------------------------------


def test_heatmap_headers_wrap_without_losing_words() -> None:
    root = parse(realistic_heatmap("h"))
    header = [
        el
        for el in root.iter(f"{NS}text")
        if " ".join(el.itertext()).startswith("Balanced exchange")
    ]
    assert len(header) == 1
    lines = [t.text or "" for t in header[0].iter(f"{NS}tspan")]
    assert 2 <= len(lines) <= 4
    assert " ".join(lines) == "Balanced exchange of information and resources"


def test_many_columns_turn_the_headers_upright() -> None:
    root = parse(reciprocity_heatmap("h"))
    upright = [
        el for el in root.iter(f"{NS}text") if "rotate(-90)" in el.attrib.get("transform", "")
    ]
    assert len(upright) == len(AGENCIES)
    joined = [" ".join(t.strip() for t in el.itertext()) for el in upright]
    assert "Voluntary and community sector" in joined


def test_distribution_labels_wrap_to_four_lines_at_most() -> None:
    long = "Partner agencies stay involved in a case for as long as the child needs them " * 3
    root = parse(
        distribution_chart(
            "d", [DistributionRow(long, [0.2, 0.2, 0.2, 0.2, 0.2])], SCALE, DONT_KNOW, "t"
        )
    )
    (label,) = [el for el in root.iter(f"{NS}text") if "".join(el.itertext()).startswith("Part")]
    lines = [t.text or "" for t in label.iter(f"{NS}tspan")]
    assert len(lines) == 4 and lines[-1].endswith("\u2026")


def test_descriptions_summarise_the_chart() -> None:
    desc = parse(realistic_radar("r"))[1].text or ""
    assert "5 features" in desc and "Management" in desc and "suppressed" not in desc
    desc = parse(realistic_gaps("g"))[1].text or ""
    assert "1 gap is marked notable" in desc
    desc = parse(realistic_bars("b"))[1].text or ""
    assert "11 values" in desc and "percentages" in desc


def test_rects_of_one_style_share_a_path_only_where_nothing_between_them_is_covered() -> None:
    """Joining rects into one <path> draws them all where the first was drawn: that is only
    allowed when nothing drawn in between overlaps the later rect."""
    canvas = charts.canvas._Canvas("join")
    canvas.rect(0, 0, 10, 10, "#111111")
    canvas.rect(20, 0, 10, 10, "#222222")
    canvas.rect(40, 0, 10, 10, "#111111")  # clear of the grey one: joins the first
    canvas.rect(15, 0, 20, 10, "#111111")  # would go under the grey one: a path of its own
    canvas.text(0, 30, ["label"])
    canvas.rect(0, 40, 10, 10, "#222222")  # text never blocks: labels are drawn on top
    root = parse(canvas.render(60, 60, "Joined", "Rects joined by style."))
    paths = [(el.attrib["fill"], el.attrib["d"]) for el in root.iter(f"{NS}path")]
    assert paths == [
        ("#111111", "M0 0h10v10h-10z M40 0h10v10h-10z"),
        ("#222222", "M20 0h10v10h-10z M0 40h10v10h-10z"),
        ("#111111", "M15 0h20v10h-20z"),
    ]
    assert fill_under(rects(root), 25, 5, ["#111111", "#222222"]) == "#111111"
    assert local(list(root)[-1].tag) == "text"  # text after every shape


def test_a_gap_chart_beside_its_table_leaves_the_numbers_to_the_table() -> None:
    rows = [
        GapRow("Police", 4.1, 3.5, 0.2, 0.9, True, False),
        GapRow("Housing", None, None, suppressed=True),
    ]
    full = str(charts.gap_chart("with", rows, "Gaps"))
    bare = str(charts.gap_chart("without", rows, "Gaps", numbers=False))
    assert "+0.6" in full and "notable" in full and "Gap: management" in full
    assert "+0.6" not in bare and ">notable<" not in bare and "Gap: management" not in bare
    assert "suppressed" in bare and "Police" in bare  # rows and their state stay


def test_chart_geometry_says_no_more_than_the_printed_figures() -> None:
    """A reader of the SVG sees no more than the numbers beside it: figures that print the
    same (whole percents, scores to two decimals) draw the same chart."""
    from surveys.reporting.charts import (
        Bar,
        DistributionRow,
        GapRow,
        bar_chart,
        distribution_chart,
        gap_chart,
    )

    def shares(extra: float) -> Markup:
        row = DistributionRow("Statement", [0.1 + extra, 0.2, 0.3 - extra, 0.2, 0.1], 0.1)
        return distribution_chart("d", [row], list("12345"), "Don't know", "Answers")

    assert shares(0.0) == shares(0.004)  # 10% and 10.4% print alike
    assert shares(0.0) != shares(0.01)
    gaps = [GapRow("Police", 3.701, 2.5, 0.8, 1.6), GapRow("Health", 3.7049, 2.5, 0.8, 1.6)]
    first = gap_chart("g", gaps[:1], "Gaps", numbers=False)
    assert first == gap_chart("g", [GapRow("Police", 3.7049, 2.5, 0.8, 1.6)], "Gaps", numbers=False)
    assert first != gap_chart("g", [GapRow("Police", 3.72, 2.5, 0.8, 1.6)], "Gaps", numbers=False)
    rate = bar_chart("b", [Bar("Police", 0.3349)], "Responses")
    assert rate == bar_chart("b", [Bar("Police", 0.33)], "Responses")


# --- the summary's level strip -------------------------------------------------------------


def test_the_level_strip_fills_each_feature_up_to_its_level() -> None:
    root = parse(realistic_levels("levels"))
    _, _, width, _ = view_box(root)
    assert width == charts.STRIP_WIDTH
    filled = [r for r in rects(root) if r[4] in charts.MATURITY_FILLS]
    # Established (4 steps), Developing (3) and Fragmented (1); contested and suppressed
    # rows climb no step at all.
    assert len(filled) == 4 + 3 + 1
    # Each step in its own level's colour: step 1 on three rows, steps 2 and 3 on two, step 4
    # on one, and nobody at Embedded.
    steps = [sum(1 for r in filled if r[4] == fill) for fill in charts.MATURITY_FILLS]
    assert steps == [3, 2, 2, 1, 0]
    assert sum(1 for r in rects(root) if r[4] == charts.CONTESTED_FILL) == 5
    words = texts(root)
    assert "Established 3.5" in words and "Fragmented 1.5" in words
    assert "Contested 3.0" in words
    assert "suppressed" in words and not any(w.startswith("Suppressed ") for w in words)
    # The description names every feature's level, for a screen reader.
    assert "Mutual respect: Contested" in (root[1].text or "")


def test_a_narrow_gap_chart_keeps_its_markers_inside_its_width() -> None:
    root = parse(narrow_gaps("narrow"))
    _, _, width, _ = view_box(root)
    assert width == charts.STRIP_WIDTH
    assert all(max(x1, x2) <= width for x1, _y1, x2, _y2 in segments(root))
