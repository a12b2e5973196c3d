"""Invitation codes: respondents enter one before they start; admins and managers issue them.

A respondent's code waits in their browser session (per round), like the draft's resume code,
until the response is sent; it is spent in the transaction that stores the response
(responses/service.submit_draft). It fixes the respondent's agency: the about-you page
offers only the code's agency.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovTextInput
from werkzeug.wrappers.response import Response as WerkzeugResponse
from wtforms import RadioField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, ValidationError

from .. import audit, limits
from ..auth.access import FULL_REPORT_READERS, roles_required
from ..delivery import not_compressed
from ..languages import gettext as _
from ..languages import lazy_gettext
from ..links import public_base
from ..refusals import show_at_question
from ..rounds.models import Round
from ..rounds.pages import round_or_404
from ..rounds.service import find_round_by_token
from ..spreadsheets import csv_text
from ..stuffing import service as stuffing
from ..widgets import Radios, choices
from . import service

View = str | WerkzeugResponse | tuple[str, int]

enter = Blueprint("invitation", __name__, url_prefix="/r/<token>/invitation")
issue = Blueprint("invitations", __name__, url_prefix="/rounds/<slug>/invitations")

WRONG_CODE = lazy_gettext(
    "This code is not recognised, or it has already been used. Check the code on your "
    "invitation; each code can send one response"
)
SPENT_MEANWHILE = lazy_gettext(
    "This code has just been used to send a response, so it cannot send yours. Your answers "
    "are kept: enter another code from your agency to send them"
)


def init_app(app: Flask) -> None:
    app.register_blueprint(enter)
    app.register_blueprint(issue)
    # Round pages for admins and managers warn of bursts (invitations/_stuffing_banner.html).
    app.jinja_env.globals["round_bursts"] = stuffing.bursts


# --- what the respondent's browser holds ----------------------------------------------------


def held_code(token: str) -> str | None:
    code: str | None = session.get("invitations", {}).get(token)
    return code


def hold(token: str, code: str) -> None:
    codes = dict(session.get("invitations", {}))
    codes[token] = code
    session["invitations"] = codes


def forget(token: str) -> None:
    codes = dict(session.get("invitations", {}))
    codes.pop(token, None)
    session["invitations"] = codes


def code_agency(round_: Round) -> str | None:
    """The agency the browser's code is for, while the code is unused; else None."""
    if not round_.invitations_required:
        return None
    code = held_code(round_.public_token)
    return service.unused_code_agency(round_, code) if code else None


# Pages of the journey that need no code: the confirmation and the saved-for-later page.
NO_CODE_NEEDED = frozenset({"respond.done", "respond.saved", "respond.new_response"})


def gate(round_: Round) -> WerkzeugResponse | None:
    """Called before every page of the journey: a round that needs codes asks for one first."""
    if not round_.invitations_required or request.endpoint in NO_CODE_NEEDED:
        return None
    if code_agency(round_) is not None:
        return None
    # A code held here but no longer usable was spent by another send meanwhile.
    spent: dict[str, Any] = {"spent": 1} if held_code(round_.public_token) else {}
    forget(round_.public_token)
    return redirect(url_for("invitation.enter_code", token=round_.public_token, **spent))


def fix_agency(form: Any, round_: Round) -> None:
    """On the about-you page, the code's agency is the only one offered."""
    agency = code_agency(round_)
    if agency is not None:
        field = form["agency"]
        field.choices = [choice for choice in field.choices if choice.value == agency]
        field.data = agency


# --- entering a code ------------------------------------------------------------------------


