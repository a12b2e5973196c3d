"""engine.analyse on hand-built tallies: small known numbers, no app and no database.

Scores on the purpose feature (six statements) are given as (sum of item scores, statements
answered): (18, 6) is a respondent scoring 3.0. The expected means are worked out by hand in
the tables below.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import pytest

from surveys.analysis.engine import analyse
from surveys.analysis.facts import RoundFacts
from surveys.analysis.queries import AgencyLevel, RoundTallies
from surveys.analysis.results import CellResult, RoundAnalysis
from surveys.questionnaire import Questionnaire
from surveys.questionnaire.loader import load_library

K = 3  # the smallest group shown

FACTS = RoundFacts(
    slug="spring",
    name="Spring round",
    questionnaire_version="cop-maturity-v1",
    opens_at=datetime(2026, 3, 1, tzinfo=UTC),
    closes_at=datetime(2026, 3, 31, tzinfo=UTC),
    is_demo=False,
    agencies=(("police", "Police"), ("health", "Health")),
    localities=(),
)

Scores = Mapping[AgencyLevel, Mapping[tuple[int, int], int]]

# Police: 4 strategic managers scoring 3.0, 5 frontline staff scoring 4.0.
# Health: 3 strategic managers scoring 5.0, 3 frontline staff scoring 2.0.
EVERYONE_SHOWN: Scores = {
    ("police", "strategic"): {(18, 6): 4},
    ("police", "frontline"): {(24, 6): 5},
    ("health", "strategic"): {(30, 6): 3},
    ("health", "frontline"): {(12, 6): 3},
}


@pytest.fixture(scope="module")
def questionnaire() -> Questionnaire:
    return load_library()["cop-maturity-v1"]


def tallies(purpose: Scores) -> RoundTallies:
    """Tallies of a round whose respondents all scored the purpose feature as given."""
    respondents = {group: sum(scores.values()) for group, scores in purpose.items()}
    by_level: dict[AgencyLevel, dict[tuple[int, int], int]] = {}
    by_level_count: dict[AgencyLevel, int] = {}
    for (_agency, level), scores in purpose.items():
        key = (level, "")  # locality not given
        for score, n in scores.items():
            by_level.setdefault(key, {})[score] = by_level.get(key, {}).get(score, 0) + n
            by_level_count[key] = by_level_count.get(key, 0) + n
    return RoundTallies(
        respondents=respondents,
        respondents_by_locality=by_level_count,
        features={"purpose": purpose},
        features_by_locality={"purpose": by_level},
        items={},
        items_by_locality={},
        moments={},
        partners={},
        headcounts={},
    )


def cell(analysis: RoundAnalysis, agency: str | None, level: str | None) -> CellResult:
    return next(
        c
        for c in analysis.cells
        if (c.feature, c.agency, c.level, c.locality) == ("purpose", agency, level, None)
    )


@pytest.mark.parametrize(
    ("agency", "level", "n", "mean", "maturity"),
    [
        (None, None, 15, (12 + 20 + 15 + 6) / 15, "established"),
        # Mean 3.86 but only 3 of 7 agree: short of the majority Established needs.
        (None, "management", 7, (12 + 15) / 7, "developing"),
        (None, "frontline", 8, (20 + 6) / 8, "contested"),  # 4.0s and 2.0s
        ("police", None, 9, (12 + 20) / 9, "established"),
        ("police", "strategic", 4, 3.0, "developing"),
        ("police", "frontline", 5, 4.0, "established"),
        ("health", None, 6, (15 + 6) / 6, "contested"),  # 5.0s and 2.0s
        ("health", "frontline", 3, 2.0, "emerging"),
        ("health", "management", 3, 5.0, "embedded"),
    ],
)
def test_each_group_is_scored_from_its_members(
    questionnaire: Questionnaire,
    agency: str | None,
    level: str | None,
    n: int,
    mean: float,
    maturity: str,
) -> None:
    found = cell(analyse(FACTS, questionnaire, K, tallies(EVERYONE_SHOWN)), agency, level)
    assert not found.suppressed
    assert found.n == n
    assert found.mean == pytest.approx(mean)
    assert found.maturity_level == maturity


def test_a_level_nobody_answered_at_is_empty_not_suppressed(
    questionnaire: Questionnaire,
) -> None:
    found = cell(analyse(FACTS, questionnaire, K, tallies(EVERYONE_SHOWN)), None, "operational")
    assert (found.suppressed, found.n, found.mean) == (False, 0, None)


def test_the_round_is_described_from_the_plain_facts(questionnaire: Questionnaire) -> None:
    analysis = analyse(FACTS, questionnaire, K, tallies(EVERYONE_SHOWN))
    info = analysis.round
    assert (info.slug, info.name, info.questionnaire_version) == (
        "spring",
        "Spring round",
        "cop-maturity-v1",
    )
    assert (info.opens_at, info.closes_at, info.is_demo) == (FACTS.opens_at, FACTS.closes_at, False)
    assert info.responses == 15
    assert analysis.min_cell_size == K
    assert analysis.agencies == (("police", "Police"), ("health", "Health"))
    assert [f for f, _name in analysis.features] == [f.id for f in questionnaire.features]


def test_answers_from_an_agency_taken_out_of_the_round_still_count_under_its_id(
    questionnaire: Questionnaire,
) -> None:
    probation = {**EVERYONE_SHOWN, ("probation", "frontline"): {(24, 6): 3}}
    analysis = analyse(FACTS, questionnaire, K, tallies(probation))
    assert analysis.agencies[-1] == ("probation", "probation")
    assert analysis.round.responses == 18
    assert cell(analysis, "probation", "frontline").n == 3


@pytest.mark.parametrize(
    ("answered", "scored"),
    [
        (6, True),
        (4, True),  # 60% of six statements, rounded up, is four
        (3, False),
    ],
)
def test_a_respondent_is_scored_only_with_enough_statements_answered(
    questionnaire: Questionnaire, answered: int, scored: bool
) -> None:
    police_frontline = {(24, 6): 5, (answered * 2, answered): 1}  # one more, scoring 2.0
    scores = {**EVERYONE_SHOWN, ("police", "frontline"): police_frontline}
    found = cell(analyse(FACTS, questionnaire, K, tallies(scores)), "police", "frontline")
    assert found.n == (6 if scored else 5)
    assert found.mean == pytest.approx((20 + 2) / 6 if scored else 4.0)


def test_the_management_frontline_gap_is_the_difference_of_the_means(
    questionnaire: Questionnaire,
) -> None:
    analysis = analyse(FACTS, questionnaire, K, tallies(EVERYONE_SHOWN))
    gap = next(
        g for g in analysis.gaps if (g.agency, g.feature, g.locality) == (None, "purpose", None)
    )
    assert (gap.management_n, gap.frontline_n) == (7, 8)
    assert gap.gap == pytest.approx(27 / 7 - 26 / 8)


def test_a_feature_nobody_scored_has_no_gap(questionnaire: Questionnaire) -> None:
    analysis = analyse(FACTS, questionnaire, K, tallies(EVERYONE_SHOWN))
    gap = next(
        g for g in analysis.gaps if (g.agency, g.feature, g.locality) == (None, "trust", None)
    )
    assert gap.suppressed
    assert gap.gap is None


def test_a_group_below_the_smallest_shown_is_suppressed_and_cannot_be_worked_out(
    questionnaire: Questionnaire,
) -> None:
    small = {**EVERYONE_SHOWN, ("health", "frontline"): {(12, 6): 2}}  # 2 < K
    analysis = analyse(FACTS, questionnaire, K, tallies(small))
    hidden = cell(analysis, "health", "frontline")
    assert hidden.suppressed
    assert (hidden.n, hidden.mean) == (None, None)
    # Health's total and the partnership's frontline are shown, so health's managers and
    # police's frontline are hidden too: subtracting either would give the two away.
    assert cell(analysis, "health", None).n == 5
    assert cell(analysis, None, "frontline").n == 7
    assert cell(analysis, "health", "management").suppressed
    assert cell(analysis, "police", "frontline").suppressed
    assert analysis.round.responses == 14
