"""Forms for facilitators and for the people in the room.

Labels and messages are lazy_gettext: a form class is made once, at import, and each page
shows it in that request's language. Choices are made per request, so plain gettext."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovSelect,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from ..languages import gettext as _
from ..languages import lazy_gettext
from ..questionnaire import Item, Questionnaire
from ..responses.forms import JourneyForm, agency_and_level_fields, statement_fields
from ..responses.service import today
from ..rounds.models import Round
from ..widgets import GovDateField, Radios, choices
from .models import Mode


class JoinForm(FlaskForm):
    code = StringField(
        lazy_gettext("Workshop code"),
        description=lazy_gettext("The 6 letters and numbers on the screen, for example HT4 K9C"),
        # DataRequired: spaces alone are no code.
        validators=[DataRequired(lazy_gettext("Enter the code on the screen"))],
        widget=GovTextInput(),
    )


class NewSessionForm(FlaskForm):
    title = StringField(
        lazy_gettext("Title"),
        description=lazy_gettext("For example ‘North cluster: information sharing’"),
        # DataRequired: a title of spaces alone is no title.
        validators=[
            DataRequired(lazy_gettext("Give the workshop a title")),
            Length(max=200, message=lazy_gettext("Keep the title to 200 characters or fewer")),
        ],
        widget=GovTextInput(),
    )
    held_on = GovDateField(
        lazy_gettext("Date"),
        lazy_gettext("The date"),
        validators=[InputRequired(lazy_gettext("Enter the date of the workshop"))],
    )
    round = SelectField(lazy_gettext("Survey round to link"), widget=GovSelect())
    features = SelectMultipleField(
        lazy_gettext("Features to cover"),
        validators=[InputRequired(lazy_gettext("Choose at least one feature"))],
        widget=GovCheckboxesInput(),
    )
    mode = RadioField(
        lazy_gettext("What the room answers"),
        validators=[InputRequired(lazy_gettext("Choose what the room answers"))],
        widget=Radios(),
    )
    counts = BooleanField(
        lazy_gettext("Count the room's answers in the round's results (full questionnaire only)"),
        widget=GovCheckboxInput(),
    )


def new_session_form(
    questionnaire: Questionnaire, rounds: Sequence[Round], **kwargs: Any
) -> NewSessionForm:
    form = NewSessionForm(**kwargs)
    form.round.choices = choices([("", _("No round"))] + [(r.slug, r.name) for r in rounds])
    form.features.choices = choices((f.id, f.name) for f in questionnaire.features)
    form.mode.choices = choices(
        [
            (Mode.PULSE.value, _("A pulse: one headline statement per feature")),
            (Mode.FULL.value, _("Every statement of the features covered")),
        ]
    )
    return form


class ActionForm(FlaskForm):
    text = TextAreaField(
        lazy_gettext("Action"),
        validators=[
            InputRequired(lazy_gettext("Describe the action")),
            Length(max=1000, message=lazy_gettext("Keep the action to 1,000 characters or fewer")),
        ],
        widget=GovTextArea(),
    )
    feature = SelectField(lazy_gettext("Feature"), validators=[Optional()], widget=GovSelect())
    owner = SelectField(
        lazy_gettext("Agency that owns it"), validators=[Optional()], widget=GovSelect()
    )
    due = GovDateField(
        lazy_gettext("Due by (optional)"), lazy_gettext("The due date"), validators=[Optional()]
    )

    def validate_due(self, field: GovDateField) -> None:
        # An action is agreed for the future; one due before today was mistyped.
        if field.data is not None and field.data < today():
            raise ValidationError(_("The due date must be today or later"))


def action_form(
    questionnaire: Questionnaire,
    feature_ids: Sequence[str],
    agencies: Sequence[tuple[str, str]],
    **kwargs: Any,
) -> ActionForm:
    # Prefixed: the console has other controls named "feature", and ids must be unique.
    form = ActionForm(prefix="action", **kwargs)
    form.feature.choices = choices(
        [("", _("Not one feature"))]
        + [(f.id, f.name) for f in questionnaire.features if f.id in feature_ids]
    )
    form.owner.choices = choices([("", _("Not decided")), *agencies])
    return form


class ParticipantForm(JourneyForm):
    """A participant's page: the CSRF token, the join code (as `round`), a one-time ballot,
    and what the page asked (which vote, which statements), so that an answer to a page the
    facilitator has moved on from is recognised as such."""

    ballot = HiddenField()
    vote = HiddenField()
    asked = HiddenField()


def about_form(
    questionnaire: Questionnaire, agencies: Sequence[tuple[str, str]], **kwargs: Any
) -> ParticipantForm:
    fields = agency_and_level_fields(agencies, questionnaire)
    form_class: type[ParticipantForm] = type("RoomAboutForm", (ParticipantForm,), fields)
    return form_class(**kwargs)


def answers_form(
    questionnaire: Questionnaire, items: Sequence[Item], **kwargs: Any
) -> ParticipantForm:
    fields = statement_fields(items, questionnaire)
    form_class: type[ParticipantForm] = type("RoomAnswersForm", (ParticipantForm,), fields)
    return form_class(**kwargs)
