"""The PDF maturity report: HTML and CSS from templates, rendered by WeasyPrint.

A report is cached on disk per round, data version, minimum group size and agency, so a
second download is immediate and every worker process shares the copy. WeasyPrint may only
read Boundary's own static files: a report never fetches anything from the network.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import html
import mimetypes
import os
import re
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import Flask, current_app, g, render_template
from markupsafe import Markup
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from ..analysis.cache import round_analysis
from ..analysis.comments import PublishedComment, published_comments
from ..library import questionnaire
from ..rounds.models import Round, utc_now
from ..rounds.service import previous_round
from ..workshops.models import WorkshopAction
from ..workshops.presentation import RoomView
from ..workshops.service import actions_for_round
from .narrative import executive_summary
from .presentation import Report, Scope
from .svg_text import install as install_whole_run_svg_text

install_whole_run_svg_text()


CHARTS = "charts"  # a made-up folder inside static/ that a document's charts are read from


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


def svg_image(svg: Markup) -> Markup:
    """A chart as an <img> for WeasyPrint, which draws an SVG image far faster than inline
    SVG (it skips the HTML parser and the page's CSS cascade). The SVG itself waits in memory
    for the fetcher: as a data: URI, the HTML parser spent a tenth of the report's time
    reading its base64 one character at a time. The alt text is the chart's own title and
    description."""
    source = str(svg)
    title = re.search(r"<title[^>]*>(.*?)</title>", source, re.S)
    desc = re.search(r"<desc[^>]*>(.*?)</desc>", source, re.S)
    alt = " ".join(html.unescape(m.group(1)) for m in (title, desc) if m)
    charts: dict[str, bytes] = g.setdefault("document_charts", {})
    name = f"{len(charts) + 1}.svg"
    charts[name] = source.encode("utf-8")
    return Markup('<img class="chart" src="{}/{}" alt="{}">').format(CHARTS, name, alt)


def report_for(round_: Round, agency: str | None) -> Report:
    analysis = round_analysis(round_)
    return Report(
        analysis=analysis,
        questionnaire=questionnaire(round_.questionnaire_version),
        scope=Scope(agency=agency, visible_agencies=frozenset({agency}) if agency else None),
        agency_names={a.agency_id: a.name for a in round_.agencies},
        locality_names={loc.locality_id: loc.name for loc in round_.localities},
    )


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


def render_pdf(template: str, **context: object) -> bytes:
    """Any of Boundary's PDFs: a template under templates/pdf, styled by static/css/report.css."""
    g.document_charts = {}
    try:
        html = render_template(template, generated=utc_now(), **context)
        static = Path(current_app.static_folder or "static")
        with fewer_collections():
            document = HTML(
                string=html,
                base_url=static.resolve().as_uri() + "/",
                url_fetcher=StaticFilesOnly(static, g.document_charts),
            )
            pdf: bytes = document.write_pdf(
                stylesheets=[_typesetting.stylesheet(static)],
                font_config=_typesetting.fonts,
            )
    finally:
        g.pop("document_charts", None)
    return pdf


@dataclass(frozen=True)
class RoundActions:
    """Actions from a round's workshops, and from the round before it, for the report."""

    this_round: list[WorkshopAction]
    earlier_round: Round | None
    earlier: list[WorkshopAction]

    @property
    def fingerprint(self) -> str:
        """Changes when any action shown changes, so a cached report is never stale."""
        digest = hashlib.sha256()
        for action in [*self.this_round, *self.earlier]:
            fields = (
                action.id,
                action.text,
                action.feature_id,
                action.owner_agency,
                action.due_on,
                action.status,
            )
            digest.update(repr(fields).encode())
        return digest.hexdigest()[:8]


def round_actions(round_: Round, agency: str | None) -> RoundActions:
    """An agency's report lists the actions that agency owns and the ones nobody owns yet."""

    def shown(actions: list[WorkshopAction]) -> list[WorkshopAction]:
        return [a for a in actions if agency is None or a.owner_agency in (None, agency)]

    earlier_round = previous_round(round_)
    return RoundActions(
        shown(actions_for_round(round_.id)),
        earlier_round,
        shown(actions_for_round(earlier_round.id)) if earlier_round else [],
    )


def render_report(round_: Round, agency: str | None = None, with_charts: bool = True) -> bytes:
    """Build the PDF afresh (the benchmark also renders it without charts, for comparison)."""
    report = report_for(round_, agency)
    levels = {level.id: level.group for level in report.questionnaire.levels}
    comments: dict[str, list[PublishedComment]] = {
        feature.id: [
            c
            for c in published_comments(round_.id, feature.id, report.analysis, levels)
            if agency is None or c.agency == agency
        ]
        for feature in report.questionnaire.features
    }
    return render_pdf(
        "pdf/report.html",
        round=round_,
        report=report,
        summary=executive_summary(report),
        comments=comments,
        with_charts=with_charts,
        actions=round_actions(round_, agency),
        feature_names={f.id: f.name for f in report.questionnaire.features},
    )


def workshop_report(room: RoomView) -> bytes:
    """A workshop's results, agreed levels, before-and-after votes and actions. Made afresh
    each time: it is short, and its actions' statuses change after the day."""
    q = room.questionnaire
    return render_pdf(
        "pdf/workshop.html",
        room=room,
        workshop=room.workshop,
        feature_names={f.id: f.name for f in q.features},
        agency_names={a.id: a.name for a in q.agencies},
    )


@functools.cache
def report_format(templates: str, static: str) -> str:
    """A short fingerprint of the report's template, stylesheet and chart code: a cached
    report made by an older release is never served after an upgrade."""
    digest = hashlib.sha256()
    for path in (
        Path(templates) / "pdf" / "report.html",
        Path(templates) / "pdf" / "_macros.html",
        Path(static) / "css" / "report.css",
        Path(__file__).with_name("charts.py"),
        Path(__file__).with_name("presentation.py"),
        Path(__file__).with_name("narrative.py"),
    ):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def cache_path(round_: Round, agency: str | None) -> Path:
    fingerprint = report_format(str(current_app.template_folder), str(current_app.static_folder))
    name = (
        f"{round_.public_token}-v{round_.data_version}-k{current_app.config['MIN_CELL_SIZE']}"
        f"-a{round_actions(round_, agency).fingerprint}-{fingerprint}-{agency or 'partnership'}.pdf"
    )
    return Path(current_app.instance_path) / "reports" / name


def round_report(round_: Round, agency: str | None = None) -> bytes:
    """The report, from the cache when its data has not changed since it was made."""
    path = cache_path(round_, agency)
    if path.exists():
        return path.read_bytes()
    pdf = render_report(round_, agency)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # Write then rename, so another worker never reads half a file.
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(handle, "wb") as file:
        file.write(pdf)
    os.replace(temporary, path)
    for stale in path.parent.glob(f"{round_.public_token}-v*-{agency or 'partnership'}.pdf"):
        if stale != path:
            stale.unlink(missing_ok=True)
    return pdf


def init_app(app: Flask) -> None:
    app.add_template_filter(svg_image)
