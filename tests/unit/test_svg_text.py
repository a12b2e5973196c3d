"""Chart labels drawn by surveys/reporting/svg_text.py look as WeasyPrint's own SVG text does.

The module replaces one WeasyPrint internal (letter-by-letter SVG text) with whole-run text
and a quicker way to set a label's colour, and centres or right-aligns a label without
drawing it into a form of its own. Here the same chart is drawn both ways and the
pages are compared as pictures and as text.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import weasyprint.svg as svg_package
from PIL import Image, ImageChops
from pypdf import PdfReader
from weasyprint import HTML
from weasyprint.svg.text import text as letter_by_letter
from weasyprint.text import line_break

from surveys.reporting import charts, svg_text

# Coloured labels (white on dark fills, grey axis words, bold headings, a large red one), a
# stroked one, which must still take WeasyPrint's own path for its colour, and the same
# labels again elsewhere (anchored, recoloured, bold), which replay their first shaping.
REPEATS = (
    '<text x="60" y="300" fill="#d4351c" font-size="28">Red</text>'
    '<text x="300" y="300" text-anchor="middle" fill="#1d70b8">Police</text>'
    '<text x="600" y="300" text-anchor="end" fill="#0b0c0c">Police</text>'
    '<text x="300" y="330" text-anchor="middle" font-weight="bold">Police</text>'
    '<text x="600" y="330" text-anchor="end" fill="#ffffff" stroke="#0b0c0c">Police</text>'
)
CHART = str(
    charts.heatmap(
        "labels",
        [("police", "Police"), ("health", "Health")],
        [("trust", "Relations of trust"), ("purpose", "Shared purpose")],
        {
            ("police", "trust"): charts.HeatCell(4.6, 5),
            ("police", "purpose"): charts.HeatCell(1.2, 1),
            ("health", "trust"): charts.HeatCell(3.1, 3, contested=True),
            ("health", "purpose"): charts.HeatCell(None, None, suppressed=True),
        },
        "Labels",
    )
).replace(
    "</svg>",
    '<text x="10" y="20" fill="#d4351c" stroke="#0b0c0c">Stroked</text>'
    '<text x="400" y="30" fill="#d4351c" font-size="28">Red</text>' + REPEATS + "</svg>",
)


def pdf_of(svg: str) -> bytes:
    page = f'<html><body style="margin:0"><div style="width:160mm">{svg}</div></body></html>'
    pdf: bytes = HTML(string=page).write_pdf()
    return pdf


@pytest.fixture
def weasyprints_own_text() -> Iterator[None]:
    for tag in ("a", "text", "textPath", "tspan"):
        svg_package.TAGS[tag] = letter_by_letter
    svg_package.text = letter_by_letter
    svg_package.SVG.draw_node = svg_text._weasyprints_draw_node  # anchors as separate forms
    try:
        yield
    finally:
        svg_text.install()


def picture(pdf: bytes, folder: Path, name: str) -> Image.Image:
    (folder / f"{name}.pdf").write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "72",
            "-singlefile",
            str(folder / f"{name}.pdf"),
            str(folder / name),
        ],
        check=True,
    )
    return Image.open(folder / f"{name}.png").convert("RGB")


def test_whole_run_labels_look_like_weasyprints_own(
    tmp_path: Path, weasyprints_own_text: None
) -> None:
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm is not installed (apt-get install poppler-utils)")
    theirs = pdf_of(CHART)
    svg_text.install()
    ours = pdf_of(CHART)

    def words(pdf: bytes) -> str:
        return " ".join((PdfReader(io.BytesIO(pdf)).pages[0].extract_text() or "").split())

    assert "Police" in words(ours) and "4.6" in words(ours) and "Stroked" in words(ours)
    assert words(ours).replace(" ", "") == words(theirs).replace(" ", "")

    mine, reference = picture(ours, tmp_path, "ours"), picture(theirs, tmp_path, "theirs")
    assert mine.size == reference.size
    # Whole runs keep kerning, so some glyph edges move by a pixel (1.5% of the ink when this
    # was written); a label in the wrong place or colour changes far more (7% for black
    # labels drawn red).
    difference = ImageChops.difference(mine, reference).convert("L")
    ink = sum(ImageChops.invert(reference.convert("L")).histogram()[16:])
    assert sum(difference.histogram()[65:]) / ink < 0.03

    def red(image: Image.Image) -> int:  # only the two "Red" labels are red
        return sum(
            count
            for count, colour in image.getcolors(1 << 20) or []
            if isinstance(colour, tuple) and colour[0] > 150 > colour[1] and colour[2] < 100
        )

    assert red(reference) > 0 and abs(red(mine) - red(reference)) <= red(reference) / 5


def test_a_repeated_label_is_shaped_once_per_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shaped: list[str] = []
    shape = line_break.split_first_line

    def counted(text: str, *arguments: object) -> object:
        shaped.append(text)
        return shape(text, *arguments)

    monkeypatch.setattr(line_break, "split_first_line", counted)
    first = pdf_of(CHART)
    # "Police" in five places (the heat map's row label and four more) at two weights, and
    # "Red" twice at one size: each shaped once per weight.
    assert shaped.count("Police") == 2
    assert shaped.count("Red") == 1

    # A second document shapes its labels afresh: the glyphs it replays must be in its own
    # fonts, so it reads and looks exactly as the first.
    shaped.clear()
    second = pdf_of(CHART)
    assert shaped.count("Red") == 1
    reader = PdfReader(io.BytesIO(second))
    assert reader.pages[0].extract_text() == PdfReader(io.BytesIO(first)).pages[0].extract_text()
    if shutil.which("pdftoppm") is not None:
        one, two = picture(first, tmp_path, "first"), picture(second, tmp_path, "second")
        assert ImageChops.difference(one, two).getbbox() is None
