"""Known answers for the pure scoring: every expected value is worked out by hand here."""

from __future__ import annotations

import statistics
from fractions import Fraction

import pytest

from surveys.questionnaire import DEFINITIONS, load_questionnaire
from surveys.scoring.distribution import ItemDistribution, ScoreDistribution
from surveys.scoring.maturity import is_contested, maturity_rank
from surveys.scoring.reliability import ItemMoments, cronbach_alpha, reliability
from surveys.scoring.respondent import (
    answer_scoring,
    enough_answered,
    feature_result,
    item_score,
)
from surveys.scoring.statistics import Summary, hedges_g, t_cdf, t_quantile, welch_difference

QUESTIONNAIRE = load_questionnaire(DEFINITIONS / "cop-maturity-v1.toml")
PURPOSE = QUESTIONNAIRE.features[0]
assert PURPOSE.id == "purpose"


@pytest.mark.parametrize(
    ("value", "reverse", "score"),
    [(1, False, 1), (5, False, 5), (1, True, 5), (2, True, 4), (3, True, 3), (5, True, 1)],
)
def test_reverse_items_are_flipped(value: int, reverse: bool, score: int) -> None:
    assert item_score(value, reverse) == score


def test_feature_score_is_the_mean_of_answered_items_with_reverse_flipped() -> None:
    # purpose-4 and purpose-5 are reverse-worded: answering 2 to them scores 4.
    answers = {
        "purpose-1": 4,
        "purpose-2": 5,
        "purpose-3": 3,
        "purpose-4": 2,
        "purpose-5": 2,
        "purpose-6": None,
    }
    result = feature_result(PURPOSE, answers)
    assert result.answered == 5 and result.dont_know == 1
    assert result.score == pytest.approx((4 + 5 + 3 + 4 + 4) / 5)


@pytest.mark.parametrize(
    ("answered", "scored"),
    # 6 items: 60% is 3.6, so 4 answered items are needed; "don't know" does not count.
    [(6, True), (4, True), (3, False), (0, False)],
)
def test_feature_needs_sixty_percent_of_items_answered(answered: int, scored: bool) -> None:
    ids = [item.id for item in PURPOSE.items]
    answers: dict[str, int | None] = dict.fromkeys(ids[:answered], 3)
    answers.update(dict.fromkeys(ids[answered:]))
    assert (feature_result(PURPOSE, answers).score is not None) is scored


@pytest.mark.parametrize(
    ("answered", "statements", "enough"),
    # 60% of the statements, answered 1-5: 3 of 5, 4 of 6 (3.6), 5 of 7 (4.2), 3 of 4 (2.4).
    [
        (3, 5, True),
        (2, 5, False),
        (4, 6, True),
        (3, 6, False),
        (5, 7, True),
        (4, 7, False),
        (3, 4, True),
        (2, 4, False),
        (1, 1, True),
        (0, 1, False),
        (0, 5, False),
    ],
)
def test_the_completion_rule(answered: int, statements: int, enough: bool) -> None:
    assert enough_answered(answered, statements) is enough


def test_a_feature_result_keeps_the_exact_sum_and_says_when_it_is_complete() -> None:
    ids = [item.id for item in PURPOSE.items]
    every = feature_result(PURPOSE, dict.fromkeys(ids, 4))
    # purpose-4 and purpose-5 are reverse-worded: an answer of 4 scores 2 there.
    assert every.complete and every.total == 4 * 4 + 2 * 2 and every.answered == 6
    assert every.item_scores["purpose-4"] == 2
    most = feature_result(PURPOSE, {**dict.fromkeys(ids, 4), "purpose-1": None})
    assert not most.complete and most.answered == 5 and most.dont_know == 1


@pytest.mark.parametrize(
    ("score", "reverse", "answer"), [(5, False, 5), (5, True, 1), (2, True, 4)]
)
def test_the_answer_that_earns_a_score(score: int, reverse: bool, answer: int) -> None:
    assert answer_scoring(score, reverse) == answer
    assert item_score(answer_scoring(score, reverse), reverse) == score


@pytest.mark.parametrize(
    ("mean", "rank"),
    [
        (1.0, 1),
        (1.79, 1),
        (1.8, 2),
        (2.59, 2),
        (2.6, 3),
        (3.0, 3),
        (3.39, 3),
        (3.4, 4),
        (4.19, 4),
        (4.2, 5),
        (5.0, 5),
    ],
)
def test_maturity_thresholds_are_five_equal_bands(mean: float, rank: int) -> None:
    assert maturity_rank(mean) == rank


def test_maturity_refuses_a_mean_off_the_scale() -> None:
    with pytest.raises(ValueError):
        maturity_rank(5.5)


def test_distribution_figures() -> None:
    scores = [Fraction(2), Fraction(3), Fraction(3), Fraction(7, 2), Fraction(5)]
    d = ScoreDistribution.of(scores)
    assert d.n == 5
    assert d.mean == pytest.approx(16.5 / 5)
    assert d.sd == pytest.approx(statistics.stdev([2, 3, 3, 3.5, 5]))
    assert d.median == 3
    assert d.share_low == pytest.approx(1 / 5)  # 2 or below
    assert d.share_high == pytest.approx(1 / 5)  # 4 or above
    even = ScoreDistribution.of([1, 2, 4, 5])
    assert even.median == 3.0
    merged = d + even
    assert merged.n == 9 and merged.mean == pytest.approx((16.5 + 12) / 9)


