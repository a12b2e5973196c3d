"""Results for partnership managers and agency leads: dashboard, feature detail, downloads."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers.response import Response as WerkzeugResponse

from ..analysis.engine import version_refusal
from ..audit import record_download
from ..auth.access import (
    ADMINS,
    DECLARERS,
    FULL_REPORT_READERS,
    REPORT_READERS,
    may_see_agency,
    roles_required,
    signed_in_user,
)
from ..database import db
from ..library import questionnaire
from ..paging import page_of, pagination
from ..releases.invariance import invariance_of
from ..releases.service import Published, live_response_counts, published
from ..rounds.models import Round
from ..rounds.pages import round_or_404
from ..rounds.service import find_round
from . import exports, stored
from .at_a_glance import at_a_glance
from .documents import round_actions
from .invariance_words import invariance_words
from .models import ReportState
from .narrative import executive_summary
from .presentation import Report, Scope
from .reports import NotPublished, comparable_rounds, report_of, since_last_time

blueprint = Blueprint("reports", __name__, url_prefix="/reports")


@blueprint.before_request
@roles_required(REPORT_READERS)
def readers_only() -> None:
    """Every page here needs a manager, an agency lead or an administrator."""


def reader_scope(round_: Round) -> Scope:
    """The reader's filters, checked against what their role lets them see."""
    user = signed_in_user()
    assert user is not None
    agency = request.args.get("agency") or None
    locality = request.args.get("locality") or None
    if agency and round_.agency(agency) is None:
        abort(404, "That agency is not part of this round.")
    if locality and round_.locality(locality) is None:
        abort(404, "That locality is not part of this round.")
    if agency and not may_see_agency(user, agency):
        abort(403, "Your account lets you see your own agency's detail, not another's.")
    if agency and locality:
        abort(400, "Choose an agency or a locality, not both: the groups would be too small.")
    visible = None if user.role_enum in FULL_REPORT_READERS else frozenset({user.agency_id or ""})
    return Scope(agency=agency, locality=locality, visible_agencies=visible)


def release_or_404(round_: Round) -> Published:
    found = published(round_)
    if found is None:
        abort(404, f"The results of ‘{round_.name}’ have not been published yet.")
    return found


def build_report(round_: Round, scope: Scope, earlier: Round | None = None) -> Report:
    try:
        return report_of(round_, scope, earlier)
    except NotPublished as missing:
        abort(404, f"The results of ‘{missing.round_name}’ have not been published yet.")


def other_version_rounds(round_: Round) -> set[str]:
    """The other questionnaire versions that other rounds used, to say why they are not
    offered for comparison."""
    return set(
        db.session.scalars(
            select(Round.questionnaire_version)
            .where(Round.questionnaire_version != round_.questionnaire_version)
            .distinct()
        )
    )


@blueprint.get("")
def rounds() -> str:
    all_rounds = db.session.scalars(select(Round).order_by(Round.opens_at.desc())).all()
    return render_template("reports/rounds.html", rounds=all_rounds)


@blueprint.get("/<slug>")
def dashboard(slug: str) -> str:
    round_ = round_or_404(slug)
    scope = reader_scope(round_)
    user = signed_in_user()
    found = published(round_)
    if found is None:
        # Before the first release a reader sees how many have answered, and nothing else.
        return render_template(
            "reports/awaiting.html",
            round=round_,
            responses=live_response_counts(round_),
            agency_names={a.agency_id: a.name for a in round_.agencies},
            level_names={
                level.id: level.name for level in questionnaire(round_.questionnaire_version).levels
            },
            is_admin=user is not None and user.role_enum in ADMINS,
            can_declare=user is not None and user.role_enum in DECLARERS,
        )
    earlier_slug = request.args.get("compare")
    if earlier_slug is None:
        # Nothing chosen: since last time, which is what a board asks first. Choosing "No
        # earlier round" sends compare= (empty), and compares with nothing.
        earlier = since_last_time(round_)
    elif earlier_slug:
        earlier = next((r for r in comparable_rounds(round_) if r.slug == earlier_slug), None)
        other = find_round(earlier_slug) if earlier is None else None
        if other is not None and other.questionnaire_version != round_.questionnaire_version:
            abort(
                400,
                version_refusal(
                    other.name,
                    other.questionnaire_version,
                    round_.name,
                    round_.questionnaire_version,
                ),
            )
        if earlier is None:
            abort(404, "That round cannot be compared with this one.")
    else:
        earlier = None
    report = build_report(round_, scope, earlier)
    return render_template(
        "reports/dashboard.html",
        round=round_,
        release=found.release,
        report=report,
        invariance=(checked := invariance_of(found.release.id)),
        invariance_text=invariance_words(
            checked, {f.id: f.name for f in report.questionnaire.features}
        ),
        summary=executive_summary(report),
        glance=at_a_glance(report, round_actions(round_, scope.agency).this_round),
        comparable=comparable_rounds(round_),
        other_versions=sorted(other_version_rounds(round_)),
        earlier=earlier,
        full_access=user is not None and user.role_enum in FULL_REPORT_READERS,
        is_admin=user is not None and user.role_enum in ADMINS,
        own_agency=user.agency_id if user else None,
        can_declare=user is not None and user.role_enum in DECLARERS,
    )


