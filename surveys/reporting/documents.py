"""The PDF maturity report: HTML from templates, typeset in parts by WeasyPrint.

A report is typeset by a background job and stored with its release (stored.py), so a
download never waits for WeasyPrint.
"""

from __future__ import annotations

import functools
import hashlib
import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Flask, current_app, g, render_template
from markupsafe import Markup

from ..releases.comments import PublishedComment
from ..releases.invariance import invariance_of
from ..rounds.actions import WorkshopAction, actions_for_round
from ..rounds.models import Round, utc_now
from ..rounds.service import previous_round
from .invariance_words import invariance_words
from .narrative import executive_summary
from .presentation import Report, Scope
from .reports import NotPublished as NotPublished
from .reports import release_of, report_of

if TYPE_CHECKING:
    from ..workshops.presentation import RoomView  # for the type checker: no runtime import
    from .typesetting import Typeset

# WeasyPrint and pikepdf (.typesetting, .assembly) take about half a second to import, so they
# are imported by the functions that typeset, not here: commands and pages that render no PDF
# never load them (tests/integration/test_first_hour.py checks).


def svg_image(svg: Markup) -> Markup:
    """A chart as an <img> for WeasyPrint, which draws an SVG image far faster than inline
    SVG (it skips the HTML parser and the page's CSS cascade). The SVG itself waits in memory
    for the fetcher: as a data: URI, the HTML parser spent a tenth of the report's time
    reading its base64 one character at a time. The alt text is the chart's own title and
    description."""
    from .typesetting import CHARTS

    source = str(svg)
    title = re.search(r"<title[^>]*>(.*?)</title>", source, re.S)
    desc = re.search(r"<desc[^>]*>(.*?)</desc>", source, re.S)
    alt = " ".join(html.unescape(m.group(1)) for m in (title, desc) if m)
    charts: dict[str, bytes] = g.setdefault("document_charts", {})
    name = f"{len(charts) + 1}.svg"
    charts[name] = source.encode("utf-8")
    return Markup('<img class="chart" src="{}/{}" alt="{}">').format(CHARTS, name, alt)


def report_for(round_: Round, agency: str | None) -> Report:
    """The partnership's report, or an agency's, which shows that agency's detail only."""
    return report_of(
        round_, Scope(agency=agency, visible_agencies=frozenset({agency}) if agency else None)
    )


def _static() -> str:
    return str(Path(current_app.static_folder or "static").resolve())


def render_pdf(template: str, **context: object) -> bytes:
    """A short PDF in one piece (the workshop report): a template under templates/pdf,
    styled by static/css/report.css, its pages numbered like the round report's."""
    from .assembly import assemble, numbers_sheet
    from .typesetting import typeset

    static = _static()
    g.document_charts = {}
    try:
        html = render_template(template, generated=utc_now(), **context)
        document = typeset(html, static, g.document_charts)
    finally:
        g.pop("document_charts", None)
    return assemble([document], numbers_sheet(static, document.pages))


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


FRONT = ["cover", "contents"]


def chapters(report: Report, actions: RoundActions) -> tuple[list[str], list[str]]:
    """The report's chapters (each starts a page, its id its anchor) in two halves of about
    the same length, to be typeset side by side: the second begins at the middle feature."""
    features = [f"feature-{f.id}" for f in report.questionnaire.features]
    half = len(features) // 2
    first = ["summary", "responses", "maturity", "gaps", *features[:half]]
    second = [*features[half:], "reciprocity"]
    if actions.this_round or actions.earlier:
        second.append("actions")
    return first, [*second, "method"]


def render_report(
    round_: Round,
    agency: str | None = None,
    with_charts: bool = True,
    processes: int | None = None,
) -> bytes:
    """Build the PDF afresh (the benchmark also renders it without charts, for comparison),
    its halves typeset side by side in `processes` processes (default REPORT_PROCESSES)."""
    from .assembly import assemble, numbers_sheet, typeset_side_by_side

    report = report_for(round_, agency)
    released = release_of(round_)
    said = released.comments
    comments: dict[str, list[PublishedComment]] = {
        feature.id: [
            c for c in said if c.feature == feature.id and (agency is None or c.agency == agency)
        ]
        for feature in report.questionnaire.features
    }
    actions = round_actions(round_, agency)
    context = {
        "round": round_,
        "report": report,
        "summary": executive_summary(report),
        "comments": comments,
        "with_charts": with_charts,
        "actions": actions,
        "feature_names": {f.id: f.name for f in report.questionnaire.features},
        "generated": utc_now(),
        "invariance": (checked := invariance_of(released.release.id)),
        "invariance_text": invariance_words(
            checked, {f.id: f.name for f in report.questionnaire.features}
        ),
    }
    halves = chapters(report, actions)
    static = _static()

    def bodies() -> Iterator[tuple[str, dict[str, bytes]]]:
        for half in halves:
            g.document_charts = {}
            html = render_template("pdf/report.html", sections=half, pages={}, **context)
            yield html, g.document_charts

    try:
        parts = typeset_side_by_side(
            bodies(), static, processes or current_app.config["REPORT_PROCESSES"]
        )
    finally:
        g.pop("document_charts", None)
    front = _front(context, list(zip(halves, parts, strict=True)), static)
    total = front.pages + sum(part.pages for part in parts)
    return assemble([front, *parts], numbers_sheet(static, total))


def _front(
    context: dict[str, object], parts: list[tuple[list[str], Typeset]], static: str
) -> Typeset:
    """The cover and contents, typeset once the chapters' pages are known. The contents
    fits one page; if it ever runs over, it is typeset again with its real length (after
    which its length cannot change: the numbers keep their width)."""
    from .typesetting import typeset

    length = 2  # pages: the cover, and the contents
    for _attempt in range(2):
        pages, offset = {}, length
        for sections, part in parts:
            for section in sections:
                pages[section] = offset + part.anchors[section] + 1
            offset += part.pages
        html = render_template("pdf/report.html", sections=FRONT, pages=pages, **context)
        front = typeset(html, static)
        if front.pages == length:
            break
        length = front.pages
    return front


def workshop_report(room: RoomView) -> bytes:
    """A workshop's results, agreed levels, before-and-after votes and actions. Typeset by
    a job and stored while nothing it shows changes (surveys/workshops/report.py)."""
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
    """A short fingerprint of the report's template, stylesheet and chart code: a stored
    report made by an older version of Boundary is never served after an upgrade."""
    digest = hashlib.sha256()
    for path in (
        Path(templates) / "pdf" / "report.html",
        Path(templates) / "pdf" / "_macros.html",
        Path(static) / "css" / "report.css",
        *sorted(Path(__file__).with_name("charts").glob("*.py")),
        Path(__file__).with_name("presentation.py"),
        Path(__file__).with_name("narrative.py"),
        Path(__file__).with_name("documents.py"),
        Path(__file__).with_name("typesetting.py"),
        Path(__file__).with_name("assembly.py"),
        Path(__file__).with_name("svg_text.py"),
    ):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def init_app(app: Flask) -> None:
    app.add_template_filter(svg_image)
