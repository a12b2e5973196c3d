"""Omega and alpha from every answer given (pairwise), against reference values.

The reference values were computed once, from the same generated answers, with pandas 3.1
(`DataFrame.cov()` and `.corr()`, which are pairwise-complete) and factor_analyzer 0.5.1
(`FactorAnalyzer(n_factors=1, rotation=None, method="minres", is_corr_matrix=True)` on the
pairwise correlations): alpha = k/(k-1) * (1 - trace(C) / sum(C)), which is what
pingouin.cronbach_alpha(nan_policy="pairwise") computes, and omega = (sum of loadings)^2 /
((sum of loadings)^2 + sum(1 - loading^2)). Dataset 3 has a Heywood case (factor_analyzer's
first loading is 1.000958), which the bound on uniqueness reproduces.
"""

from __future__ import annotations

import random

import pytest

from surveys.scoring.omega import (
    PairMoments,
    one_factor_loadings,
    pairwise_reliability,
)
from surveys.scoring.reliability import ItemMoments, cronbach_alpha

Answers = list[list[int | None]]


def dataset(
    seed: int, people: int, loadings: list[float], reverse: list[bool], missing: float
) -> Answers:
    """Answers 1-5 driven by one factor, reverse-worded ones given the other way round; a
    share `missing` left unanswered at random."""
    rng = random.Random(seed)
    rows: Answers = []
    for _ in range(people):
        factor = rng.gauss(0, 1)
        row: list[int | None] = []
        for index, loading in enumerate(loadings):
            latent = loading * factor + (1 - loading * loading) ** 0.5 * rng.gauss(0, 1)
            value = min(5, max(1, round(3 + 1.1 * latent)))
            if reverse[index]:
                value = 6 - value
            row.append(None if rng.random() < missing else value)
        rows.append(row)
    return rows


def pairs_of(rows: Answers) -> dict[tuple[str, str], PairMoments]:
    """The sums raw_answers.load_pairs reads from the database, made here from the rows."""
    ids = [f"s{i}" for i in range(len(rows[0]))]
    pairs: dict[tuple[str, str], PairMoments] = {}
    for a, first in enumerate(ids):
        for b, second in enumerate(ids):
            if second < first:
                continue
            both = [(x, y) for r in rows if (x := r[a]) is not None and (y := r[b]) is not None]
            pairs[(first, second)] = PairMoments(
                len(both),
                sum(x for x, _ in both),
                sum(y for _, y in both),
                sum(x * x for x, _ in both),
                sum(y * y for _, y in both),
                sum(x * y for x, y in both),
            )
    return pairs


CASES = [
    # seed, people, loadings, reverse, missing; alpha, omega, complete cases, their alpha
    (1, 60, [0.8, 0.7, 0.6, 0.5], [False, False, True, False], 0.15,
     0.820857, 0.821187, [0.824671, 0.774905, 0.723839, 0.589648], 31, 0.820335),
    (2, 120, [0.7] * 6, [False, True, False, False, True, False], 0.2,
     0.866222, 0.862114, [0.665416, 0.704494, 0.717028, 0.712877, 0.815956, 0.664884], 34, 0.8631),
    (3, 40, [0.9, 0.4, 0.6, 0.3, 0.8], [False] * 5, 0.1,
     0.732715, 0.762766, [1.000958, 0.669114, 0.402868, 0.383236, 0.592306], 24, 0.734428),
    (4, 200, [0.5, 0.6, 0.4, 0.55, 0.65], [True, False, False, False, False], 0.25,
     0.63211, 0.636071, [0.372157, 0.576472, 0.29664, 0.646825, 0.626733], 48, 0.660578),
]  # fmt: skip


@pytest.mark.parametrize(
    (
        "seed",
        "people",
        "loadings",
        "reverse",
        "missing",
        "alpha",
        "omega",
        "expected",
        "cases",
        "complete_alpha",
    ),
    CASES,
)
def test_pairwise_alpha_and_omega_match_the_reference(
    seed: int,
    people: int,
    loadings: list[float],
    reverse: list[bool],
    missing: float,
    alpha: float,
    omega: float,
    expected: list[float],
    cases: int,
    complete_alpha: float,
) -> None:
    rows = dataset(seed, people, loadings, reverse, missing)
    ids = [f"s{i}" for i in range(len(loadings))]
    result = pairwise_reliability(ids, pairs_of(rows), dict(zip(ids, reverse, strict=True)))
    assert result.alpha == pytest.approx(alpha, abs=1e-6)
    assert result.omega == pytest.approx(omega, abs=1e-4)
    assert [result.loadings[i] for i in ids] == pytest.approx(expected, abs=1e-3)
    # The complete-case alpha beside it drops everyone who skipped any statement.
    complete = [r for r in rows if None not in r]
    assert len(complete) == cases < people
    scores = [
        [6 - v if reverse[i] else v for i, v in enumerate(r) if v is not None] for r in complete
    ]
    moments = ItemMoments(
        len(scores),
        {ids[i]: float(sum(r[i] for r in scores)) for i in range(len(ids))},
        {
            (ids[i], ids[j]): float(sum(r[i] * r[j] for r in scores))
            for i in range(len(ids))
            for j in range(i, len(ids))
        },
    )
    assert cronbach_alpha(ids, moments) == pytest.approx(complete_alpha, abs=1e-6)
    assert result.fewest >= cases


def test_a_reverse_worded_statement_runs_with_the_others_once_flipped() -> None:
    rows = dataset(2, 120, [0.7] * 6, [False, True, False, False, True, False], 0.2)
    ids = [f"s{i}" for i in range(6)]
    flipped = pairwise_reliability(ids, pairs_of(rows), {"s1": True, "s4": True})
    unflipped = pairwise_reliability(ids, pairs_of(rows), {})
    assert flipped.omega is not None and flipped.omega > 0.8
    assert unflipped.alpha is not None and unflipped.alpha < 0.5


def test_too_little_to_estimate_gives_no_figure() -> None:
    ids = ["a", "b", "c"]
    rows: Answers = [[1, 2, None], [2, 3, None], [4, 4, 5]]  # c is never answered with a or b twice
    result = pairwise_reliability(ids, pairs_of(rows), {})
    assert result.alpha is None and result.omega is None
    assert one_factor_loadings([[1.0, 0.5], [0.5, 1.0]]) is None  # two statements: no factor
    # Everyone answering the same to a statement: no spread, no correlation.
    same: Answers = [[3, x, y] for x, y in [(1, 2), (2, 2), (4, 5), (5, 4)]]
    assert pairwise_reliability(ids, pairs_of(same), {}).omega is None
