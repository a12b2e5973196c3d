"""HTML to PDF with WeasyPrint: fonts, the stylesheet, and what a document may read.

Nothing here knows about Flask or the database, so a report's parts can be typeset in
other processes (see assembly.py). WeasyPrint may only read Boundary's own static files: a
document never fetches anything from the network.
"""

from __future__ import annotations

import contextlib
import gc
import mimetypes
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from .svg_text import install as install_whole_run_svg_text

install_whole_run_svg_text()

CHARTS = "charts"  # a made-up folder inside static/ that a document's charts are read from

PT_PER_PX = 0.75  # WeasyPrint lays out in CSS pixels (1/96 in); PDF measures in points


class StaticFilesOnly(URLFetcher):
    """Serves a document's stylesheet from static/ and its charts from memory, and refuses
    anything else: a report never reads another file or the network."""

    def __init__(self, root: Path, charts: dict[str, bytes] | None = None) -> None:
        super().__init__(allowed_protocols={"file"})
        self.root = root.resolve()
        self.charts = charts or {}

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        parts = urlsplit(url)
        path = Path(unquote(parts.path)).resolve()
        if (
            parts.scheme == "file"
            and path.parent == self.root / CHARTS
            and path.name in self.charts
        ):
            return URLFetcherResponse(
                url, self.charts[path.name], {"Content-Type": "image/svg+xml"}
            )
        if parts.scheme != "file" or self.root not in path.parents:
            raise ValueError(f"A report may only use Boundary's own files, not {url}")
        mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime_type})


_collections_lock = threading.Lock()
_rendering = 0  # documents being rendered now, in this process
_thresholds = gc.get_threshold()


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """Let Python's cycle collector run less often while WeasyPrint works.

    A report makes hundreds of thousands of small objects, and each default collection walks
    all of them: a sixth of the rendering time went on collections that freed nothing.
    Reference counting still frees almost everything at once; the thresholds are put back
    afterwards, and the next ordinary collection finds whatever cycles remain.

    The thresholds belong to the process, and a threaded worker may render two documents at
    once: the first render in sets them, the last one out puts them back.
    """
    global _rendering, _thresholds
    with _collections_lock:
        if _rendering == 0:
            _thresholds = gc.get_threshold()
            gc.set_threshold(100_000, 50, 100)
        _rendering += 1
    try:
        yield
    finally:
        with _collections_lock:
            _rendering -= 1
            if _rendering == 0:
                gc.set_threshold(*_thresholds)


class _Typesetting(threading.local):
    """The fonts and the parsed stylesheet, set up once in each thread and reused by every
    PDF that thread renders: making them afresh for each document was 2.5% of a report's
    work. One per thread, because Pango's font map must not be used by two renders at once.
    The stylesheet changes only with a release, which starts new processes."""

    def __init__(self) -> None:
        self.fonts = FontConfiguration()
        self.stylesheets: dict[Path, CSS] = {}

    def stylesheet(self, static: Path) -> CSS:
        path = (static / "css" / "report.css").resolve()
        if path not in self.stylesheets:
            self.stylesheets[path] = CSS(
                filename=str(path), font_config=self.fonts, url_fetcher=StaticFilesOnly(static)
            )
        return self.stylesheets[path]


_typesetting = _Typesetting()


@dataclass(frozen=True)
class Link:
    """A link to a place in another part of the same report, for the assembly to add: on
    page `page` (counted from 0) of this part, the rectangle (x1, y1, x2, y2) in PDF points
    from the bottom left."""

    page: int
    target: str
    rectangle: tuple[float, float, float, float]


@dataclass(frozen=True)
class Typeset:
    pdf: bytes
    pages: int
    anchors: dict[str, int] = field(default_factory=dict)  # each id's page, counted from 0
    links_elsewhere: list[Link] = field(default_factory=list)


def typeset(html: str, static: str, charts: dict[str, bytes] | None = None) -> Typeset:
    """One HTML document as a PDF, styled by static/css/report.css; `charts` are the SVG
    images its <img src="charts/NAME"> read.

    Links to an id the document does not hold (a contents entry for a chapter typeset in
    another part) are taken out and returned, instead of being dropped with an error."""
    folder = Path(static)
    with fewer_collections():
        document = HTML(
            string=html,
            base_url=folder.resolve().as_uri() + "/",
            url_fetcher=StaticFilesOnly(folder, charts),
        ).render(stylesheets=[_typesetting.stylesheet(folder)], font_config=_typesetting.fonts)
        anchors: dict[str, int] = {}
        for number, page in enumerate(document.pages):
            for name in page.anchors:
                anchors.setdefault(name, number)
        elsewhere = []
        for number, page in enumerate(document.pages):
            for link in list(page.links):
                kind, target, (x1, y1, x2, y2), _box = link
                if kind == "internal" and target not in anchors:
                    page.links.remove(link)
                    height = page.height * PT_PER_PX
                    rectangle = (
                        x1 * PT_PER_PX,
                        height - y2 * PT_PER_PX,
                        x2 * PT_PER_PX,
                        height - y1 * PT_PER_PX,
                    )
                    elsewhere.append(Link(number, target, rectangle))
        pdf: bytes = document.write_pdf()
    return Typeset(pdf, len(document.pages), anchors, elsewhere)
