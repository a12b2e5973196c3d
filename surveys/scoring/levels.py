"""A group's maturity level: the band its mean falls in, held back unless enough members
actually agree (or disagree), and the other levels its 95% interval leaves open.

Why a share condition: the rubric's upper levels say joint working is normal "for most
staff"; a mean can reach the Established band (3.4) while most members are neutral or
unsure, which is not what the words claim. So a level above Developing also needs a share
of members scoring 4 or above (agreeing on average), and a level below it a share scoring 2
or below (disagreeing on average); a group that misses the share steps one level towards
the middle and is checked again. docs/analysis.md gives the rule and the reasoning.

Why a range: a mean from a few dozen people is uncertain, and so is a share. The rule only
ever rises with the mean and the share agreeing (and falls with the share disagreeing), so
the lowest level the answers allow is the rule at the low ends of their 95% intervals, and
the highest at the high ends; every level between is possible, and every report says so
("Developing, possibly Established"). Shares use Wilson's score interval.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from statistics import NormalDist

from .distribution import ScoreDistribution
from .maturity import maturity_rank
from .statistics import CONFIDENCE, t_quantile

MIDDLE = 3  # Developing: the neutral answer's band, needing no share condition


def a_majority(share: float) -> bool:
    return share > 0.5


def three_in_four(share: float) -> bool:
    return share >= 0.75


# rank -> what the share of members agreeing (scoring 4+) or disagreeing (2 or below) needs
AGREEING_NEEDED: dict[int, Callable[[float], bool]] = {4: a_majority, 5: three_in_four}
DISAGREEING_NEEDED: dict[int, Callable[[float], bool]] = {2: a_majority, 1: three_in_four}


def level_rank(mean: float, share_agreeing: float, share_disagreeing: float) -> int:
    """1 (Fragmented) to 5 (Embedded): the mean's band, stepped towards the middle while the
    members' answers do not support it."""
    rank = maturity_rank(mean)
    while rank > MIDDLE and not AGREEING_NEEDED[rank](share_agreeing):
        rank -= 1
    while rank < MIDDLE and not DISAGREEING_NEEDED[rank](share_disagreeing):
        rank += 1
    return rank


@dataclass(frozen=True)
class MeanInterval:
    low: float
    high: float


def mean_interval(
    n: int, mean: float, sd: float, design_effect: float = 1.0, confidence: float = CONFIDENCE
) -> MeanInterval | None:
    """Student's t interval for a mean, widened by the square root of a design effect where
    members are clustered; clipped to the 1-5 scale. None below two members."""
    if n < 2:
        return None
    margin = t_quantile(0.5 + confidence / 2.0, n - 1) * sd / math.sqrt(n)
    margin *= math.sqrt(design_effect)
    return MeanInterval(max(1.0, mean - margin), min(5.0, mean + margin))


def share_interval(share: float, n: float, confidence: float = CONFIDENCE) -> MeanInterval:
    """Wilson's score interval for a share of n members."""
    z = NormalDist().inv_cdf(0.5 + confidence / 2.0)
    centre = (share + z * z / (2 * n)) / (1 + z * z / n)
    margin = z / (1 + z * z / n) * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n))
    return MeanInterval(max(0.0, centre - margin), min(1.0, centre + margin))


@dataclass(frozen=True)
class LevelRange:
    rank: int  # the level given
    lowest: int  # the lowest and highest level the mean's interval leaves open
    highest: int

    @property
    def others(self) -> tuple[int, ...]:
        """The possible levels other than the one given, lowest first."""
        return tuple(r for r in range(self.lowest, self.highest + 1) if r != self.rank)


def level_range(distribution: ScoreDistribution, design_effect: float = 1.0) -> LevelRange | None:
    """The level of a group, and the levels the 95% intervals of its mean and shares also
    allow. None for an empty group."""
    mean = distribution.mean
    if mean is None:
        return None
    agreeing, disagreeing = distribution.share_high, distribution.share_low
    rank = level_rank(mean, agreeing, disagreeing)
    sd = distribution.sd
    interval = None if sd is None else mean_interval(distribution.n, mean, sd, design_effect)
    if interval is None:
        return LevelRange(rank, rank, rank)
    # Shares are widened by the same design effect: n / deff members' worth of information.
    effective = distribution.n / design_effect
    agree, disagree = share_interval(agreeing, effective), share_interval(disagreeing, effective)
    return LevelRange(
        rank,
        level_rank(interval.low, agree.low, disagree.high),
        level_rank(interval.high, agree.high, disagree.low),
    )
