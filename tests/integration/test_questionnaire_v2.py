"""A version 2 round end to end: the survey pages, the two non-answers stored and counted,
the release and its export; rounds on different versions refused comparison; and picking a
round's version on the admin form and on the command line."""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from surveys.database import db
from surveys.library import questionnaire
from surveys.questionnaire import NOT_APPLICABLE_VALUE, Questionnaire
from surveys.responses.models import Answer
from tests.helpers import (
    Respondent,
    RoundRef,
    answer_everything,
    csrf_token_in,
    field_error,
    load_round,
    pdf_text,
    publish,
)

MakeRound = Callable[..., RoundRef]
V1, V2 = "cop-maturity-v1", "cop-maturity-v2"
PEOPLE = 6  # more than the minimum group size (5), so the whole partnership is published


def v2(app: Flask) -> Questionnaire:
    with app.app_context():
        return questionnaire(V2)


def answer_v2(person: Respondent, q: Questionnaire, index: int) -> None:
    """One whole response: the first three people find each feature's first statement not
    applicable to their role, the first two don't know its last; everything else is 4
    (on the balance statement, 'gets a little more than it gives')."""
    person.get("/about-you")
    person.post({"agency": "police" if index % 2 else "health", "level": "practitioner"})
    for feature in q.features:
        answers = {item.id: "4" for item in feature.items}
        first, last = feature.items[0].id, feature.items[-1].id
        if index < 3:
            answers[first] = "na"
        if index < 2:
            answers[last] = "dk"
        page = person.post(answers)
        assert page.status_code == 200, page.get_data(as_text=True)[:400]
    person.post({"partners": ["none"]})
    assert person.path.endswith("/check"), person.path
    done = person.post({}, path="/submit", action=None)
    assert done.status_code == 200 and person.path.endswith("/done"), person.path


def run(app: Flask, *args: str) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


@pytest.fixture
def v2_round(app: Flask, make_round: MakeRound) -> RoundRef:
    round_ = make_round("second", agencies=["police", "health"], version=V2)
    q = v2(app)
    for index in range(PEOPLE):
        answer_v2(Respondent(app.test_client(), round_), q, index)
    publish(app, "second")
    return round_


def test_questionnaire_show_json_prints_both_non_answers_and_each_keying(app: Flask) -> None:
    code, out = run(app, "questionnaire", "show", "--json", "--version", V2)
    assert code == 0
    data = json.loads(out)
    meanings = {n["label"]: n["meaning"] for n in data["non_answers"]}
    assert set(meanings) == {"Don't know", "Not applicable to my role"}
    assert "not seen enough" in meanings["Don't know"]
    assert "does not involve" in meanings["Not applicable to my role"]
    keying = {i["id"]: i["keying"] for f in data["features"] for i in f["items"]}
    assert keying["exchange-balance"] == "bipolar"
    assert sorted(k for k, v in keying.items() if v == "reverse") == [
        "dialogue-blame",
        "exchange-systems",
        "purpose-pass-on",
        "respect-less-weight",
        "trust-start-again",
    ]
    code, out = run(app, "questionnaire", "show", "--version", "cop-maturity-v9")
    assert code != 0 and "No questionnaire version 'cop-maturity-v9'" in out


def test_a_v2_survey_page_offers_both_non_answers_and_the_balance_answers(
    app: Flask, make_round: MakeRound
) -> None:
    person = Respondent(app.test_client(), make_round(version=V2))
    person.get("/about-you")
    person.post({"agency": "police", "level": "operational"})
    page = person.get("/section/exchange")
    text = html.unescape(page.get_data(as_text=True))
    assert "Not applicable to my role" in text and "Don't know" in text
    assert "Neither counts towards the scores." in text
    assert "Gives and gets about the same" in text
    assert "Choose the answer closest to your experience." in text
    assert 'value="na"' in text
    # A bipolar statement left unanswered is named without "agree".
    page = person.post({"exchange-both-ways": "4"})
    errors = html.unescape(page.get_data(as_text=True))
    # Statements are numbered by their place in the whole survey (exchange follows purpose
    # and trust, six statements each): the bipolar one is the exchange section's second.
    assert "Select an answer to statement 14" in errors
    assert "Select how far you agree with statement 15" in errors


