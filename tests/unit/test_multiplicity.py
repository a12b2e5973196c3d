"""Significance across a release, gaps compared within agencies, and imbalances allowing for
generosity: the pure arithmetic of surveys/analysis/multiplicity.py and strata.py, checked
against reference implementations (values computed once and pasted, sources named)."""

from __future__ import annotations

import statistics

import pytest

from surveys.analysis.multiplicity import (
    Term,
    benjamini_hochberg,
    contrast,
    is_notable,
    two_sided_p,
    welch,
)
from surveys.analysis.strata import Rating, Stratum, adjusted_imbalance, within_agency_gap
from surveys.scoring.statistics import Summary, welch_difference


# Reference: statsmodels 0.15.0, statsmodels.stats.multitest.multipletests(p, method="fdr_bh")[1]
@pytest.mark.parametrize(
    ("p_values", "expected"),
    [
        ([0.01, 0.04, 0.03, 0.005, 0.5], [0.025, 0.05, 0.05, 0.025, 0.5]),
        (
            [0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216],
            [0.01, 0.04, 0.084, 0.084, 0.084, 0.1, 0.105714285714, 0.216, 0.216, 0.216],
        ),
        ([0.2, 0.2, 0.2], [0.2, 0.2, 0.2]),
        ([0.04], [0.04]),
        ([0.9, 0.0001, 0.02, 0.02, 0.7, 0.03], [0.9, 0.0006, 0.04, 0.04, 0.84, 0.045]),
        ([], []),
    ],
)
def test_benjamini_hochberg_agrees_with_statsmodels(
    p_values: list[float], expected: list[float]
) -> None:
    assert benjamini_hochberg(p_values) == pytest.approx(expected, abs=1e-11)


def test_adjustment_never_lowers_a_p_value_and_keeps_their_order() -> None:
    p = [0.3, 0.001, 0.04, 0.02, 0.9, 0.04]
    q = benjamini_hochberg(p)
    assert all(qi >= pi for pi, qi in zip(p, q, strict=True))
    ranked = sorted(range(len(p)), key=lambda i: p[i])
    assert [q[i] for i in ranked] == sorted(q)


# Reference: scipy 1.x, scipy.stats.ttest_ind(a, b, equal_var=False).pvalue on the raw scores
@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        ([3, 4, 5, 4, 3, 4], [2, 3, 3, 2, 4], 0.06444931832265954),
        ([1, 2, 3, 4, 5, 5, 4], [3, 3, 3, 3, 2, 4, 3, 3], 0.4985147056093949),
    ],
)
def test_welch_p_value_agrees_with_scipy(
    first: list[int], second: list[int], expected: float
) -> None:
    def term(scores: list[int]) -> Term:
        return Term(1.0, len(scores), statistics.mean(scores), statistics.variance(scores))

    assert welch(term(first), term(second)).p_value == pytest.approx(expected, rel=1e-9)


def test_welch_through_contrast_gives_the_published_interval() -> None:
    first, second = Summary(12, 3.9, 0.61), Summary(30, 3.1, 0.83)
    published = welch_difference(first, second)
    found = welch(Term(1, 12, 3.9, 0.61), Term(1, 30, 3.1, 0.83))
    assert (found.ci_low, found.ci_high, found.df) == pytest.approx(
        (published.ci_low, published.ci_high, published.df), rel=1e-12
    )


def test_a_huge_t_keeps_a_tiny_p_value_instead_of_zero() -> None:
    assert 0 < two_sided_p(40.0, 100.0) < 1e-60


def test_no_spread_at_all_gives_a_certain_or_a_null_answer() -> None:
    same = contrast([Term(1, 5, 3.0, 0.0), Term(-1, 5, 3.0, 0.0)])
    differs = contrast([Term(1, 5, 4.0, 0.0), Term(-1, 5, 3.0, 0.0)])
    assert (same.p_value, differs.p_value) == (1.0, 0.0)
    with pytest.raises(ValueError, match="at least two"):
        contrast([Term(1, 1, 3.0, 0.0), Term(-1, 5, 3.0, 0.0)])


@pytest.mark.parametrize(
    ("estimate", "q", "notable"),
    [
        (0.5, 0.05, True),  # both thresholds are inclusive
        (-0.8, 0.001, True),
        (0.49, 0.0001, False),  # certain, but too small to act on
        (1.2, 0.051, False),  # large, but could be chance across the release
    ],
)
def test_notable_needs_half_a_point_and_an_adjusted_value_of_five_percent(
    estimate: float, q: float, notable: bool
) -> None:
    assert is_notable(estimate, q) is notable


def summary(scores: list[int]) -> Summary:
    return Summary(len(scores), statistics.mean(scores), statistics.variance(scores))


