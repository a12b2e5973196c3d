"""The instrument as frozen data: what the questionnaire file says, once validated."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

LevelGroup = Literal["management", "frontline"]
# The two sides the paper found experience a partnership differently; a questionnaire's
# levels (strategic, operational, frontline...) each belong to one.
MANAGEMENT, FRONTLINE = "management", "frontline"
LEVEL_GROUPS: tuple[LevelGroup, ...] = ("management", "frontline")
# How "not applicable to my role" is kept wherever an answer is (1-5 as given; None is
# "don't know"): never a scale value, so no sum or mean can take it in by mistake.
NOT_APPLICABLE_VALUE = -1


@dataclass(frozen=True)
class ScalePoint:
    value: int
    label: str


@dataclass(frozen=True)
class Level:
    """A respondent's level in their organisation; its group is what analysis compares."""

    id: str
    name: str
    hint: str
    group: LevelGroup


@dataclass(frozen=True)
class Agency:
    id: str
    name: str


@dataclass(frozen=True)
class Option:
    id: str
    name: str


@dataclass(frozen=True)
class ContextQuestion:
    """An optional question about the respondent's circumstances (co-location, experience)."""

    id: str
    question: str
    hint: str
    options: tuple[Option, ...]

    def option(self, option_id: str) -> Option | None:
        return next((o for o in self.options if o.id == option_id), None)


@dataclass(frozen=True)
class PartnerQuestion:
    """Asked about each chosen partner under its name, so the text says "this agency"."""

    id: str
    text: str
    error: str  # completes "<agency name>: ..." when the question is left unanswered
    # Which way information flows in the question, for the reciprocity analysis: "received"
    # (how well this agency shares with yours) or "given" (how well yours shares with it).
    sharing: str | None = None


# Set on partner questions in the questionnaire file, so that renaming a question keeps the
# reciprocity analysis (which compares both agencies' views of each flow).
SHARING_DIRECTIONS = ("received", "given")


@dataclass(frozen=True)
class PartnerSection:
    """Ratings of the agencies a respondent works with most: how information flows each way."""

    max_choices: int
    question: str
    hint: str
    dont_know: str
    scale: tuple[ScalePoint, ...]
    questions: tuple[PartnerQuestion, ...]

    def sharing_question(self, direction: str) -> str | None:
        """The id of the question about information `direction` ("received" or "given")."""
        return next((q.id for q in self.questions if q.sharing == direction), None)


@dataclass(frozen=True)
class MaturityLevel:
    id: str
    name: str
    summary: str
    rank: int  # 1 = lowest


@dataclass(frozen=True)
class RubricCell:
    level: MaturityLevel
    descriptor: str
    next_step: str


# How a statement's answer becomes its score (surveys/scoring/respondent.py applies it).
AGREE, REVERSE, BIPOLAR = "agree", "reverse", "bipolar"
KEYINGS = (AGREE, REVERSE, BIPOLAR)


@dataclass(frozen=True)
class Item:
    """One statement. On the agreement scale a reverse item is worded so agreeing is worse;
    a bipolar item has its own five answers between two opposite imbalances, and the
    middle one (balance) is best."""

    id: str
    feature_id: str
    text: str
    reverse: bool
    source: str
    bipolar: bool = False
    # A bipolar statement's own answers, 1 to 5; the third is the balance point.
    poles: tuple[ScalePoint, ...] = ()

    @property
    def keying(self) -> str:
        """ "agree" (agreeing is better), "reverse" (agreeing is worse) or "bipolar"."""
        if self.bipolar:
            return BIPOLAR
        return REVERSE if self.reverse else AGREE


@dataclass(frozen=True)
class Feature:
    """One of Crawford & L'Hoiry's five features of an effective community of practice."""

    id: str
    name: str
    description: str
    comment_label: str
    headline_item: str
    discussion_prompts: tuple[str, ...]
    items: tuple[Item, ...]
    rubric: tuple[RubricCell, ...]  # lowest maturity level first

    def rubric_for(self, level_id: str) -> RubricCell:
        return next(cell for cell in self.rubric if cell.level.id == level_id)


@dataclass(frozen=True)
class NonAnswer:
    """An answer that is not a view on the statement: counted and reported, never scored."""

    id: str  # "dont-know" or "not-applicable"
    label: str  # as the respondent sees it
    meaning: str  # how to read it, for respondents' hints, the docs and the report


