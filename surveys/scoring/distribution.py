"""Distributions of scores within a group, built from tallies and merged by addition.

A group's figures (n, mean, spread, median, the share at each end of the scale) all come
from the distribution of its members' scores, so any larger group (an agency, all managers,
the whole partnership) is just the sum of the smaller groups' distributions.

Scores are kept exact as whole numbers of 1/420ths: a feature score is a sum of item
scores over at most seven answered items, and 420 is divisible by 1 to 7.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property

from .respondent import bipolar_score, item_score
from .statistics import Summary

UNITS = 420  # lcm(1, ..., 7): a feature has at most seven statements
# The ends of the scale used by the contested rule: a feature score of 2 or below means
# disagreeing on average, 4 or above agreeing on average.
LOW_END = 2 * UNITS
HIGH_END = 4 * UNITS


def to_units(score: Fraction | int) -> int:
    units = Fraction(score) * UNITS
    if units.denominator != 1:
        raise ValueError(f"{score} is not a mean of at most seven whole-number scores")
    return units.numerator


@dataclass(frozen=True)
class ScoreDistribution:
    """How many members of a group have each feature score (in 1/420ths of a point)."""

    counts: Mapping[int, int] = field(default_factory=dict)

    @classmethod
    def of(cls, scores: Iterable[Fraction | int]) -> ScoreDistribution:
        return cls(dict(Counter(to_units(s) for s in scores)))

    @classmethod
    def from_sums(cls, sums: Mapping[tuple[int, int], int]) -> ScoreDistribution:
        """From {(sum of item scores, items answered): members}."""
        counts: Counter[int] = Counter()
        for (item_sum, answered), members in sums.items():
            counts[item_sum * (UNITS // answered)] += members
        return cls(dict(counts))

    def __add__(self, other: ScoreDistribution) -> ScoreDistribution:
        total = Counter(self.counts)
        total.update(other.counts)
        return ScoreDistribution(dict(total))

    @cached_property
    def n(self) -> int:
        return sum(self.counts.values())

    @cached_property
    def _sums(self) -> tuple[int, int]:
        """Exact sum and sum of squares of the scores, in units and units squared."""
        total = sum(units * count for units, count in self.counts.items())
        squares = sum(units * units * count for units, count in self.counts.items())
        return total, squares

    @cached_property
    def mean(self) -> float | None:
        # Integer division by integer is correctly rounded: the float is the exact mean's.
        return self._sums[0] / (self.n * UNITS) if self.n else None

    @cached_property
    def variance(self) -> float | None:
        """Sample variance (divisor n - 1); None below two members."""
        n = self.n
        if n < 2:
            return None
        total, squares = self._sums
        return (n * squares - total * total) / (n * (n - 1) * UNITS * UNITS)

    @property
    def sd(self) -> float | None:
        variance = self.variance
        return None if variance is None else math.sqrt(variance)

    @cached_property
    def median(self) -> float | None:
        n = self.n
        if not n:
            return None
        ordered = sorted(self.counts.items())

        def at(position: int) -> int:  # 0-based position in the sorted scores
            seen = 0
            for units, count in ordered:
                seen += count
                if position < seen:
                    return units
            raise AssertionError("position beyond the distribution")

        if n % 2:
            return at(n // 2) / UNITS
        return (at(n // 2 - 1) + at(n // 2)) / (2 * UNITS)

    def share_at_or_below(self, units: int) -> float:
        return sum(c for s, c in self.counts.items() if s <= units) / self.n if self.n else 0.0

    def share_at_or_above(self, units: int) -> float:
        return sum(c for s, c in self.counts.items() if s >= units) / self.n if self.n else 0.0

    @property
    def share_low(self) -> float:
        return self.share_at_or_below(LOW_END)

    @property
    def share_high(self) -> float:
        return self.share_at_or_above(HIGH_END)

    def summary(self) -> Summary | None:
        mean, variance = self.mean, self.variance
        if mean is None or variance is None:
            return None
        return Summary(self.n, mean, variance)


@dataclass(frozen=True)
class ItemDistribution:
    """Answers to one statement in a group: how many answered 1, 2, 3, 4, 5, don't know, and
    (from questionnaire version 2) not applicable to their role."""

    counts: tuple[int, int, int, int, int] = (0, 0, 0, 0, 0)  # answered 1 .. 5, as given
    dont_know: int = 0
    not_applicable: int = 0

    @classmethod
    def of(
        cls, answers: Mapping[int, int], dont_know: int = 0, not_applicable: int = 0
    ) -> ItemDistribution:
        a = [answers.get(value, 0) for value in range(1, 6)]
        return cls((a[0], a[1], a[2], a[3], a[4]), dont_know, not_applicable)

    def __add__(self, other: ItemDistribution) -> ItemDistribution:
        a, b = self.counts, other.counts
        return ItemDistribution(
            (a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3], a[4] + b[4]),
            self.dont_know + other.dont_know,
            self.not_applicable + other.not_applicable,
        )

    @property
    def answered(self) -> int:
        return sum(self.counts)

    @property
    def share_agreeing(self) -> float | None:
        """Share answering 4 or 5 (agree, strongly agree) among those who answered 1-5."""
        answered = self.answered
        return (self.counts[3] + self.counts[4]) / answered if answered else None

    @property
    def asked(self) -> int:
        """Everyone who gave any answer: a view, don't know or not applicable."""
        return self.answered + self.dont_know + self.not_applicable

    @property
    def share_dont_know(self) -> float | None:
        asked = self.asked
        return self.dont_know / asked if asked else None

    @property
    def share_not_applicable(self) -> float | None:
        asked = self.asked
        return self.not_applicable / asked if asked else None

    def scores(self, reverse: bool, bipolar: bool = False) -> ScoreDistribution:
        """As item scores: for a reverse-worded statement, agreeing scores low; for a bipolar
        one, the middle scores high. Two answers can earn one score (2 and 4 on a bipolar
        statement): their counts add up."""
        scores: dict[int, int] = {}
        for value, count in enumerate(self.counts, start=1):
            if count:
                score = bipolar_score(value) if bipolar else item_score(value, reverse)
                scores[score * UNITS] = scores.get(score * UNITS, 0) + count
        return ScoreDistribution(scores)