SCOPE_ARGS = ("agency", "locality")


@blueprint.get("/<slug>/features/<feature_id>")
def feature(slug: str, feature_id: str) -> str | WerkzeugResponse:
    round_ = round_or_404(slug)
    scope = reader_scope(round_)
    if published(round_) is None:
        return redirect(url_for(".dashboard", slug=slug))  # which says what is published when
    report = build_report(round_, scope)
    summary = next((s for s in report.feature_summaries() if s.feature.id == feature_id), None)
    if summary is None:
        abort(404, "There is no such feature in this round's questionnaire.")
    comments = [
        c
        for c in release_or_404(round_).comments
        if c.feature == feature_id
        and scope.may_see(c.agency)
        and (scope.agency is None or c.agency == scope.agency)
        and scope.locality is None
    ]
    page = page_of(comments, request.args.get("page"))
    # The reader's scope stays as it is from page to page; nothing else is carried over.
    others: dict[str, Any] = {k: v for k, v in request.args.items() if k in SCOPE_ARGS}
    return render_template(
        "reports/feature.html",
        round=round_,
        report=report,
        summary=summary,
        comments=page.items,
        comments_page=page,
        comments_pagination=pagination(
            page,
            lambda number: (
                url_for(".feature", slug=slug, feature_id=feature_id, **others, page=number)
                + "#comments"
            ),
        ),
    )


def report_agency(round_: Round) -> str | None:
    """The agency whose report is asked for (None: the partnership's), if the reader may
    have it."""
    agency = request.args.get("agency") or None
    user = signed_in_user()
    assert user is not None
    if agency is None and user.role_enum not in FULL_REPORT_READERS:
        abort(403, "Your account gives you your own agency's report, not the partnership's.")
    scope = reader_scope(round_)
    if scope.locality:
        abort(400, "Reports are for the partnership or one agency.")
    return agency


@blueprint.get("/<slug>/report.pdf")
def pdf(slug: str) -> WerkzeugResponse:
    """The stored report; until it is ready, the page that says how it is coming along."""
    round_ = round_or_404(slug)
    agency = report_agency(round_)
    release = release_or_404(round_).release
    report = stored.ask_for(round_, agency)
    if report.state != ReportState.READY:
        return redirect(url_for(".report", slug=slug, agency=agency))
    document = stored.pdf_of(report)
    record_download(f"report{' ' + agency if agency else ''} (PDF)", round_, release.number)
    name = f"boundary-{round_.slug}-release-{release.number}{'-' + agency if agency else ''}.pdf"
    return Response(
        document,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


@blueprint.get("/<slug>/report")
def report(slug: str) -> tuple[str, int]:
    """A report being prepared (the page looks again every few seconds, by itself), ready
    to download, or failed, with a button to try again."""
    round_ = round_or_404(slug)
    agency = report_agency(round_)
    release = release_or_404(round_).release
    found = stored.ask_for(round_, agency)
    listed = round_.agency(agency) if agency else None
    agency_name = listed.name if listed else None
    page = render_template(
        "reports/report.html",
        round=round_,
        release=release,
        agency=agency,
        agency_name=agency_name,
        report=found,
        refresh_seconds=REFRESH_SECONDS,
    )
    # 202 while the job works; 503 once it has failed (a reader may try again).
    status = {ReportState.READY: 200, ReportState.FAILED: 503}.get(ReportState(found.state), 202)
    return page, status


REFRESH_SECONDS = 3


@blueprint.post("/<slug>/report")
def try_report_again(slug: str) -> WerkzeugResponse:
    round_ = round_or_404(slug)
    agency = report_agency(round_)
    release_or_404(round_)
    stored.try_again(round_, agency)
    return redirect(url_for(".report", slug=slug, agency=agency))


@blueprint.get("/<slug>/analysis.<any(csv, xlsx):file_format>")
@roles_required(FULL_REPORT_READERS)
def analysis_export(slug: str, file_format: str) -> Response:
    round_ = round_or_404(slug)
    found = release_or_404(round_)
    analysis = found.analysis
    checked = invariance_of(found.release.id)
    record_download(f"analysis ({file_format.upper()})", round_, found.release.number)
    if file_format == "csv":
        body: bytes = exports.analysis_csv(
            analysis, questionnaire(round_.questionnaire_version), invariance=checked
        ).encode("utf-8-sig")
        mimetype = "text/csv"
    else:
        body = exports.analysis_xlsx(
            analysis, questionnaire(round_.questionnaire_version), invariance=checked
        )
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(
        body,
        mimetype=mimetype,
        headers={
            "Content-Disposition": (
                f'attachment; filename="boundary-{round_.slug}-release-'
                f'{found.release.number}.{file_format}"'
            )
        },
    )
