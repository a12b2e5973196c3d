"""The pages where an agency lead (or an administrator) makes their agency's declaration.

A declaration answers the round's statements as the agency's own account of how it works
with partners. It is attributed to the agency, so it has none of the survey's anonymity:
the audit log records who made or changed it, and when. Only a lead of that agency or an
administrator may see or send it.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from werkzeug.wrappers.response import Response

from ..audit import record
from ..auth.access import DECLARERS, roles_required, signed_in_user
from ..auth.models import Role
from ..database import db
from ..library import questionnaire
from ..refusals import Refused, show_at_question
from ..rounds.declarations import declaration_of, declare, may_declare
from ..rounds.models import Round, RoundAgency
from ..rounds.pages import round_or_404
from .forms import declaration_defaults, declaration_form, declared_answers

blueprint = Blueprint("declarations", __name__, url_prefix="/declarations")


@blueprint.before_request
@roles_required(DECLARERS)
def declarers_only() -> None:
    """Agency leads and administrators; the pages check which agency."""


def declarable_agencies(round_: Round) -> list[RoundAgency]:
    """The round's agencies the signed-in account may declare for."""
    user = signed_in_user()
    assert user is not None
    if user.role_enum is Role.ADMIN:
        return list(round_.agencies)
    return [a for a in round_.agencies if a.agency_id == user.agency_id]


@blueprint.get("/<slug>")
def round_declarations(slug: str) -> str | Response:
    """Which agencies of the round have declared; a lead goes straight to their own."""
    round_ = round_or_404(slug)
    agencies = declarable_agencies(round_)
    user = signed_in_user()
    assert user is not None
    if user.role_enum is Role.AGENCY_LEAD:
        if not agencies:
            abort(403, "Your agency is not part of this round.")
        return redirect(url_for(".declaration", slug=slug, agency_id=agencies[0].agency_id))
    made = {a.agency_id: declaration_of(round_, a.agency_id) for a in agencies}
    return render_template(
        "declarations/round.html",
        round=round_,
        agencies=agencies,
        made=made,
        open_for_changes=may_declare(round_),
    )


@blueprint.route("/<slug>/<agency_id>", methods=["GET", "POST"])
def declaration(slug: str, agency_id: str) -> Response | tuple[str, int]:
    round_ = round_or_404(slug)
    agency = round_.agency(agency_id)
    if agency is None:
        abort(404, "That agency is not part of this round.")
    if agency not in declarable_agencies(round_):
        abort(403, "Your account lets you make your own agency's declaration, not another's.")
    q = questionnaire(round_.questionnaire_version)
    existing = declaration_of(round_, agency_id)
    defaults = declaration_defaults(existing.values) if existing else {}
    form, sections = declaration_form(q, data=defaults)
    open_for_changes = may_declare(round_)
    if open_for_changes and form.validate_on_submit():
        try:
            declare(round_, agency_id, declared_answers(form, q), q)
        except Refused as refusal:
            db.session.rollback()
            show_at_question(form, refusal, otherwise=q.items[0].id)
        else:
            # The declaration and its audit event are committed together.
            record(
                "declaration changed" if existing else "declaration made",
                target=f"{round_.slug}: {agency.name}",
                detail=f"agency {agency_id}",
            )
            flash(f"{agency.name}'s declaration for ‘{round_.name}’ is saved.", "success")
            return redirect(url_for(".declaration", slug=slug, agency_id=agency_id))
    status = 400 if form.errors else 200
    if not open_for_changes and form.is_submitted():
        status = 409
    return render_template(
        "declarations/form.html",
        round=round_,
        agency=agency,
        form=form,
        sections=sections,
        declared=existing,
        open_for_changes=open_for_changes,
        refused_closed=not open_for_changes and form.is_submitted(),
    ), status
