"""The measurement invariance check on synthetic answers: a statement that managers read the
other way round is found, and named by its feature; answers from one model in both groups
pass; too few people in a group and the check says why it was not run."""

from __future__ import annotations

import random

import numpy as np
import pytest
from scipy.stats import multivariate_normal

from surveys.scoring.invariance import (
    MIN_GROUP,
    _bivariate_cdf,
    check_invariance,
    fitted,
    polychoric,
    polychoric_estimates,
    polychoric_with_variance,
    positive_definite,
    thresholds,
)

# Five features of three statements each: the questionnaire's shape, smaller (fast to fit).
FEATURES = [(feature, [f"{feature}-{i}" for i in range(3)]) for feature in
            ("purpose", "trust", "exchange", "respect", "dialogue")]  # fmt: skip
CUTS = (-1.3, -0.4, 0.4, 1.3)  # where the latent leaning turns into the answers 1-5


def answers(seed: int, people: int, loadings: dict[str, float]) -> list[dict[str, int]]:
    """Answers from five correlated features; a statement loads 0.75 unless `loadings` says
    otherwise; one answer in twenty is left out."""
    rng = random.Random(seed)
    result = []
    for _ in range(people):
        shared = rng.gauss(0, 1)
        person: dict[str, int] = {}
        for _feature, items in FEATURES:
            factor = 0.6 * shared + 0.8 * rng.gauss(0, 1)
            for item in items:
                loading = loadings.get(item, 0.75)
                leaning = loading * factor + (1 - loading**2) ** 0.5 * rng.gauss(0, 1)
                if rng.random() >= 0.05:
                    person[item] = 1 + sum(leaning > cut for cut in CUTS)
        result.append(person)
    return result


def test_a_statement_read_the_other_way_by_managers_is_found() -> None:
    planted = "exchange-1"
    outcome = check_invariance(
        FEATURES, answers(11, 160, {planted: -0.5}), answers(12, 220, {planted: 0.8})
    )
    assert outcome.ran and outcome.holds is False
    assert outcome.configural and outcome.equal_loadings
    assert outcome.delta_cfi is not None and outcome.delta_rmsea is not None
    assert outcome.delta_cfi < -0.01 or outcome.delta_rmsea > 0.015
    assert outcome.differing == ("exchange",)
    assert outcome.estimator == "DWLS"
    checks = {c.feature: c for c in outcome.features}
    assert set(checks) == {f for f, _items in FEATURES}
    assert not checks["exchange"].holds
    assert all(c.holds for f, c in checks.items() if f != "exchange")


def test_answers_from_one_model_in_both_groups_hold_equal_loadings() -> None:
    outcome = check_invariance(FEATURES, answers(21, 160, {}), answers(22, 220, {}))
    assert outcome.ran and outcome.holds is True
    assert outcome.differing == () and outcome.features == ()
    assert outcome.configural and outcome.equal_loadings
    assert outcome.configural.df < outcome.equal_loadings.df  # 10 loadings held equal
    assert outcome.equal_loadings.df - outcome.configural.df == 5 * (3 - 1)
    for fit in (outcome.configural, outcome.equal_loadings):
        assert 0.9 < fit.cfi <= 1 and 0 <= fit.rmsea < 0.08 and 0 < fit.srmr < 0.08


CHANCE = (
    "With fewer, the model cannot tell a real difference in how the groups read the "
    "statements from chance."
)


@pytest.mark.parametrize(("managers", "frontline"), [(MIN_GROUP - 1, 300), (300, 40)])
def test_below_the_threshold_the_check_says_why_it_was_not_run(
    managers: int, frontline: int
) -> None:
    outcome = check_invariance(FEATURES, answers(31, managers, {}), answers(32, frontline, {}))
    assert not outcome.ran and outcome.holds is None and outcome.configural is None
    assert (outcome.managers, outcome.frontline) == (managers, frontline)
    assert outcome.reason is not None
    assert f"at least {MIN_GROUP} managers" in outcome.reason
    short = "managers" if managers < MIN_GROUP else "frontline staff"
    assert outcome.reason.endswith(f"this release has fewer {short}. " + CHANCE)
    # Neither size is said: it counts people with a scored answer, which no other published
    # count does, so beside the response counts it would tell how many gave none.
    assert str(managers) not in outcome.reason and str(frontline) not in outcome.reason


