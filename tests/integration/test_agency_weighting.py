"""An agency's figures over levels that answered in different proportions of their staff are
weighted to its headcounts, as the partnership's are: through the real database, a published
release and its exports.

Police: 5 strategic leaders scoring 5 (of 5 staff), 5 operational managers scoring 4 (of 20)
and 10 frontline practitioners, half scoring 3 and half 2 (of 200). Unweighted, police staff
score 3.5; weighted to their staff, frontline views count for 200 of 225, and the mean falls
to 2.69. Children's social care: 6 operational managers scoring 4 (of 10) and 6 frontline
staff scoring 3 (of 12).

Expected values computed once with statsmodels 0.14 `DescrStatsW(x, weights=w, ddof=0)`
(mean, std), each member weighted headcount / respondents of their level; Kish's effective
n = (sum w)^2 / sum w^2; interval mean -/+ t(0.975, n_eff - 1) * std / sqrt(n_eff - 1) with
scipy's t.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from surveys.questionnaire import Questionnaire
from tests.helpers import RoundRef, publish
from tests.integration.test_releases import store
from tests.integration.test_reports import respondent

MakeRound = Callable[..., RoundRef]
AGENCIES = ["police", "childrens-social-care"]
HEADCOUNTS = {
    ("police", "strategic"): 5,
    ("police", "operational"): 20,
    ("police", "frontline"): 200,
    ("childrens-social-care", "operational"): 10,
    ("childrens-social-care", "frontline"): 12,
}
PEOPLE = {
    ("police", "strategic"): [5] * 5,
    ("police", "operational"): [4] * 5,
    ("police", "frontline"): [3] * 5 + [2] * 5,
    ("childrens-social-care", "operational"): [4] * 6,
    ("childrens-social-care", "frontline"): [3] * 6,
}


def answered(questionnaire: Questionnaire) -> list:  # type: ignore[type-arg]
    return [
        respondent(questionnaire, agency, level, score)
        for (agency, level), scores in PEOPLE.items()
        for score in scores
    ]


def exported(app: Flask, slug: str) -> dict[str, object]:
    result = app.test_cli_runner().invoke(args=["export", slug, "--format", "json"])
    assert result.exit_code == 0, result.output
    data: dict[str, object] = json.loads(result.stdout)
    return data


@pytest.mark.parametrize(
    ("agency", "level", "strata", "unweighted", "mean", "sd", "effective_n", "low", "high"),
    [
        ("police", None, ["strategic", "operational", "frontline"], 3.5,
         2.688889, 0.724867, 12.392901, 2.2182, 3.159578),
        ("police", "management", ["strategic", "operational"], 4.5,
         4.2, 0.4, 7.352941, 3.816849, 4.583151),
        ("childrens-social-care", None, ["operational", "frontline"], 3.5,
         3.454545, 0.49793, 11.901639, 3.122255, 3.786836),
    ],
)  # fmt: skip
def test_an_agencys_pooled_figures_are_weighted_to_its_staff(
    app: Flask,
    make_round: MakeRound,
    questionnaire: Questionnaire,
    agency: str,
    level: str | None,
    strata: list[str],
    unweighted: float,
    mean: float,
    sd: float,
    effective_n: float,
    low: float,
    high: float,
) -> None:
    make_round("staffed", agencies=AGENCIES, headcounts=HEADCOUNTS)
    store(app, "staffed", answered(questionnaire))
    publish(app, "staffed")
    rows = exported(app, "staffed")["agency_weighting"]
    assert isinstance(rows, list)
    for feature in questionnaire.features:
        [row] = [
            r
            for r in rows
            if (r["agency"], r["level"], r["feature"]) == (agency, level, feature.id)
        ]
        assert row["weighted"] is True and not row["suppressed"]
        assert row["strata"] == strata
        assert row["mean"] == pytest.approx(unweighted, abs=1e-4)
        assert row["weighted_mean"] == pytest.approx(mean, abs=1e-4)
        assert row["weighted_sd"] == pytest.approx(sd, abs=1e-4)
        assert row["effective_n"] == pytest.approx(effective_n, abs=1e-4)
        assert row["weighted_ci_low"] == pytest.approx(low, abs=1e-4)
        assert row["weighted_ci_high"] == pytest.approx(high, abs=1e-4)
    # Frontline is a single level: nothing to pool, so no row; management has two levels
    # only where both answered (social care's is operational managers alone).
    assert {(r["agency"], r["level"]) for r in rows} == {
        (a, lv) for a in AGENCIES for lv in (None, "management")
    }
    [alone] = [
        r for r in rows if (r["agency"], r["level"]) == ("childrens-social-care", "management")
    ][:1]
    assert alone["weighted"] is False and alone["weighted_mean"] is None


def test_without_headcounts_or_with_a_level_kept_back_nothing_is_weighted(
    app: Flask, make_round: MakeRound, questionnaire: Questionnaire, manager: FlaskClient
) -> None:
    make_round("unstaffed", agencies=AGENCIES)
    store(app, "unstaffed", answered(questionnaire))
    publish(app, "unstaffed")
    rows = exported(app, "unstaffed")["agency_weighting"]
    assert isinstance(rows, list) and rows
    assert {r["weighted"] for r in rows} == {False}
    assert {r["weighted_mean"] for r in rows} == {None}

    # Three police strategic leaders are too few to publish: police's managers are then
    # published only as a whole, so its figures have one management stratum, never the
    # kept-back leaders' own.
    few = dict(PEOPLE) | {("police", "strategic"): [5] * 3}
    make_round("few", agencies=AGENCIES, headcounts=HEADCOUNTS)
    store(
        app,
        "few",
        [
            respondent(questionnaire, agency, level, score)
            for (agency, level), scores in few.items()
            for score in scores
        ],
    )
    publish(app, "few")
    rows = exported(app, "few")["agency_weighting"]
    assert isinstance(rows, list)
    police = [r for r in rows if r["agency"] == "police" and not r["suppressed"]]
    assert police
    for row in police:
        assert "strategic" not in row["strata"]
        if row["level"] == "management":
            assert row["weighted"] is False
    # The CSV download has the table too.
    text = manager.get("/reports/few/analysis.csv").get_data(as_text=True).lstrip("\ufeff")
    assert any(r["table"] == "agency_weighting" for r in csv.DictReader(io.StringIO(text)))
