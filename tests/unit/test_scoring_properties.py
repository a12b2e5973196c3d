"""Properties of scoring that must hold for any answers at all."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from surveys.questionnaire import DEFINITIONS, load_questionnaire
from surveys.scoring.distribution import ScoreDistribution
from surveys.scoring.maturity import maturity_rank
from surveys.scoring.respondent import feature_result, item_score

QUESTIONNAIRE = load_questionnaire(DEFINITIONS / "cop-maturity-v1.toml")
answer = st.one_of(st.none(), st.integers(min_value=1, max_value=5))


@given(value=st.integers(min_value=1, max_value=5), reverse=st.booleans())
def test_flipping_a_reverse_item_twice_is_identity(value: int, reverse: bool) -> None:
    assert item_score(item_score(value, reverse), reverse) == value
    assert 1 <= item_score(value, reverse) <= 5


@given(data=st.data())
def test_feature_scores_stay_within_one_and_five(data: st.DataObject) -> None:
    for feature in QUESTIONNAIRE.features:
        answers = {
            item.id: data.draw(answer)
            for item in feature.items
            if data.draw(st.booleans())  # some items left unanswered
        }
        result = feature_result(feature, answers)
        assert result.answered + result.dont_know == len(answers)
        if result.score is not None:
            assert 1 <= result.score <= 5
            assert 1 <= maturity_rank(result.score) <= 5


scores = st.lists(
    st.fractions(min_value=1, max_value=5, max_denominator=7), min_size=1, max_size=40
)


@given(first=scores, second=scores)
def test_group_figures_stay_on_the_scale_and_merge_exactly(
    first: list[Fraction], second: list[Fraction]
) -> None:
    a, b = ScoreDistribution.of(first), ScoreDistribution.of(second)
    merged = a + b
    assert merged.n == len(first) + len(second)
    assert merged.mean is not None and 1 <= merged.mean <= 5
    assert merged.median is not None and 1 <= merged.median <= 5
    assert merged.mean == float(sum(first + second) / len(first + second))
    if merged.sd is not None:
        assert 0 <= merged.sd <= 2.83  # at most half the range times sqrt(n/(n-1)) for n >= 2
