"""Scoring of version 2's bipolar statement and of the two separate non-answers."""

from __future__ import annotations

import pytest

from surveys.questionnaire import DEFINITIONS, NOT_APPLICABLE_VALUE, load_questionnaire
from surveys.scoring.distribution import ItemDistribution
from surveys.scoring.respondent import (
    bipolar_answer,
    bipolar_score,
    feature_result,
    statement_score,
)

V2 = load_questionnaire(DEFINITIONS / "cop-maturity-v2.toml")
EXCHANGE = next(f for f in V2.features if f.id == "exchange")
NA = NOT_APPLICABLE_VALUE


@pytest.mark.parametrize(
    ("value", "score"),
    [
        (1, 1),  # gives much more than it gets back
        (2, 3),
        (3, 5),  # about the same: balance is best
        (4, 3),
        (5, 1),  # gets much more than it gives
    ],
)
def test_bipolar_statement_scores_balance_best_and_both_imbalances_alike(
    value: int, score: int
) -> None:
    assert bipolar_score(value) == score
    balance = V2.item("exchange-balance")
    assert balance is not None
    assert statement_score(balance, value) == score


@pytest.mark.parametrize(
    ("item_id", "value", "score"),
    [
        ("exchange-both-ways", 5, 5),  # agree: as given
        ("exchange-both-ways", 1, 1),
        ("exchange-systems", 5, 1),  # reverse: agreeing that systems get in the way is worse
        ("exchange-systems", 2, 4),
        ("exchange-balance", 3, 5),  # bipolar
        ("exchange-balance", 1, 1),
    ],
)
def test_each_keying_scores_as_the_questionnaire_says(item_id: str, value: int, score: int) -> None:
    item = V2.item(item_id)
    assert item is not None
    assert statement_score(item, value) == score


ALL_FOUR = {"exchange-both-ways": 4, "exchange-law": 4, "exchange-in-time": 4}


@pytest.mark.parametrize(
    ("answers", "answered", "dont_know", "not_applicable", "score"),
    [
        # Seven statements; 60% of them (five) must be answered 1-5 to score the feature.
        (
            {**ALL_FOUR, "exchange-sensitive": 4, "exchange-resources": 4, "exchange-balance": 3},
            6,
            0,
            0,
            pytest.approx((4 * 5 + 5) / 6),
        ),
        # Don't know and not applicable are both left out of the score...
        (
            {
                **ALL_FOUR,
                "exchange-sensitive": 2,
                "exchange-resources": 2,
                "exchange-balance": None,
                "exchange-systems": NA,
            },
            5,
            1,
            1,
            pytest.approx(16 / 5),
        ),
        # ...and neither counts as answering: four answered of seven is too few to score.
        (
            {
                **ALL_FOUR,
                "exchange-sensitive": 4,
                "exchange-resources": NA,
                "exchange-balance": NA,
                "exchange-systems": None,
            },
            4,
            1,
            2,
            None,
        ),
        # Not applicable to everything: counted, no score.
        ({item.id: NA for item in EXCHANGE.items}, 0, 0, 7, None),
        ({item.id: None for item in EXCHANGE.items}, 0, 7, 0, None),
    ],
)
def test_feature_scores_leave_out_and_count_both_non_answers(
    answers: dict[str, int | None],
    answered: int,
    dont_know: int,
    not_applicable: int,
    score: object,
) -> None:
    result = feature_result(EXCHANGE, answers)
    assert (result.answered, result.dont_know, result.not_applicable) == (
        answered,
        dont_know,
        not_applicable,
    )
    assert result.score == score
    assert NA not in result.item_scores.values()


@pytest.mark.parametrize(
    ("counts", "dont_know", "not_applicable", "share_dk", "share_na", "mean"),
    [
        # balance 3x (score 5), one step out each way (score 3), ends (score 1)
        ({3: 3, 2: 1, 4: 1, 1: 1, 5: 1}, 2, 1, 2 / 10, 1 / 10, (15 + 6 + 2) / 7),
        ({3: 4}, 0, 4, 0.0, 0.5, 5.0),
        ({}, 1, 1, 0.5, 0.5, None),
    ],
)
def test_item_distribution_counts_both_non_answers_apart_and_scores_bipolar_answers(
    counts: dict[int, int],
    dont_know: int,
    not_applicable: int,
    share_dk: float,
    share_na: float,
    mean: float | None,
) -> None:
    answers = ItemDistribution.of(counts, dont_know, not_applicable)
    assert answers.share_dont_know == pytest.approx(share_dk)
    assert answers.share_not_applicable == pytest.approx(share_na)
    scored = answers.scores(reverse=False, bipolar=True).mean
    assert scored == (pytest.approx(mean) if mean is not None else None)
    # Merging two groups keeps the non-answers apart.
    merged = answers + ItemDistribution.of({}, 1, 0)
    assert (merged.dont_know, merged.not_applicable) == (dont_know + 1, not_applicable)


def test_a_version_1_distribution_is_unchanged_by_the_second_non_answer() -> None:
    answers = ItemDistribution.of({1: 2, 5: 2}, dont_know=1)
    assert answers.share_dont_know == pytest.approx(1 / 5)
    assert answers.share_not_applicable == 0.0
    assert answers.scores(reverse=True).mean == pytest.approx(3.0)


@pytest.mark.parametrize("score", [1, 3, 5])
@pytest.mark.parametrize("below", [True, False])
def test_synthetic_bipolar_answers_earn_the_score_asked_for(score: int, below: bool) -> None:
    value = bipolar_answer(score, below)
    assert bipolar_score(value) == score
    assert (value <= 3) if below else (value >= 3)
