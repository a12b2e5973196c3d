"""The short survey address on posters: /s/HT4K-9CWX, or /survey to type the code.

Both lead to the same survey link as the long address (the agency's, if the code is an
agency's), so nothing past this point knows how the respondent arrived.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovTextInput
from werkzeug.wrappers.response import Response
from wtforms import StringField
from wtforms.validators import DataRequired

from ..languages import gettext as _
from ..languages import lazy_gettext
from ..rounds import short_codes
from ..rounds.models import Round

blueprint = Blueprint("survey_code", __name__)

UNKNOWN = lazy_gettext(
    "There is no survey with this code. Check the code on the poster or in the message"
)
MALFORMED = lazy_gettext(
    "Enter the 8 letters and numbers of the survey code, for example HT4K-9CWX. "
    "Codes use no 0, 1, 2, 5 or 8"
)


class SurveyCodeForm(FlaskForm):
    code = StringField(
        lazy_gettext("Survey code"),
        description=lazy_gettext("The 8 letters and numbers on the poster, for example HT4K-9CWX"),
        # DataRequired: spaces alone are no code.
        validators=[DataRequired(lazy_gettext("Enter the survey code"))],
        widget=GovTextInput(),
    )


def survey_address(round_: Round, agency_id: str | None) -> str:
    if agency_id:
        return url_for("respond.agency_link", token=round_.public_token, agency_id=agency_id)
    return url_for("respond.start", token=round_.public_token)


@blueprint.route("/survey", methods=["GET", "POST"])
def enter_code() -> str | Response:
    form = SurveyCodeForm()
    if form.validate_on_submit():
        typed = short_codes.normalise(form.code.data or "")
        found = short_codes.find_link(typed)
        if found is not None:
            return redirect(survey_address(*found))
        form.code.errors = [str(UNKNOWN if short_codes.well_formed(typed) else MALFORMED)]
    return render_template("respond/survey_code.html", form=form)


@blueprint.get("/s/<code>")
def short_address(code: str) -> Response:
    found = short_codes.find_link(code)
    if found is None:
        abort(
            404,
            _(
                "There is no survey with this code. Check the code on the poster or in the "
                "message, or type it at %(address)s.",
                address=url_for(".enter_code", _external=True),
            ),
        )
    return redirect(survey_address(*found))
