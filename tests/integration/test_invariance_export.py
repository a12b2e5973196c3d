"""The measurement invariance check in every export (JSON, CSV, XLSX), read back: the
release's own outcome, through the real database, the CLI and the download routes, before the
check's job has run, after it, and when the release is too small for it."""

from __future__ import annotations

import csv
import io
import json
import random
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select

from surveys.analysis.export import INVARIANCE_PENDING, TABLES, invariance_rows
from surveys.database import db
from surveys.questionnaire import Questionnaire
from surveys.releases.invariance import check_release, invariance_of
from surveys.releases.models import Release
from surveys.responses.answers import CompletedResponse
from surveys.scoring.invariance import FeatureCheck, Invariance, ModelFit
from tests.helpers import RoundRef, publish
from tests.integration.test_releases import AGENCIES, store

MakeRound = Callable[..., RoundRef]
CUTS = (-1.3, -0.4, 0.4, 1.3)


def people(
    questionnaire: Questionnaire, seed: int, count: int, level: str, turned: str | None = None
) -> list[CompletedResponse]:
    """Answers from one correlated factor per feature, given as a person would (reverse-
    worded statements the other way round); the statement `turned` is read the opposite way
    (its loading negative), as a group that understood it otherwise would answer it."""
    rng = random.Random(seed)
    result = []
    for index in range(count):
        shared = rng.gauss(0, 1)
        items: dict[str, int | None] = {}
        for feature in questionnaire.features:
            factor = 0.6 * shared + 0.8 * rng.gauss(0, 1)
            for item in feature.items:
                loading = -0.6 if item.id == turned else 0.75
                leaning = loading * factor + (1 - loading**2) ** 0.5 * rng.gauss(0, 1)
                score = 1 + sum(leaning > cut for cut in CUTS)
                if rng.random() < 0.04:
                    continue  # not answered
                items[item.id] = 6 - score if item.reverse else score
        result.append(CompletedResponse(agency_id=AGENCIES[index % 4], level_id=level, items=items))
    return result


def latest_release_id(app: Flask) -> int:
    with app.app_context():
        release = db.session.scalar(select(Release).order_by(Release.id.desc()))
        assert release is not None
        return release.id


def exported(app: Flask, manager: FlaskClient, slug: str) -> dict[str, list[dict[str, Any]]]:
    """The invariance table as each format gives it: JSON and CSV from `flask export`, CSV
    and XLSX from the download routes."""
    runner = app.test_cli_runner()
    printed = runner.invoke(args=["export", slug, "--format", "json"])
    assert printed.exit_code == 0, printed.output
    formats: dict[str, list[dict[str, Any]]] = {"json": json.loads(printed.stdout)["invariance"]}
    printed = runner.invoke(args=["export", slug, "--format", "csv"])
    assert printed.exit_code == 0, printed.output
    formats["cli csv"] = list(csv.DictReader(io.StringIO(printed.stdout)))
    download = manager.get(f"/reports/{slug}/analysis.csv")
    assert download.status_code == 200
    text = download.get_data(as_text=True).lstrip("\ufeff")
    formats["csv"] = list(csv.DictReader(io.StringIO(text)))
    for name in ("cli csv", "csv"):
        formats[name] = [r for r in formats[name] if r["table"] == "invariance"]
    download = manager.get(f"/reports/{slug}/analysis.xlsx")
    assert download.status_code == 200
    book = load_workbook(io.BytesIO(download.data))
    assert book.sheetnames == ["about", *TABLES]
    sheet = list(book["invariance"].iter_rows(values_only=True))
    formats["xlsx"] = [dict(zip(sheet[0], row, strict=True)) for row in sheet[1:]]
    return formats


def csv_value(rows: list[dict[str, Any]], model: str, feature: str, statistic: str) -> str:
    [found] = [
        r["value"]
        for r in rows
        if (r["model"], r["feature"], r["statistic"]) == (model, feature, statistic)
    ]
    return str(found)


