"""Item scoring, the one home of its rules: reverse-worded statements are flipped, bipolar
statements score best at their middle (balance), the non-answers (don't know, and from
version 2 "not applicable to my role") are counted but never scored, and a feature is
scored only when enough of its statements are answered.

The tallies (and through them the analysis and the exports), the workshops' room figures and
the synthetic demo data all score through these functions, so the rules cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import TypeGuard

from ..questionnaire import NOT_APPLICABLE_VALUE, Feature, Item

SCALE_MIN, SCALE_MAX = 1, 5
SCALE_MIDDLE = (SCALE_MIN + SCALE_MAX) // 2
SCALE_VALUES = range(SCALE_MIN, SCALE_MAX + 1)
# A feature is scored only when at least this share of its items has a 1-5 answer.
MIN_ANSWERED_SHARE = Fraction(3, 5)


def item_score(value: int, reverse: bool) -> int:
    """Agreement with a reverse-worded statement counts against the partnership."""
    return SCALE_MIN + SCALE_MAX - value if reverse else value


def bipolar_score(value: int) -> int:
    """Balance (the middle answer) scores 5; each step towards either imbalance loses 2, so
    both ends score 1 and the score stays on the same 1-5 range as every other statement."""
    return SCALE_MAX - 2 * abs(value - SCALE_MIDDLE)


def statement_score(item: Item, value: int) -> int:
    """The score of a 1-5 answer to `item`, by how the statement is keyed."""
    return bipolar_score(value) if item.bipolar else item_score(value, item.reverse)


def answer_scoring(score: int, reverse: bool) -> int:
    """The answer that earns `score`: flipping is its own inverse."""
    return item_score(score, reverse)


def bipolar_answer(score: int, below_middle: bool) -> int:
    """An answer to a bipolar statement that earns about `score` (odd scores exactly), on
    the side of the middle chosen; for making synthetic responses."""
    steps = (SCALE_MAX - score + 1) // 2
    return SCALE_MIDDLE - steps if below_middle else SCALE_MIDDLE + steps


def is_scored(value: int | None) -> TypeGuard[int]:
    """Whether an answer as given is a view on the statement (1-5), not a non-answer."""
    return value is not None and value in SCALE_VALUES


def enough_answered(answered: int, statements: int) -> bool:
    """Whether `answered` of a feature's `statements` (answered 1-5) are enough to score it."""
    return answered > 0 and Fraction(answered, statements) >= MIN_ANSWERED_SHARE


@dataclass(frozen=True)
class FeatureResult:
    """One respondent's answers to one feature, scored."""

    item_scores: Mapping[str, int]  # statement id -> item score, for statements answered 1-5
    statements: int  # how many statements the feature has
    dont_know: int  # items answered "don't know" (in version 1, "don't know / not applicable")
    not_applicable: int = 0  # items answered "not applicable to my role" (version 2 on)

    @property
    def answered(self) -> int:
        """Items answered 1-5."""
        return len(self.item_scores)

    @property
    def total(self) -> int:
        """The sum of the item scores: with `answered`, the score kept exact."""
        return sum(self.item_scores.values())

    @property
    def complete(self) -> bool:
        """Every statement answered 1-5 (the cases reliability is computed from)."""
        return self.answered == self.statements

    @property
    def score(self) -> float | None:
        """Mean item score, or None when too few items were answered."""
        return (
            self.total / self.answered if enough_answered(self.answered, self.statements) else None
        )


def feature_result(feature: Feature, answers: Mapping[str, int | None]) -> FeatureResult:
    """Score a feature from `answers` (item id -> 1-5, None for don't know, NOT_APPLICABLE_VALUE
    for not applicable; absent = unanswered). Neither non-answer counts as answered, so both
    leave the share needed to score the feature to the statements that were answered."""
    given = [(item, answers[item.id]) for item in feature.items if item.id in answers]
    return FeatureResult(
        item_scores={
            item.id: statement_score(item, value) for item, value in given if is_scored(value)
        },
        statements=len(feature.items),
        dont_know=sum(1 for _, value in given if value is None),
        not_applicable=sum(1 for _, value in given if value == NOT_APPLICABLE_VALUE),
    )
