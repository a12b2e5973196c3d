"""Item scoring, the one home of its two rules: reverse-worded statements are flipped, and a
feature is scored only when enough of its statements are answered.

The tallies (and through them the analysis and the exports), the workshops' room figures and
the synthetic demo data all score through these functions, so the rules cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from ..questionnaire import Feature

SCALE_MIN, SCALE_MAX = 1, 5
# A feature is scored only when at least this share of its items has a 1-5 answer.
MIN_ANSWERED_SHARE = Fraction(3, 5)


def item_score(value: int, reverse: bool) -> int:
    """Agreement with a reverse-worded statement counts against the partnership."""
    return SCALE_MIN + SCALE_MAX - value if reverse else value


def answer_scoring(score: int, reverse: bool) -> int:
    """The answer that earns `score`: flipping is its own inverse."""
    return item_score(score, reverse)


def enough_answered(answered: int, statements: int) -> bool:
    """Whether `answered` of a feature's `statements` (answered 1-5) are enough to score it."""
    return answered > 0 and Fraction(answered, statements) >= MIN_ANSWERED_SHARE


@dataclass(frozen=True)
class FeatureResult:
    """One respondent's answers to one feature, scored."""

    item_scores: Mapping[str, int]  # statement id -> item score, for statements answered 1-5
    statements: int  # how many statements the feature has
    dont_know: int  # items answered "don't know / not applicable"

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
    """Score a feature from `answers` (item id -> 1-5, None for don't know; absent = unanswered)."""
    return FeatureResult(
        item_scores={
            item.id: item_score(value, item.reverse)
            for item in feature.items
            if (value := answers.get(item.id)) is not None
        },
        statements=len(feature.items),
        dont_know=sum(
            1 for item in feature.items if item.id in answers and answers[item.id] is None
        ),
    )
