"""The assurance gap on hand-built figures: a declared score against a published staff group,
by the gaps' significance rule, and nothing beside a group the release does not publish."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest

from surveys.analysis.assurance import beside_staff, declared_scores
from surveys.analysis.results import (
    FRONTLINE,
    MANAGEMENT,
    CellResult,
    RoundAnalysis,
    RoundInfo,
)
from surveys.questionnaire import Questionnaire
from surveys.questionnaire.loader import load_library
from surveys.scoring.statistics import Summary, difference_from_value, welch_difference


@pytest.fixture(scope="module")
def questionnaire() -> Questionnaire:
    return load_library()["cop-maturity-v1"]


def test_a_value_against_a_group_is_the_t_interval_of_the_groups_mean() -> None:
    # Ten frontline scores 1,2,2,2,3 twice: mean 2, sample variance 4/9.
    group = Summary(10, 2.0, 4 / 9)
    found = difference_from_value(5.0, group)
    margin = 2.2621571628 * math.sqrt(4 / 9 / 10)  # t(0.975, 9), from tables
    assert found.estimate == pytest.approx(3.0)
    assert (found.ci_low, found.ci_high) == pytest.approx((3.0 - margin, 3.0 + margin))
    assert found.df == 9


@pytest.mark.parametrize(
    ("value", "n", "mean", "variance"), [(5.0, 10, 2.0, 0.44), (1.5, 3, 4.2, 2.0)]
)
def test_it_is_welchs_interval_against_a_group_of_no_spread(
    value: float, n: int, mean: float, variance: float
) -> None:
    exact = Summary(50, value, 0.0)
    group = Summary(n, mean, variance)
    one, welch = difference_from_value(value, group), welch_difference(exact, group)
    assert (one.estimate, one.ci_low, one.ci_high, one.df) == pytest.approx(
        (welch.estimate, welch.ci_low, welch.ci_high, welch.df)
    )


def test_a_group_of_one_has_no_interval() -> None:
    with pytest.raises(ValueError):
        difference_from_value(3.0, Summary(1, 2.0, 0.0))


def test_a_declaration_is_scored_by_the_respondents_rules(questionnaire: Questionnaire) -> None:
    # Agreeing fully with every statement: reverse-worded ones then score 1.
    agree = declared_scores(questionnaire, {item.id: 5 for item in questionnaire.items})
    for feature in questionnaire.features:
        reversed_ = sum(item.reverse for item in feature.items)
        expected = (5 * (len(feature.items) - reversed_) + reversed_) / len(feature.items)
        assert agree[feature.id] == pytest.approx(expected)
    # All "don't know": too few statements answered to score.
    unsure = declared_scores(questionnaire, {item.id: None for item in questionnaire.items})
    assert set(unsure.values()) == {None}


def analysis_with(
    questionnaire: Questionnaire, cells: dict[tuple[str, str], CellResult]
) -> RoundAnalysis:
    """A release's analysis holding only the agencies' level cells given (the same on
    every feature)."""
    when = datetime(2026, 3, 1, tzinfo=UTC)
    return RoundAnalysis(
        round=RoundInfo("spring", "Spring", "cop-maturity-v1", when, when, False, 40),
        min_cell_size=5,
        features=tuple((f.id, f.name) for f in questionnaire.features),
        agencies=(("police", "Police"), ("health", "Health")),
        localities=(),
        cells=tuple(
            CellResult(
                agency,
                level,
                None,
                feature.id,
                cell.suppressed,
                cell.n,
                cell.mean,
                cell.sd,
                withheld=cell.withheld,
            )
            for (agency, level), cell in cells.items()
            for feature in questionnaire.features
        ),
        items=(),
        gaps=(),
        item_gaps=(),
        partners=(),
        imbalances=(),
        sharing_perceptions=(),
        reliability=(),
        responses=(),
    )


def shown(n: int, mean: float, sd: float) -> CellResult:
    return CellResult(None, None, None, "", False, n=n, mean=mean, sd=sd)


def scoring(questionnaire: Questionnaire, score: int) -> dict[str, int | None]:
    return {item.id: 6 - score if item.reverse else score for item in questionnaire.items}


# declared score, staff mean: notable (the gaps' rule), flagged (above the frontline)
PLANTED = [
    (5, 2.0, True, True),  # declares 5s, frontline 2s: the flag
    (2, 2.0, False, False),  # matches its frontline
    (3, 2.8, False, False),  # a little above, within half a point
    (1, 4.0, True, False),  # notably below its frontline: notable, not flagged
]


@pytest.mark.parametrize(("declared", "staff", "notable", "flagged"), PLANTED)
def test_the_flag_on_planted_figures(
    questionnaire: Questionnaire, declared: int, staff: float, notable: bool, flagged: bool
) -> None:
    analysis = analysis_with(
        questionnaire,
        {
            ("police", FRONTLINE): shown(10, staff, 0.67),
            ("police", MANAGEMENT): shown(10, 4.0, 0.6),
            ("health", FRONTLINE): shown(10, 3.0, 0.6),
            ("health", MANAGEMENT): shown(10, 3.0, 0.6),
        },
    )
    rows = beside_staff(analysis, questionnaire, {"police": scoring(questionnaire, declared)})
    assert {row.agency for row in rows} == {"police"}  # health declared nothing
    assert len(rows) == 2 * len(questionnaire.features)
    for row in rows:
        if row.level != FRONTLINE:
            continue
        assert row.declared == pytest.approx(declared)
        assert row.difference == pytest.approx(declared - staff)
        assert row.notable is notable and row.more_positive is flagged


def test_nothing_stands_beside_a_staff_group_the_release_does_not_publish(
    questionnaire: Questionnaire,
) -> None:
    suppressed = CellResult(None, None, None, "", True)
    withheld = CellResult(None, None, None, "", False, withheld=True)
    analysis = analysis_with(
        questionnaire,
        {
            ("police", FRONTLINE): suppressed,
            ("police", MANAGEMENT): withheld,
            ("health", FRONTLINE): shown(8, 2.0, 0.5),
            ("health", MANAGEMENT): shown(8, 2.0, 0.5),
        },
    )
    rows = beside_staff(
        analysis,
        questionnaire,
        {"police": scoring(questionnaire, 5), "health": scoring(questionnaire, 5)},
    )
    for row in rows:
        if row.agency == "police":
            assert row.suppressed and row.declared == pytest.approx(5)
            assert (row.n, row.staff_mean, row.difference, row.ci_low, row.ci_high) == (None,) * 5
            assert not row.notable and not row.more_positive
        else:
            assert not row.suppressed and row.more_positive


def test_a_declaration_too_unsure_to_score_shows_the_staff_and_no_difference(
    questionnaire: Questionnaire,
) -> None:
    analysis = analysis_with(
        questionnaire,
        {
            ("police", FRONTLINE): shown(8, 2.0, 0.5),
            ("police", MANAGEMENT): shown(8, 4.0, 0.5),
            ("health", FRONTLINE): shown(8, 2.0, 0.5),
            ("health", MANAGEMENT): shown(8, 2.0, 0.5),
        },
    )
    rows = beside_staff(
        analysis, questionnaire, {"police": dict.fromkeys(scoring(questionnaire, 3))}
    )
    assert all(r.declared is None and r.difference is None and not r.notable for r in rows)
    assert all(r.staff_mean is not None for r in rows)
