"""The respondent's path: its sections in order, and what a draft still lacks.

A draft's answers are kept as the forms sent them (strings), so a page can be shown
again exactly as it was left:

    {"about": {"agency": "police", "level": "frontline", "locality": "", ...},
     "items": {"purpose-1": "4", "purpose-2": "dk"},
     "comments": {"purpose": "..."},
     "partners": ["health", "education"]  (or ["none"]),
     "ratings": {"health--they-share": "3", ...}}

Whether a section is complete is derived from the answers, never stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..languages import gettext as _
from ..questionnaire import Questionnaire
from .answers import (
    CompletedResponse,
    RoundChoices,
    agency_id,
    comment_text,
    context_option,
    level_id,
    locality_id,
    scale_value,
    statement_value,
)

ABOUT_YOU = "about-you"
PARTNERS = "partners"
CHECK = "check"
NO_PARTNERS = "none"
RATING_SEPARATOR = "--"  # between partner agency id and question id; ids never contain it

DraftAnswers = dict[str, Any]


@dataclass(frozen=True)
class Section:
    key: str  # "about-you", a feature id, "partners" or "check"
    title: str
    number: int
    of: int

    @property
    def progress(self) -> str:
        return _("Section %(number)s of %(total)s", number=self.number, total=self.of)


def sections(questionnaire: Questionnaire) -> list[Section]:
    keys = [(ABOUT_YOU, _("About you"))]
    keys += [(feature.id, feature.name) for feature in questionnaire.features]
    keys += [(PARTNERS, _("Partner agencies")), (CHECK, _("Check your answers"))]
    return [Section(key, title, n, len(keys)) for n, (key, title) in enumerate(keys, 1)]


def statement_numbers(questionnaire: Questionnaire) -> dict[str, int]:
    """Each statement's place in the whole questionnaire, from 1, so a phone respondent
    sees "Statement 12 of 32" and knows how far there is to go, not only which section."""
    return {item.id: number for number, item in enumerate(questionnaire.items, 1)}


def section(questionnaire: Questionnaire, key: str) -> Section | None:
    return next((s for s in sections(questionnaire) if s.key == key), None)


def rating_key(partner_id: str, question_id: str) -> str:
    return f"{partner_id}{RATING_SEPARATOR}{question_id}"


def chosen_partners(answers: DraftAnswers) -> list[str]:
    return [p for p in answers.get("partners", []) if p != NO_PARTNERS]


def is_complete(questionnaire: Questionnaire, key: str, answers: DraftAnswers) -> bool:
    if key == ABOUT_YOU:
        about = answers.get("about", {})
        return bool(about.get("agency")) and bool(about.get("level"))
    if key == PARTNERS:
        if not answers.get("partners"):
            return False
        ratings = answers.get("ratings", {})
        return all(
            ratings.get(rating_key(partner, question.id))
            for partner in chosen_partners(answers)
            for question in questionnaire.partners.questions
        )
    if key == CHECK:
        return False
    feature = questionnaire.feature(key)
    items = answers.get("items", {})
    return feature is not None and all(items.get(item.id) for item in feature.items)


def answered_sections(questionnaire: Questionnaire, answers: DraftAnswers) -> list[Section]:
    """The sections with at least one answer given: what is lost if the draft is lost."""
    about = answers.get("about", {})
    items = answers.get("items", {})
    comments = answers.get("comments", {})
    given = {ABOUT_YOU} if any(about.values()) else set()
    for feature in questionnaire.features:
        if comments.get(feature.id) or any(items.get(item.id) for item in feature.items):
            given.add(feature.id)
    if answers.get("partners"):
        given.add(PARTNERS)
    return [s for s in sections(questionnaire) if s.key in given]


def next_section(questionnaire: Questionnaire, answers: DraftAnswers) -> Section:
    """The first section still to do, or the check page when everything is answered."""
    return next(
        s for s in sections(questionnaire) if not is_complete(questionnaire, s.key, answers)
    )


def completed_response(
    questionnaire: Questionnaire, choices: RoundChoices, answers: DraftAnswers
) -> CompletedResponse:
    """Turn a complete draft into a response to store, checking every value once more.

    The forms checked each page as it was sent; checking again here means a round whose
    agencies or localities changed meanwhile can never store an answer it does not offer.
    """
    about = answers["about"]
    ratings = answers.get("ratings", {})
    partners = chosen_partners(answers)
    for partner in partners:
        agency_id(partner, choices)
    return CompletedResponse(
        agency_id=agency_id(about["agency"], choices),
        level_id=level_id(about["level"], questionnaire),
        locality_id=locality_id(about.get("locality", ""), choices),
        co_location=context_option(about.get("co_location", ""), "co_location", questionnaire),
        years_in_partnership=context_option(
            about.get("years_in_partnership", ""), "years_in_partnership", questionnaire
        ),
        items={
            item.id: statement_value(answers["items"][item.id], item.id, questionnaire)
            for item in questionnaire.items
        },
        comments={
            feature_id: text
            for feature_id, raw in answers.get("comments", {}).items()
            if questionnaire.feature(feature_id) and (text := comment_text(raw))
        },
        partner_ratings={
            partner: {
                question.id: scale_value(ratings[rating_key(partner, question.id)], question.id)
                for question in questionnaire.partners.questions
            }
            for partner in partners
        },
    )
