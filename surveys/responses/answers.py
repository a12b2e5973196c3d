"""What counts as a valid answer, shared by the web journey, the CSV import and the demo.

Kept free of Flask and the database: these rules are the one definition of a good answer.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..questionnaire import NOT_APPLICABLE_VALUE, Questionnaire

DONT_KNOW = "dk"  # how "don't know" (v1: "don't know / not applicable") travels in forms and drafts
NOT_APPLICABLE = "na"  # how "not applicable to my role" (version 2 on) travels
NOT_SAID = "not-said"  # "prefer not to say" on an optional question
COMMENT_MAX_LENGTH = 2000


@dataclass(frozen=True)
class RoundChoices:
    """What a round lets respondents choose: its agencies and localities, by id."""

    agencies: Mapping[str, str]  # id -> name, in the round's order
    localities: Mapping[str, str]


@dataclass(frozen=True)
class CompletedResponse:
    """A whole response, ready to store.

    Item values are 1-5, None for don't know, or NOT_APPLICABLE_VALUE for not applicable to
    the respondent's role; an item that is absent was not answered.
    """

    agency_id: str
    level_id: str
    locality_id: str | None = None
    co_location: str | None = None
    years_in_partnership: str | None = None
    items: Mapping[str, int | None] = field(default_factory=dict)
    comments: Mapping[str, str] = field(default_factory=dict)
    # partner agency id -> partner question id -> 1-5 or None (don't know)
    partner_ratings: Mapping[str, Mapping[str, int | None]] = field(default_factory=dict)


class InvalidAnswer(ValueError):
    """An answer that no honest form could have sent; the message says why."""


def scale_value(raw: str, what: str) -> int | None:
    """A 1-5 answer or don't know; anything else is refused."""
    text = raw.strip()
    if text.lower() == DONT_KNOW:
        return None
    if text in {"1", "2", "3", "4", "5"}:
        return int(text)
    raise InvalidAnswer(f"{raw!r} is not an answer to {what}; use 1 to 5 or DK (don't know)")


def statement_value(raw: str, what: str, questionnaire: Questionnaire) -> int | None:
    """An answer to a statement: 1-5, don't know, or "not applicable to my role" where the
    round's questionnaire offers it (a version 1 round never stores one)."""
    if raw.strip().lower() != NOT_APPLICABLE:
        return scale_value(raw, what)
    if questionnaire.not_applicable is None:
        raise InvalidAnswer(
            f"{raw!r} is not an answer to {what}: this round's questionnaire has no "
            "'not applicable' answer; use 1 to 5 or DK (don't know)"
        )
    return NOT_APPLICABLE_VALUE


def agency_id(raw: str, choices: RoundChoices) -> str:
    if raw in choices.agencies:
        return raw
    raise InvalidAnswer(
        f"{raw!r} is not an agency in this round; use one of: {', '.join(choices.agencies)}"
    )


def level_id(raw: str, questionnaire: Questionnaire) -> str:
    if questionnaire.level(raw) is not None:
        return raw
    ids = ", ".join(level.id for level in questionnaire.levels)
    raise InvalidAnswer(f"{raw!r} is not a level; use one of: {ids}")


def locality_id(raw: str, choices: RoundChoices) -> str | None:
    if raw in ("", NOT_SAID):
        return None
    if raw in choices.localities:
        return raw
    if not choices.localities:
        raise InvalidAnswer("this round has no localities, so leave the locality empty")
    raise InvalidAnswer(
        f"{raw!r} is not a locality in this round; use one of: {', '.join(choices.localities)}"
    )


def context_option(raw: str, question_id: str, questionnaire: Questionnaire) -> str | None:
    if raw in ("", NOT_SAID):
        return None
    question = questionnaire.context_question(question_id)
    if question.option(raw) is not None:
        return raw
    ids = ", ".join(option.id for option in question.options)
    raise InvalidAnswer(f"{raw!r} is not an answer to {question_id}; use one of: {ids}")


def clean_text(raw: str) -> str:
    """Free text as people meant it: no invisible control characters (a NUL cannot even be
    stored by PostgreSQL), Windows line endings made plain, outer space trimmed."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc").strip()


def comment_text(raw: str) -> str | None:
    text = clean_text(raw)
    if len(text) > COMMENT_MAX_LENGTH:
        raise InvalidAnswer(f"a comment can be at most {COMMENT_MAX_LENGTH} characters")
    return text or None
