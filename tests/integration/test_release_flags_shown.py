"""The release's adjusted flags, the gaps compared within agencies and the imbalances' n,
interval and generosity adjustment, as a reader finds them: on the dashboard, in the PDF
and in every export, from a real published round."""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Callable
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from surveys.analysis.engine import compare
from surveys.analysis.export import as_json
from surveys.analysis.multiplicity import benjamini_hochberg, is_notable
from surveys.database import db
from surveys.library import current_questionnaire
from surveys.questionnaire import Questionnaire
from surveys.releases.service import released_analysis
from surveys.responses.answers import CompletedResponse
from surveys.responses.models import Channel
from surveys.responses.service import record_submissions
from surveys.rounds.models import Round
from tests.helpers import RoundRef, publish

MakeRound = Callable[..., RoundRef]
AGENCIES = ["police", "childrens-social-care", "health"]
AGES = ["earliest", "flagged"]  # the two rounds compared


def person(
    questionnaire: Questionnaire, agency: str, level: str, score: int, rates: dict[str, int]
) -> CompletedResponse:
    """Someone scoring `score` on every feature, rating how well each partner shares."""
    items = {item.id: (6 - score if item.reverse else score) for item in questionnaire.items}
    ratings: dict[str, dict[str, int | None]] = {
        partner: {"they-share": value, "we-share": 4, "understand-role": 3}
        for partner, value in rates.items()
    }
    return CompletedResponse(agency_id=agency, level_id=level, items=items, partner_ratings=ratings)


def store(app: Flask, slug: str, people: list[CompletedResponse]) -> None:
    with app.app_context():
        live = db.session.scalar(select(Round).where(Round.slug == slug))
        assert live is not None
        record_submissions(live, current_questionnaire(), people, Channel.IMPORT, date.today())
        db.session.commit()


@pytest.fixture
def flagged_round(app: Flask, make_round: MakeRound, questionnaire: Questionnaire) -> RoundRef:
    """Police managers far warmer than police frontline staff; social care and health even.
    Social care staff feel the police share badly with them but rate health well; police
    staff rate every partner warmly."""
    round_ = make_round("flagged", agencies=AGENCIES)
    q = questionnaire
    people = []
    for n, score in enumerate([4, 5, 4, 5, 4, 4, 5, 4]):
        rates = {"childrens-social-care": 4 + n % 2}
        people.append(person(q, "police", "operational", score, rates))
    for n, score in enumerate([2, 2, 1, 2, 3, 2, 2, 1]):
        rates = {"childrens-social-care": 4 + n % 2, "health": 4 + n % 2}
        people.append(person(q, "police", "frontline", score, rates))
    for n in range(16):
        level = "operational" if n < 8 else "frontline"
        rates = {"police": 1 + n % 3, "health": 3 + n % 2}
        people.append(person(q, "childrens-social-care", level, 3, rates))
    for n in range(12):
        level = "strategic" if n < 6 else "frontline"
        people.append(person(q, "health", level, 3, {"police": 3 + n % 2}))
    store(app, "flagged", people)
    publish(app, "flagged")
    return round_


def page_text(manager: FlaskClient, url: str) -> str:
    response = manager.get(url)
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def test_the_dashboard_shows_q_and_the_gaps_compared_within_agencies(
    manager: FlaskClient, flagged_round: RoundRef
) -> None:
    page = page_text(manager, "/reports/flagged")
    assert "The partnership's gaps compared within agencies" in page
    assert "its q is 0.05 or less" in page
    gaps_table = re.search(r"Gaps, notable first.*?</table>", page, re.S)
    assert gaps_table is not None
    police_rows = re.findall(r"<td[^>]*>Police</td>(.*?)</tr>", gaps_table.group(0), re.S)
    assert police_rows and all("<0.001" in row for row in police_rows[:1])
    within = re.search(r"compared within agencies</h3>.*?</table>", page, re.S)
    assert within is not None
    assert within.group(0).count("<tr") == 1 + 5  # a heading row and one per feature
    assert "Allowing for generosity" in page
    # Social care's view of the police, with its n (16 raters) beside it.
    assert re.search(r"Children's social care and Police.*?\(16\)", page, re.S)


def test_an_agencys_dashboard_leaves_the_partnership_comparison_out(
    manager: FlaskClient, flagged_round: RoundRef
) -> None:
    page = page_text(manager, "/reports/flagged?agency=police")
    assert "Management and frontline gaps" in page
    assert "compared within agencies" not in page


