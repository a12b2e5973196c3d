"""The journey's forms, built at run time from the questionnaire and the round.

Two kinds of bad input are kept apart. A missing answer is an honest slip: the form
shows the GOV.UK error summary and keeps every answer given. A value no page offered
(a 7, an unknown item, another round's id) is a tampered post: `tampering()` names it,
and the view answers 400 and stores nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovCheckboxesInput
from werkzeug.datastructures import MultiDict
from wtforms import (
    Field,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectMultipleField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from ..languages import gettext as _
from ..questionnaire import Feature, Item, Questionnaire, ScalePoint
from ..rounds.models import Round
from ..widgets import Radios, choices
from .answers import COMMENT_MAX_LENGTH, DONT_KNOW, NOT_APPLICABLE, NOT_SAID
from .journey import NO_PARTNERS, rating_key, statement_numbers

ACTIONS = ("continue", "save")  # the two buttons on every section page


ANSWER_FIELDS_SKIPPED = ("round", "csrf_token")


class JourneyForm(FlaskForm):
    """A page of the journey; it carries its round's token so a post cannot cross rounds."""

    # A label of its own: without one WTForms translates a made-up "Round" for it, and
    # Flask-WTF reads WTForms' message catalogue from disk to do so, in every request that
    # builds a form. A hidden field's label is never shown.
    round = HiddenField(label="")

    def tampering(self, formdata: MultiDict[str, str], round_token: str) -> str | None:
        """Why this post cannot have come from our page, or None if it could have."""
        if formdata.get("round") != round_token:
            return _("The form was sent for a different survey round. Nothing was saved.")
        expected = set(self._fields) | {"action"}
        for key in formdata:
            if key not in expected:
                return _(
                    "The form sent an answer to %(key)s, which is not a question here.",
                    key=repr(key),
                )
        action = formdata.getlist("action")
        if len(action) > 1 or (action and action[0] not in ACTIONS):
            return _("The form was sent with an unknown button.")
        for name, form_field in self._fields.items():
            values = formdata.getlist(name)
            if isinstance(form_field, SelectMultipleField):
                allowed = _choice_values(form_field)
                if len(set(values)) != len(values):
                    return _("The form sent the same answer to %(name)s twice.", name=repr(name))
            elif isinstance(form_field, RadioField):
                allowed = _choice_values(form_field) | {""}
                if len(values) > 1:
                    return _("The form sent more than one answer to %(name)s.", name=repr(name))
            else:
                if len(values) > 1:
                    return _("The form sent more than one answer to %(name)s.", name=repr(name))
                continue
            for value in values:
                if value not in allowed:
                    return _(
                        "%(value)s is not one of the answers offered for %(name)s.",
                        value=repr(value),
                        name=repr(name),
                    )
        return None

    def answers(self, names: Iterable[str] | None = None) -> dict[str, str]:
        """The posted answers (all, or these fields), as strings, for keeping in the draft.

        The CSRF token and round never go in: the token carries a time of day.
        """
        chosen = names if names is not None else self._fields
        return {
            name: self._fields[name].data or ""
            for name in chosen
            if name not in ANSWER_FIELDS_SKIPPED
        }


def _choice_values(form_field: Field) -> set[str]:
    return {str(choice.value) for choice in getattr(form_field, "choices", None) or []}


def _scale_choices(points: Iterable[ScalePoint], dont_know: str) -> list[SelectChoice]:
    return choices([(str(p.value), p.label) for p in points] + [(DONT_KNOW, dont_know)])


def _form_class(name: str, fields: dict[str, Field]) -> type[JourneyForm]:
    return type(name, (JourneyForm,), fields)


def agency_and_level_fields(
    agencies: Iterable[tuple[str, str]], questionnaire: Questionnaire
) -> dict[str, Any]:
    """The two questions every answer is grouped by, in the survey and in a workshop room."""
    return {
        "agency": RadioField(
            _("Which agency do you work for?"),
            choices=choices(agencies),
            validators=[InputRequired(_("Select the agency you work for"))],
            widget=Radios(),
        ),
        "level": RadioField(
            _("Which best describes your role?"),
            choices=choices((level.id, level.name) for level in questionnaire.levels),
            validators=[InputRequired(_("Select the option that best describes your role"))],
            widget=Radios(),
        ),
    }


def _statement_choices(item: Item, questionnaire: Questionnaire) -> list[SelectChoice]:
    """Agree-disagree (or a bipolar statement's own answers), then the non-answers: don't
    know, and "not applicable to my role" where the questionnaire offers it."""
    points = item.poles if item.bipolar else questionnaire.scale
    options = [(str(p.value), p.label) for p in points] + [(DONT_KNOW, questionnaire.dont_know)]
    if questionnaire.not_applicable is not None:
        options.append((NOT_APPLICABLE, questionnaire.not_applicable.label))
    return choices(options)


