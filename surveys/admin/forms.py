"""Forms for managing rounds and users."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from ..questionnaire import Questionnaire
from ..widgets import GovDateField, Radios, choices


class RoundForm(FlaskForm):
    name = StringField(
        "Name of the round",
        description="For example ‘Autumn 2026 baseline’. Respondents see it.",
        validators=[InputRequired("Enter a name for the round"), Length(max=200)],
        widget=GovTextInput(),
    )
    slug = StringField(
        "Short name for links and commands",
        description="Lowercase letters, digits and hyphens, for example autumn-2026. "
        "It cannot be changed later.",
        validators=[Optional(), Length(max=80)],
        widget=GovTextInput(),
    )
    opens = GovDateField(
        "First day people can answer",
        "The first day",
        description="For example 1 3 2027",
        validators=[InputRequired("Enter the first day people can answer")],
    )
    closes = GovDateField(
        "Last day people can answer",
        "The last day",
        description="The round closes at 11:59pm on this day.",
        validators=[InputRequired("Enter the last day people can answer")],
    )
    agencies = SelectMultipleField(
        "Agencies taking part",
        validators=[InputRequired("Choose at least one agency")],
        widget=GovCheckboxesInput(),
    )
    localities = TextAreaField(
        "Localities or clusters (optional)",
        description="One per line. Respondents can say which they mostly work in; results are "
        "shown for each one with enough answers.",
        validators=[Optional(), Length(max=2000)],
        widget=GovTextArea(),
    )

    def validate_closes(self, field: GovDateField) -> None:
        opens: date | None = self.opens.data
        if opens and field.data and field.data < opens:
            raise ValidationError("The last day must be on or after the first day")


class NewRoundForm(RoundForm):
    """Creating a round also pins its questionnaire version, which never changes after."""

    version = RadioField(
        "Questionnaire version",
        description="Use the current version unless this round is to be compared statement "
        "by statement with an earlier round that used an older one. Rounds on different "
        "versions cannot be compared, and the version cannot be changed later.",
        # Left out (a script's post), the current version is used.
        validators=[Optional()],
        widget=Radios(),
    )


def round_form(questionnaire: Questionnaire, **kwargs: Any) -> RoundForm:
    form = RoundForm(**kwargs)
    form.agencies.choices = choices((a.id, a.name) for a in questionnaire.agencies)
    return form


def new_round_form(
    library: dict[str, Questionnaire], current: Questionnaire, **kwargs: Any
) -> NewRoundForm:
    """Agencies are the current version's (every shipped version has the same list)."""
    form = NewRoundForm(**kwargs)
    form.agencies.choices = choices((a.id, a.name) for a in current.agencies)
    form.version.choices = choices(
        (version, f"{version} (current)" if version == current.version else version)
        for version in sorted(library, reverse=True)
    )
    return form