DONT_KNOW_ID, NOT_APPLICABLE_ID = "dont-know", "not-applicable"


@dataclass(frozen=True)
class Questionnaire:
    version: str
    title: str
    reference: str
    scale: tuple[ScalePoint, ...]
    dont_know: str
    levels: tuple[Level, ...]
    agencies: tuple[Agency, ...]
    context: tuple[ContextQuestion, ...]
    partners: PartnerSection
    maturity_levels: tuple[MaturityLevel, ...]
    features: tuple[Feature, ...]
    path: Path = field(compare=False)
    # What "don't know" means here; version 1 merged it with "not applicable" and says so
    # in its label, so it has no separate meaning.
    dont_know_meaning: str | None = None
    # Version 2 on: "not applicable to my role", a second non-answer apart from don't know.
    not_applicable: NonAnswer | None = None

    @property
    def non_answers(self) -> tuple[NonAnswer, ...]:
        """The answers that are not a view: don't know, and (from version 2) not applicable."""
        dont_know = NonAnswer(DONT_KNOW_ID, self.dont_know, self.dont_know_meaning or "")
        return (dont_know,) if self.not_applicable is None else (dont_know, self.not_applicable)

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(item for feature in self.features for item in feature.items)

    def item(self, item_id: str) -> Item | None:
        return next((i for i in self.items if i.id == item_id), None)

    def feature(self, feature_id: str) -> Feature | None:
        return next((f for f in self.features if f.id == feature_id), None)

    def level(self, level_id: str) -> Level | None:
        return next((lv for lv in self.levels if lv.id == level_id), None)

    def context_question(self, question_id: str) -> ContextQuestion:
        return next(q for q in self.context if q.id == question_id)

    def scale_label(self, value: int | None, item: Item | None = None) -> str:
        """The label of an answer as given; a bipolar `item` has its own labels."""
        if value is None:
            return self.dont_know
        if value == NOT_APPLICABLE_VALUE and self.not_applicable is not None:
            return self.not_applicable.label
        points = item.poles if item is not None and item.bipolar else self.scale
        return next(p.label for p in points if p.value == value)

    def as_json(self) -> dict[str, Any]:
        """The canonical machine-readable form printed by `questionnaire show --json`."""
        return {
            "version": self.version,
            "title": self.title,
            "reference": self.reference,
            "scale": [{"value": p.value, "label": p.label} for p in self.scale],
            "dont_know": self.dont_know,
            "non_answers": [
                {"id": n.id, "label": n.label, "meaning": n.meaning, "scored": False}
                for n in self.non_answers
            ],
            "levels": [
                {"id": lv.id, "name": lv.name, "hint": lv.hint, "group": lv.group}
                for lv in self.levels
            ],
            "agencies": [{"id": a.id, "name": a.name} for a in self.agencies],
            "context": [
                {
                    "id": q.id,
                    "question": q.question,
                    "hint": q.hint,
                    "options": [{"id": o.id, "name": o.name} for o in q.options],
                }
                for q in self.context
            ],
            "partners": {
                "max_choices": self.partners.max_choices,
                "question": self.partners.question,
                "hint": self.partners.hint,
                "dont_know": self.partners.dont_know,
                "scale": [{"value": p.value, "label": p.label} for p in self.partners.scale],
                "questions": [
                    {"id": q.id, "text": q.text, "error": q.error} for q in self.partners.questions
                ],
            },
            "maturity_levels": [
                {"id": m.id, "name": m.name, "summary": m.summary, "rank": m.rank}
                for m in self.maturity_levels
            ],
            "features": [
                {
                    "id": f.id,
                    "name": f.name,
                    "description": f.description,
                    "comment_label": f.comment_label,
                    "headline_item": f.headline_item,
                    "discussion_prompts": list(f.discussion_prompts),
                    "items": [
                        {
                            "id": i.id,
                            "text": i.text,
                            "reverse": i.reverse,
                            "keying": i.keying,
                            **(
                                {"poles": [{"value": p.value, "label": p.label} for p in i.poles]}
                                if i.bipolar
                                else {}
                            ),
                            "source": i.source,
                        }
                        for i in f.items
                    ],
                }
                for f in self.features
            ],
            "rubric": {
                f.id: {
                    cell.level.id: {
                        "name": cell.level.name,
                        "descriptor": cell.descriptor,
                        "next_step": cell.next_step,
                    }
                    for cell in f.rubric
                }
                for f in self.features
            },
        }
