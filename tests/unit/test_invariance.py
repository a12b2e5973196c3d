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
    polychoric,
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


@pytest.mark.parametrize(("managers", "frontline"), [(MIN_GROUP - 1, 300), (300, 40)])
def test_below_the_threshold_the_check_says_why_it_was_not_run(
    managers: int, frontline: int
) -> None:
    outcome = check_invariance(FEATURES, answers(31, managers, {}), answers(32, frontline, {}))
    assert not outcome.ran and outcome.holds is None and outcome.configural is None
    assert (outcome.managers, outcome.frontline) == (managers, frontline)
    assert outcome.reason is not None
    assert f"at least {MIN_GROUP} managers" in outcome.reason
    assert f"has {managers} and {frontline}" in outcome.reason


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
