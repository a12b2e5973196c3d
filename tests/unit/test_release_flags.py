"""engine.analyse on hand-built tallies: the gaps compared within agencies, their protection,
and the flags held to one false discovery rate across the release (no app, no database).

Scores are on the purpose feature, as (sum of item scores, statements answered): (24, 6) is
a respondent scoring 4.0. See tests/unit/test_analyse.py for the tallies' shape.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from surveys.analysis.engine import analyse
from surveys.analysis.facts import RoundFacts
from surveys.analysis.multiplicity import (
    benjamini_hochberg,
    is_notable,
    is_notable_unadjusted,
)
from surveys.analysis.results import RoundAnalysis, WithinAgencyGapResult
from surveys.analysis.strata import Stratum, within_agency_gap
from surveys.questionnaire import Questionnaire
from surveys.questionnaire.loader import load_library
from surveys.releases import codec
from surveys.scoring.statistics import Summary

from .test_analyse import FACTS, K, Scores, tallies

# Police score 4.0 on average and sent mostly managers; health 2.0 and mostly frontline
# staff. Within each agency managers and frontline staff score exactly alike.
SIMPSON: Scores = {
    ("police", "strategic"): {(24, 6): 4, (18, 6): 2, (30, 6): 2},
    ("police", "frontline"): {(24, 6): 2, (18, 6): 1, (30, 6): 1},
    ("health", "strategic"): {(12, 6): 2, (6, 6): 1, (18, 6): 1},
    ("health", "frontline"): {(12, 6): 8, (6, 6): 4, (18, 6): 4},
}


@pytest.fixture(scope="module")
def questionnaire() -> Questionnaire:
    return load_library()["cop-maturity-v1"]


def purpose(analysis: RoundAnalysis) -> WithinAgencyGapResult:
    return next(w for w in analysis.within_agency_gaps if w.feature == "purpose")


def test_no_gap_inside_any_agency_is_no_gap_within_agencies(questionnaire: Questionnaire) -> None:
    analysis = analyse(FACTS, questionnaire, K, tallies(SIMPSON))
    pooled = analysis.gap("purpose")
    # Managers: (8 x 4.0 + 4 x 2.0) / 12; frontline: (4 x 4.0 + 16 x 2.0) / 20.
    assert pooled.gap == pytest.approx(40 / 12 - 48 / 20)
    found = purpose(analysis)
    assert (found.suppressed, found.gap, found.pooled_gap) == (False, 0.0, pooled.gap)
    assert found.differs
    assert found.weighting == "respondents"
    assert found.agencies == ("police", "health")
    assert found.ci_low is not None and found.ci_high is not None
    assert found.ci_low < 0 < found.ci_high
    assert not found.notable


def test_headcounts_weight_the_agencies_where_the_round_has_them(
    questionnaire: Questionnaire,
) -> None:
    uneven: Scores = {
        ("police", "strategic"): {(24, 6): 3, (30, 6): 3},  # 4.5
        ("police", "frontline"): {(18, 6): 3, (24, 6): 3},  # 3.5: a gap of 1.0
        ("health", "strategic"): {(18, 6): 3, (12, 6): 3},  # 2.5
        ("health", "frontline"): {(18, 6): 3, (12, 6): 3},  # 2.5: no gap
    }
    counted = replace(
        tallies(uneven),
        headcounts={
            ("police", "strategic"): 10,
            ("police", "operational"): 10,
            ("police", "frontline"): 80,
            ("health", "strategic"): 30,
            ("health", "operational"): 30,
            ("health", "frontline"): 240,
        },
    )
    by_respondents = purpose(analyse(FACTS, questionnaire, K, tallies(uneven)))
    by_headcount = purpose(analyse(FACTS, questionnaire, K, counted))
    assert by_respondents.weighting == "respondents"
    assert by_respondents.gap == pytest.approx(0.5)  # 12 and 12 respondents
    assert by_headcount.weighting == "headcount"
    assert by_headcount.gap == pytest.approx(0.25)  # 100 and 300 staff


# Education's two frontline workers are a suppressed group (K = 3); probation, the next
# smallest agency, is suppressed beside it so that neither can be had by subtraction.
WITH_A_SMALL_GROUP: Scores = {
    **SIMPSON,
    ("education", "strategic"): {(24, 6): 3, (18, 6): 3},
    ("education", "frontline"): {(6, 6): 2},
    ("probation", "strategic"): {(24, 6): 2, (18, 6): 1},
    ("probation", "frontline"): {(18, 6): 3},
}
FACTS_4 = replace(
    FACTS,
    agencies=(
        ("police", "Police"),
        ("health", "Health"),
        ("education", "Education"),
        ("probation", "Probation"),
    ),
)


def test_a_suppressed_group_cannot_be_worked_back_from_the_combined_gap(
    questionnaire: Questionnaire,
) -> None:
    """The attack: publish the round twice, with the suppressed group answering very
    differently, and compare the combined gap; then rebuild it from published cells alone."""
    other_answers = {**WITH_A_SMALL_GROUP, ("education", "frontline"): {(30, 6): 2}}
    first = analyse(FACTS_4, questionnaire, K, tallies(WITH_A_SMALL_GROUP))
    second = analyse(FACTS_4, questionnaire, K, tallies(other_answers))
    assert first.cell("purpose", "education", "frontline").suppressed

    # The pooled gap (and so q, adjusted with it) moves, as it always could: the partnership's
    # frontline cell is published, with the complementary suppression that protects it.
    def own(found: WithinAgencyGapResult) -> tuple[object, ...]:
        return (found.gap, found.ci_low, found.ci_high, found.p_value, found.agencies)

    assert own(purpose(first)) == own(purpose(second))
    assert "education" not in purpose(first).agencies

    # Everything it is made of is on the published page: each included agency's two cells.
    strata = []
    for agency in purpose(first).agencies:
        sides = [first.cell("purpose", agency, level) for level in ("management", "frontline")]
        summaries = []
        for side in sides:
            assert not side.suppressed and not side.withheld
            assert side.n is not None and side.mean is not None and side.sd is not None
            summaries.append(Summary(side.n, side.mean, side.sd**2))
        strata.append(Stratum(agency, summaries[0], summaries[1], summaries[0].n + summaries[1].n))
    rebuilt = within_agency_gap(strata)
    found = purpose(first)
    assert (found.gap, found.ci_low, found.ci_high) == pytest.approx(
        (rebuilt.estimate, rebuilt.ci_low, rebuilt.ci_high), rel=1e-12
    )


def test_the_combined_gap_is_suppressed_with_the_partnership_gap(
    questionnaire: Questionnaire,
) -> None:
    managers_only: Scores = {("police", "strategic"): {(24, 6): 4}}
    found = purpose(analyse(FACTS, questionnaire, K, tallies(managers_only)))
    assert found.suppressed
    assert (found.gap, found.ci_low, found.q_value, found.agencies) == (None, None, None, ())


def test_every_difference_of_the_release_shares_one_adjustment(
    questionnaire: Questionnaire,
) -> None:
    analysis = analyse(FACTS, questionnaire, K, tallies(SIMPSON))
    gaps = [g for g in analysis.gaps if not g.suppressed]
    within = [w for w in analysis.within_agency_gaps if not w.suppressed]
    # Only the purpose feature was answered: no statement gaps or imbalances here.
    assert analysis.item_gaps == () and analysis.imbalances == ()
    p_values = [g.p_value for g in gaps] + [w.p_value for w in within]
    assert all(p is not None for p in p_values)
    expected = benjamini_hochberg([p for p in p_values if p is not None])
    assert [g.q_value for g in gaps] + [w.q_value for w in within] == expected
    for g in gaps:
        assert g.gap is not None and g.q_value is not None
        assert g.notable is is_notable(g.gap, g.q_value)
    # The pooled gap of 0.93, made by the mix of agencies, passed the old rule (half a
    # point, interval clear of zero: p = 0.042) but not once it is one of four tests.
    pooled = analysis.gap("purpose")
    assert pooled.gap is not None and pooled.ci_low is not None and pooled.ci_high is not None
    assert is_notable_unadjusted(pooled.gap, pooled.ci_low, pooled.ci_high)
    assert pooled.q_value == pytest.approx(4 * (pooled.p_value or 0))
    assert [g.notable for g in gaps] == [False, False, False]


def test_a_facts_round_with_no_agencies_listed_still_combines_by_the_tallies(
    questionnaire: Questionnaire,
) -> None:
    bare = RoundFacts(**{**FACTS.__dict__, "agencies": ()})
    assert purpose(analyse(bare, questionnaire, K, tallies(SIMPSON))).agencies == (
        "health",
        "police",
    )


def test_a_release_published_before_the_adjustment_is_read_without_it(
    questionnaire: Questionnaire,
) -> None:
    """Stored releases never change: one stored before q existed reads back with no q, no
    combined gaps and no flags it never had, rather than failing to load."""
    analysis = analyse(FACTS, questionnaire, K, tallies(SIMPSON))
    stored = json.loads(codec.dump(analysis))
    del stored["within_agency_gaps"]
    for gap in stored["gaps"]:
        del gap["p_value"], gap["q_value"]
    old = codec.load(json.dumps(stored))
    assert old.within_agency_gaps == ()
    assert {(g.p_value, g.q_value) for g in old.gaps} == {(None, None)}
    assert [g.gap for g in old.gaps] == [g.gap for g in analysis.gaps]
