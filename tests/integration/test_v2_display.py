"""Questionnaire version 2 shown honestly everywhere: the feature page's chart, the PDF's
statement tables and the workshop projector draw "not applicable" apart from "don't know",
from the release; the balance statement is read in its own answers; and the v2 demo shows
the assurance gap."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from surveys.auth.models import User
from surveys.database import db
from surveys.library import questionnaire
from surveys.questionnaire import NOT_APPLICABLE_VALUE, Questionnaire
from surveys.releases.models import Release
from surveys.responses.answers import CompletedResponse
from surveys.responses.models import Channel
from surveys.responses.service import record_submissions
from surveys.rounds.models import Round
from surveys.workshops.models import Mode
from surveys.workshops.service import SessionSpec, create_session, open_answering
from tests.helpers import RoundRef, WorkshopRef, pdf_text, publish
from tests.integration.test_questionnaire_v2 import V2
from tests.integration.test_workshops import (  # noqa: F401  (facilitator: a fixture)
    Participant,
    facilitator,
    move,
    projector,
)

MakeRound = Callable[..., RoundRef]
POLES = [
    "Gives much more than it gets back",
    "Gives a little more than it gets back",
    "Gives and gets about the same",
    "Gets a little more than it gives",
    "Gets much more than it gives",
]


def description(page: str, chart_id: str) -> str:
    found = re.search(rf'<desc id="{chart_id}-desc">(.*?)</desc>', page, re.S)
    assert found is not None, chart_id
    return html.unescape(found.group(1))


BALANCE_ANSWERS = [3, 3, 3, 3, 2, 2, 4, 4, 1, 5]  # ten people on the balance statement


@pytest.fixture
def ten(app: Flask, make_round: MakeRound) -> RoundRef:
    """Ten practitioners: two find each feature's first statement not applicable, one does
    not know its last; everyone else answers 4, and the balance statement is spread."""
    round_ = make_round("ten", agencies=["police", "health"], version=V2)
    with app.app_context():
        q = questionnaire(V2)
        crowd = []
        for n in range(10):
            items: dict[str, int | None] = {}
            for feature in q.features:
                for item in feature.items:
                    items[item.id] = BALANCE_ANSWERS[n] if item.bipolar else 4
                if n < 2:
                    items[feature.items[0].id] = NOT_APPLICABLE_VALUE
                if n < 1:
                    items[feature.items[-1].id] = None
            agency = "police" if n % 2 else "health"
            crowd.append(CompletedResponse(agency, "practitioner", items=items))
        held = db.session.get(Round, round_.id)
        assert held is not None
        record_submissions(held, q, crowd, Channel.ONLINE, date.today())
        db.session.commit()
    publish(app, "ten")
    return round_


def test_the_feature_pages_chart_shows_both_non_answers_and_the_balance_answers(
    app: Flask, ten: RoundRef, manager: FlaskClient
) -> None:
    page = manager.get("/reports/ten/features/exchange").get_data(as_text=True)
    chart = page[page.index('<svg xmlns="http://www.w3.org/2000/svg"') :]
    chart = html.unescape(chart[: chart.index("</svg>")])
    q = questionnaire_v2(app)
    exchange = q.feature("exchange")
    assert exchange is not None
    balance = next(n for n, item in enumerate(exchange.items, 1) if item.bipolar)
    last = len(exchange.items)
    for words in ("Don't know", "Not applicable to my role", *POLES):
        assert words in chart, words
    assert f"Statement {balance} has its own answers:" in chart
    said = description(page, "items-exchange")
    assert "Statement 1: Don't know 0%, Not applicable to my role 20%." in said
    assert f"Statement {last}: Don't know 10%, Not applicable to my role 0%." in said
    assert f"Statement {balance} has its own answers, from {POLES[0]} through" in said
    # The balance row's bar is in its own fills: balance (4 of 10) in green, and no segment
    # in the agree scale's fills.
    assert 'fill="#00703c"' in chart
    # A feature without a balance statement has no legend of its own answers.
    purpose = manager.get("/reports/ten/features/purpose").get_data(as_text=True)
    assert "has its own answers" not in purpose
    assert "Not applicable to my role 20%" in description(purpose, "items-purpose")


def questionnaire_v2(app: Flask) -> Questionnaire:
    with app.app_context():
        return questionnaire(V2)


def test_the_pdfs_statement_tables_have_a_not_applicable_column(
    app: Flask, ten: RoundRef, manager: FlaskClient
) -> None:
    response = manager.get("/reports/ten/report.pdf")
    assert response.status_code == 200
    text = pdf_text(response.data)
    tables = text.split("Statement by statement")[1:]
    assert len(tables) == 5  # one per feature
    q = questionnaire_v2(app)
    for feature, table in zip(q.features, tables, strict=True):
        table = table[: table.index("What people said")]
        header = r"Answered\s*Agree\s*‘Don't know’\s*‘Not applicable’\s*Score"
        assert re.search(header, table), table[:300]
        first, last = feature.items[0], feature.items[-1]
        # 8 answered, all 4 (agreeing), none don't know, 2 of 10 not applicable.
        row = table[table.index(first.text[-30:]) + 30 :]
        assert re.match(r"\s*8 100% 0% 20% [24]\.0", row), row[:200]
        row = table[table.index(last.text[-30:]) + 30 :]
        assert re.match(r"\s*9 (100% )?10% 0% [234]\.\d", row), row[:200]


def v2_workshop(app: Flask, owner: str) -> WorkshopRef:
    """A workshop on exchange linked to the v2 round, so on version 2, as the new-workshop
    form makes one (conftest's make_workshop uses the current version)."""
    with app.app_context():
        linked = db.session.scalar(select(Round).where(Round.slug == "ten"))
        owner_id = db.session.scalar(select(User.id).where(User.email == owner))
        spec = SessionSpec("Exchange huddle", date.today(), ("exchange",), Mode.PULSE, linked)
        workshop = create_session(spec, questionnaire(V2), owner_id)
        open_answering(workshop)
        return WorkshopRef(workshop.id, workshop.join_code)


def test_the_projector_shows_not_applicable_from_the_room_and_the_survey_from_its_release(
    app: Flask,
    ten: RoundRef,
    facilitator: FlaskClient,  # noqa: F811
    make_user: Callable[..., str],
) -> None:
    workshop = v2_workshop(app, make_user("facilitator", email="facilitator-x@example.org"))
    # Five managers, then ten practitioners of whom the first five find the headline
    # statement not applicable: the screen moves at each five of a level group, and shows a
    # group once five of it have answered 1-5, so all fifteen are on it.
    people = [("police", "strategic")] * 5 + [("health", "practitioner")] * 10
    for n, (agency, level) in enumerate(people):
        phone = Participant(app, workshop)
        phone.join(agency, level)
        phone.answer("na" if 5 <= n < 10 else 4)
    move(facilitator, workshop, "focus", feature="exchange")
    move(facilitator, workshop, "reveal")
    move(facilitator, workshop, "show", screen="answers")
    screen = html.unescape(projector(facilitator, workshop))
    # The room: 5 of 15 not applicable, in the bar's words; the legend names it.
    assert "Agree 67%, Strongly agree 0%, Don't know 0%, Not applicable to my role 33%" in screen
    assert re.search(
        r"boundary-wall__swatch--not-applicable\"></span>\s*Not applicable to my role", screen
    )
    # The survey row: its release's 2 of 10 (the headline is each feature's first statement).
    assert "Agree 80%, Strongly agree 0%, Don't know 0%, Not applicable to my role 20%" in screen
    # A survey response sent since the release moves nothing on the wall.
    with app.app_context():
        round_ = db.session.get(Round, ten.id)
        assert round_ is not None
        q = questionnaire(V2)
        late = CompletedResponse(
            "police", "practitioner", items={i.id: NOT_APPLICABLE_VALUE for i in q.items}
        )
        record_submissions(round_, q, [late], Channel.ONLINE, date.today())
        db.session.commit()
    assert html.unescape(projector(facilitator, workshop)) == screen


def test_the_v2_demo_shows_the_assurance_gap_and_builds_once(
    app: Flask, client: FlaskClient, make_user: Callable[..., str], sign_in: Callable[[str], None]
) -> None:
    from tests.integration.test_demo_figures import run

    built = run(app, "demo", "--reset")
    assert "Created the demo round 'Demo: Spring 2027, questionnaire version 2'" in built
    assert "declarations from 3 agencies" in built
    again = run(app, "demo")  # `make run` twice: nothing rebuilt, nothing republished
    assert "Created" not in again and "Published" not in again
    with app.app_context():
        v1 = db.session.scalar(select(Round).where(Round.slug == "demo"))
        v2 = db.session.scalar(select(Round).where(Round.slug == "demo-v2"))
        assert v1 is not None and v2 is not None
        assert v1.questionnaire_version == "cop-maturity-v1" and v2.questionnaire_version == V2
        assert v2.is_demo and v1.opens_at <= v2.opens_at
        releases = db.session.scalar(
            select(func.count()).select_from(Release).where(Release.round_id == v2.id)
        )
        assert releases == 1
    sign_in(make_user("admin"))
    page = html.unescape(client.get("/reports/demo-v2").get_data(as_text=True))
    section = page[page.index('id="declarations"') : page.index('id="reciprocity"')]
    police = section[section.index("Police") : section.index("Health")]
    assert "More positive than frontline" in police
    feature = html.unescape(client.get("/reports/demo-v2/features/exchange").get_data(as_text=True))
    assert "has its own answers:" in feature and "Not applicable to my role" in feature
    # Realistic non-answers: some of each, published.
    said = description(feature, "items-exchange")
    shares = [int(s) for s in re.findall(r"Not applicable to my role (\d+)%", said)]
    assert shares and max(shares) > 0
