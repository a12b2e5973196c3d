"""One respondent's scores: reverse items flipped, features scored when enough is answered."""

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


@dataclass(frozen=True)
class FeatureResult:
    score: float | None  # mean item score, or None when too few items were answered
    answered: int  # items answered 1-5
    dont_know: int  # items answered "don't know / not applicable"


def feature_result(feature: Feature, answers: Mapping[str, int | None]) -> FeatureResult:
    """Score a feature from `answers` (item id -> 1-5, None for don't know; absent = unanswered)."""
    scores = [
        item_score(value, item.reverse)
        for item in feature.items
        if (value := answers.get(item.id)) is not None
    ]
    dont_know = sum(1 for item in feature.items if item.id in answers and answers[item.id] is None)
    enough = Fraction(len(scores), len(feature.items)) >= MIN_ANSWERED_SHARE
    score = sum(scores) / len(scores) if enough and scores else None
    return FeatureResult(score, len(scores), dont_know)
