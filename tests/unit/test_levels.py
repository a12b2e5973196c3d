"""The band rule with its share condition, and the levels the 95% intervals leave open.

Intervals were computed once with scipy 1.17 (`scipy.stats.t.interval(0.95, n - 1,
loc=mean, scale=scipy.stats.sem(x))`) on the scores listed, and pasted here.
"""

from __future__ import annotations

from fractions import Fraction

import pytest

from surveys.scoring.distribution import ScoreDistribution
from surveys.scoring.levels import (
    LevelRange,
    level_range,
    level_rank,
    mean_interval,
    share_interval,
)


@pytest.mark.parametrize(
    ("mean", "agreeing", "disagreeing", "rank"),
    [
        (3.0, 0.0, 0.0, 3),  # the middle needs no share
        (3.4, 0.51, 0.0, 4),  # Established: the band and a majority agreeing
        (3.4, 0.5, 0.0, 3),  # half is not a majority
        (4.19, 0.9, 0.0, 4),
        (4.2, 0.75, 0.0, 5),  # Embedded: three in four agreeing
        (4.2, 0.74, 0.0, 4),  # steps down one, and a majority holds it at Established
        (4.6, 0.4, 0.0, 3),  # steps down twice
        (5.0, 1.0, 0.0, 5),
        (2.59, 0.0, 0.51, 2),  # Emerging: a majority disagreeing
        (2.59, 0.0, 0.5, 3),
        (1.5, 0.0, 0.8, 1),  # Fragmented: three in four disagreeing
        (1.5, 0.0, 0.6, 2),
        (1.5, 0.0, 0.3, 3),
        (1.0, 0.0, 1.0, 1),
        (3.39, 0.9, 0.0, 3),  # the share cannot lift a mean above its band
    ],
)
def test_a_level_needs_its_band_and_members_who_agree(
    mean: float, agreeing: float, disagreeing: float, rank: int
) -> None:
    assert level_rank(mean, agreeing, disagreeing) == rank


@pytest.mark.parametrize(
    ("scores", "low", "high"),
    [
        ([3.0, 3.5, 4.0, 4.0, 4.5, 3.0], 3.0312018293199454, 4.302131504013388),
        ([4, 4, 4, 4, 5, 3, 4, 4, 2, 4], 3.235718862784834, 4.3642811372151655),
        ([4, 4, 5, 5, 4, 5, 4, 4], 3.9423180663202624, 4.807681933679738),
        ([1, 2, 2, 1, 2, 3, 2], 1.2189386585243678, 2.4953470557613464),
    ],
)
def test_the_mean_interval_is_students_t(scores: list[float], low: float, high: float) -> None:
    distribution = ScoreDistribution.of(Fraction(s) for s in scores)
    assert distribution.mean is not None and distribution.sd is not None
    interval = mean_interval(distribution.n, distribution.mean, distribution.sd)
    assert interval is not None
    assert interval.low == pytest.approx(low)
    assert interval.high == pytest.approx(high)


def test_an_interval_is_clipped_to_the_scale_and_widened_by_a_design_effect() -> None:
    # scipy: [2, 3, 4, 4, 5] gives 2.184285223017728 to 5.015714776982272
    wide = mean_interval(5, 3.6, (1.3) ** 0.5)
    assert wide is not None and wide.high == 5.0 and wide.low == pytest.approx(2.184285223017728)
    doubled = mean_interval(5, 3.6, (1.3) ** 0.5, design_effect=1.21)
    assert doubled is not None
    assert 3.6 - doubled.low == pytest.approx(1.1 * (3.6 - 2.184285223017728))
    assert mean_interval(1, 3.0, 0.0) is None


@pytest.mark.parametrize(
    ("share", "n", "low", "high"),
    [
        (0.5, 10, 0.236593090512564, 0.7634069094874361),
        (0.0, 5, 0.0, 0.43448246478317476),
        (0.8, 10, 0.4901624715366418, 0.9433178485456248),
        (0.5, 6, 0.18761630648265054, 0.8123836935173494),
        (1.0, 7, 0.6456695649333126, 1.0),
    ],
)
def test_the_share_interval_is_wilsons(share: float, n: int, low: float, high: float) -> None:
    # scipy 1.17: binomtest(count, n).proportion_ci(0.95, method="wilson")
    interval = share_interval(share, n)
    assert interval.low == pytest.approx(low, abs=1e-12)
    assert interval.high == pytest.approx(high)


@pytest.mark.parametrize(
    ("scores", "expected", "others"),
    [
        # mean 3.67 in the Established band, but only half agree: Developing. Six people
        # leave a lot open: the mean's interval reaches 4.30 and the share agreeing's 81%,
        # enough for Embedded; at the low ends (3.03, 19%) it stays Developing.
        ([3.0, 3.5, 4.0, 4.0, 4.5, 3.0], LevelRange(3, 3, 5), (4, 5)),
        # mean 3.8, 80% agree; the mean's interval 3.24 to 4.36, agreeing 49% to 94%
        ([4, 4, 4, 4, 5, 3, 4, 4, 2, 4], LevelRange(4, 3, 5), (3, 5)),
        # everyone neutral: no spread, no interval to cross anything
        ([3.0] * 5, LevelRange(3, 3, 3), ()),
        # mean 3.6, 60% agree; the mean's interval 2.18 to 5 (clipped), disagreeing up to
        # 62%: Emerging at the low end, agreeing up to 88%: Embedded at the high end
        ([2, 3, 4, 4, 5], LevelRange(4, 2, 5), (2, 3, 5)),
        # mean 4.375, everyone agrees (Wilson: 68% to 100%); the mean's interval 3.94 to 4.81
        ([4, 4, 5, 5, 4, 5, 4, 4], LevelRange(5, 4, 5), (4,)),
        # mean 1.86, 86% disagree; interval 1.22 to 2.50, disagreeing 49% to 97%: at the
        # high end fewer than half may disagree, so Developing is open too
        ([1, 2, 2, 1, 2, 3, 2], LevelRange(2, 1, 3), (1, 3)),
    ],
)
def test_the_levels_the_intervals_leave_open(
    scores: list[float], expected: LevelRange, others: tuple[int, ...]
) -> None:
    found = level_range(ScoreDistribution.of(Fraction(s) for s in scores))
    assert found == expected
    assert found.others == others


def test_a_design_effect_widens_the_levels_left_open() -> None:
    # 40 people: mean 3.7, 70% agree. Alone, the mean's interval (3.55 to 3.85) and the share
    # agreeing's (55% to 82%) keep it Established; with a design effect of 4 they are worth
    # ten people, and the share agreeing's interval falls below half: Developing is open.
    group = ScoreDistribution.of(Fraction(s) for s in [4] * 28 + [3] * 12)
    assert level_range(group) == LevelRange(4, 4, 4)
    widened = level_range(group, design_effect=4.0)
    assert widened is not None and widened.lowest == 3


def test_an_empty_group_has_no_level() -> None:
    assert level_range(ScoreDistribution()) is None
