"""The executive summary's sentences, each written from a small hand-built analysis.

`report(...)` builds a partnership whose five features have known means; each test changes
the one input a sentence is written from and reads the sentence back, word for word.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from surveys.analysis.multiplicity import is_notable
from surveys.analysis.results import (
    FRONTLINE,
    MANAGEMENT,
    CellResult,
    ChangeResult,
    GapResult,
    ImbalanceResult,
    ReliabilityResult,
    ResponseResult,
    RoundAnalysis,
    RoundInfo,
)
from surveys.questionnaire import Questionnaire
from surveys.questionnaire.loader import load_library
from surveys.reporting.narrative import executive_summary
from surveys.reporting.presentation import Report, Scope

QUESTIONNAIRE: Questionnaire = load_library()["cop-maturity-v1"]
K = 5
AGENCIES = {"police": "Police", "health": "Health"}

# feature -> (mean, maturity level); the names are the questionnaire's, lower-cased
MEANS: Mapping[str, tuple[float | None, str | None]] = {
    "purpose": (4.1, "established"),  # shared commitment and purpose
    "trust": (3.4, "developing"),  # relations of trust
    "exchange": (2.5, "emerging"),  # balanced exchange of information and resources
    "respect": (3.6, "developing"),  # mutual respect for difference
    "dialogue": (3.0, "developing"),  # open and mature dialogue over conflicts
}

EVERYONE = ResponseResult(None, None, None, False, respondents=40, headcount=80, rate=0.5)
MANAGERS = ResponseResult(None, MANAGEMENT, None, False, respondents=15)
FRONTLINE_STAFF = ResponseResult(None, FRONTLINE, None, False, respondents=25)
PARTNERSHIP = Scope()  # every agency, no filter
NO_GAP = GapResult(None, "purpose", False, gap=0.1, notable=False)


def cells(means: Mapping[str, tuple[float | None, str | None]]) -> list[CellResult]:
    found = []
    for feature, (mean, level) in means.items():
        contested = level == "contested"
        for group in (None, MANAGEMENT, FRONTLINE):
            found.append(
                CellResult(
                    None,
                    group,
                    None,
                    feature,
                    suppressed=mean is None,
                    n=None if mean is None else 40,
                    mean=mean,
                    maturity_level=level,
                    contested=contested,
                )
            )
    return found


def report(
    *,
    means: Mapping[str, tuple[float | None, str | None]] = MEANS,
    responses: Iterable[ResponseResult] = (EVERYONE, MANAGERS, FRONTLINE_STAFF),
    gaps: Iterable[GapResult] = (NO_GAP,),
    imbalances: Iterable[ImbalanceResult] = (),
    reliability: Iterable[ReliabilityResult] = (),
    changes: Iterable[ChangeResult] = (),
    compared_with: str | None = None,
    scope: Scope = PARTNERSHIP,
) -> Report:
    analysis = RoundAnalysis(
        round=RoundInfo(
            "r",
            "Round",
            "cop-maturity-v1",
            datetime(2026, 3, 1, tzinfo=UTC),
            datetime(2026, 3, 31, tzinfo=UTC),
            False,
            40,
        ),
        min_cell_size=K,
        features=tuple((f.id, f.name) for f in QUESTIONNAIRE.features),
        agencies=tuple(AGENCIES.items()),
        localities=(),
        cells=tuple(cells(means)),
        items=(),
        gaps=tuple(gaps),
        item_gaps=(),
        partners=(),
        imbalances=tuple(imbalances),
        sharing_perceptions=(),
        reliability=tuple(reliability),
        responses=tuple(responses),
    )
    return Report(analysis, QUESTIONNAIRE, scope, AGENCIES, {}, tuple(changes), compared_with)


def summary(**inputs: Any) -> list[str]:
    return executive_summary(report(**inputs))


def sentence_starting(start: str, **inputs: Any) -> str | None:
    return next((s for s in summary(**inputs) if s.startswith(start)), None)


# --- when there is nothing to say ----------------------------------------------------------


@pytest.mark.parametrize(
    "everyone",
    [
        None,  # no response row at all
        ResponseResult(None, None, None, True),  # the total is suppressed
        ResponseResult(None, None, None, False, respondents=0),
    ],
)
def test_too_few_answers_give_one_sentence_and_no_figure(everyone: ResponseResult | None) -> None:
    assert summary(responses=[] if everyone is None else [everyone]) == [
        "Too few people have answered for the whole partnership to show results without "
        "risking that someone could be identified: Boundary shows no figure for a group of "
        "fewer than 5 people."
    ]


def test_an_agency_with_too_few_answers_is_named_in_that_sentence() -> None:
    (only,) = summary(scope=Scope(agency="police"))
    assert only.startswith("Too few people have answered for police to show results")


# --- who answered -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("responses", "expected"),
    [
        (
            (EVERYONE, MANAGERS, FRONTLINE_STAFF),
            "40 people answered, 50% of the staff asked: 15 managers and 25 frontline "
            "practitioners.",
        ),
        (
            (ResponseResult(None, None, None, False, respondents=40), MANAGERS, FRONTLINE_STAFF),
            "40 people answered: 15 managers and 25 frontline practitioners.",
        ),
        (
            (EVERYONE, ResponseResult(None, MANAGEMENT, None, True), FRONTLINE_STAFF),
            "40 people answered, 50% of the staff asked.",
        ),
        ((EVERYONE,), "40 people answered, 50% of the staff asked."),
    ],
)
def test_the_first_sentence_says_who_answered(
    responses: tuple[ResponseResult, ...], expected: str
) -> None:
    assert summary(responses=responses)[0] == expected


# --- where the partnership stands -----------------------------------------------------------


def test_features_are_grouped_by_their_maturity_level() -> None:
    assert summary()[1] == (
        "For the whole partnership, shared commitment and purpose is established; relations "
        "of trust, mutual respect for difference and open and mature dialogue over conflicts "
        "are developing; balanced exchange of information and resources is emerging."
    )


def test_a_level_the_intervals_leave_open_is_said_beside_it() -> None:
    plain = report()
    cells_ = tuple(
        replace(c, possible_levels=("established",)) if c.feature == "trust" else c
        for c in plain.analysis.cells
    )
    unsure = replace(plain, analysis=replace(plain.analysis, cells=cells_))
    assert executive_summary(unsure)[1] == (
        "For the whole partnership, shared commitment and purpose is established; relations "
        "of trust is developing (possibly established); balanced exchange of information and "
        "resources is emerging; mutual respect for difference and open and mature dialogue "
        "over conflicts are developing."
    )


def test_the_strongest_and_weakest_features_are_named_with_their_scores() -> None:
    assert summary()[2] == (
        "The strongest feature is shared commitment and purpose (4.1 out of 5) and the "
        "weakest is balanced exchange of information and resources (2.5)."
    )


def test_one_scored_feature_is_neither_strongest_nor_weakest() -> None:
    only_purpose = dict.fromkeys(MEANS, (None, None)) | {"purpose": (4.1, "established")}
    written = summary(means=only_purpose)
    assert written[1] == "For the whole partnership, shared commitment and purpose is established."
    assert not any(s.startswith("The strongest") for s in written)


def test_no_scored_feature_leaves_out_the_levels() -> None:
    written = summary(means=dict.fromkeys(MEANS, (None, None)))
    assert not any(s.startswith(("For the whole", "The strongest")) for s in written)


def test_split_views_are_called_out() -> None:
    split = dict(MEANS) | {"trust": (3.4, "contested")}
    assert sentence_starting("Views on", means=split) == (
        "Views on relations of trust are split: at least a quarter of people are clearly "
        "positive and at least a quarter clearly negative, so the average hides two "
        "different experiences."
    )
    assert sentence_starting("Views on") is None


# --- managers and frontline -----------------------------------------------------------------


def test_notable_gaps_say_who_sees_it_higher_and_by_how_much() -> None:
    gaps = [
        GapResult(None, "purpose", False, gap=0.8, notable=True),
        GapResult("health", "trust", False, gap=-0.64, notable=True),
    ]
    assert sentence_starting("Managers and frontline", gaps=gaps) == (
        "Managers and frontline practitioners see the partnership differently. The largest "
        "notable gaps are on shared commitment and purpose in the partnership as a whole "
        "(managers 0.8 points higher) and relations of trust in Health (frontline staff 0.6 "
        "points higher)."
    )


def test_at_most_four_gaps_are_described() -> None:
    gaps = [GapResult(None, f, False, gap=0.7, notable=True) for f in MEANS]
    written = sentence_starting("Managers and frontline", gaps=gaps)
    assert written is not None
    assert written.count("points higher") == 4


def test_without_a_notable_gap_the_summary_says_so() -> None:
    assert sentence_starting("No gap") == (
        "No gap between managers and frontline practitioners is large and certain enough to "
        "count as notable (half a point or more, and unlikely to be chance even allowing for "
        "how many gaps were tested)."
    )


# --- information flowing one way --------------------------------------------------------------


@pytest.mark.parametrize(
    ("police_about_health", "health_about_police", "q", "expected"),
    [
        (
            3.9,
            3.4,
            0.01,
            "Information is felt to flow one way between Police and Health: Police staff rate "
            "how well Health shares with them at 3.9 out of 5, while Health staff rate Police's "
            "sharing at 3.4.",
        ),
        (
            2.1,
            3.0,
            0.049,
            "Information is felt to flow one way between Police and Health: Police staff rate "
            "how well Health shares with them at 2.1 out of 5, while Health staff rate Police's "
            "sharing at 3.0.",
        ),
        (3.9, 3.5, 0.01, None),  # less than half a point apart
        (3.9, 3.0, 0.2, None),  # could be chance, across the release's tests
    ],
)
def test_a_notable_imbalance_is_described(
    police_about_health: float, health_about_police: float, q: float, expected: str | None
) -> None:
    difference = police_about_health - health_about_police
    imbalance = ImbalanceResult(
        "police",
        "health",
        police_about_health,
        health_about_police,
        difference,
        q_value=q,
        notable=is_notable(difference, q),
    )
    assert sentence_starting("Information is felt", imbalances=[imbalance]) == expected


# --- don't know --------------------------------------------------------------------------------


def answered(agency: str, dont_know: float, *, suppressed: bool = False) -> ResponseResult:
    return ResponseResult(agency, None, None, suppressed, respondents=10, share_dont_know=dont_know)


@pytest.mark.parametrize(
    ("rows", "scope", "expected"),
    [
        (
            [answered("police", 0.15), answered("health", 0.22)],
            Scope(),
            "Staff of Health answered ‘don't know’ to 22% of statements: a sign that parts of "
            "the partnership's work are hidden from them.",
        ),
        ([answered("police", 0.149)], Scope(), None),  # below 15%
        ([answered("police", 0.4, suppressed=True)], Scope(), None),
        ([answered("health", 0.4)], Scope(visible_agencies=frozenset({"police"})), None),
    ],
)
def test_a_group_answering_dont_know_often_is_named(
    rows: list[ResponseResult], scope: Scope, expected: str | None
) -> None:
    responses = (EVERYONE, MANAGERS, FRONTLINE_STAFF, *rows)
    assert sentence_starting("Staff of", responses=responses, scope=scope) == expected


# --- change since the last round ---------------------------------------------------------------


def change(feature: str, low: float, high: float, q: float = 0.01) -> ChangeResult:
    return ChangeResult(
        None, None, feature, False, change=(low + high) / 2, ci_low=low, ci_high=high, q_value=q
    )


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            [change("purpose", 0.1, 0.5), change("trust", -0.6, -0.2)],
            "Since Spring 2025, shared commitment and purpose improved and relations of trust "
            "fell back.",
        ),
        (
            [change("purpose", 0.1, 0.5)],
            "Since Spring 2025, shared commitment and purpose improved.",
        ),
        (
            [change("purpose", -0.1, 0.5, q=0.4)],  # could be chance
            "No feature changed clearly (beyond chance) since Spring 2025.",
        ),
        ([], "No feature changed clearly (beyond chance) since Spring 2025."),
    ],
)
def test_clear_changes_since_the_round_compared_with_are_named(
    changes: list[ChangeResult], expected: str
) -> None:
    written = summary(changes=changes, compared_with="Spring 2025")
    assert written[-1] == expected


def test_without_an_earlier_round_nothing_is_said_of_change() -> None:
    written = summary(changes=[change("purpose", 0.1, 0.5)])
    assert not any("Since" in s or "changed" in s for s in written)


# --- reliability ---------------------------------------------------------------------------------


EXCHANGE = "balanced exchange of information and resources"
CAUTION = f"Read {EXCHANGE} with care: its statements do not hang together well "


@pytest.mark.parametrize(
    ("complete", "pairwise", "omega", "group", "suppressed", "expected"),
    [
        # Every answer given (omega, alpha beside it) is what the method chapter shows.
        (0.72, 0.55, 0.57, None, False, "(from every answer given: McDonald's omega 0.57, "
         "Cronbach's alpha 0.55; below 0.6 is weak)."),
        (0.55, 0.66, 0.68, None, False, None),  # complete answers alone would caution
        (0.55, 0.58, 0.62, None, False, None),  # alpha understates unequal statements
        (0.7, 0.59, 0.6, None, False, None),  # the threshold itself reads as fine
        (0.7, 0.5, 0.55, MANAGEMENT, False, None),  # only everyone's is read
        (None, None, None, None, True, None),
        # A release from before omega: complete-case alpha, as it was published then.
        (0.55, None, None, None, False, "(Cronbach's alpha below 0.6)."),
        (0.65, None, None, None, False, None),
    ],
)  # fmt: skip
def test_a_feature_whose_statements_do_not_hang_together_is_flagged(
    complete: float | None,
    pairwise: float | None,
    omega: float | None,
    group: str | None,
    suppressed: bool,
    expected: str | None,
) -> None:
    reliability = [
        ReliabilityResult(
            "exchange", group, suppressed, n=40, alpha=complete, alpha_pairwise=pairwise,
            omega=omega, n_pairwise=None if omega is None else 52,
        )
    ]  # fmt: skip
    written = sentence_starting("Read", reliability=reliability)
    assert written == (None if expected is None else CAUTION + expected)


def test_two_weak_features_are_named_together_with_their_figures() -> None:
    reliability = [
        ReliabilityResult("trust", None, False, n=40, alpha=0.7, alpha_pairwise=0.51, omega=0.53),
        ReliabilityResult("exchange", None, False, n=40, alpha=0.5, alpha_pairwise=0.7, omega=0.7),
        ReliabilityResult("dialogue", None, False, n=40, alpha=0.7, alpha_pairwise=0.4, omega=0.45),
    ]
    assert sentence_starting("Read", reliability=reliability) == (
        "Read relations of trust and open and mature dialogue over conflicts with care: their "
        "statements do not hang together well (from every answer given: McDonald's omega 0.53 "
        "and 0.45, Cronbach's alpha 0.51 and 0.40; below 0.6 is weak)."
    )


def test_every_kind_of_sentence_comes_in_its_order() -> None:
    written = summary(
        means=dict(MEANS) | {"trust": (3.4, "contested")},
        gaps=[GapResult(None, "purpose", False, gap=0.8, notable=True)],
        imbalances=[ImbalanceResult("police", "health", 3.9, 3.0, 0.9, notable=True)],
        responses=(EVERYONE, MANAGERS, FRONTLINE_STAFF, answered("health", 0.3)),
        changes=[change("purpose", 0.1, 0.5)],
        compared_with="Spring 2025",
        reliability=[ReliabilityResult("exchange", None, False, n=40, alpha=0.5)],
    )
    starts = ["40 people", "For the whole", "The strongest", "Views on", "Managers and"]
    starts += ["Information is", "Staff of", "Since Spring", "Read balanced"]
    assert [s.split(" ")[:2] for s in written] == [s.split(" ")[:2] for s in starts]
