"""Forms for managing rounds and users, and for an agency's declaration."""

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

from ..questionnaire import Feature, Questionnaire
from ..responses.answers import DONT_KNOW
from ..responses.forms import statement_fields
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


class DeclarationForm(FlaskForm):
    """An agency's declaration: one question per statement of the round's questionnaire,
    added at run time (the round pins its version)."""

    def validate(self, extra_validators: Any = None) -> bool:
        valid: bool = super().validate(extra_validators)
        # An answer no page offered (a 7, say) gets words that say what to do, at its
        # statement, rather than WTForms' "Not a valid choice".
        for name, field in self._fields.items():
            if name != "csrf_token" and field.errors and field.data not in ("", None):
                offered = {str(choice.value) for choice in getattr(field, "choices", []) or []}
                if field.data not in offered:
                    label = field.label.text.split(".", 1)[0]
                    field.errors = [f"Choose one of the answers offered for statement {label}"]
        return valid


def declaration_form(
    questionnaire: Questionnaire, **kwargs: Any
) -> tuple[DeclarationForm, list[tuple[Feature, list[str]]]]:
    """The form, and the field names of each feature's statements, in order, for the page's
    sections. Statements are numbered across the whole form, so an error ("statement 12")
    points at one."""
    fields = statement_fields(questionnaire.items, questionnaire)
    form_class = type("RoundDeclarationForm", (DeclarationForm,), fields)
    form = form_class(**kwargs)
    sections = [
        (feature, [item.id for item in feature.items]) for feature in questionnaire.features
    ]
    return form, sections


def declared_answers(form: DeclarationForm, questionnaire: Questionnaire) -> dict[str, int | None]:
    """The form's answers as the service takes them: 1-5, or None for "don't know"."""
    return {
        item.id: None if form[item.id].data == DONT_KNOW else int(form[item.id].data)
        for item in questionnaire.items
    }


def declaration_defaults(values: dict[str, int | None]) -> dict[str, str]:
    """A stored declaration as the form's answers, to change it."""
    return {item: DONT_KNOW if value is None else str(value) for item, value in values.items()}