def statement_fields(
    items: Iterable[Item], questionnaire: Questionnaire, numbers: dict[str, int] | None = None
) -> dict[str, Any]:
    """One question per statement, with its answers and the non-answers. Statements are
    numbered so an error ("statement 3") points at one without repeating it: by `numbers`
    (their place in the whole survey, shown beside each as "Statement 12 of 32"), else 1, 2,
    3 on the page."""
    listed = list(items)
    number_of = numbers or {item.id: n for n, item in enumerate(listed, 1)}
    return {
        item.id: RadioField(
            # Numbered in the label only when the page does not show "Statement N of M".
            item.text if numbers else f"{number_of[item.id]}. {item.text}",
            # A bipolar statement's answers are not agree-disagree: say so under it.
            description=_("Choose the answer closest to your experience.") if item.bipolar else "",
            choices=_statement_choices(item, questionnaire),
            validators=[
                InputRequired(
                    _("Select an answer to statement %(number)s", number=number_of[item.id])
                    if item.bipolar
                    else _(
                        "Select how far you agree with statement %(number)s",
                        number=number_of[item.id],
                    )
                )
            ],
            widget=Radios(),
        )
        for item in listed
    }


def about_you_form(round_: Round, questionnaire: Questionnaire, **kwargs: Any) -> JourneyForm:
    fields = agency_and_level_fields(
        ((a.agency_id, a.name) for a in round_.agencies), questionnaire
    )
    if round_.localities:
        fields["locality"] = RadioField(
            _("Which locality or cluster do you mostly work in? (optional)"),
            choices=choices(
                [(loc.locality_id, loc.name) for loc in round_.localities]
                + [(NOT_SAID, _("Prefer not to say"))]
            ),
            validators=[Optional()],
            widget=Radios(),
        )
    for question in questionnaire.context:
        fields[question.id] = RadioField(
            _("%(question)s (optional)", question=question.question),
            description=question.hint,
            choices=choices(
                [(o.id, o.name) for o in question.options] + [(NOT_SAID, _("Prefer not to say"))]
            ),
            validators=[Optional()],
            widget=Radios(),
        )
    return _form_class("AboutYouForm", fields)(**kwargs)


def feature_form(feature: Feature, questionnaire: Questionnaire, **kwargs: Any) -> JourneyForm:
    fields = statement_fields(feature.items, questionnaire, statement_numbers(questionnaire))
    fields["comment"] = TextAreaField(
        _("%(question)s (optional)", question=feature.comment_label),
        description=_(
            "Please do not name anyone, or describe a case in a way that could identify a "
            "child, family or member of staff."
        ),
        validators=[
            Optional(),
            Length(
                max=COMMENT_MAX_LENGTH,
                message=_(
                    "Your comment must be %(most)s characters or fewer", most=COMMENT_MAX_LENGTH
                ),
            ),
        ],
        widget=GovCharacterCount(),
    )
    return _form_class("FeatureForm", fields)(**kwargs)


def partner_choice_form(
    round_: Round, questionnaire: Questionnaire, own_agency: str, **kwargs: Any
) -> JourneyForm:
    most = questionnaire.partners.max_choices

    def validate_partners(form: JourneyForm, field: SelectMultipleField) -> None:
        chosen = field.data or []
        if NO_PARTNERS in chosen and len(chosen) > 1:
            raise ValidationError(
                _("Select the agencies you work with, or 'None of these', not both")
            )
        if len(chosen) > most:
            raise ValidationError(_("Select no more than %(most)s agencies", most=most))

    field = SelectMultipleField(
        questionnaire.partners.question,
        description=questionnaire.partners.hint,
        choices=choices(
            [(a.agency_id, a.name) for a in round_.agencies if a.agency_id != own_agency]
            + [(NO_PARTNERS, _("None of these"))]
        ),
        validators=[
            InputRequired(_("Select the agencies you work with most, or 'None of these'")),
            validate_partners,
        ],
        widget=GovCheckboxesInput(),
    )
    return _form_class("PartnerChoiceForm", {"partners": field})(**kwargs)


def partner_rating_form(
    round_: Round, questionnaire: Questionnaire, partners: list[str], **kwargs: Any
) -> JourneyForm:
    section = questionnaire.partners
    scale = _scale_choices(section.scale, section.dont_know)
    fields: dict[str, Any] = {}
    for partner in partners:
        agency = round_.agency(partner)
        name = agency.name if agency else partner
        for question in section.questions:
            fields[rating_key(partner, question.id)] = RadioField(
                question.text,
                choices=scale,
                validators=[
                    InputRequired(_("%(agency)s: %(problem)s", agency=name, problem=question.error))
                ],
                widget=Radios(),
            )
    return _form_class("PartnerRatingForm", fields)(**kwargs)
