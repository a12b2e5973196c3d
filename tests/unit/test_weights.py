"""Weights to headcounts, Kish's effective n, the design effect by agency, and the attack
on a small group through weighted and unweighted partnership figures together.

Reference values were computed once and pasted:
- weighted mean and variance: statsmodels 0.15 `DescrStatsW(x, weights=w, ddof=0)`, with
  w = headcount / members of each stratum; effective n with numpy, sum(w)**2 / sum(w**2);
  interval: mean +- scipy `t.ppf(0.975, n_eff - 1)` x sqrt(var x deff / (n_eff - 1));
- ICC: mean squares from statsmodels `anova_lm(ols("y ~ C(agency)"))`, then
  (MSB - MSW) / (MSB + (n0 - 1) MSW), n0 = (N - sum(n_a^2) / N) / (A - 1), and the design
  effect 1 + (sum(n_a^2) / N - 1) x max(ICC, 0).
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import pytest

from surveys.analysis.engine import analyse
from surveys.analysis.results import PartnershipFigure, RoundAnalysis
from surveys.questionnaire import Questionnaire
from surveys.questionnaire.loader import load_library
from surveys.scoring.distribution import ScoreDistribution
from surveys.scoring.weights import (
    Stratum,
    design_effect,
    intraclass_correlation,
    weighted_interval,
    weighted_mean,
)
from tests.unit.test_analyse import FACTS, K, Scores, tallies


def scores(values: list[float]) -> ScoreDistribution:
    return ScoreDistribution.of(Fraction(v) for v in values)


STRATA_A = [
    (40, [3.0, 3.5, 4.0, 4.5, 2.5]),
    (200, [2.0, 2.5, 3.0, 3.0, 3.5, 4.0]),
    (60, [4.0, 4.5, 5.0, 3.5]),
]


@pytest.mark.parametrize(
    ("strata", "mean", "variance", "effective_n", "low", "high"),
    [
        (
            STRATA_A,
            3.316666666666667,
            0.6525,
            11.411665257819102,
            2.7618495465851023,
            3.8714837867482315,
        ),
        (
            [(10, [1.0, 5.0, 3.0]), (10, [2.0, 4.0, 3.0])],
            3.0,
            1.6666666666666667,
            6.0,
            1.5158738852214113,
            4.484126114778588,
        ),
        # equal weights: the effective n is n and the interval is Student's
        (
            [(50, [2.0, 3.0, 4.0, 5.0, 3.0]), (50, [1.0, 2.0, 4.0, 4.0, 3.0])],
            3.1,
            1.29,
            10.0,
            2.243561120578227,
            3.956438879421773,
        ),
    ],
)
def test_weights_match_descrstatsw(
    strata: list[tuple[int, list[float]]],
    mean: float,
    variance: float,
    effective_n: float,
    low: float,
    high: float,
) -> None:
    found = weighted_mean([Stratum(h, scores(s)) for h, s in strata])
    assert found is not None
    assert found.n == sum(len(s) for _h, s in strata)
    assert found.mean == pytest.approx(mean)
    assert found.variance == pytest.approx(variance)
    assert found.effective_n == pytest.approx(effective_n)
    interval = weighted_interval(found)
    assert interval is not None
    assert interval.low == pytest.approx(low)
    assert interval.high == pytest.approx(high)


def test_a_stratum_without_answers_or_staff_carries_no_weight() -> None:
    alone = weighted_mean([Stratum(40, scores([3.0, 4.0]))])
    padded = weighted_mean(
        [
            Stratum(40, scores([3.0, 4.0])),
            Stratum(500, ScoreDistribution()),
            Stratum(0, scores([1.0])),
        ]
    )
    assert alone == padded
    assert weighted_mean([Stratum(500, ScoreDistribution())]) is None


@pytest.mark.parametrize(
    ("clusters", "icc", "deff"),
    [
        (
            [[3, 3.5, 4, 4.5, 4], [2, 2.5, 3, 2, 2.5, 3], [4, 5, 4.5, 5]],
            0.8176531843160705,
            4.379633161839758,
        ),
        # agencies less alike inside than between: a negative ICC, no widening
        ([[1, 5, 3, 2], [1, 5, 3, 4], [2, 4, 3, 3]], -0.2839506172839506, 1.0),
        (
            [[3, 4, 3, 4, 3, 4, 5, 2], [2, 2, 3, 3, 2], [4, 4, 5, 4, 5, 5, 4]],
            0.6153024391850873,
            4.630284391192015,
        ),
    ],
)
def test_intraclass_correlation_and_design_effect_match_anova(
    clusters: list[list[float]], icc: float, deff: float
) -> None:
    groups = [scores(c) for c in clusters]
    assert intraclass_correlation(groups) == pytest.approx(icc)
    assert design_effect(groups) == pytest.approx(deff)


def test_one_cluster_has_no_design_effect() -> None:
    assert intraclass_correlation([scores([1, 2, 3])]) is None
    assert design_effect([scores([1, 2, 3])]) == 1.0


@pytest.fixture(scope="module")
def questionnaire() -> Questionnaire:
    return load_library()["cop-maturity-v1"]


def sums(values: list[float]) -> dict[tuple[int, int], int]:
    """Purpose scores (six statements) as the tallies keep them: (sum, answered) -> n."""
    found: dict[tuple[int, int], int] = {}
    for value in values:
        key = (int(value * 6), 6)
        found[key] = found.get(key, 0) + 1
    return found


HEADCOUNTS = {
    ("police", "strategic"): 40,
    ("police", "frontline"): 200,
    ("health", "frontline"): 60,
}
ROUND_A: Scores = {
    ("police", "strategic"): sums([3.0, 3.5, 4.0, 4.5, 2.5]),
    ("police", "frontline"): sums([2.0, 2.5, 3.0, 3.0, 3.5, 4.0]),
    ("health", "frontline"): sums([4.0, 4.5, 5.0, 3.5]),
}


def whole(analysis: RoundAnalysis, level: str | None = None) -> PartnershipFigure:
    return next(f for f in analysis.partnership if f.feature == "purpose" and f.level == level)


def test_the_partnership_is_weighted_to_headcounts_with_its_design_effect(
    questionnaire: Questionnaire,
) -> None:
    round_tallies = replace(tallies(ROUND_A), headcounts=HEADCOUNTS)
    found = whole(analyse(FACTS, questionnaire, K, round_tallies))
    # Clusters police (11) and health (4): statsmodels' ANOVA, as above.
    assert found.intraclass_correlation == pytest.approx(0.4476229676888244)
    assert found.design_effect == pytest.approx(4.640666803869105)
    assert found.n == 15
    assert found.mean == pytest.approx(3.5)
    assert found.ci_low == pytest.approx(2.491758308518991)
    assert found.ci_high == pytest.approx(4.508241691481009)
    assert found.weighted
    assert found.weighted_mean == pytest.approx(3.316666666666667)
    assert found.effective_n == pytest.approx(11.411665257819102)
    assert found.weighted_ci_low == pytest.approx(2.121468144504645)
    assert found.weighted_ci_high == pytest.approx(4.511865188828689)


def test_without_headcounts_the_partnership_is_unweighted(questionnaire: Questionnaire) -> None:
    found = whole(analyse(FACTS, questionnaire, K, tallies(ROUND_A)))
    assert found.design_effect == pytest.approx(4.640666803869105)
    assert not found.weighted and found.weighted_mean is None and found.effective_n is None
    missing_one = replace(
        tallies(ROUND_A), headcounts={k: v for k, v in HEADCOUNTS.items() if k[0] == "police"}
    )
    assert not whole(analyse(FACTS, questionnaire, K, missing_one)).weighted
    nobody_counted = replace(
        tallies(ROUND_A), headcounts={**HEADCOUNTS, ("health", "frontline"): 0}
    )
    assert not whole(analyse(FACTS, questionnaire, K, nobody_counted)).weighted


# Two rounds alike in every published figure: education and housing are too small to show
# (two frontline staff each), and they swap their scores. Their headcounts differ tenfold,
# so a weight per agency would tell a reader which of them scored 2 and which 4.
SHOWN_PART: Scores = {
    ("police", "strategic"): sums([3.0, 3.5, 4.0, 4.5, 2.5]),
    ("police", "frontline"): sums([2.0, 2.5, 3.0, 3.0, 3.5, 4.0]),
    ("health", "strategic"): sums([4.0, 3.0, 3.5]),
    ("health", "frontline"): sums([4.0, 4.5, 5.0, 3.5]),
}
SMALL_HEADCOUNTS = {
    **HEADCOUNTS,
    ("health", "strategic"): 30,
    ("education", "frontline"): 10,
    ("housing", "frontline"): 100,
}


def small_round(education: float, housing: float) -> Scores:
    return {
        **SHOWN_PART,
        ("education", "frontline"): sums([education, education]),
        ("housing", "frontline"): sums([housing, housing]),
    }


def test_weighted_figures_cannot_tell_two_suppressed_agencies_apart(
    questionnaire: Questionnaire,
) -> None:
    rounds = {
        truth: analyse(
            FACTS,
            questionnaire,
            K,
            replace(tallies(small_round(*truth)), headcounts=SMALL_HEADCOUNTS),
        )
        for truth in ((2.0, 4.0), (4.0, 2.0))
    }
    first, second = rounds.values()
    for agency in ("education", "housing"):
        assert all(c.suppressed or c.n == 0 for c in first.cells if c.agency == agency)
    # The premise: a reader sees the same cells in both rounds...
    assert first.cells == second.cells
    # ...and the partnership figures, weighted ones included, are the same too.
    assert first.partnership == second.partnership
    assert all(f.weighted for f in first.partnership if f.feature == "purpose")

    # The control: had each agency been weighted apart, its weighted mean would be a second
    # equation beside the unweighted partnership total, and the two solve for education.
    shown = {g: ScoreDistribution.from_sums(v) for g, v in SHOWN_PART.items()}
    total_headcount = sum(SMALL_HEADCOUNTS.values())
    for (education, housing), analysis in rounds.items():
        naive = weighted_mean(
            [
                Stratum(SMALL_HEADCOUNTS[group], ScoreDistribution.from_sums(values))
                for group, values in small_round(education, housing).items()
            ]
        )
        assert naive is not None
        everyone = next(
            c
            for c in analysis.cells
            if c.feature == "purpose"
            and c.agency is None
            and c.level is None
            and c.locality is None
        )
        published = [
            c
            for c in analysis.cells
            if c.feature == "purpose" and c.agency and c.level is None and not c.suppressed
        ]
        assert everyone.n is not None and everyone.mean is not None
        # education's and housing's two members each: their means' sum, from published cells
        small_sum = everyone.n * everyone.mean - sum((c.n or 0) * (c.mean or 0) for c in published)
        both = small_sum / 2
        rest = naive.mean * total_headcount - sum(
            SMALL_HEADCOUNTS[g] * (d.mean or 0.0) for g, d in shown.items()
        )
        recovered = (rest - 100 * both) / (10 - 100)
        assert recovered == pytest.approx(education)
