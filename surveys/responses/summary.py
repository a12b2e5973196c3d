"""The check-your-answers summary: one card per section, in the words the respondent saw."""

from __future__ import annotations

from dataclasses import dataclass

from ..languages import gettext as _
from ..questionnaire import Item, Questionnaire
from ..rounds.models import Round
from .answers import DONT_KNOW, NOT_SAID, statement_value
from .journey import DraftAnswers, chosen_partners, rating_key, statement_numbers


def not_given() -> str:
    return _("Not given")


@dataclass(frozen=True)
class SummaryCard:
    title: str
    rows: list[tuple[str, str]]
    change: str  # the section key whose page the card's Change link opens


def _scale_label(questionnaire: Questionnaire, item: Item, value: str) -> str:
    if not value:
        return _("Not answered")
    return questionnaire.scale_label(statement_value(value, item.id, questionnaire), item)


def _partner_label(questionnaire: Questionnaire, value: str) -> str:
    if not value:
        return _("Not answered")
    if value == DONT_KNOW:
        return questionnaire.partners.dont_know
    return next(p.label for p in questionnaire.partners.scale if str(p.value) == value)


def summary_cards(
    round_: Round, questionnaire: Questionnaire, answers: DraftAnswers
) -> list[SummaryCard]:
    about = answers.get("about", {})

    def option_name(question_id: str) -> str:
        value = about.get(question_id) or ""
        option = questionnaire.context_question(question_id).option(value)
        return option.name if option and value != NOT_SAID else not_given()

    agency = round_.agency(about.get("agency", ""))
    level = questionnaire.level(about.get("level", ""))
    locality = round_.locality(about.get("locality") or "")
    rows = [
        (_("Agency"), agency.name if agency else ""),
        (_("Role"), level.name if level else ""),
    ]
    if round_.localities:
        rows.append((_("Locality or cluster"), locality.name if locality else not_given()))
    rows += [(c.question, option_name(c.id)) for c in questionnaire.context]
    cards = [SummaryCard(_("About you"), rows, "about-you")]

    items = answers.get("items", {})
    comments = answers.get("comments", {})
    # Numbered as on the pages: each statement's place in the whole survey.
    numbers = statement_numbers(questionnaire)
    for feature in questionnaire.features:
        feature_rows = [
            (
                f"{numbers[item.id]}. {item.text}",
                _scale_label(questionnaire, item, items.get(item.id, "")),
            )
            for item in feature.items
        ]
        feature_rows.append((_("Your comment"), comments.get(feature.id) or not_given()))
        cards.append(SummaryCard(feature.name, feature_rows, feature.id))

    chosen = chosen_partners(answers)
    names = [a.name for p in chosen if (a := round_.agency(p))]
    cards.append(
        SummaryCard(
            _("Partner agencies"),
            [(_("Agencies you work with most"), ", ".join(names) or _("None of these"))],
            "partners",
        )
    )
    ratings = answers.get("ratings", {})
    for partner in chosen:
        partner_agency = round_.agency(partner)
        cards.append(
            SummaryCard(
                partner_agency.name if partner_agency else partner,
                [
                    (
                        q.text,
                        _partner_label(questionnaire, ratings.get(rating_key(partner, q.id), "")),
                    )
                    for q in questionnaire.partners.questions
                ],
                "partner-ratings",
            )
        )
    return cards
