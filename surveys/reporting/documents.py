"""The PDF maturity report: HTML from templates, typeset once, whole, by WeasyPrint.

A report is typeset by a background job and stored with its release (stored.py), so a
download never waits for WeasyPrint. Its charts are SVG images handed to the typesetter
with the document (see `svg_image`), so rendering needs an application, not a request.
"""

from __future__ import annotations

import functools
import hashlib
import html
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Flask, current_app, render_template
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from ..releases.comments import PublishedComment
from ..releases.invariance import invariance_of
from ..rounds.actions import WorkshopAction, actions_for_round
from ..rounds.models import Round, utc_now
from ..rounds.service import previous_round
from .at_a_glance import at_a_glance
from .invariance_words import invariance_words
from .narrative import executive_summary
from .presentation import Report, Scope
from .reports import NotPublished as NotPublished
from .reports import release_of, report_of, since_last_time

if TYPE_CHECKING:
    from ..workshops.presentation import RoomView  # for the type checker: no runtime import

# WeasyPrint (.typesetting) takes about half a second to import, so it is imported by the
# functions that typeset, not here: commands and pages that render no PDF never load it
# (tests/integration/test_first_hour.py checks).

DOCUMENT_CHARTS = "document_charts"  # the template variable that holds a document's charts


@pass_context
def svg_image(context: Context, svg: Markup) -> Markup:
    """A chart as an <img> for WeasyPrint, which draws an SVG image far faster than inline
    SVG (it skips the HTML parser and the page's CSS cascade). The SVG itself waits in the
    document's own dict of charts (the template variable `document_charts`, which the
    typesetter's fetcher reads): as a data: URI, the HTML parser spent a tenth of the report's
    time reading its base64 one character at a time. The alt text, which a tagged PDF gives
    screen readers, is the chart's own title and description."""
    from .typesetting import CHARTS  # only ever called while a PDF is being made

    source = str(svg)
    title = re.search(r"<title[^>]*>(.*?)</title>", source, re.S)
    desc = re.search(r"<desc[^>]*>(.*?)</desc>", source, re.S)
    alt = " ".join(html.unescape(m.group(1)).strip() for m in (title, desc) if m)
    charts = context.get(DOCUMENT_CHARTS)
    if not isinstance(charts, dict):
        raise TypeError("svg_image is for a PDF template rendered by documents.render_pdf")
    name = f"{len(charts) + 1}.svg"
    charts[name] = source.encode("utf-8")
    return Markup('<img class="chart" src="{}/{}" alt="{}">').format(CHARTS, name, alt)


def report_for(round_: Round, agency: str | None) -> Report:
    """The partnership's report, or an agency's, which shows that agency's detail only, with
    what changed since the round before (the summary says what moved)."""
    return report_of(
        round_,
        Scope(agency=agency, visible_agencies=frozenset({agency}) if agency else None),
        since_last_time(round_),
    )


def _static() -> str:
    return str(Path(current_app.static_folder or "static").resolve())


def render_pdf(template: str, **context: object) -> bytes:
    """A template under templates/pdf as one tagged PDF, styled by static/css/report.css,
    typeset once by WeasyPrint: its page numbers, contents and bookmarks come from the
    stylesheet. The charts its `svg_image` filter meets are kept for this document only."""
    from .typesetting import typeset

    charts: dict[str, bytes] = {}
    html = render_template(template, generated=utc_now(), **{DOCUMENT_CHARTS: charts}, **context)
    return typeset(html, _static(), charts)


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


def chapters(report: Report, actions: RoundActions) -> list[str]:
    """The report's parts in order: the cover, the contents, then the chapters (each starts
    a page, its id its anchor)."""
    features = [f"feature-{f.id}" for f in report.questionnaire.features]
    parts = ["cover", "contents", "summary", "responses", "maturity", "gaps", "declarations"]
    parts.extend(features)
    parts.append("reciprocity")
    if actions.this_round or actions.earlier:
        parts.append("actions")
    return [*parts, "method"]


def render_report(round_: Round, agency: str | None = None, with_charts: bool = True) -> bytes:
    """Build the PDF afresh (the benchmark also renders it without charts, for comparison)."""
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
    return render_pdf(
        "pdf/report.html",
        round=round_,
        report=report,
        summary=executive_summary(report),
        glance=at_a_glance(report, actions.this_round),
        comments=comments,
        with_charts=with_charts,
        actions=actions,
        feature_names={f.id: f.name for f in report.questionnaire.features},
        sections=chapters(report, actions),
        invariance=(checked := invariance_of(released.release.id)),
        invariance_text=invariance_words(
            checked, {f.id: f.name for f in report.questionnaire.features}
        ),
    )


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
    ):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def init_app(app: Flask) -> None:
    app.add_template_filter(svg_image)
