"""HTML to PDF with WeasyPrint: fonts, the stylesheet, and what a document may read.

A document is typeset once, whole, by WeasyPrint: its page numbers, contents and bookmarks
come from the stylesheet (static/css/report.css), and its structure is tagged for screen
readers (PDF/UA-1). Nothing here knows about Flask or the database. WeasyPrint may only read
Boundary's own static files and the document's charts: it never fetches anything from the
network.
"""

from __future__ import annotations

import contextlib
import gc
import mimetypes
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

CHARTS = "charts"  # a made-up folder inside static/ that a document's charts are read from

# Tagged (a structure tree of headings, tables and figures with their text alternatives, in
# reading order) and marked as PDF/UA-1, the accessible-PDF standard WCAG 2.2 points to.
VARIANT = "pdf/ua-1"


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


def typeset(html: str, static: str, charts: dict[str, bytes] | None = None) -> bytes:
    """One HTML document as a tagged PDF, styled by static/css/report.css; `charts` are the
    SVG images its <img src="charts/NAME"> show, handed to the fetcher with the document."""
    folder = Path(static)
    with fewer_collections():
        document = HTML(
            string=html,
            base_url=folder.resolve().as_uri() + "/",
            url_fetcher=StaticFilesOnly(folder, charts),
        ).render(stylesheets=[_typesetting.stylesheet(folder)], font_config=_typesetting.fonts)
        pdf: bytes = document.write_pdf(pdf_variant=VARIANT, pdf_tags=True)
    return pdf