def test_not_applicable_is_refused_on_a_version_1_round(app: Flask, make_round: MakeRound) -> None:
    person = Respondent(app.test_client(), make_round(version=V1))
    person.get("/about-you")
    person.post({"agency": "police", "level": "practitioner"})
    page = person.get("/section/purpose")
    assert 'value="na"' not in page.get_data(as_text=True)
    with app.app_context():
        items = questionnaire(V1).feature("purpose").items  # type: ignore[union-attr]
    refused = person.post({item.id: "na" for item in items})
    assert refused.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Answer)) == 0


def test_a_v2_round_stores_counts_and_exports_both_non_answers(
    app: Flask, v2_round: RoundRef
) -> None:
    with app.app_context():
        stored = dict(
            db.session.execute(
                select(Answer.value, func.count())
                .group_by(Answer.value)
                .where(Answer.round_id == v2_round.id)
            ).all()
        )
    assert stored[NOT_APPLICABLE_VALUE] == 3 * 5  # three people, one statement per feature
    assert stored[None] == 2 * 5

    code, out = run(app, "export", "second")
    assert code == 0, out
    data = json.loads(out)
    assert data["round"]["questionnaire_version"] == V2
    everyone = {
        row["item"]: row
        for row in data["items"]
        if row["agency"] is None and row["level"] is None and row["locality"] is None
    }
    assert everyone["purpose-same-end"]["share_not_applicable"] == 0.5
    assert everyone["purpose-same-end"]["share_dont_know"] == 0.0
    assert everyone["purpose-pass-on"]["share_dont_know"] == pytest.approx(2 / 6, abs=1e-4)
    assert everyone["purpose-pass-on"]["share_not_applicable"] == 0.0
    # Neither non-answer is scored: everyone who answered said 4.
    assert everyone["purpose-make-time"]["mean"] == 4.0
    # The balance statement: 4 is one step from balance, so it scores 3; no 'agree' figure.
    assert everyone["exchange-balance"]["mean"] == 3.0
    assert everyone["exchange-balance"]["share_agreeing"] is None
    whole = next(
        r
        for r in data["responses"]
        if r["agency"] is None and r["level"] is None and r["locality"] is None
    )
    asked = PEOPLE * 31
    assert whole["share_not_applicable"] == pytest.approx(15 / asked, abs=1e-4)
    assert whole["share_dont_know"] == pytest.approx(10 / asked, abs=1e-4)

    code, out = run(app, "export", "second", "--format", "csv")
    assert code == 0
    statistics = {row["statistic"] for row in csv.DictReader(io.StringIO(out))}
    assert {"share_dont_know", "share_not_applicable"} <= statistics


