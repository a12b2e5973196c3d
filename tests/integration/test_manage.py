"""Administrators manage rounds (dates, agencies, localities, headcounts, links) and accounts."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from surveys.auth.models import User
from surveys.database import db
from surveys.rounds.models import Round
from tests.helpers import RoundRef, csrf_token_in, field_error, load_round

MakeRound = Callable[..., RoundRef]


@pytest.fixture
def admin(
    client: FlaskClient, make_user: Callable[..., str], sign_in: Callable[[str], None]
) -> FlaskClient:
    sign_in(make_user("admin"))
    return client


def post_form(client: FlaskClient, path: str, data: dict[str, object]) -> object:
    token = csrf_token_in(client.get(path).get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **data})


def date_fields(name: str, day: date) -> dict[str, str]:
    return {name: [str(day.day), str(day.month), str(day.year)]}  # type: ignore[dict-item]


def test_create_a_round_through_the_form(app: Flask, admin: FlaskClient) -> None:
    today = datetime.now(ZoneInfo("Europe/London")).date()
    response = post_form(
        admin,
        "/manage/rounds/new",
        {
            "name": "Spring 2027 <pilot>",
            "slug": "",
            **date_fields("opens", today),
            **date_fields("closes", today + timedelta(days=20)),
            "agencies": ["police", "health"],
            "localities": "North cluster\nSouth\n\n",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)  # type: ignore[attr-defined]
    round_ = load_round(app, "spring-2027-pilot")
    assert round_.name == "Spring 2027 <pilot>"
    assert round_.is_open
    closes = round_.closes_at.replace(tzinfo=UTC).astimezone(ZoneInfo("Europe/London"))
    assert closes.date() == today + timedelta(days=20) and (closes.hour, closes.minute) == (23, 59)
    page = admin.get("/manage/rounds/spring-2027-pilot").get_data(as_text=True)
    assert "Spring 2027 &lt;pilot&gt;" in page  # escaped
    assert "North cluster, South" in page


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": ""}, "name", "Enter a name for the round"),
        ({"agencies": []}, "agencies", "Choose at least one agency"),
        ({"closes": ["40", "13", "2027"]}, "closes", "The last day must be a real date"),
        ({"slug": "Bad Slug"}, "slug", "must be lowercase letters and digits"),
        # Refused by the rounds service, not the form: shown where the form asks it.
        ({"localities": "North\nnorth"}, "localities", "Each locality needs a different name"),
        ({"localities": "North\n***"}, "localities", "Each locality needs a different name"),
        ({"slug": "taken"}, "slug", "There is already a round with the slug"),
    ],
)
def test_round_form_errors_show_at_the_field(
    admin: FlaskClient,
    make_round: MakeRound,
    changes: dict[str, object],
    field: str,
    message: str,
) -> None:
    make_round("taken")
    today = date.today()
    data = {
        "name": "A round",
        "slug": "a-round",
        **date_fields("opens", today),
        **date_fields("closes", today + timedelta(days=5)),
        "agencies": ["police"],
        "localities": "",
        **changes,
    }
    response = post_form(admin, "/manage/rounds/new", data)
    body = html.unescape(response.get_data(as_text=True))  # type: ignore[attr-defined]
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert "There is a problem" in body
    assert message in field_error(response.get_data(as_text=True), field)  # type: ignore[attr-defined]


def test_closing_before_opening_is_refused(admin: FlaskClient) -> None:
    today = date.today()
    response = post_form(
        admin,
        "/manage/rounds/new",
        {
            "name": "Backwards",
            "slug": "",
            **date_fields("opens", today + timedelta(days=5)),
            **date_fields("closes", today),
            "agencies": ["police"],
            "localities": "",
        },
    )
    assert "The last day must be on or after the first day" in response.get_data(as_text=True)  # type: ignore[attr-defined]


def test_editing_a_round_keeps_agencies_that_have_answers(
    app: Flask,
    admin: FlaskClient,
    make_round: MakeRound,
    respondent_for: Callable[..., object],
) -> None:
    from tests.helpers import Respondent, answer_everything

    round_ = make_round("edited", agencies=["police", "health", "education"])
    with app.app_context():
        from surveys.library import current_questionnaire

        questionnaire = current_questionnaire()
    person = Respondent(app.test_client(), round_)
    answer_everything(person, questionnaire, agency="police", partners=())
    person.post({}, path="/submit", action=None)
    base = load_round(app, "edited")
    opens = base.opens_at.replace(tzinfo=UTC).astimezone(ZoneInfo("Europe/London")).date()
    data = {
        "name": "Edited",
        **date_fields("opens", opens),
        **date_fields("closes", date.today() + timedelta(days=9)),
        "localities": "",
    }
    refused = post_form(admin, "/manage/rounds/edited/edit", {**data, "agencies": ["health"]})
    shown = field_error(refused.get_data(as_text=True), "agencies")  # type: ignore[attr-defined]
    assert shown == "Error: Police cannot be taken out of the round: staff of it have answered"
    done = post_form(
        admin, "/manage/rounds/edited/edit", {**data, "agencies": ["police", "housing"]}
    )
    assert done.status_code == 302  # type: ignore[attr-defined]
    after = load_round(app, "edited")
    assert after.name == "Edited" and after.opens_at == base.opens_at
    with app.app_context():
        live = db.session.get(Round, after.id)
        assert live is not None
        assert [a.agency_id for a in live.agencies] == ["police", "housing"]
        assert live.data_version > base.data_version


def test_open_and_close_a_round(app: Flask, admin: FlaskClient, make_round: MakeRound) -> None:
    make_round("toggle")
    token = csrf_token_in(admin.get("/manage/rounds/toggle").get_data(as_text=True))
    response = admin.post(
        "/manage/rounds/toggle/close", data={"csrf_token": token}, follow_redirects=True
    )
    assert "The round is now closed" in response.get_data(as_text=True)
    assert not load_round(app, "toggle").is_open
    response = admin.post(
        "/manage/rounds/toggle/open", data={"csrf_token": token}, follow_redirects=True
    )
    assert "The round is now open" in response.get_data(as_text=True)
    assert load_round(app, "toggle").is_open
    again = admin.post(
        "/manage/rounds/toggle/open", data={"csrf_token": token}, follow_redirects=True
    )
    assert "is already open" in again.get_data(as_text=True)


def test_headcounts(app: Flask, admin: FlaskClient, make_round: MakeRound) -> None:
    make_round("counted", agencies=["police", "health"])
    bad = post_form(
        admin,
        "/manage/rounds/counted/headcounts",
        {"police--frontline": "many", "health--strategic": "4"},
    )
    body = bad.get_data(as_text=True)  # type: ignore[attr-defined]
    assert "Police, Frontline practitioner: enter a whole number" in body
    good = post_form(
        admin,
        "/manage/rounds/counted/headcounts",
        {"police--frontline": " 120 ", "health--strategic": "4"},
    )
    assert good.status_code == 302  # type: ignore[attr-defined]
    with app.app_context():
        round_ = db.session.scalar(select(Round).where(Round.slug == "counted"))
        assert round_ is not None
        assert sorted((h.agency_id, h.level_id, h.headcount) for h in round_.headcounts) == [
            ("health", "strategic", 4),
            ("police", "frontline", 120),
        ]


def test_links_and_posters_carry_qr_codes(admin: FlaskClient, make_round: MakeRound) -> None:
    round_ = make_round("linked", agencies=["police"])
    page = admin.get("/manage/rounds/linked/links").get_data(as_text=True)
    assert f"/r/{round_.token}/agency/police" in page
    assert page.count("<svg") >= 2  # everyone, and police
    svg = page[page.index("<svg") : page.index("</svg>") + 6]
    ElementTree.fromstring(
        svg.replace("<svg", '<svg xmlns="http://www.w3.org/2000/svg"', 1)
        if "xmlns" not in svg
        else svg
    )
    assert " style=" not in svg
    poster = admin.get("/manage/rounds/linked/poster/police").get_data(as_text=True)
    assert "Staff of Police" in poster and "<svg" in poster
    assert admin.get("/manage/rounds/linked/poster/everyone").status_code == 200
    assert admin.get("/manage/rounds/linked/poster/mi5").status_code == 404
    assert admin.get("/manage/rounds/nope").status_code == 404


def test_add_and_deactivate_accounts(app: Flask, admin: FlaskClient) -> None:
    bad = post_form(
        admin,
        "/manage/users/new",
        {
            "name": "Lee",
            "email": "lee@example.org",
            "role": "agency-lead",
            "agency": "",
            "password": "a long enough password",
        },
    )
    shown = bad.get_data(as_text=True)  # type: ignore[attr-defined]
    assert field_error(shown, "agency") == "Error: An agency lead needs an agency"
    for field, changes in [
        ("password", {"password": "password1234"}),  # refused by the accounts service
        ("email", {"email": "admin-x@example.org"}),  # the signed-in admin's own
    ]:
        data = {"name": "Lee", "email": "lee@example.org", "role": "manager", "agency": ""}
        refused = post_form(
            admin, "/manage/users/new", {**data, "password": "a long enough password", **changes}
        )
        assert field_error(refused.get_data(as_text=True), field)  # type: ignore[attr-defined]
    good = post_form(
        admin,
        "/manage/users/new",
        {
            "name": "Lee",
            "email": "lee@example.org",
            "role": "agency-lead",
            "agency": "police",
            "password": "a long enough password",
        },
    )
    assert good.status_code == 302  # type: ignore[attr-defined]
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "lee@example.org"))
        assert user is not None and user.agency_id == "police" and user.active
        user_id = user.id
    token = csrf_token_in(admin.get("/manage/users").get_data(as_text=True))
    admin.post(f"/manage/users/{user_id}/deactivate", data={"csrf_token": token})
    with app.app_context():
        assert db.session.get(User, user_id).active is False  # type: ignore[union-attr]
    listing = admin.get("/manage/users").get_data(as_text=True)
    assert "Deactivated" in listing and "Reactivate" in listing
