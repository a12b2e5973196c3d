"""Deleting a round and everything it holds, from the web: the administrator types the
round's short name to confirm, as the command line asks (see surveys/retention.py)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovTextInput
from werkzeug.wrappers.response import Response
from wtforms import StringField
from wtforms.validators import InputRequired, Length

from ..auth.access import ADMINS, roles_required, signed_in_user
from ..retention import delete_round, round_contents
from ..rounds.pages import round_or_404

blueprint = Blueprint("deletion", __name__, url_prefix="/manage")


class DeleteRoundForm(FlaskForm):
    confirm = StringField(
        "Type the round's short name to confirm",
        validators=[
            InputRequired("Type the round's short name to delete it"),
            Length(max=200, message="That is not the round's short name"),
        ],
        widget=GovTextInput(),
    )


@blueprint.before_request
@roles_required(ADMINS)
def admins_only() -> None:
    """Only administrators delete rounds."""


@blueprint.route("/rounds/<slug>/delete", methods=["GET", "POST"])
def delete(slug: str) -> Response | tuple[str, int]:
    round_ = round_or_404(slug)
    form = DeleteRoundForm()
    form.confirm.description = f"It is {round_.slug}"
    if form.validate_on_submit():
        if (form.confirm.data or "").strip() != round_.slug:
            form.confirm.errors = [
                f"That is not this round's short name. Type {round_.slug} to delete it"
            ]
        else:
            user = signed_in_user()
            name = round_.name
            deleted = delete_round(round_, by=user.email if user else "")
            flash(f"The round ‘{name}’ has been deleted: {deleted.describe()}.", "success")
            return redirect(url_for("manage.rounds"))
    status = 400 if form.errors else 200
    return render_template(
        "manage/delete_round.html", round=round_, contents=round_contents(round_), form=form
    ), status