def test_a_v2_report_explains_both_non_answers(
    app: Flask, v2_round: RoundRef, manager: FlaskClient
) -> None:
    page = html.unescape(manager.get("/reports/second").get_data(as_text=True))
    assert "‘Not applicable to my role’" in page
    feature = html.unescape(manager.get("/reports/second/features/purpose").get_data(as_text=True))
    assert "neither is scored" in feature
    response = manager.get("/reports/second/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    assert "The two answers that are not scored" in text
    assert "‘Not applicable to my role’: The statement is about something your job" in text
    # Partnership-wide: 15 of 186 answers not applicable (8%), 10 don't know (5%).
    assert "5% of answers were ‘don't know’ and 8% ‘not applicable’" in text
    assert "people who chose ‘Senior leader’ only" in text


def test_rounds_on_different_versions_are_refused_comparison_in_plain_words(
    app: Flask,
    v2_round: RoundRef,
    make_round: MakeRound,
    questionnaire: Questionnaire,
    manager: FlaskClient,
) -> None:
    first = make_round("first", agencies=["police", "health"], version=V1)
    for index in range(PEOPLE):
        person = Respondent(app.test_client(), first)
        answer_everything(
            person, questionnaire, agency="police" if index % 2 else "health", partners=()
        )
        person.post({}, path="/submit", action=None)
    publish(app, "first")

    code, out = run(app, "export", "second", "--compare", "first")
    assert code != 0
    assert "‘Test round first’ used questionnaire cop-maturity-v1" in out
    assert "cannot be compared, statement by statement or feature by feature" in out

    refused = manager.get("/reports/second?compare=first")
    assert refused.status_code == 400
    assert "cannot be compared" in html.unescape(refused.get_data(as_text=True))
    page = html.unescape(manager.get("/reports/second").get_data(as_text=True))
    assert "Rounds that used cop-maturity-v1 are not offered for comparison" in page
    # The version 1 round's export keeps its version 1 form: no second non-answer.
    code, out = run(app, "export", "first")
    assert code == 0
    assert "share_not_applicable" not in out


def test_create_round_picks_the_version_and_refuses_an_unknown_one(app: Flask) -> None:
    code, out = run(app, "create-round", "Pilot", "--slug", "pilot", "--questionnaire", V2)
    assert code == 0, out
    assert f"It uses questionnaire {V2}." in out
    assert load_round(app, "pilot").questionnaire_version == V2
    code, out = run(app, "create-round", "Odd", "--slug", "odd", "--questionnaire", "v3")
    assert code != 0 and "No questionnaire version 'v3'" in out
    code, out = run(app, "create-round", "Default", "--slug", "default")
    assert code == 0
    # The suite pins version 1 as current (tests/helpers.py); a deployment's default is v2.
    assert load_round(app, "default").questionnaire_version == V1


def round_form(day: date, **extra: object) -> dict[str, object]:
    return {
        "name": "Spring 2027",
        "slug": "spring",
        "opens": [str(day.day), str(day.month), str(day.year)],
        "closes": [str(day.day), str(day.month), str((day + timedelta(days=400)).year)],
        "agencies": ["police", "health"],
        "localities": "",
        **extra,
    }


def test_the_admin_form_picks_the_version_and_refuses_a_made_up_one(
    app: Flask, client: FlaskClient, make_user: Callable[..., str], sign_in: Callable[[str], None]
) -> None:
    sign_in(make_user("admin"))
    page = client.get("/manage/rounds/new").get_data(as_text=True)
    assert "Questionnaire version" in page and f'value="{V2}"' in page
    today = date.today()
    token = csrf_token_in(page)
    bad = client.post(
        "/manage/rounds/new", data={"csrf_token": token, **round_form(today, version="v9")}
    )
    assert bad.status_code == 200
    assert "Not a valid choice" in field_error(bad.get_data(as_text=True), "version")
    with app.app_context():
        from surveys.rounds.models import Round

        assert db.session.scalar(select(func.count()).select_from(Round)) == 0
    made = client.post(
        "/manage/rounds/new", data={"csrf_token": token, **round_form(today, version=V2)}
    )
    assert made.status_code == 302, made.get_data(as_text=True)[:500]
    assert load_round(app, "spring").questionnaire_version == V2


def write_import(path: Path, q: Questionnaire, cell: str) -> Path:
    """A paper-response file of two rows: every statement 3, the first one `cell`."""
    ids = [item.id for item in q.items]
    with path.open("w", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(["agency", "level", *ids])
        for _ in range(2):
            writer.writerow(["police", "practitioner", cell, *["3"] * (len(ids) - 1)])
    return path


def test_imported_na_is_stored_for_v2_and_refused_for_v1_naming_the_cell(
    app: Flask, make_round: MakeRound, questionnaire: Questionnaire, tmp_path: Path
) -> None:
    new = make_round("paper-v2", agencies=["police", "health"], version=V2)
    code, out = run(
        app, "import-responses", "paper-v2", str(write_import(tmp_path / "v2.csv", v2(app), "NA"))
    )
    assert code == 0, out
    with app.app_context():
        stored = db.session.scalars(
            select(Answer.value).where(
                Answer.round_id == new.id, Answer.item_id == "purpose-same-end"
            )
        ).all()
    assert stored == [NOT_APPLICABLE_VALUE, NOT_APPLICABLE_VALUE]

    old = make_round("paper-v1", agencies=["police", "health"], version=V1)
    code, out = run(
        app,
        "import-responses",
        "paper-v1",
        str(write_import(tmp_path / "v1.csv", questionnaire, "NA")),
    )
    assert code != 0
    assert "row 2, column C (purpose-1): 'NA' is not an answer to purpose-1" in out
    assert "has no 'not applicable' answer" in out
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count()).select_from(Answer).where(Answer.round_id == old.id)
            )
            == 0
        )