def test_lukewarm_group_is_not_contested_but_a_split_one_is() -> None:
    lukewarm = ScoreDistribution.of([3, 3, 3, Fraction(7, 2), Fraction(5, 2), 3, 3, 3])
    split = ScoreDistribution.of([1, 1, Fraction(3, 2), 2, 4, Fraction(9, 2), 5, 5])
    assert split.mean == pytest.approx(3.0) and lukewarm.mean == pytest.approx(3.0)
    assert not is_contested(lukewarm)
    assert is_contested(split)
    # Only a quarter at one end and nobody at the other is not contested.
    assert not is_contested(ScoreDistribution.of([1, 1, 3, 3, 3, 3, 3, 3]))


def test_item_distribution_shares() -> None:
    answers = ItemDistribution.of({1: 1, 2: 1, 4: 3, 5: 1}, dont_know=4)
    assert answers.answered == 6
    assert answers.share_agreeing == pytest.approx(4 / 6)
    assert answers.share_dont_know == pytest.approx(4 / 10)
    flipped = answers.scores(reverse=True)
    assert flipped.mean == pytest.approx((5 + 4 + 2 * 3 + 1) / 6)


@pytest.mark.parametrize(
    ("p", "df", "expected"),
    # Values from printed t tables.
    [
        (0.975, 1, 12.706),
        (0.975, 5, 2.571),
        (0.975, 10, 2.228),
        (0.975, 30, 2.042),
        (0.95, 20, 1.725),
        (0.995, 12, 3.055),
    ],
)
def test_t_quantiles_match_tables(p: float, df: float, expected: float) -> None:
    assert t_quantile(p, df) == pytest.approx(expected, abs=0.001)
    assert t_cdf(t_quantile(p, df), df) == pytest.approx(p, abs=1e-9)
    assert t_quantile(1 - p, df) == pytest.approx(-expected, abs=0.001)


def test_welch_interval_and_hedges_g_by_hand() -> None:
    management = [4, 5, 5, 4, 3]  # mean 4.2, variance 0.7
    frontline = [2, 3, 2, 3, 2, 3]  # mean 2.5, variance 0.3
    first = Summary(5, statistics.mean(management), statistics.variance(management))
    second = Summary(6, statistics.mean(frontline), statistics.variance(frontline))
    difference = welch_difference(first, second)
    assert difference.estimate == pytest.approx(1.7)
    # Welch-Satterthwaite: (0.14 + 0.05)^2 / (0.14^2 / 4 + 0.05^2 / 5) = 0.0361 / 0.0054
    assert difference.df == pytest.approx(0.0361 / 0.0054)
    standard_error = (0.14 + 0.05) ** 0.5
    margin = difference.ci_high - 1.7
    assert margin == pytest.approx(1.7 - difference.ci_low)
    # t(0.975) lies between the table values for 7 df (2.365) and 6 df (2.447).
    assert 2.365 * standard_error < margin < 2.447 * standard_error
    assert difference.excludes_zero
    # Pooled variance (4 * 0.7 + 5 * 0.3) / 9; correction 1 - 3 / (4 * 11 - 9).
    pooled_sd = ((4 * 0.7 + 5 * 0.3) / 9) ** 0.5
    assert hedges_g(first, second) == pytest.approx((1 - 3 / 35) * 1.7 / pooled_sd)


def test_cronbach_alpha_by_hand() -> None:
    rows = [(1, 2, 2), (2, 2, 3), (3, 4, 3), (4, 4, 5)]
    items = ["a", "b", "c"]
    columns = list(zip(*rows, strict=True))
    totals = [sum(r) for r in rows]
    item_variances = sum(statistics.variance(c) for c in columns)
    expected = 3 / 2 * (1 - item_variances / statistics.variance(totals))  # 0.9388
    moments = ItemMoments(
        n=len(rows),
        sums={name: float(sum(col)) for name, col in zip(items, columns, strict=True)},
        products={
            (a, b): float(sum(r[i] * r[j] for r in rows))
            for i, a in enumerate(items)
            for j, b in enumerate(items)
            if i <= j
        },
    )
    assert expected == pytest.approx(0.938776, abs=1e-6)
    assert cronbach_alpha(items, moments) == pytest.approx(expected)
    result = reliability(items, moments)
    # Corrected item-total correlation of "a": with the sum of b and c.
    rest = [r[1] + r[2] for r in rows]
    assert result.item_total["a"] == pytest.approx(statistics.correlation(columns[0], rest))
    without_a = [(r[1], r[2]) for r in rows]
    by_hand = 2 * (
        1
        - sum(statistics.variance(c) for c in zip(*without_a, strict=True))
        / statistics.variance([sum(r) for r in without_a])
    )
    assert result.alpha_if_deleted["a"] == pytest.approx(by_hand)
    # Without b: variances 5/3 and 19/12 against a total variance of 6.25, alpha 0.96,
    # which is above 0.9388 by more than the margin: b is listed as weakening the scale.
    assert result.alpha_if_deleted["b"] == pytest.approx(2 * (1 - (5 / 3 + 19 / 12) / 6.25))
    assert result.weakening_items == ("b",)


def test_an_item_pulling_against_its_scale_is_listed() -> None:
    rows = [(1, 1, 5), (2, 2, 4), (4, 4, 2), (5, 5, 1), (3, 3, 3)]
    items = ["a", "b", "odd"]
    columns = list(zip(*rows, strict=True))
    moments = ItemMoments(
        len(rows),
        {n: float(sum(c)) for n, c in zip(items, columns, strict=True)},
        {
            (a, b): float(sum(r[i] * r[j] for r in rows))
            for i, a in enumerate(items)
            for j, b in enumerate(items)
            if i <= j
        },
    )
    assert reliability(items, moments).weakening_items == ("odd",)
