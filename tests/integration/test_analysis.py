"""The analysis engine on the real database: known answers, tallies, cache and export."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import select

from surveys import create_app
from surveys.analysis.assurance import beside_staff
from surveys.analysis.engine import Breakdown, analyse_round, compare
from surveys.analysis.export import TABLES, as_csv, as_json
from surveys.analysis.results import RoundAnalysis
from surveys.database import db
from surveys.library import current_questionnaire, questionnaire
from surveys.questionnaire import DEFINITIONS, Questionnaire
from surveys.reporting.exports import analysis_xlsx
from surveys.responses.answers import CompletedResponse
from surveys.responses.models import Channel
from surveys.responses.service import record_submissions
from surveys.responses.synthetic import synthetic_responses
from surveys.rounds.models import Round
from surveys.scoring.cells import CellKey
from surveys.scoring.suppression import derivable_small_groups
from tests.helpers import RoundRef, app_config, feature_scores_from_answers

MakeRound = Callable[..., RoundRef]


def respondent(
    questionnaire: Questionnaire, agency: str, level: str, score: int, **extra: object
) -> CompletedResponse:
    """Someone whose every feature score is `score`: reverse items answered the other way."""
    items = {item.id: (6 - score if item.reverse else score) for item in questionnaire.items}
    return CompletedResponse(agency_id=agency, level_id=level, items=items, **extra)  # type: ignore[arg-type]


def store(app: Flask, slug: str, responses: list[CompletedResponse]) -> None:
    with app.app_context():
        round_ = db.session.scalar(select(Round).where(Round.slug == slug))
        assert round_ is not None
        record_submissions(round_, current_questionnaire(), responses, Channel.IMPORT, date.today())
        db.session.commit()


def analysis_of(app: Flask, slug: str) -> RoundAnalysis:
    with app.app_context():
        round_ = db.session.scalar(select(Round).where(Round.slug == slug))
        assert round_ is not None
        return analyse_round(
            round_, questionnaire(round_.questionnaire_version), app.config["MIN_CELL_SIZE"]
        )


def known_round(app: Flask, make_round: MakeRound, questionnaire: Questionnaire) -> RoundAnalysis:
    make_round("known", agencies=["police", "childrens-social-care", "health"])
    management = [3, 4, 4, 5, 5, 3]  # mean 4, variance 0.8
    frontline = [2, 2, 3, 1, 2, 2]  # mean 2, variance 0.4
    levels = ["strategic", "strategic", "strategic", "operational", "operational", "operational"]
    people = [
        respondent(questionnaire, "police", lv, s) for lv, s in zip(levels, management, strict=True)
    ]
    people += [respondent(questionnaire, "police", "frontline", s) for s in frontline]
    people += [
        respondent(questionnaire, "childrens-social-care", lv, 3)
        for lv in ["operational"] * 6 + ["frontline"] * 6
    ]
    people += [respondent(questionnaire, "health", "frontline", 3) for _ in range(4)]
    store(app, "known", people)
    return analysis_of(app, "known")


def test_known_gap_with_welch_interval_and_hedges_g(
    app: Flask, make_round: MakeRound, questionnaire: Questionnaire
) -> None:
    analysis = known_round(app, make_round, questionnaire)
    assert analysis.round.responses == 28
    gap = analysis.gap("trust", "police")
    assert not gap.suppressed
    assert (gap.management_n, gap.frontline_n) == (6, 6)
    assert gap.management_mean == pytest.approx(4.0) and gap.frontline_mean == pytest.approx(2.0)
    assert gap.gap == pytest.approx(2.0)
    # Welch: se = sqrt(0.8/6 + 0.4/6) = sqrt(0.2); df = 0.04 / (0.0035556 + 0.0008889) = 9;
    # t(0.975, 9) = 2.262 from tables.
    margin = 2.262 * 0.2**0.5
    assert gap.ci_low == pytest.approx(2.0 - margin, abs=0.001)
    assert gap.ci_high == pytest.approx(2.0 + margin, abs=0.001)
    # Hedges: pooled variance (5 * 0.8 + 5 * 0.4) / 10 = 0.6; J = 1 - 3 / 39.
    assert gap.effect_size == pytest.approx((1 - 3 / 39) * 2.0 / 0.6**0.5)
    assert gap.notable
    police = analysis.cell("trust", "police")
    assert police.n == 12 and police.mean == pytest.approx(3.0)
    assert police.maturity_level == "contested"  # half score 2 or below, half 4 or above
    assert analysis.cell("trust", "police", "management").maturity_level == "established"
    assert analysis.cell("trust", "police", "frontline").maturity_level == "emerging"
    assert analysis.cell("trust", "childrens-social-care", "management").maturity_level == (
        "developing"
    )


def test_small_groups_are_suppressed_with_their_complements(
    app: Flask, make_round: MakeRound, questionnaire: Questionnaire
) -> None:
    analysis = known_round(app, make_round, questionnaire)
    health = analysis.cell("purpose", "health", "frontline")
    assert health.suppressed and health.n is None and health.mean is None
    assert analysis.cell("purpose", "health").suppressed
    assert analysis.gap("purpose", "health").suppressed
    # Partnership frontline (16) minus police (6) and social care (6) would give health's 4:
    frontline_cells = [
        analysis.cell("purpose", a, "frontline") for a in ("police", "childrens-social-care")
    ]
    total = analysis.cell("purpose", None, "frontline")
    assert total.suppressed or any(c.suppressed for c in frontline_cells)
    # The engine's own cells pass an independent audit for every feature.
    with app.app_context():
        breakdown = Breakdown(["police", "childrens-social-care", "health"], questionnaire, [])
    for feature_id, _name in analysis.features:
        cells = {
            CellKey(c.agency, c.level, c.locality): c
            for c in analysis.cells
            if c.feature == feature_id
        }
        suppressed = {key for key, c in cells.items() if c.suppressed}
        counts = {
            CellKey("police", None): 12,
            CellKey("police", "management"): 6,
            CellKey("police", "frontline"): 6,
            CellKey("police", "strategic"): 3,
            CellKey("police", "operational"): 3,
            CellKey("childrens-social-care", None): 12,
            CellKey("childrens-social-care", "management"): 6,
            CellKey("childrens-social-care", "frontline"): 6,
            CellKey("childrens-social-care", "strategic"): 0,
            CellKey("childrens-social-care", "operational"): 6,
            CellKey("health", None): 4,
            CellKey("health", "frontline"): 4,
            CellKey("health", "management"): 0,
            CellKey("health", "strategic"): 0,
            CellKey("health", "operational"): 0,
            CellKey(None, None): 28,
            CellKey(None, "management"): 12,
            CellKey(None, "frontline"): 16,
            CellKey(None, "strategic"): 3,
            CellKey(None, "operational"): 9,
        }
        assert {key for key, c in cells.items() if not c.suppressed and c.n is not None} <= set(
            counts
        )
        assert all(cells[key].n == n for key, n in counts.items() if not cells[key].suppressed)
        assert derivable_small_groups(counts, breakdown.relations, 5, suppressed) == []


def test_dont_know_is_excluded_from_scores_and_reported(
    app: Flask, make_round: MakeRound, questionnaire: Questionnaire
) -> None:
    make_round("dk", agencies=["police", "education"])
    exchange = questionnaire.feature("exchange")
    assert exchange is not None
    people = []
    for index in range(10):
        person = respondent(questionnaire, "education", "frontline", 4)
        items = dict(person.items)
        if index < 4:  # four of ten cannot see how information moves
            items[exchange.items[0].id] = None
        people.append(CompletedResponse("education", "frontline", items=items))
    people += [respondent(questionnaire, "police", "frontline", 2) for _ in range(10)]
    store(app, "dk", people)
    analysis = analysis_of(app, "dk")
    item = next(
        i
        for i in analysis.items
        if i.item == exchange.items[0].id
        and (i.agency, i.level, i.locality) == ("education", None, None)
    )
    assert item.share_dont_know == pytest.approx(0.4)
    assert item.n == 6
    assert analysis.cell("exchange", "education").mean == pytest.approx(4.0)  # DK not counted
    education = next(
        r
        for r in analysis.responses
        if (r.agency, r.level, r.locality) == ("education", None, None)
    )
    assert education.share_dont_know == pytest.approx(4 / (10 * len(questionnaire.items)))


def test_item_agreement_and_item_gaps(
    app: Flask, make_round: MakeRound, questionnaire: Questionnaire
) -> None:
    analysis = known_round(app, make_round, questionnaire)
    first = questionnaire.features[0].items[0]  # positively worded
    police_management = next(
        i
        for i in analysis.items
        if i.item == first.id and (i.agency, i.level, i.locality) == ("police", "management", None)
    )
    assert police_management.share_agreeing == pytest.approx(4 / 6)  # answered 4, 4, 5, 5
    assert len(analysis.item_gaps) == 10
    assert analysis.item_gaps == tuple(sorted(analysis.item_gaps, key=lambda g: -abs(g.gap)))


def one_way_flows(questionnaire: Questionnaire, received: str, given: str) -> list[Any]:
    """Social care staff feel the police share badly with them (2) and say they share well
    (5); police staff feel social care shares well (4)."""
    people = []
    for _ in range(6):
        people.append(
            respondent(
                questionnaire,
                "childrens-social-care",
                "frontline",
                3,
                partner_ratings={"police": {received: 2, given: 5, "understand-role": 3}},
            )
        )
        people.append(
            respondent(
                questionnaire,
                "police",
                "frontline",
                3,
                partner_ratings={
                    "childrens-social-care": {received: 4, given: 4, "understand-role": None}
                },
            )
        )
    return people


def test_reciprocity_shows_one_way_flows(
    app: Flask, make_round: MakeRound, questionnaire: Questionnaire
) -> None:
    make_round("flows", agencies=["police", "childrens-social-care"])
    store(app, "flows", one_way_flows(questionnaire, "they-share", "we-share"))
    analysis = analysis_of(app, "flows")
    imbalance = analysis.imbalances[0]
    assert (imbalance.agency_a, imbalance.agency_b) == ("childrens-social-care", "police")
    assert imbalance.a_about_b == pytest.approx(2.0)
    assert imbalance.b_about_a == pytest.approx(4.0)
    assert imbalance.imbalance == pytest.approx(-2.0)
    perception = next(
        p for p in analysis.sharing_perceptions if p.sharing_agency == "childrens-social-care"
    )
    # Social care staff say they share well with the police (5); police staff feel 4.
    assert (perception.self_rating, perception.experienced) == (5.0, 4.0)
    understand = next(
        p
        for p in analysis.partners
        if p.question == "understand-role" and p.from_agency == "police"
    )
    assert understand.share_dont_know == 1.0 and understand.n == 0


def test_reciprocity_follows_the_questionnaire_file_when_its_questions_are_renamed(
    app: Flask, database_url: str, make_round: MakeRound, tmp_path: Path
) -> None:
    """Found in review: the analysis knew the partner questions by their ids, so renaming one
    in the questionnaire file would have emptied the reciprocity tables without a word."""
    shipped = DEFINITIONS / "cop-maturity-v1.toml"
    text = shipped.read_text().replace('"they-share"', '"gets-from"')
    (tmp_path / shipped.name).write_text(text.replace('"we-share"', '"gives-to"'))
    renamed = create_app(app_config(database_url, QUESTIONNAIRE_DIR=str(tmp_path)))
    make_round("renamed", agencies=["police", "childrens-social-care"])
    with renamed.app_context():
        asked = current_questionnaire()
    assert asked.partners.sharing_question("received") == "gets-from"
    store(renamed, "renamed", one_way_flows(asked, "gets-from", "gives-to"))
    analysis = analysis_of(renamed, "renamed")
    assert [i.imbalance for i in analysis.imbalances] == [pytest.approx(-2.0)]
    assert {(p.self_rating, p.experienced) for p in analysis.sharing_perceptions} == {
        (5.0, 4.0),
        (4.0, 2.0),
    }
    reciprocity = as_json(analysis, asked, invariance=None)["reciprocity"]
    assert {(r["from_agency"], r["to_agency"], r["mean"]) for r in reciprocity} == {
        ("childrens-social-care", "police", 2.0),
        ("police", "childrens-social-care", 4.0),
    }
    with renamed.app_context():
        db.engine.dispose()  # its own pool: closed here, not left to the garbage collector


def test_reliability_for_everyone_and_each_group(
    app: Flask, make_round: MakeRound, questionnaire: Questionnaire
) -> None:
    make_round("alpha", agencies=["police", "health"])
    store(
        app, "alpha", synthetic_responses(questionnaire, 120, seed=4, agencies=["police", "health"])
    )
    analysis = analysis_of(app, "alpha")
    results = {(r.feature, r.group): r for r in analysis.reliability}
    assert set(results) == {
        (f.id, g) for f in questionnaire.features for g in (None, "management", "frontline")
    }
    everyone = results[("trust", None)]
    assert everyone.alpha is not None and 0.5 < everyone.alpha < 1.0
    groups = [results[("trust", "management")].n, results[("trust", "frontline")].n]
    assert everyone.n == sum(n or 0 for n in groups)
    assert set(everyone.item_total) == {i.id for i in questionnaire.feature("trust").items}  # type: ignore[union-attr]


def test_tallies_agree_with_the_stored_answers(
    app: Flask, make_round: MakeRound, questionnaire: Questionnaire
) -> None:
    """The fast path (tallies kept at submit) gives what the raw answers give."""
    make_round("agree", localities=("North", "South"))
    store(
        app, "agree", synthetic_responses(questionnaire, 300, seed=9, localities=["north", "south"])
    )
    analysis = analysis_of(app, "agree")

    def mean(scores: list[float | None]) -> float:
        given = [s for s in scores if s is not None]
        return sum(given) / len(given)

    with app.app_context():
        for feature in questionnaire.features:
            stored = feature_scores_from_answers(questionnaire, feature.id)
            cell = analysis.cell(feature.id)
            assert cell.n == sum(1 for s in stored if s.score is not None)
            assert cell.mean == pytest.approx(mean([s.score for s in stored]))
            police = [s.score for s in stored if (s.agency, s.level) == ("police", "frontline")]
            assert analysis.cell(feature.id, "police", "frontline").mean == pytest.approx(
                mean(police)
            )
            north = [s.score for s in stored if s.locality == "north"]
            assert analysis.cell(feature.id, locality="north").mean == pytest.approx(mean(north))


def test_locality_cells_say_whose_level_they_are(
    app: Flask, make_round: MakeRound, questionnaire: Questionnaire
) -> None:
    """Found in review: the export left out `level`, so each locality and feature came three
    times (everyone, managers, frontline) with nothing to tell the rows apart."""
    make_round("places", localities=("North", "South"))
    store(
        app,
        "places",
        synthetic_responses(questionnaire, 200, seed=3, localities=["north", "south"]),
    )
    rows = as_json(analysis_of(app, "places"), questionnaire, invariance=None)["locality_cells"]
    keys = [(r["locality"], r["feature"], r["level"]) for r in rows]
    assert len(keys) == len(set(keys))
    assert {level for _place, _feature, level in keys} == {None, "management", "frontline"}
    assert {"agency"}.isdisjoint(rows[0])


def test_comparing_two_rounds(
    app: Flask, make_round: MakeRound, questionnaire: Questionnaire
) -> None:
    make_round("before", agencies=["police"])
    make_round("after", agencies=["police"])
    store(
        app,
        "before",
        [respondent(questionnaire, "police", "frontline", s) for s in [2, 2, 3, 2, 3, 2]],
    )
    store(
        app,
        "after",
        [respondent(questionnaire, "police", "frontline", s) for s in [3, 4, 3, 4, 4, 3]],
    )
    changes = compare(analysis_of(app, "before"), analysis_of(app, "after"))
    overall = next(c for c in changes if (c.agency, c.level, c.feature) == (None, None, "trust"))
    assert overall.change == pytest.approx(3.5 - 14 / 6)
    assert overall.ci_low is not None and overall.ci_low > 0


def test_every_export_table_is_in_json_csv_and_xlsx(
    app: Flask, make_round: MakeRound, questionnaire: Questionnaire
) -> None:
    make_round("tables", localities=("North", "South"))
    responses = synthetic_responses(questionnaire, 200, seed=5, localities=["north", "south"])
    store(app, "tables", responses)
    analysis = analysis_of(app, "tables")
    # A release captures the agencies' declarations; one agency's here, so the table shows.
    declared = {item.id: 4 for item in questionnaire.items}
    analysis = replace(
        analysis, declarations=beside_staff(analysis, questionnaire, {"police": declared})
    )
    changes = compare(analysis, analysis)
    data = as_json(analysis, questionnaire, changes, invariance=None)
    assert {key for key, value in data.items() if isinstance(value, list)} == set(TABLES)
    assert [table for table in TABLES if not data[table]] == []  # each one shows below
    rows = csv.DictReader(io.StringIO(as_csv(analysis, questionnaire, changes, invariance=None)))
    assert list(dict.fromkeys(row["table"] for row in rows)) == ["round", *TABLES]
    book = load_workbook(
        io.BytesIO(analysis_xlsx(analysis, questionnaire, changes, invariance=None))
    )
    assert book.sheetnames == ["about", *TABLES]
    for table in TABLES:
        header = [cell.value for cell in book[table][1]]
        assert header == list(data[table][0]), table
        assert book[table].max_row == len(data[table]) + 1, table


def test_export_json_and_csv_through_the_cli(
    app: Flask, make_round: MakeRound, questionnaire: Questionnaire
) -> None:
    known_round(app, make_round, questionnaire)
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["export", "known", "--format", "json"])
    assert refused.exit_code == 1 and "has no published results yet" in refused.output
    assert "publish-release known" in refused.output
    release = runner.invoke(args=["publish-release", "known"])
    assert release.exit_code == 0 and "Published release 1 (interim)" in release.output
    result = runner.invoke(args=["export", "known", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["round"]["slug"] == "known" and data["round"]["responses"] == 28
    assert data["min_cell_size"] == 5
    assert [f["id"] for f in data["features"]] == [f.id for f in questionnaire.features]
    for cell in data["cells"]:
        assert {
            "agency",
            "level",
            "feature",
            "n",
            "mean",
            "sd",
            "maturity_level",
            "suppressed",
        } <= set(cell)
        assert cell["level"] in (None, "management", "frontline")
        if cell["suppressed"]:
            assert cell["n"] is None and cell["mean"] is None and cell["sd"] is None
    for gap in data["gaps"]:
        assert {
            "agency",
            "feature",
            "management_mean",
            "frontline_mean",
            "gap",
            "ci_low",
            "ci_high",
            "effect_size",
            "notable",
            "suppressed",
        } <= set(gap)
        if gap["suppressed"]:
            assert gap["gap"] is None and not gap["notable"]
    assert all(
        {"from_agency", "to_agency", "n", "mean", "suppressed"} <= set(r)
        for r in data["reciprocity"]
    )
    assert all({"feature", "alpha", "n"} <= set(r) for r in data["reliability"])
    published = [c for c in data["cells"] if not c["suppressed"] and c["n"]]
    assert all(c["n"] >= 5 for c in published)

    result = runner.invoke(args=["export", "known", "--format", "csv"])
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    means = [
        r
        for r in rows
        if r["table"] == "gaps"
        and r["agency"] == "police"
        and r["feature"] == "trust"
        and r["statistic"] == "gap"
    ]
    assert float(means[0]["value"]) == pytest.approx(2.0)
    hidden = [r for r in rows if r["suppressed"] == "True" and r["statistic"] == "mean"]
    assert hidden and all(r["value"] == "" for r in hidden)

    result = runner.invoke(args=["export", "nope"])
    assert result.exit_code != 0 and "No round with the slug 'nope'" in result.output


def test_a_round_smaller_than_k_publishes_nothing_but_its_size(
    app: Flask, make_round: MakeRound, questionnaire: Questionnaire
) -> None:
    make_round("tiny")
    store(app, "tiny", [respondent(questionnaire, "police", "frontline", 4) for _ in range(3)])
    analysis = analysis_of(app, "tiny")
    assert all(c.suppressed or not c.n for c in analysis.cells)
    assert all(g.suppressed for g in analysis.gaps)
    assert all(r.suppressed for r in analysis.reliability)