def test_every_export_carries_the_adjusted_values(
    app: Flask, manager: FlaskClient, flagged_round: RoundRef, questionnaire: Questionnaire
) -> None:
    with app.app_context():
        live = db.session.scalar(select(Round).where(Round.slug == "flagged"))
        assert live is not None
        analysis = released_analysis(live)
    assert analysis is not None
    data = as_json(analysis, questionnaire, invariance=None)
    police = next(g for g in data["gaps"] if g["agency"] == "police" and g["feature"] == "trust")
    assert police["notable"] and police["p_value"] <= police["q_value"] <= 0.05
    within = {w["feature"]: w for w in data["within_agency_gaps"]}
    assert set(within) == {f.id for f in questionnaire.features}
    assert within["trust"]["agencies"] == AGENCIES
    assert within["trust"]["weighting"] == "respondents"  # the test round has no headcounts
    imbalance = next(i for i in data["reciprocity_imbalances"] if i["agency_b"] == "police")
    assert (imbalance["a_n"], imbalance["b_n"]) == (16, 16)
    assert imbalance["ci_low"] < imbalance["imbalance"] < imbalance["ci_high"]
    # Police rate every partner about a point above what social care gives, so allowing for
    # how generously each rates leaves a smaller imbalance.
    assert abs(imbalance["adjusted_imbalance"]) < abs(imbalance["imbalance"])

    rows = list(
        csv.DictReader(
            io.StringIO(
                manager.get("/reports/flagged/analysis.csv").get_data(as_text=True).lstrip("\ufeff")
            )
        )
    )
    stats = {(r["table"], r["statistic"]) for r in rows}
    for table in (
        "gaps",
        "locality_gaps",
        "item_gaps",
        "within_agency_gaps",
        "reciprocity_imbalances",
    ):
        if any(r["table"] == table for r in rows):
            assert (table, "q_value") in stats, table
    assert ("within_agency_gaps", "pooled_gap") in stats
    book = load_workbook(io.BytesIO(manager.get("/reports/flagged/analysis.xlsx").data))
    header = [cell.value for cell in book["within_agency_gaps"][1]]
    assert {"gap", "ci_low", "ci_high", "q_value", "notable", "pooled_gap", "agencies"} <= set(
        header
    )
    assert {"a_n", "b_n", "ci_low", "q_value", "adjusted_imbalance"} <= {
        cell.value for cell in book["reciprocity_imbalances"][1]
    }


def test_the_pdf_prints_q_and_the_comparison_within_agencies(
    manager: FlaskClient, flagged_round: RoundRef
) -> None:
    response = manager.get("/reports/flagged/report.pdf")
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.data))
    flat = re.sub(r"\s+", " ", " ".join(page.extract_text() or "" for page in reader.pages))
    assert "The partnership's gaps compared within agencies" in flat
    assert "its q is 0.05 or less" in flat
    assert "Allowing for generosity" in flat
    assert "Benjamini" in flat


def test_a_comparison_adjusts_its_changes_together(
    app: Flask,
    make_round: MakeRound,
    questionnaire: Questionnaire,
    manager: FlaskClient,
    flagged_round: RoundRef,
) -> None:
    make_round("earliest", agencies=AGENCIES, opens_in_days=-60, closes_in_days=-30)
    store(
        app,
        "earliest",
        [person(questionnaire, "police", "frontline", s, {}) for s in (1, 1, 2, 1, 2, 1)],
    )
    with app.app_context():
        rounds = {
            r.slug: released_analysis(r)
            for r in db.session.scalars(
                select(Round).where(Round.slug.in_(["earliest", "flagged"]))
            )
        }
    before, after = rounds["earliest"], rounds["flagged"]
    assert before is not None and after is not None
    changes = compare(before, after)
    tested = [c for c in changes if c.p_value is not None]
    assert tested
    assert [c.q_value for c in tested] == benjamini_hochberg([c.p_value or 0 for c in tested])
    assert all(c.notable is is_notable(c.change or 0, c.q_value or 1) for c in tested)
    page = page_text(manager, "/reports/flagged?compare=earliest")
    changes_table = re.search(r"Change since.*?</table>", page, re.S)
    assert changes_table is not None and ">q</th>" in changes_table.group(0)
