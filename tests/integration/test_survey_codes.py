"""Short survey codes for posters (issue 17): /s/HT4K-9CWX or /survey lead to the same
survey link as the long address, through the real test client and database."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import insert, select

from surveys.database import db
from surveys.rounds import short_codes
from surveys.rounds.models import Round
from surveys.rounds.short_codes import ALPHABET, SurveyCode, codes_for, pretty
from tests.helpers import RoundRef, csrf_token_in
from tests.integration.test_manage import admin  # noqa: F401
from tests.integration.test_rate_limits import assert_too_many, client_at, limited  # noqa: F401

MakeRound = Callable[..., RoundRef]
CODE = re.compile(r"\b[A-Z0-9]{4}-[A-Z0-9]{4}\b")


def round_codes(app: Flask, slug: str) -> dict[str, str]:
    with app.app_context():
        round_ = db.session.scalar(select(Round).where(Round.slug == slug))
        assert round_ is not None
        return codes_for(round_)


def test_the_alphabet_has_no_sign_easily_read_as_another() -> None:
    for confusable in "0O1IlL2Z5S8BUV":
        assert confusable not in ALPHABET and confusable.upper() not in ALPHABET
    assert len(set(ALPHABET)) == len(ALPHABET)
    assert pretty("HT4K9CWX") == "HT4K-9CWX"


def test_each_link_has_its_own_code_made_once_from_the_alphabet(
    app: Flask, make_round: MakeRound
) -> None:
    make_round("coded", agencies=["police", "health"])
    other = make_round("other", agencies=["police"])
    first = round_codes(app, "coded")
    assert set(first) == {"", "police", "health"}
    for code in first.values():
        assert CODE.fullmatch(code)
        assert set(code.replace("-", "")) <= set(ALPHABET)
    assert round_codes(app, "coded") == first  # kept, not made again
    every = set(first.values()) | set(round_codes(app, other.slug).values())
    assert len(every) == 5  # unique across rounds and links
    with app.app_context():
        assert db.session.scalars(select(SurveyCode)).all().__len__() == 5


def test_a_new_code_steps_round_one_already_taken(
    app: Flask, make_round: MakeRound, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_round("taken", agencies=[])
    taken = round_codes(app, "taken")[""].replace("-", "")
    fresh = "CDEF3467"
    picks = iter(taken + fresh)
    monkeypatch.setattr("surveys.rounds.short_codes.secrets.choice", lambda _alphabet: next(picks))
    with app.app_context():
        assert short_codes.new_code() == fresh


def test_the_short_address_leads_to_the_link_whatever_the_case_or_hyphen(
    app: Flask, client: FlaskClient, make_round: MakeRound
) -> None:
    round_ = make_round("short", agencies=["police"])
    codes = round_codes(app, "short")
    everyone, police = codes[""], codes["police"]
    for typed in (everyone, everyone.lower(), everyone.replace("-", ""), f" {everyone} "):
        page = client.get(f"/s/{typed}")
        assert page.status_code == 302
        assert page.headers["Location"].endswith(f"/r/{round_.token}")
    page = client.get(f"/s/{police.lower()}")
    assert page.headers["Location"].endswith(f"/r/{round_.token}/agency/police")
    started = client.get(f"/s/{police}", follow_redirects=True)
    assert started.status_code == 200 and "Police" in started.text


def test_typed_codes_lead_to_the_survey_and_bad_ones_are_told_at_the_field(
    app: Flask, client: FlaskClient, make_round: MakeRound
) -> None:
    round_ = make_round("typed", agencies=["health"])
    code = round_codes(app, "typed")["health"]
    form = client.get("/survey")
    assert form.status_code == 200 and "Survey code" in form.text
    token = csrf_token_in(form.text)

    def send(typed: str) -> str:
        page = client.post("/survey", data={"csrf_token": token, "code": typed})
        if page.status_code == 302:
            return page.headers["Location"]
        assert page.status_code == 200
        assert "There is a problem" in page.text and 'href="#code"' in page.text
        assert "govuk-error-message" in page.text
        return page.text

    assert send(code.lower().replace("-", " ")).endswith(f"/r/{round_.token}/agency/health")
    assert "Enter the survey code" in send("   ")
    # A code that cannot be ours (a 0, too short) says what a code looks like...
    assert "Enter the 8 letters and numbers" in send("ABCD-0000")
    assert "Enter the 8 letters and numbers" in send("ABC")
    # ...one that could be, but is not, says so; typed text comes back escaped.
    unknown = "CDEF-CDEF" if code != "CDEF-CDEF" else "DEFG-DEFG"
    assert "There is no survey with this code" in send(unknown)
    shown = send("<b>x</b>")
    assert "<b>x</b>" not in shown and "&lt;b&gt;x&lt;/b&gt;" in shown
    # The form needs its CSRF token.
    assert client.post("/survey", data={"code": code}).status_code == 400


def test_an_unknown_short_address_is_a_clear_404(client: FlaskClient) -> None:
    page = client.get("/s/CDEF-CDEF")
    assert page.status_code == 404
    assert "There is no survey with this code" in page.text and "Traceback" not in page.text
    assert client.get("/s/not a code at all").status_code == 404


def test_links_page_and_poster_show_the_code_and_their_qr_leads_to_the_short_address(
    app: Flask,
    admin: FlaskClient,  # noqa: F811
    make_round: MakeRound,
) -> None:
    make_round("posted", agencies=["police"])
    codes = round_codes(app, "posted")
    links = admin.get("/manage/rounds/posted/links").text
    for code in codes.values():
        assert code in links and f"/s/{code}" in links
    assert "/survey" in links
    poster = admin.get("/manage/rounds/posted/poster/police").text
    assert codes["police"] in poster and f"/s/{codes['police']}" in poster
    assert codes[""] not in poster


def test_guessing_codes_is_stopped_but_right_codes_cost_nothing(
    app: Flask,
    make_round: MakeRound,
    limited: Callable[..., Flask],  # noqa: F811
) -> None:
    make_round("guarded", agencies=[])
    code = round_codes(app, "guarded")[""]
    limited_app = limited(LIMIT_SURVEY_CODE_MISSES="3 per minute")
    phone = client_at(limited_app)
    for _ in range(5):
        assert phone.get(f"/s/{code}").status_code == 302
    token = csrf_token_in(phone.get("/survey").text)
    wrong = phone.post("/survey", data={"csrf_token": token, "code": "CDEF-CDEX"})
    assert wrong.status_code == 200 and "There is no survey with this code" in wrong.text
    assert phone.get("/s/CDEF-CDEY").status_code == 404
    assert phone.get("/s/CDEF-CDEW").status_code == 404
    assert_too_many(phone.get("/s/CDEF-CDE3"), "too many wrong survey codes")
    assert_too_many(
        phone.post("/survey", data={"csrf_token": token, "code": code}),
        "too many wrong survey codes",
    )


def test_two_people_making_a_rounds_codes_at_once_both_get_the_same_codes(
    app: Flask, make_round: MakeRound, monkeypatch: pytest.MonkeyPatch
) -> None:
    round_ = make_round("raced", agencies=[])
    made_first = "CDEF-3467"
    original = short_codes.new_code
    calls: list[int] = []

    def other_admin_wins_first() -> str:
        # Another request commits the round's code between our read and our commit.
        if not calls:
            with db.engine.begin() as other:
                other.execute(
                    insert(SurveyCode).values(
                        code=made_first.replace("-", ""), round_id=round_.id, agency_id=""
                    )
                )
        calls.append(1)
        return original()

    monkeypatch.setattr(short_codes, "new_code", other_admin_wins_first)
    with app.app_context():
        found = db.session.get(Round, round_.id)
        assert found is not None
        ours = codes_for(found)
    assert ours[""] == made_first  # the other request's code, not an error page
    assert round_codes(app, "raced") == ours
    assert len(set(ours.values())) == len(ours)
