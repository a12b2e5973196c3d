"""An agency's declaration, beside what its own staff said: who may make it, that bad answers
are refused at their statement, that it is seen only through a release, the flag where an
agency says more than its frontline sees, and that no small staff group shows beside it."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select

from surveys.analysis.export import as_json
from surveys.audit import AuditEvent
from surveys.database import db
from surveys.library import current_questionnaire
from surveys.questionnaire import Questionnaire
from surveys.releases.service import ReleaseRefused, released_analysis
from surveys.responses.answers import CompletedResponse
from surveys.responses.models import Channel
from surveys.responses.service import record_submissions
from surveys.rounds.declarations import AgencyDeclaration, DeclaredAnswer
from surveys.rounds.models import Round, utc_now
from tests.helpers import RoundRef, count_rows, csrf_token_in, field_error, pdf_text, publish

MakeRound = Callable[..., RoundRef]
MakeUser = Callable[..., str]
SignIn = Callable[[str], None]
AGENCIES = ["police", "health"]


def person(q: Questionnaire, agency: str, level: str, score: int) -> CompletedResponse:
    """Everyone answers every statement so as to score `score` on it."""
    items = {item.id: 6 - score if item.reverse else score for item in q.items}
    return CompletedResponse(agency_id=agency, level_id=level, items=items)


def store(app: Flask, slug: str, people: list[CompletedResponse]) -> None:
    with app.app_context():
        round_ = db.session.scalar(select(Round).where(Round.slug == slug))
        assert round_ is not None
        record_submissions(round_, current_questionnaire(), people, Channel.ONLINE, date.today())
        db.session.commit()


def staff(
    q: Questionnaire, agency: str, frontline: list[int], managers: list[int]
) -> list[CompletedResponse]:
    return [person(q, agency, "frontline", s) for s in frontline] + [
        person(q, agency, "operational", s) for s in managers
    ]


# Frontline staff who score about 2, with some spread; managers about 4.
FRONTLINE_TWOS = [1, 2, 2, 2, 3, 1, 2, 2, 2, 3]
MANAGERS_FOURS = [3, 4, 4, 4, 5, 3, 4, 4, 4, 5]


def every_statement(q: Questionnaire, value: str) -> dict[str, str]:
    return {item.id: value for item in q.items}


def scoring(q: Questionnaire, score: int) -> dict[str, str]:
    """Answers that score `score` on every statement (reverse-worded ones answered the
    other way), as the planted staff do."""
    return {item.id: str(6 - score if item.reverse else score) for item in q.items}


def declare(client: FlaskClient, slug: str, agency: str, answers: dict[str, str]):  # type: ignore[no-untyped-def]
    page = client.get(f"/declarations/{slug}/{agency}")
    assert page.status_code == 200, page.status_code
    token = csrf_token_in(page.get_data(as_text=True))
    return client.post(f"/declarations/{slug}/{agency}", data={"csrf_token": token, **answers})


@pytest.fixture
def round_with_staff(app: Flask, make_round: MakeRound, questionnaire: Questionnaire) -> RoundRef:
    round_ = make_round("assured", agencies=AGENCIES)
    store(
        app,
        "assured",
        staff(questionnaire, "police", FRONTLINE_TWOS, MANAGERS_FOURS)
        + staff(questionnaire, "health", FRONTLINE_TWOS, MANAGERS_FOURS),
    )
    return round_


def stored_declaration(app: Flask, agency: str) -> dict[str, int | None] | None:
    with app.app_context():
        found = db.session.scalar(
            select(AgencyDeclaration).where(AgencyDeclaration.agency_id == agency)
        )
        return found.values if found else None


# --- who may make it ------------------------------------------------------------------------


def test_an_agency_lead_declares_for_their_agency_and_the_audit_log_says_who(
    app: Flask,
    client: FlaskClient,
    round_with_staff: RoundRef,
    make_user: MakeUser,
    sign_in: SignIn,
    questionnaire: Questionnaire,
) -> None:
    lead = make_user("agency-lead", "police")
    sign_in(lead)
    # A lead's way in goes straight to their own agency's form.
    landing = client.get("/declarations/assured")
    assert landing.status_code == 302
    assert landing.headers["Location"].endswith("/declarations/assured/police")
    form = client.get("/declarations/assured/police").get_data(as_text=True)
    assert "not anonymous" in form and "line of sight" in form and "Section 11" in form
    sent = declare(client, "assured", "police", every_statement(questionnaire, "5"))
    assert sent.status_code == 302
    assert stored_declaration(app, "police") == {item.id: 5 for item in questionnaire.items}
    # Changed while the round is open: one declaration, the new answers.
    again = declare(client, "assured", "police", every_statement(questionnaire, "dk"))
    assert again.status_code == 302
    assert stored_declaration(app, "police") == {item.id: None for item in questionnaire.items}
    assert count_rows(app, AgencyDeclaration) == 1
    assert count_rows(app, DeclaredAnswer) == len(questionnaire.items)
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action.like("declaration%")).order_by(AuditEvent.id)
        ).all()
        assert [(e.action, e.actor) for e in events] == [
            ("declaration made", lead),
            ("declaration changed", lead),
        ]
        assert all("Police" in e.target for e in events)


def test_an_admin_may_declare_for_any_agency(
    app: Flask,
    client: FlaskClient,
    round_with_staff: RoundRef,
    make_user: MakeUser,
    sign_in: SignIn,
    questionnaire: Questionnaire,
) -> None:
    sign_in(make_user("admin"))
    listing = client.get("/declarations/assured").get_data(as_text=True)
    assert "Police" in listing and "Health" in listing and "Not made yet" in listing
    assert (
        declare(client, "assured", "health", every_statement(questionnaire, "3")).status_code == 302
    )
    assert stored_declaration(app, "health") == {item.id: 3 for item in questionnaire.items}


@pytest.mark.parametrize(
    ("role", "agency"),
    [("agency-lead", "health"), ("manager", None), ("facilitator", None)],
)
def test_no_one_else_may_see_or_send_an_agencys_declaration(
    app: Flask,
    client: FlaskClient,
    round_with_staff: RoundRef,
    make_user: MakeUser,
    sign_in: SignIn,
    questionnaire: Questionnaire,
    role: str,
    agency: str | None,
) -> None:
    sign_in(make_user(role, agency))
    assert client.get("/declarations/assured/police").status_code == 403
    token = csrf_token_in(client.get("/sign-in").get_data(as_text=True))
    sent = client.post(
        "/declarations/assured/police",
        data={"csrf_token": token, **every_statement(questionnaire, "5")},
    )
    assert sent.status_code == 403
    assert stored_declaration(app, "police") is None


def test_signed_out_goes_to_sign_in_and_unknown_places_are_not_found(
    client: FlaskClient,
    round_with_staff: RoundRef,
    make_user: MakeUser,
    sign_in: SignIn,
) -> None:
    signed_out = client.get("/declarations/assured/police")
    assert signed_out.status_code == 302 and "/sign-in" in signed_out.headers["Location"]
    assert client.post("/declarations/assured/police", data={}).status_code in (302, 400)
    sign_in(make_user("admin"))
    assert client.get("/declarations/assured/no-such-agency").status_code == 404
    assert client.get("/declarations/no-such-round/police").status_code == 404
    # An agency of the questionnaire that this round does not have.
    assert client.get("/declarations/assured/education").status_code == 404


# --- bad input ------------------------------------------------------------------------------


def test_bad_answers_are_refused_at_their_statement_and_nothing_is_stored(
    app: Flask,
    client: FlaskClient,
    round_with_staff: RoundRef,
    make_user: MakeUser,
    sign_in: SignIn,
    questionnaire: Questionnaire,
) -> None:
    sign_in(make_user("agency-lead", "police"))
    first, second, *_ = questionnaire.items
    missing = every_statement(questionnaire, "4")
    del missing[second.id]
    page = declare(client, "assured", "police", missing)
    assert page.status_code == 400
    text = page.get_data(as_text=True)
    assert field_error(text, second.id) == "Error: Select how far you agree with statement 2"
    # What was given is kept, so the lead does not answer it all again.
    assert 'value="4" checked' in text or 'value="4" checked' in text.replace("\n", "")
    off_scale = {**every_statement(questionnaire, "4"), first.id: "7"}
    page = declare(client, "assured", "police", off_scale)
    assert page.status_code == 400
    assert (
        field_error(page.get_data(as_text=True), first.id)
        == "Error: Choose one of the answers offered for statement 1"
    )
    without_token = client.post(
        "/declarations/assured/police", data=every_statement(questionnaire, "4")
    )
    assert without_token.status_code == 400
    assert stored_declaration(app, "police") is None
    assert count_rows(app, AuditEvent, action="declaration made") == 0


def test_a_closed_rounds_declaration_cannot_be_changed(
    app: Flask,
    client: FlaskClient,
    make_round: MakeRound,
    make_user: MakeUser,
    sign_in: SignIn,
    questionnaire: Questionnaire,
) -> None:
    make_round("over", agencies=AGENCIES, opens_in_days=-10, closes_in_days=-1)
    sign_in(make_user("agency-lead", "police"))
    page = client.get("/declarations/over/police")
    assert page.status_code == 200
    assert "can no longer be made or changed" in page.get_data(as_text=True)
    token = csrf_token_in(client.get("/sign-in").get_data(as_text=True))
    sent = client.post(
        "/declarations/over/police",
        data={"csrf_token": token, **every_statement(questionnaire, "5")},
    )
    assert sent.status_code == 409
    assert stored_declaration(app, "police") is None


# --- through a release only, and the flag ---------------------------------------------------


def declarations_section(page: str) -> str:
    start = page.index('id="declarations"')
    return page[start : page.index('id="reciprocity"')]


def test_a_declaration_shows_only_through_a_release_and_the_flag_follows_the_data(
    app: Flask,
    client: FlaskClient,
    round_with_staff: RoundRef,
    make_user: MakeUser,
    sign_in: SignIn,
    questionnaire: Questionnaire,
) -> None:
    sign_in(make_user("admin"))
    publish(app, "assured")  # release 1: no declarations yet
    declare(client, "assured", "police", scoring(questionnaire, 5))
    declare(client, "assured", "health", scoring(questionnaire, 2))
    before = declarations_section(client.get("/reports/assured").get_data(as_text=True))
    assert "More positive than frontline" not in before
    assert "No declaration in this release from: Police, Health" in before
    with app.app_context():
        analysis = released_analysis(db.session.get(Round, round_with_staff.id))  # type: ignore[arg-type]
        assert analysis is not None and analysis.declarations == ()

    assert publish(app, "assured") == 2  # a changed declaration is reason enough to publish
    section = declarations_section(client.get("/reports/assured").get_data(as_text=True))
    police = section[section.index("Police") : section.index("Health")]
    health = section[section.index("Health") :]
    # Declared 5s beside a frontline of 2s: flagged on every feature; 2s beside 2s: never.
    assert police.count("More positive than frontline") == len(questionnaire.features)
    assert "More positive than frontline" not in health
    assert "+3.00" in police and "5.00" in police
    with app.app_context():
        analysis = released_analysis(db.session.get(Round, round_with_staff.id))  # type: ignore[arg-type]
        assert analysis is not None
        by_key = {(d.agency, d.feature, d.level): d for d in analysis.declarations}
        for feature in questionnaire.features:
            flagged = by_key[("police", feature.id, "frontline")]
            assert flagged.more_positive and flagged.notable
            assert flagged.difference == pytest.approx(3.0)
            assert flagged.ci_low is not None and flagged.ci_low > 0
            matching = by_key[("health", feature.id, "frontline")]
            assert not matching.notable and not matching.more_positive
            assert matching.difference == pytest.approx(0.0)
            # Against its managers (about 4), health's 2s are notably less positive: notable,
            # but no flag, which is for a declaration above its frontline.
            below = by_key[("health", feature.id, "management")]
            assert below.notable and not below.more_positive

    # The PDF report raises the same flag, on police's rows only.
    text = pdf_text(client.get("/reports/assured/report.pdf").data)
    chapter = text[text.index("What agencies declare, beside their staff Each") :]
    assert chapter.count("flagged: more positive than frontline") == len(questionnaire.features)
    assert "flagged" not in chapter[chapter.index("Health") : chapter.index("Health") + 600]

    # Nothing changed since release 2 (the same declarations): no new release.
    with pytest.raises(ReleaseRefused, match="no changed declarations"):
        publish(app, "assured")

    # A change after release 2 shows only in release 3.
    declare(client, "assured", "health", scoring(questionnaire, 5))
    unchanged = declarations_section(client.get("/reports/assured").get_data(as_text=True))
    assert "More positive than frontline" not in unchanged[unchanged.index("Health") :]
    publish(app, "assured")
    changed = declarations_section(client.get("/reports/assured").get_data(as_text=True))
    assert "More positive than frontline" in changed[changed.index("Health") :]


def test_an_agency_lead_sees_only_their_own_agencys_declaration(
    app: Flask,
    client: FlaskClient,
    round_with_staff: RoundRef,
    make_user: MakeUser,
    sign_in: SignIn,
    questionnaire: Questionnaire,
) -> None:
    sign_in(make_user("admin"))
    declare(client, "assured", "police", every_statement(questionnaire, "5"))
    declare(client, "assured", "health", every_statement(questionnaire, "5"))
    publish(app, "assured")
    client.post(
        "/sign-out",
        data={"csrf_token": csrf_token_in(client.get("/reports").get_data(as_text=True))},
    )
    sign_in(make_user("agency-lead", "health"))
    section = declarations_section(client.get("/reports/assured").get_data(as_text=True))
    assert "Health" in section and "Police" not in section


def test_exports_carry_the_declarations(
    app: Flask,
    client: FlaskClient,
    round_with_staff: RoundRef,
    make_user: MakeUser,
    sign_in: SignIn,
    questionnaire: Questionnaire,
) -> None:
    sign_in(make_user("admin"))
    declare(client, "assured", "police", every_statement(questionnaire, "5"))
    publish(app, "assured")
    with app.app_context():
        analysis = released_analysis(db.session.get(Round, round_with_staff.id))  # type: ignore[arg-type]
        assert analysis is not None
        records = as_json(analysis, questionnaire, invariance=None)["declarations"]
    assert len(records) == 2 * len(questionnaire.features)
    flagged = [r for r in records if r["more_positive"]]
    assert {r["level"] for r in flagged} == {"frontline"}
    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get("/reports/assured/analysis.csv").get_data(as_text=True).lstrip("\ufeff")
            )
        )
    )
    declared = [r for r in rows if r["table"] == "declarations"]
    assert {r["agency"] for r in declared} == {"police"}
    assert any(r["statistic"] == "more_positive" and r["value"] == "True" for r in declared)
    book = load_workbook(io.BytesIO(client.get("/reports/assured/analysis.xlsx").data))
    sheet = book["declarations"]
    header = [c.value for c in sheet[1]]
    assert "declared" in header and "more_positive" in header
    assert sheet.max_row == 1 + 2 * len(questionnaire.features)


# --- the same protection as every published figure ------------------------------------------


def test_a_small_staff_group_never_shows_beside_the_declaration(
    app: Flask,
    client: FlaskClient,
    make_round: MakeRound,
    make_user: MakeUser,
    sign_in: SignIn,
    questionnaire: Questionnaire,
) -> None:
    """Attack: police have three frontline staff, who all score 1, 1 and 2 (a mean of 1.33).
    Beside police's declared 5s, their mean (or the difference, 3.67, which gives it) would
    describe three people. Nothing on the page, the PDF or the exports gives it."""
    make_round("small", agencies=AGENCIES)
    store(
        app,
        "small",
        staff(questionnaire, "police", [1, 1, 2], MANAGERS_FOURS)
        + staff(questionnaire, "health", FRONTLINE_TWOS, MANAGERS_FOURS),
    )
    sign_in(make_user("admin"))
    declare(client, "small", "police", scoring(questionnaire, 5))
    publish(app, "small")
    with app.app_context():
        round_ = db.session.scalar(select(Round).where(Round.slug == "small"))
        analysis = released_analysis(round_)  # type: ignore[arg-type]
        assert analysis is not None
        for d in analysis.declarations:
            if d.level == "frontline":
                assert d.suppressed and d.staff_mean is None and d.difference is None
                assert not d.more_positive
    secrets = ("1.33", "3.67", "3.66", "1.3 ", "3.7")
    page = client.get("/reports/small")
    section = declarations_section(page.get_data(as_text=True))
    assert section.count("suppressed") >= len(questionnaire.features)
    for figure in secrets[:3]:
        assert figure not in page.get_data(as_text=True)
    report = client.get("/reports/small/report.pdf")
    assert report.status_code == 200 and report.mimetype == "application/pdf"
    text = pdf_text(report.data)
    assert "What agencies declare, beside their staff" in text and "suppressed" in text
    for figure in secrets[:3]:
        assert figure not in text
    police_report = pdf_text(client.get("/reports/small/report.pdf?agency=police").data)
    for figure in secrets[:3]:
        assert figure not in police_report
    exported = client.get("/reports/small/analysis.csv").get_data(as_text=True)
    rows = [
        r
        for r in csv.DictReader(io.StringIO(exported.lstrip("\ufeff")))
        if r["table"] == "declarations" and r["level"] == "frontline"
    ]
    assert rows and all(r["suppressed"] == "True" for r in rows)
    assert {r["value"] for r in rows if r["statistic"] in ("staff_mean", "difference", "n")} == {""}
    # The declaration form itself shows no staff figure at all.
    form = client.get("/declarations/small/police").get_data(as_text=True)
    for figure in secrets[:3]:
        assert figure not in form


def test_a_release_from_before_declarations_reads_as_having_none(
    app: Flask, round_with_staff: RoundRef
) -> None:
    publish(app, "assured")
    with app.app_context():
        from surveys.releases.models import Release

        release = db.session.scalars(select(Release)).one()
        figures = json.loads(release.figures)
        figures.pop("declarations")
        release.figures = json.dumps(figures)
        db.session.commit()
        round_ = db.session.get(Round, round_with_staff.id)
        assert round_ is not None
        round_.comments_revision += 1  # the release cache reads it again
        db.session.commit()
        analysis = released_analysis(round_)
        assert analysis is not None and analysis.declarations == ()


def test_the_closing_release_captures_the_declaration_as_it_was(
    app: Flask,
    client: FlaskClient,
    round_with_staff: RoundRef,
    make_user: MakeUser,
    sign_in: SignIn,
    questionnaire: Questionnaire,
) -> None:
    sign_in(make_user("agency-lead", "police"))
    declare(client, "assured", "police", every_statement(questionnaire, "5"))
    with app.app_context():
        round_ = db.session.get(Round, round_with_staff.id)
        assert round_ is not None
        round_.closes_at = utc_now() - timedelta(minutes=1)
        db.session.commit()
        analysis = released_analysis(round_)  # the final release, made on first look
        assert analysis is not None and analysis.round.release is not None
        assert analysis.round.release.kind == "final"
        assert {d.agency for d in analysis.declarations} == {"police"}


def test_deleting_the_round_deletes_its_declarations(
    app: Flask,
    client: FlaskClient,
    round_with_staff: RoundRef,
    make_user: MakeUser,
    sign_in: SignIn,
    questionnaire: Questionnaire,
) -> None:
    from surveys.retention import delete_round

    sign_in(make_user("admin"))
    declare(client, "assured", "police", scoring(questionnaire, 4))
    assert count_rows(app, DeclaredAnswer) == len(questionnaire.items)
    with app.app_context():
        round_ = db.session.get(Round, round_with_staff.id)
        assert round_ is not None
        delete_round(round_)
    assert count_rows(app, AgencyDeclaration) == 0
    assert count_rows(app, DeclaredAnswer) == 0
