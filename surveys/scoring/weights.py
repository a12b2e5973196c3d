"""Partnership-wide figures weighted to headcounts, and the design effect of clustering.

Agencies answer at different rates, so an unweighted partnership mean leans towards the
agencies (and levels) that answered most. A design weight of headcount / respondents for
each stratum gives every stratum its share of the staff; Kish's effective sample size says
how many unweighted answers the weighted figure is worth.

Respondents are also clustered: colleagues in one agency answer more alike than strangers.
The intraclass correlation by agency (one-way ANOVA) gives Kish's design effect,
1 + (m - 1) x ICC, with m the size-weighted mean cluster size sum(n_a^2) / N (Kerry and
Bland's form for clusters of unequal size); partnership-wide intervals are widened by its
square root.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from .distribution import ScoreDistribution
from .levels import MeanInterval
from .statistics import CONFIDENCE, t_quantile


@dataclass(frozen=True)
class Stratum:
    """A group weighted as one: its staff headcount and its members' scores."""

    headcount: int
    scores: ScoreDistribution


@dataclass(frozen=True)
class WeightedMean:
    n: int  # members with a score, unweighted
    effective_n: float  # Kish: (sum of weights)^2 / sum of squared weights
    mean: float
    variance: float  # weighted, sum w (x - mean)^2 / sum w


def weighted_mean(strata: Sequence[Stratum]) -> WeightedMean | None:
    """Each member of a stratum weighs headcount / members; strata nobody answered in carry
    no weight (nobody speaks for them). None when no stratum has both."""
    used = [s for s in strata if s.scores.n and s.headcount > 0]
    if not used:
        return None
    population = sum(s.headcount for s in used)
    # Weights normalised to sum to n change none of the figures below, so use H / n as is.
    mean = sum(s.headcount * (s.scores.mean or 0.0) for s in used) / population
    spread = 0.0
    for s in used:
        within = (s.scores.n - 1) * (s.scores.variance or 0.0)
        between = s.scores.n * ((s.scores.mean or 0.0) - mean) ** 2
        spread += s.headcount / s.scores.n * (within + between)
    squared_weights = sum(s.headcount**2 / s.scores.n for s in used)
    return WeightedMean(
        n=sum(s.scores.n for s in used),
        effective_n=population**2 / squared_weights,
        mean=mean,
        variance=spread / population,
    )


def weighted_interval(
    figure: WeightedMean, design_effect: float = 1.0, confidence: float = CONFIDENCE
) -> MeanInterval | None:
    """The weighted mean's interval: standard error sd / sqrt(n_eff - 1), which is s / sqrt(n)
    when every weight is equal, widened by the design effect; t with n_eff - 1 df."""
    df = figure.effective_n - 1.0
    if df < 1.0:
        return None
    standard_error = math.sqrt(figure.variance * design_effect / df)
    margin = t_quantile(0.5 + confidence / 2.0, df) * standard_error
    return MeanInterval(max(1.0, figure.mean - margin), min(5.0, figure.mean + margin))


def intraclass_correlation(clusters: Sequence[ScoreDistribution]) -> float | None:
    """ICC(1) by one-way ANOVA across clusters; None with fewer than two clusters or no
    spread within them. Negative estimates are kept (the design effect floors them)."""
    used = [c for c in clusters if c.n]
    total = sum(c.n for c in used)
    count = len(used)
    if count < 2 or total <= count:
        return None
    grand = sum(c.n * (c.mean or 0.0) for c in used) / total
    between = sum(c.n * ((c.mean or 0.0) - grand) ** 2 for c in used) / (count - 1)
    within = sum((c.n - 1) * (c.variance or 0.0) for c in used) / (total - count)
    size = (total - sum(c.n**2 for c in used) / total) / (count - 1)
    denominator = between + (size - 1.0) * within
    if denominator <= 0.0:
        return None
    return (between - within) / denominator


def design_effect(clusters: Sequence[ScoreDistribution]) -> float:
    """1 + (m - 1) x ICC with m = sum(n_a^2) / N; 1 when the ICC is unknown or below zero
    (clustering that makes answers less alike is not used to narrow an interval)."""
    icc = intraclass_correlation(clusters)
    if icc is None or icc <= 0.0:
        return 1.0
    total = sum(c.n for c in clusters)
    size = sum(c.n**2 for c in clusters) / total
    return 1.0 + (size - 1.0) * icc