@pytest.mark.parametrize(
    ("h", "k", "rho"),
    [(0.3, -0.5, 0.6), (-1.2, -0.4, -0.3), (8.0, 0.7, 0.5), (0.0, 0.5, 0.4), (1.5, 2.0, 0.9)],
)
def test_the_bivariate_normal_probabilities_match_scipy(h: float, k: float, rho: float) -> None:
    ours = float(_bivariate_cdf(np.array([h]), np.array([k]), rho)[0])
    reference = multivariate_normal([0, 0], [[1, rho], [rho, 1]]).cdf([h, k])
    assert ours == pytest.approx(reference, abs=1e-6)


def test_a_polychoric_correlation_recovers_the_latent_one() -> None:
    rng = np.random.default_rng(3)
    latent = rng.multivariate_normal([0, 0], [[1, 0.6], [0.6, 1]], size=3000)
    first = [1 + int(v) for v in np.digitize(latent[:, 0], [-1.5, -0.5, 0.5, 1.5])]
    second = [1 + int(v) for v in np.digitize(latent[:, 1], [-1, -0.2, 0.6, 1.4])]
    r = polychoric(first, second, thresholds(first), thresholds(second))
    assert r == pytest.approx(0.6, abs=0.04)
    # Pearson's r on the banded answers understates it: the point of polychorics.
    assert float(np.corrcoef(first, second)[0, 1]) < r - 0.02


def banded(seed: int, size: int, rho: float) -> tuple[list[int], list[int]]:
    rng = np.random.default_rng(seed)
    latent = rng.multivariate_normal([0, 0], [[1, rho], [rho, 1]], size=size)
    first = [1 + int(v) for v in np.digitize(latent[:, 0], [-1.5, -0.5, 0.5, 1.5])]
    second = [1 + int(v) for v in np.digitize(latent[:, 1], [-1, -0.2, 0.6, 1.4])]
    return first, second


@pytest.mark.parametrize(("seed", "size", "rho"), [(4, 400, 0.5), (5, 250, 0.2), (6, 600, 0.8)])
def test_a_polychorics_variance_is_its_fisher_information_inverted(
    seed: int, size: int, rho: float
) -> None:
    """Reference: the expected information of a polychoric correlation with thresholds known
    (Olsson 1979), N * sum over the cross-table's cells of (d pi / d rho)^2 / pi, where
    d pi / d rho sums the bivariate normal density (scipy's) at the cell's corners."""
    first, second = banded(seed, size, rho)
    x, y = thresholds(first), thresholds(second)
    r, variance = polychoric_with_variance(first, second, x, y)
    law = multivariate_normal([0, 0], [[1, r], [r, 1]])
    information = 0.0
    for a in range(5):
        for b in range(5):
            corners = [(x[a + 1], y[b + 1], 1), (x[a], y[b + 1], -1)]
            corners += [(x[a + 1], y[b], -1), (x[a], y[b], 1)]
            share = sum(sign * law.cdf([h, k]) for h, k, sign in corners)
            slope = sum(sign * law.pdf([h, k]) for h, k, sign in corners)
            if share > 1e-12:
                information += slope**2 / share
    assert variance == pytest.approx(1 / (size * information), rel=0.1)
    # Twice the people answering alike: exactly half the variance.
    _r, halved = polychoric_with_variance(first * 2, second * 2, x, y)
    assert halved == pytest.approx(variance / 2, rel=1e-3)


def test_the_fit_weights_each_correlation_by_its_sampling_variance() -> None:
    """DWLS, not maximum likelihood: the model follows a correlation more closely the surer
    it is. Equal loadings on data with a statement read the other way misfit somewhere; make
    one correlation 10,000 times surer and its residual all but vanishes (under ML, which
    has no weights, nothing would move)."""
    planted = "exchange-1"
    items = [item for _f, ids in FEATURES for item in ids]
    groups = [
        polychoric_estimates(items, people)
        for people in (answers(11, 160, {planted: -0.5}), answers(12, 220, {planted: 0.8}))
    ]
    observed = [positive_definite(matrix) for matrix, _v in groups]
    variances = [v.copy() for _m, v in groups]
    everything = {f for f, _ids in FEATURES}
    i, j = items.index("exchange-0"), items.index(planted)  # managers' pair

    def residual(weights: list[np.ndarray]) -> float:
        return abs(float(observed[0][i, j] - fitted(FEATURES, observed, weights, everything)[i, j]))

    before = residual(variances)
    variances[0][i, j] = variances[0][j, i] = variances[0][i, j] / 10_000
    after = residual(variances)
    assert before > 0.05
    assert after < before / 5