def test_the_check_a_release_found_is_in_every_export(
    app: Flask, make_round: MakeRound, questionnaire: Questionnaire, manager: FlaskClient
) -> None:
    turned = questionnaire.features[2].items[1].id
    make_round("read-otherwise", agencies=AGENCIES)
    store(
        app,
        "read-otherwise",
        people(questionnaire, 21, 150, "operational", turned=turned)
        + people(questionnaire, 22, 170, "frontline"),
    )
    publish(app, "read-otherwise")

    # Before the job: every format says the check is still to come, and gives no figure.
    for name, rows in exported(app, manager, "read-otherwise").items():
        if name == "json" or name == "xlsx":
            assert [(r["status"], r["model"], r["cfi"]) for r in rows] == [
                ("pending", None, None)
            ], name
            assert rows[0]["reason"] == INVARIANCE_PENDING
        else:
            assert {(r["statistic"], r["value"]) for r in rows} >= {
                ("status", "pending"),
                ("reason", INVARIANCE_PENDING),
            }, name
            assert [r["value"] for r in rows if r["statistic"] == "cfi"] == [""], name

    release_id = latest_release_id(app)
    with app.app_context():
        check_release(release_id)
        outcome = invariance_of(release_id)
    assert outcome is not None and outcome.ran and outcome.holds is False
    assert outcome.configural and outcome.equal_loadings
    assert outcome.differing == (questionnaire.features[2].id,)

    formats = exported(app, manager, "read-otherwise")
    features = [f.id for f in questionnaire.features]
    for name in ("json", "xlsx"):
        rows = formats[name]
        assert [(r["model"], r["feature"]) for r in rows] == [
            ("configural", None),
            ("equal_loadings", None),
            *[("equal_loadings_one_feature", f) for f in features],
        ], name
        assert {(r["status"], r["estimator"]) for r in rows} == {("done", "DWLS")}
        # No group size: it counts people with a scored answer, which beside the response
        # counts would tell how many gave none.
        assert not {"managers", "frontline"} & set(rows[0]), name
        configural, equal, *alone = rows
        assert configural["cfi"] == round(outcome.configural.cfi, 4)
        assert configural["rmsea"] == round(outcome.configural.rmsea, 4)
        assert configural["srmr"] == round(outcome.configural.srmr, 4)
        assert configural["df"] == outcome.configural.df
        assert equal["cfi"] == round(outcome.equal_loadings.cfi, 4)
        assert equal["df"] == outcome.equal_loadings.df > configural["df"]
        assert equal["holds"] is False
        assert outcome.delta_cfi is not None and equal["delta_cfi"] == round(outcome.delta_cfi, 4)
        # A fall in CFI is a negative number, and stays one (no apostrophe against formulas).
        assert isinstance(equal["delta_cfi"], float) and equal["delta_cfi"] < 0
        named = [r["feature"] for r in alone if r["read_differently"]]
        assert named == [features[2]], name
        assert [r["holds"] for r in alone] == [f != features[2] for f in features]
    for name in ("cli csv", "csv"):
        rows = formats[name]
        cfi = csv_value(rows, "configural", "", "cfi")
        assert float(cfi) == round(outcome.configural.cfi, 4), name
        delta = csv_value(rows, "equal_loadings", "", "delta_cfi")
        assert not delta.startswith("'") and float(delta) < 0
        assert csv_value(rows, "equal_loadings", "", "holds") == "False"
        assert csv_value(rows, "configural", "", "estimator") == "DWLS"
        for feature in features:
            said = csv_value(rows, "equal_loadings_one_feature", feature, "read_differently")
            assert said == str(feature == features[2]), (name, feature)


def test_a_release_too_small_for_the_check_says_why_in_every_export(
    app: Flask, make_round: MakeRound, questionnaire: Questionnaire, manager: FlaskClient
) -> None:
    make_round("too-few", agencies=AGENCIES)
    store(
        app,
        "too-few",
        people(questionnaire, 23, 40, "operational") + people(questionnaire, 24, 60, "frontline"),
    )
    publish(app, "too-few")
    with app.app_context():
        check_release(latest_release_id(app))
    formats = exported(app, manager, "too-few")
    for name in ("json", "xlsx"):
        [row] = formats[name]
        assert (row["status"], row["model"], row["cfi"], row["holds"]) == (
            "not_run",
            None,
            None,
            None,
        )
        assert row["reason"].startswith("Not checked: the check needs at least 100 managers")
        assert "this release has fewer managers and fewer frontline staff." in row["reason"]
        assert "40" not in row["reason"] and "60" not in row["reason"]
    for name in ("cli csv", "csv"):
        said = {r["statistic"]: r["value"] for r in formats[name]}
        assert said["status"] == "not_run" and "has fewer managers and fewer" in said["reason"]
        assert said["cfi"] == ""


def fit(cfi: float, rmsea: float, df: int) -> ModelFit:
    return ModelFit(cfi=cfi, rmsea=rmsea, srmr=0.05, statistic=400.0, df=df)


def test_loadings_held_equal_give_two_rows_and_no_feature_is_named() -> None:
    check = Invariance(
        True,
        120,
        130,
        configural=fit(0.95123456, 0.04, 160),
        equal_loadings=fit(0.948, 0.041, 186),
        delta_cfi=-0.00323456,
        delta_rmsea=0.001,
        holds=True,
    )
    rows = invariance_rows(check)
    assert [(r["model"], r["holds"], r["read_differently"]) for r in rows] == [
        ("configural", None, None),
        ("equal_loadings", True, None),
    ]
    assert rows[0]["cfi"] == 0.9512 and rows[1]["delta_cfi"] == -0.0032
    assert len({tuple(r) for r in rows}) == 1  # one set of columns for every row


def test_a_feature_named_for_costing_most_is_read_differently_though_it_passed_alone() -> None:
    """If no feature fails alone, the check names the one whose equality costs most: the
    table says it is read differently, beside its own `holds`, so both are on record."""
    check = Invariance(
        True,
        120,
        130,
        configural=fit(0.95, 0.04, 160),
        equal_loadings=fit(0.93, 0.05, 186),
        delta_cfi=-0.02,
        delta_rmsea=0.01,
        holds=False,
        features=(
            FeatureCheck("trust", -0.008, 0.004, True),
            FeatureCheck("dialogue", -0.002, 0.0, True),
        ),
        differing=("trust",),
    )
    rows = invariance_rows(check)[2:]
    assert [(r["feature"], r["holds"], r["read_differently"]) for r in rows] == [
        ("trust", True, True),
        ("dialogue", True, False),
    ]


def test_a_check_stored_before_dwls_reads_back_as_maximum_likelihood() -> None:
    """Releases keep their check as JSON; one stored when the fit was normal-theory ML has no
    `estimator`, and its exports must not claim DWLS for it."""
    from surveys.releases.invariance import load

    stored = json.dumps(
        {
            "ran": True,
            "managers": 120,
            "frontline": 130,
            "configural": {"cfi": 0.95, "rmsea": 0.04, "srmr": 0.05, "statistic": 1.0, "df": 9},
            "equal_loadings": {"cfi": 0.95, "rmsea": 0.04, "srmr": 0.05, "statistic": 1.0, "df": 9},
            "delta_cfi": 0.0,
            "delta_rmsea": 0.0,
            "holds": True,
        }
    )
    assert {r["estimator"] for r in invariance_rows(load(stored))} == {"ML"}