@enter.url_value_preprocessor
def load_round(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    round_ = find_round_by_token((values or {}).pop("token", ""))
    if round_ is None:
        abort(404, _("This survey link is not recognised. Check that you copied the whole link."))
    g.round = round_


@enter.url_defaults
def add_token(_endpoint: str, values: dict[str, Any]) -> None:
    if "token" not in values and "round" in g:
        values["token"] = g.round.public_token


class CodeForm(FlaskForm):
    code = StringField(
        lazy_gettext("Enter your invitation code"),
        description=lazy_gettext(
            "The 8 letters and numbers on your invitation, for example ABCD-EF23"
        ),
        validators=[DataRequired(lazy_gettext("Enter the code on your invitation"))],
        widget=GovTextInput(),
    )


def misses_allowed() -> bool:
    return limits.allowed(
        current_app.config["LIMIT_INVITATION_MISSES"], "invitation-misses", limits.client_key()
    )


OFFERED = "invitation-offered"  # session key: a code from a link, shown but not yet accepted


@enter.route("", methods=["GET", "POST"])
def enter_code() -> View:
    """A code is accepted only from the form, by a POST with the CSRF token.

    A link carrying `?code=` (the CSV's mail-merge links) only fills the form in: the code
    is put in the session and the browser is sent to the bare address, so the code leaves
    the address bar, and the respondent presses Continue to use it. A link someone else
    made therefore cannot fix a victim's agency, or spend a code, behind their back."""
    round_: Round = g.round
    if not round_.is_open:
        return redirect(url_for("respond.start", token=round_.public_token))
    if not round_.invitations_required:
        return redirect(url_for("respond.start", token=round_.public_token))
    if request.method == "GET" and "code" in request.args:
        offered = service.normalise(request.args.get("code", ""))[: service.CODE_LENGTH]
        if offered:
            session[OFFERED] = {round_.public_token: service.pretty(offered)}
        return redirect(url_for("invitation.enter_code", token=round_.public_token))
    form = CodeForm()
    from_link = False
    if request.method == "GET":
        offered = session.pop(OFFERED, {}).get(round_.public_token)
        if offered:
            form.code.data = offered
            from_link = True
    if form.validate_on_submit():
        if not misses_allowed():
            return limits.too_many(limits.INVITATION_MISSES, 60 * 60)
        code = service.normalise(form.code.data or "")
        agency = service.unused_code_agency(round_, code)
        if agency is not None:
            # The survey's start page, next, takes the agency from the held code.
            hold(round_.public_token, code)
            return redirect(url_for("respond.start", token=round_.public_token))
        limits.hit(
            current_app.config["LIMIT_INVITATION_MISSES"], "invitation-misses", limits.client_key()
        )
        form.code.errors = [str(WRONG_CODE)]
    elif request.args.get("spent"):
        form.code.errors = [str(SPENT_MEANWHILE)]
    return render_template("invitations/enter.html", form=form, round=round_, from_link=from_link)


# --- issuing codes, for admins and managers --------------------------------------------------


@issue.before_request
@roles_required(FULL_REPORT_READERS)
def readers_only() -> None:
    """Admins and partnership managers issue codes and watch for stuffing."""


class IssueForm(FlaskForm):
    agency = SelectField(
        "Agency", validators=[InputRequired("Choose an agency")], widget=GovSelect()
    )
    how_many = StringField(
        "How many codes",
        description=f"One for each member of staff you will invite, up to {service.MOST_AT_ONCE:,}",
        validators=[DataRequired("Enter how many codes to make")],
        widget=GovTextInput(),
    )

    def validate_how_many(self, field: StringField) -> None:
        text = (field.data or "").strip().replace(",", "")
        if not text.isdecimal() or not text.isascii():
            raise ValidationError("Enter how many codes to make as a whole number, like 40")
        # Length first: int() of thousands of digits is refused by Python itself.
        if len(text.lstrip("0")) > 4 or not 1 <= int(text) <= service.MOST_AT_ONCE:
            raise ValidationError(f"Enter a number from 1 to {service.MOST_AT_ONCE:,}")

    output = RadioField(
        "How do you want them",
        choices=choices(
            [("page", "On a page to print"), ("csv", "As a spreadsheet (CSV) to download")]
        ),
        default="page",
        validators=[InputRequired("Choose how you want the codes")],
        widget=Radios(),
    )


def issue_form(round_: Round) -> IssueForm:
    form = IssueForm()
    form.agency.choices = choices(
        [("", "Choose an agency")] + [(a.agency_id, a.name) for a in round_.agencies]
    )
    return form


def round_page(round_: Round, form: IssueForm | None = None) -> View:
    return render_template(
        "invitations/round.html",
        round=round_,
        counts=service.counts(round_),
        bursts=stuffing.bursts(round_),
        watching_bursts=stuffing.watching(),
        form=form or issue_form(round_),
        toggle=FlaskForm(),
    )


@issue.get("")
def overview(slug: str) -> View:
    return round_page(round_or_404(slug))


@issue.post("/required")
def required(slug: str) -> View:
    round_ = round_or_404(slug)
    if not FlaskForm().validate():
        abort(400, "The form could not be checked. Nothing was changed.")
    wanted = request.form.get("required") == "yes"
    service.set_required(round_, wanted)
    audit.record(
        "invitation codes required" if wanted else "invitation codes not required",
        target=round_.slug,
    )
    flash(
        "Respondents now need an invitation code to answer."
        if wanted
        else "Respondents no longer need an invitation code."
    )
    # Staff of an agency with no codes cannot answer at all now: say so while it can be put right.
    without = [a.name for a in service.counts(round_).agencies if a.issued == 0]
    if wanted and without:
        flash(
            f"No codes have been made yet for: {', '.join(without)}. Their staff cannot answer "
            "until you make codes for them."
        )
    return redirect(url_for(".overview", slug=round_.slug))


@issue.post("")
@not_compressed  # the new codes, on a page or in a CSV: see surveys/delivery.py on BREACH
def make_codes(slug: str) -> View | Response:
    round_ = round_or_404(slug)
    form = issue_form(round_)
    if not form.validate():
        return round_page(round_, form)
    try:
        codes = service.issue(
            round_, form.agency.data, int(form.how_many.data.strip().replace(",", ""))
        )
    except service.InvitationError as error:
        show_at_question(form, error, "agency")
        return round_page(round_, form)
    agency = round_.agency(form.agency.data)
    name = agency.name if agency else form.agency.data
    # How many, for whom and in what form; never the codes themselves.
    audit.record(
        "invitation codes issued",
        target=round_.slug,
        detail=f"{len(codes)} for {form.agency.data}, "
        + ("downloaded as CSV" if form.output.data == "csv" else "shown on a page"),
    )
    link = public_base() + url_for("invitation.enter_code", token=round_.public_token)
    if form.output.data == "csv":
        rows = [[round_.name, name, code, f"{link}?code={code}"] for code in codes]
        return Response(
            csv_text([["round", "agency", "code", "link"], *rows]).encode("utf-8-sig"),
            mimetype="text/csv",
            headers={
                "Content-Disposition": (
                    f'attachment; filename="{round_.slug}-{form.agency.data}-codes.csv"'
                )
            },
        )
    return render_template(
        "invitations/codes.html", round=round_, agency=name, codes=codes, link=link
    )
