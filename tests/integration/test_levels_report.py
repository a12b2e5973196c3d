"""Levels with their uncertainty and the weighted partnership, as a reader gets them: the
dashboard, a feature page, the CSV and XLSX downloads and the PDF, read back.

The round: 20 people in two agencies, half scoring 4 and half 3 on every statement. The mean
(3.5) is in the Established band, but only half agree, so the level is Developing; its
interval (3.26 to 3.74) and the share agreeing's (Wilson: 30% to 70%) leave Established
open. Headcounts make police frontline staff five times as many as anyone else, so the
weighted mean leans to their 3: (10 x 4 + 100 x 3 + 10 x 4 + 20 x 3) / 140 = 3.1429, worth
140^2 / (10^2/5 + 100^2/5 + 10^2/5 + 20^2/5) = 9.2453 evenly weighted answers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select

from surveys.database import db
from surveys.library import current_questionnaire
from surveys.questionnaire import Questionnaire
from surveys.responses.models import Channel
from surveys.responses.service import record_submissions
from surveys.rounds.models import Round
from tests.helpers import RoundRef, pdf_text, publish
from tests.integration.test_reports import respondent, text_of

MakeRound = Callable[..., RoundRef]
AGENCIES = ["police", "childrens-social-care"]
HEADCOUNTS = {
    ("police", "operational"): 10,
    ("police", "frontline"): 100,
    ("childrens-social-care", "operational"): 10,
    ("childrens-social-care", "frontline"): 20,
}


def half_agreeing(
    app: Flask, make_round: MakeRound, questionnaire: Questionnaire, slug: str, **extra: object
) -> RoundRef:
    round_ = make_round(slug, agencies=AGENCIES, **extra)
    people = [
        respondent(questionnaire, agency, level, score)
        for agency in AGENCIES
        for level, score in [("operational", 4)] * 5 + [("frontline", 3)] * 5
    ]
    with app.app_context():
        live = db.session.scalar(select(Round).where(Round.slug == slug))
        assert live is not None
        record_submissions(live, current_questionnaire(), people, Channel.IMPORT, date.today())
        db.session.commit()
    publish(app, slug)
    return round_


@pytest.fixture
def weighted_round(app: Flask, make_round: MakeRound, questionnaire: Questionnaire) -> RoundRef:
    return half_agreeing(app, make_round, questionnaire, "sure", headcounts=HEADCOUNTS)


def test_the_dashboard_says_which_other_level_is_possible(
    manager: FlaskClient, weighted_round: RoundRef
) -> None:
    page = text_of(manager.get("/reports/sure"))
    # Every feature: Developing, possibly Established (five rows of the maturity table).
    assert page.count("Developing</strong>, possibly Established") == 5
    assert "How sure the partnership-wide figures are, weighted to staff numbers" in page
    assert "3.14 (" in page  # the weighted mean, with its interval
    feature = text_of(manager.get("/reports/sure/features/trust"))
    assert "Developing</strong>, possibly Established." in feature


def test_the_downloads_carry_possible_levels_and_the_weighted_partnership(
    manager: FlaskClient, weighted_round: RoundRef
) -> None:
    response = manager.get("/reports/sure/analysis.csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))

    def figure(table: str, statistic: str, level: str = "") -> str:
        return next(
            r["value"]
            for r in rows
            if (r["table"], r["agency"], r["level"], r["locality"], r["feature"], r["statistic"])
            == (table, "", level, "", "purpose", statistic)
        )

    assert figure("cells", "maturity_level") == "developing"
    assert figure("cells", "possible_levels") == "established"
    assert float(figure("partnership", "weighted_mean")) == pytest.approx(3.1429)
    assert float(figure("partnership", "effective_n")) == pytest.approx(9.2453)
    assert figure("partnership", "weighted") == "True"
    # Agencies answer alike here: the ICC is below zero and the intervals are not widened.
    assert float(figure("partnership", "design_effect")) == 1.0
    # Frontline staff of both agencies all scored 3: weighting cannot move their mean.
    assert float(figure("partnership", "weighted_mean", "frontline")) == 3.0

    workbook = load_workbook(io.BytesIO(manager.get("/reports/sure/analysis.xlsx").data))
    assert "partnership" in workbook.sheetnames


def test_the_pdf_says_possibly_and_shows_the_weighted_table(
    manager: FlaskClient, weighted_round: RoundRef
) -> None:
    response = manager.get("/reports/sure/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(bytes(response.data))
    assert "Developing, possibly Established" in text
    assert "How sure the partnership-wide figures are" in text
    assert "Weighted mean and 95% interval" in text
    assert "3.14 2." in text  # the weighted mean, its interval below it


def test_without_headcounts_nothing_is_weighted(
    app: Flask, manager: FlaskClient, make_round: MakeRound, questionnaire: Questionnaire
) -> None:
    half_agreeing(app, make_round, questionnaire, "plain")
    page = text_of(manager.get("/reports/plain"))
    assert "This round has no staff numbers for every group that answered" in page
    assert "Weighted mean" not in page
    rows = manager.get("/reports/plain/analysis.csv").get_data(as_text=True)
    assert "partnership,,,,purpose,,,,,,,weighted,False," in rows
    assert "partnership,,,,purpose,,,,,,,weighted_mean,," in rows