POLICE = ([4, 4, 5, 3, 4], [3, 3, 4, 2, 3, 3])
HEALTH = ([2, 3, 2, 3], [2, 2, 3, 1, 2])
EDUCATION = ([3, 3, 4, 4, 3, 5], [3, 4, 3, 3, 2, 4, 3])


# Reference: numpy 2.x and scipy.stats.t on the raw scores, written out independently of the
# code under test: w = weights / sum; estimate = sum(w * (mean_m - mean_f)); variance =
# sum(w^2 * (var_m / n_m + var_f / n_f)); Satterthwaite's df over all 2 x agencies parts;
# interval with t.ppf(0.975, df); p = 2 * t.sf(|estimate| / se, df).
@pytest.mark.parametrize(
    ("agencies", "weights", "expected"),
    [
        (
            [POLICE, HEALTH],
            [11, 9],  # respondents
            (0.775, 0.14471975741903986, 1.40528024258096, 0.01925999555084521),
        ),
        (
            [POLICE, HEALTH],
            [50, 150],  # headcounts
            (0.625, -0.14579729747279624, 1.3957972974727961, 0.0990076207689544),
        ),
        (
            [POLICE, HEALTH, EDUCATION],
            [11, 9, 13],
            (0.676046176046176, 0.17126710990385907, 1.1808252421884928, 0.01074297563617249),
        ),
    ],
)
def test_within_agency_gap_agrees_with_a_reference_computation(
    agencies: list[tuple[list[int], list[int]]],
    weights: list[int],
    expected: tuple[float, float, float, float],
) -> None:
    strata = [
        Stratum(f"agency-{i}", summary(m), summary(f), w)
        for i, ((m, f), w) in enumerate(zip(agencies, weights, strict=True))
    ]
    found = within_agency_gap(strata)
    assert (found.estimate, found.ci_low, found.ci_high, found.p_value) == pytest.approx(
        expected, rel=1e-9
    )


def test_no_gap_in_any_agency_is_no_gap_combined_though_the_pooled_groups_differ() -> None:
    # Police scores 4 whatever the level and sends mostly managers; health scores 2 and
    # sends mostly frontline staff. Inside each agency managers and frontline agree.
    police_managers, police_frontline = [4, 4, 5, 3] * 4, [4, 5, 3, 4]
    health_managers, health_frontline = [2, 3, 1, 2], [2, 3, 1, 2] * 4
    pooled_gap = statistics.mean(police_managers + health_managers) - statistics.mean(
        police_frontline + health_frontline
    )
    assert pooled_gap == pytest.approx(1.2)
    combined = within_agency_gap(
        [
            Stratum("police", summary(police_managers), summary(police_frontline), 20),
            Stratum("health", summary(health_managers), summary(health_frontline), 20),
        ]
    )
    assert combined.estimate == 0.0
    assert combined.ci_low < 0 < combined.ci_high


def test_a_combined_gap_needs_an_agency_with_weight() -> None:
    with pytest.raises(ValueError, match="at least one agency"):
        within_agency_gap([])


def test_an_agency_that_rates_everyone_warmly_is_not_taken_for_a_one_way_flow() -> None:
    # Police rate every partner a point higher than health do, and rate health no higher
    # than the others: the plain difference is a point, the adjusted one nothing.
    police_rates = [
        Rating("health", 10, 4.0, 0.5),
        Rating("education", 10, 4.0, 0.5),
        Rating("housing", 10, 4.0, 0.5),
    ]
    health_rates = [
        Rating("police", 10, 3.0, 0.5),
        Rating("education", 10, 3.0, 0.5),
        Rating("housing", 10, 3.0, 0.5),
    ]
    found = adjusted_imbalance(police_rates, health_rates, "police", "health")
    assert found is not None
    assert found.estimate == pytest.approx(0.0, abs=1e-12)
    assert found.ci_low < 0 < found.ci_high


def test_a_partner_singled_out_stays_singled_out_after_the_adjustment() -> None:
    police_rates = [Rating("health", 10, 2.0, 0.5), Rating("education", 30, 4.0, 0.5)]
    health_rates = [Rating("police", 10, 3.0, 0.5), Rating("education", 10, 3.0, 0.5)]
    found = adjusted_imbalance(police_rates, health_rates, "police", "health")
    assert found is not None
    # Police's own mean is (10 x 2 + 30 x 4) / 40 = 3.5: health is 1.5 below it; health's
    # mean is 3.0 and police sit on it.
    assert found.estimate == pytest.approx(-1.5)


def test_an_agency_that_rated_one_partner_has_no_adjusted_imbalance() -> None:
    one = [Rating("health", 10, 4.0, 0.5)]
    two = [Rating("police", 10, 3.0, 0.5), Rating("education", 10, 3.0, 0.5)]
    assert adjusted_imbalance(one, two, "police", "health") is None
