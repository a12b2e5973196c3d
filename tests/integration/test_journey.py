"""The respondent's journey through the real test client, against the real database."""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from datetime import date

import pytest
from flask import Flask
from sqlalchemy import delete, select

from surveys.database import db
from surveys.questionnaire import Questionnaire
from surveys.responses.models import (
    Answer,
    Comment,
    Draft,
    PartnerRating,
    Submission,
)
from surveys.responses.tallies import FeatureTally
from tests.helpers import (
    Respondent,
    RoundRef,
    answer_everything,
    count_rows,
    feature_answers,
    statements_of,
)

MakeRound = Callable[..., RoundRef]
RespondentFor = Callable[[RoundRef], Respondent]


def test_start_page_explains_purpose_anonymity_and_time(
    make_round: MakeRound, respondent_for: RespondentFor
) -> None:
    person = respondent_for(make_round())
    page = person.get()
    body = person.text()
    assert page.status_code == 200
    assert "Working across boundaries" in body
    assert "about 10 minutes" in body
    assert "Your answers are anonymous" in body
    assert "Who sees the results" in body
    assert "Testshire Safeguarding Children Partnership" in body  # partnership in the header
    assert "Start now" in body


def test_complete_journey_stores_one_anonymous_response(
    app: Flask, make_round: MakeRound, respondent_for: RespondentFor, questionnaire: Questionnaire
) -> None:
    round_ = make_round()
    person = respondent_for(round_)
    person.get("/about-you")
    assert "Section 1 of 8" in person.text()
    person.post(
        {
            "agency": "education",
            "level": "operational",
            "co_location": "some-of-the-time",
            "years_in_partnership": "over-5",
        }
    )
    assert "Section 2 of 8" in person.text()
    assert "Shared commitment and purpose" in person.text()
    first = questionnaire.features[0]
    answers = feature_answers(questionnaire, first.id, "5")
    answers[first.items[1].id] = "dk"
    person.post({**answers, "comment": "  Leaders agree; <b>we</b> rarely see it.  "})
    assert "Section 3 of 8" in person.text()
    for feature in questionnaire.features[1:]:
        person.post(feature_answers(questionnaire, feature.id, "2"))
    assert "Section 7 of 8" in person.text()
    person.post({"partners": ["police", "health"]})
    ratings = {}
    for partner in ("police", "health"):
        for question in questionnaire.partners.questions:
            ratings[f"{partner}--{question.id}"] = "dk" if partner == "health" else "2"
    person.post(ratings)
    check = person.text()
    assert person.path.endswith("/check")
    assert "Section 8 of 8" in check
    assert "Education" in check and "Operational manager or supervisor" in check
    # The comment is shown escaped, exactly as typed (trimmed).
    assert "Leaders agree; &lt;b&gt;we&lt;/b&gt; rarely see it." in check

    person.post({}, path="/submit", action=None)
    assert person.path.endswith("/done")
    assert "Your answers have been sent" in person.text()

    with app.app_context():
        submission = db.session.scalars(select(Submission)).one()
        assert submission.agency_id == "education"
        assert submission.level_id == "operational"
        assert submission.co_location == "some-of-the-time"
        assert submission.years_in_partnership == "over-5"
        assert submission.locality_id is None
        assert submission.channel == "online"
        assert (
            submission.submitted_on == date.today()
            or abs((submission.submitted_on - date.today()).days) <= 1
        )
        values = dict(db.session.execute(select(Answer.item_id, Answer.value)).all())
        assert len(values) == len(questionnaire.items)
        assert values[first.items[0].id] == 5
        assert values[first.items[1].id] is None  # don't know
        assert values[questionnaire.features[1].items[0].id] == 2
        comment = db.session.scalars(select(Comment)).one()
        assert comment.text == "Leaders agree; <b>we</b> rarely see it."
        assert comment.feature_id == first.id
        ratings_stored = db.session.execute(
            select(PartnerRating.partner_agency_id, PartnerRating.question_id, PartnerRating.value)
        ).all()
        assert len(ratings_stored) == 6
        assert {r.value for r in ratings_stored if r.partner_agency_id == "health"} == {None}
        # Each feature's score is counted once, in the tallies the analysis reads.
        scored = db.session.execute(select(FeatureTally.feature_id, FeatureTally.respondents))
        assert sorted(scored) == sorted((f.id, 1) for f in questionnaire.features)
    # The draft is gone: nothing that remains can be linked back to a resume code.
    assert count_rows(app, Draft) == 0


def test_submission_columns_hold_nothing_that_identifies_a_person_or_device() -> None:
    columns = set(Submission.__table__.columns.keys())
    assert columns == {
        "id",
        "round_id",
        "agency_id",
        "level_id",
        "locality_id",
        "co_location",
        "years_in_partnership",
        "submitted_on",
        "channel",
    }
    assert str(Submission.__table__.columns["submitted_on"].type) == "DATE"
    # Nothing else in the schema mentions a resume code except the (unsent) drafts, and
    # unused invitation codes, whose row is deleted when used (tests/integration/
    # test_invitations.py checks that).
    holders = {t.name for t in Submission.metadata.sorted_tables if "code_hash" in t.columns}
    assert holders == {"drafts", "invitation_codes"}


def test_submission_ids_do_not_record_the_order_of_arrival(
    app: Flask, make_round: MakeRound, questionnaire: Questionnaire
) -> None:
    round_ = make_round()
    for _ in range(6):
        person = Respondent(app.test_client(), round_)
        answer_everything(person, questionnaire)
        person.post({}, path="/submit", action=None)
    with app.app_context():
        ids = list(db.session.scalars(select(Submission.id).order_by(Submission.id)))
    assert len(ids) == 6
    assert ids[-1] - ids[0] > 10**9  # spread across a 62-bit range, not counted up
    assert ids != list(range(ids[0], ids[0] + 6))


def test_double_submit_and_resubmit_after_success_store_one_response(
    app: Flask, make_round: MakeRound, respondent_for: RespondentFor, questionnaire: Questionnaire
) -> None:
    person = respondent_for(make_round())
    answer_everything(person, questionnaire)
    hidden = person.hidden_fields()
    first = person.client.post(f"{person.round.url}/submit", data=hidden)
    second = person.client.post(f"{person.round.url}/submit", data=hidden)  # double click
    assert first.status_code == 302 and second.status_code == 302
    assert second.headers["Location"].endswith("/done")
    # Back to the check page and send again: it leads to the confirmation, nothing more stored.
    back = person.client.get(f"{person.round.url}/check", follow_redirects=True)
    assert back.request.path.endswith("/done")
    again = person.client.post(f"{person.round.url}/submit", data=hidden, follow_redirects=True)
    assert again.status_code == 200
    assert "Your answers have been sent" in again.get_data(as_text=True)
    assert count_rows(app, Submission) == 1
    assert count_rows(app, Answer) == len(questionnaire.items)


def test_missing_answers_show_error_summary_and_keep_given_answers(
    app: Flask, make_round: MakeRound, respondent_for: RespondentFor, questionnaire: Questionnaire
) -> None:
    person = respondent_for(make_round())
    person.get("/about-you")
    page = person.post({"agency": "police"})
    body = person.text()
    assert page.status_code == 200
    assert "There is a problem" in body
    assert 'href="#level"' in body  # the summary links to the field
    assert "Select the option that best describes your role" in body
    assert 'value="police" checked' in body  # the answer given is kept

    person.post({"agency": "police", "level": "frontline"})
    feature = questionnaire.features[0]
    partial = feature_answers(questionnaire, feature.id, "3")
    missing = feature.items[2].id
    del partial[missing]
    person.post({**partial, "comment": "Kept while I fix the rest"})
    body = person.text()
    assert "There is a problem" in body
    assert f'href="#{missing}"' in body
    assert "Select how far you agree with statement 3" in body
    assert "Kept while I fix the rest" in body
    assert body.count('value="3" checked') == len(feature.items) - 1
    assert count_rows(app, Submission) == 0


def test_comment_longer_than_the_limit_is_a_field_error(
    make_round: MakeRound, respondent_for: RespondentFor, questionnaire: Questionnaire
) -> None:
    person = respondent_for(make_round())
    person.get("/about-you")
    person.post({"agency": "police", "level": "frontline"})
    feature = questionnaire.features[0]
    person.post({**feature_answers(questionnaire, feature.id), "comment": "x" * 2001})
    assert "Your comment must be 2000 characters or fewer" in person.text()


@pytest.mark.parametrize(
    ("path", "data", "reason"),
    [
        (
            "/about-you",
            {"agency": "police", "level": "frontline", "round": "another-round"},
            "different survey round",
        ),
        ("/about-you", {"agency": "mi5", "level": "frontline"}, "'mi5' is not one of the answers"),
        ("/about-you", {"agency": "police", "level": "chief"}, "'chief' is not one of the answers"),
        (
            "/about-you",
            {"agency": "police", "level": "frontline", "shoe_size": "9"},
            "'shoe_size', which is not a question here",
        ),
        ("/section/purpose", {"purpose-1": "7"}, "'7' is not one of the answers"),
        ("/section/purpose", {"purpose-99": "3"}, "'purpose-99', which is not a question here"),
        ("/section/purpose", {"trust-1": "3"}, "'trust-1', which is not a question here"),
        ("/section/purpose", {"purpose-1": ["3", "4"]}, "more than one answer"),
    ],
)
def test_tampered_posts_get_a_400_page_and_nothing_is_stored(
    app: Flask,
    make_round: MakeRound,
    respondent_for: RespondentFor,
    path: str,
    data: dict[str, str],
    reason: str,
) -> None:
    person = respondent_for(make_round())
    person.get(path)
    page = person.post(data, path=path)
    assert page.status_code == 400
    body = html.unescape(person.text())
    assert reason in body
    assert "There is a problem with what was sent" in body
    assert "Traceback" not in body
    assert count_rows(app, Draft) == 0
    assert count_rows(app, Submission) == 0


def test_tampered_submit_for_another_round_stores_nothing(
    app: Flask, make_round: MakeRound, respondent_for: RespondentFor, questionnaire: Questionnaire
) -> None:
    person = respondent_for(make_round())
    answer_everything(person, questionnaire)
    page = person.post({"round": make_round().token}, path="/submit", action=None)
    assert page.status_code == 400
    assert count_rows(app, Submission) == 0


def test_partner_choice_rules(
    make_round: MakeRound, respondent_for: RespondentFor, questionnaire: Questionnaire
) -> None:
    person = respondent_for(make_round())
    person.get("/about-you")
    person.post({"agency": "police", "level": "frontline"})
    person.get("/partners")
    assert "Police" not in person.text().split("Which partner agencies")[1].split("</fieldset>")[0]
    person.post({"partners": ["health", "education", "housing", "probation", "third-sector"]})
    assert "Select no more than 4 agencies" in person.text()
    person.post({"partners": ["health", "none"]})
    assert "not both" in person.text()
    person.post({})
    assert "Select the agencies you work with most" in person.text()
    # Your own agency is not offered, and posting it anyway is tampering.
    assert person.post({"partners": ["police"]}).status_code == 400


def test_none_of_these_skips_the_ratings(
    app: Flask, make_round: MakeRound, respondent_for: RespondentFor, questionnaire: Questionnaire
) -> None:
    person = respondent_for(make_round())
    answer_everything(person, questionnaire, partners=())
    assert "None of these" in person.text()
    person.post({}, path="/submit", action=None)
    assert person.path.endswith("/done")
    assert count_rows(app, PartnerRating) == 0


def test_save_and_resume_with_the_code_on_another_device(
    app: Flask,
    make_round: MakeRound,
    respondent_for: RespondentFor,
    questionnaire: Questionnaire,
) -> None:
    round_ = make_round()
    person = respondent_for(round_)
    person.get("/about-you")
    person.post({"agency": "health", "level": "frontline"})
    feature = questionnaire.features[0]
    half = dict(list(feature_answers(questionnaire, feature.id, "2").items())[:2])
    person.post(half, action="save")  # incomplete answers may be saved for later
    assert person.path.endswith("/saved")
    saved = person.text()
    assert "Your answers have been saved" in saved
    code = saved.split('class="boundary-resume-code">')[1].split("<")[0]
    assert len(code) == 14 and code.count("-") == 2
    assert count_rows(app, Submission) == 0  # a draft does not count
    # The code is shown once; this browser has forgotten the draft for the next person.
    assert "Start now" in person.get("/saved").get_data(as_text=True)
    assert code not in person.get("").get_data(as_text=True)
    assert person.get("/section/purpose").get_data(as_text=True).count("checked") == 0

    other = Respondent(app.test_client(), round_)  # another device: no cookie
    other.get("/resume")
    other.post({"code": "WRONG-CODE-HERE"}, action=None)
    assert "We could not find unsent answers saved with this code" in other.text()
    other.post({"code": f"  {code.lower().replace('-', ' ')} "}, action=None)
    # Lands on the first unfinished section, with the saved answers ticked.
    assert other.path.endswith(f"/section/{feature.id}")
    assert other.text().count('value="2" checked') == 2
    answer_everything(other, questionnaire, agency="health", partners=("police",))
    other.post({}, path="/submit", action=None)
    assert count_rows(app, Submission) == 1

    # A spent code leads nowhere: no record of it outlives the draft.
    third = Respondent(app.test_client(), round_)
    third.get("/resume")
    third.post({"code": code}, action=None)
    assert "We could not find unsent answers saved with this code" in third.text()


def test_agency_link_preselects_the_agency(
    make_round: MakeRound, respondent_for: RespondentFor
) -> None:
    person = respondent_for(make_round())
    person.get("/agency/housing")
    assert "This link is for staff of Housing" in person.text()
    person.get("/about-you")
    assert 'value="housing" checked' in person.text()
    assert person.get("/agency/mi5").status_code == 404


def test_unknown_links_get_a_404_page(client: object, make_round: MakeRound) -> None:
    from flask.testing import FlaskClient

    assert isinstance(client, FlaskClient)
    page = client.get("/r/not-a-real-token")
    assert page.status_code == 404
    assert "This survey link is not recognised" in page.get_data(as_text=True)
    round_ = make_round()
    assert client.get(f"{round_.url}/section/no-such-feature").status_code == 404
    assert client.get("/no/such/page").status_code == 404


@pytest.mark.parametrize(
    ("opens_in_days", "closes_in_days", "heading"),
    [(3, 10, "This survey has not opened yet"), (-10, -1, "This survey has closed")],
)
def test_rounds_that_are_not_open_say_so_with_their_dates(
    app: Flask,
    make_round: MakeRound,
    respondent_for: RespondentFor,
    opens_in_days: int,
    closes_in_days: int,
    heading: str,
) -> None:
    round_ = make_round(opens_in_days=opens_in_days, closes_in_days=closes_in_days)
    person = respondent_for(round_)
    for path in ("", "/about-you", "/resume"):
        page = person.get(path)
        assert page.status_code == 403
        assert heading in person.text()
        assert " on " in person.text()  # the dates are given
    # A post with a valid token (the session's, from an open round's page) is refused too.
    other = Respondent(person.client, make_round())
    other.get("/about-you")
    token = other.hidden_fields()["csrf_token"]
    page = person.client.post(
        f"{round_.url}/about-you",
        data={"csrf_token": token, "round": round_.token, "agency": "police", "level": "frontline"},
    )
    assert page.status_code == 403
    assert count_rows(app, Draft) == 0


def test_round_that_closes_mid_response_does_not_take_the_submit(
    app: Flask, make_round: MakeRound, respondent_for: RespondentFor, questionnaire: Questionnaire
) -> None:
    round_ = make_round()
    person = respondent_for(round_)
    answer_everything(person, questionnaire)
    with app.app_context():
        from surveys.rounds.service import find_round

        live = find_round(round_.slug)
        assert live is not None
        live.close()
        db.session.commit()
    page = person.post({}, path="/submit", action=None)
    assert page.status_code == 403
    assert count_rows(app, Submission) == 0


def test_check_page_is_not_reachable_before_everything_is_answered(
    make_round: MakeRound, respondent_for: RespondentFor
) -> None:
    person = respondent_for(make_round())
    person.get("/about-you")
    person.post({"agency": "police", "level": "frontline"})
    page = person.get("/check")
    assert page.request.path.endswith("/section/purpose")


def test_submit_before_finishing_stores_nothing(
    app: Flask, make_round: MakeRound, respondent_for: RespondentFor
) -> None:
    person = respondent_for(make_round())
    person.get("/about-you")
    person.post({"agency": "police", "level": "frontline"})
    person.post({}, path="/submit", action=None)
    assert person.path.endswith("/section/purpose")
    assert count_rows(app, Submission) == 0


def test_change_link_returns_to_the_check_page(
    app: Flask, make_round: MakeRound, respondent_for: RespondentFor, questionnaire: Questionnaire
) -> None:
    person = respondent_for(make_round())
    answer_everything(person, questionnaire, agency="police", partners=("health",))
    person.get("/about-you?change=1")
    person.post({"agency": "health", "level": "strategic"})
    # Changing to the agency chosen as a partner drops it as a partner, so partners are asked again.
    assert person.path.endswith("/partners?change=1")
    person.post({"partners": ["police"]})
    ratings = {f"police--{q.id}": "4" for q in questionnaire.partners.questions}
    person.post(ratings)
    assert person.path.endswith("/check")
    assert "Strategic leader" in person.text()


def test_shared_device_next_person_can_start_afresh(
    app: Flask, make_round: MakeRound, respondent_for: RespondentFor, questionnaire: Questionnaire
) -> None:
    person = respondent_for(make_round())
    person.get("/about-you")
    person.post({"agency": "police", "level": "frontline"})
    person.post({**feature_answers(questionnaire, "purpose"), "comment": "Private to me"})
    start = person.get("").get_data(as_text=True)
    assert "Someone has started answering on this browser" in start
    assert "Start a new response" in start
    person.post({}, path="/new", action=None)
    assert person.path == person.round.url
    assert "Private to me" not in person.get("/section/purpose").get_data(as_text=True)
    assert count_rows(app, Draft) == 1  # the first person's draft waits for its code


def test_after_sending_the_start_page_offers_a_new_response(
    app: Flask, make_round: MakeRound, respondent_for: RespondentFor, questionnaire: Questionnaire
) -> None:
    person = respondent_for(make_round())
    answer_everything(person, questionnaire)
    person.post({}, path="/submit", action=None)
    start = person.get("").get_data(as_text=True)
    assert "Answers have already been sent from this browser" in start
    assert person.get("/about-you").request.path.endswith("/done")
    person.get("")
    person.post({}, path="/new", action=None)
    assert "Start now" in person.text()
    answer_everything(person, questionnaire, agency="health", partners=())
    person.post({}, path="/submit", action=None)
    assert count_rows(app, Submission) == 2


def test_an_idle_browser_forgets_its_draft_and_says_so_on_the_next_page(
    app: Flask,
    make_round: MakeRound,
    respondent_for: RespondentFor,
    questionnaire: Questionnaire,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from surveys.responses import browser

    person = respondent_for(make_round())
    person.get("/about-you")
    person.post({"agency": "police", "level": "frontline"})
    first, second = questionnaire.features[:2]
    person.post(feature_answers(questionnaire, first.id, "4"))
    later = browser.now() + browser.IDLE_LIMIT_SECONDS + 5
    monkeypatch.setattr(browser, "now", lambda: later)

    # "Save and continue" on the third page does not carry on with a draft lacking the rest.
    person.post(feature_answers(questionnaire, second.id, "2"))
    told = person.text()
    assert "Your answers were cleared from this device" in told
    assert "Nothing happened on this survey for 60 minutes" in told
    cleared = told[told.index("were cleared:") : told.index("</ul>", told.index("were cleared:"))]
    assert "About you" in cleared and first.name in cleared and second.name not in cleared
    assert "The answers on the page you just sent were not saved either" in told
    assert "carry on with your resume code" in told
    assert count_rows(app, Draft) == 1  # no new draft holding only the third page

    # Told once; then the survey starts afresh, and the old draft cannot be reached from here.
    assert "Start now" in person.get("").get_data(as_text=True)
    assert 'value="police" checked' not in person.get("/about-you").get_data(as_text=True)


def test_start_again_after_the_idle_limit_begins_an_empty_draft(
    make_round: MakeRound,
    respondent_for: RespondentFor,
    questionnaire: Questionnaire,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from surveys.responses import browser

    person = respondent_for(make_round())
    person.get("/about-you")
    person.post({"agency": "police", "level": "frontline"})
    later = browser.now() + browser.IDLE_LIMIT_SECONDS + 5
    monkeypatch.setattr(browser, "now", lambda: later)
    person.get(f"/section/{questionnaire.features[0].id}")
    assert "About you" in person.text() and "just sent" not in person.text()
    person.post({}, path="/new", action=None)
    assert "Start now" in person.text()
    assert person.get("/check").request.path.endswith("/about-you")


def test_a_draft_saved_with_a_code_survives_the_idle_limit(
    make_round: MakeRound,
    respondent_for: RespondentFor,
    questionnaire: Questionnaire,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Clearing the browser's link never deletes answers someone holds a resume code for."""
    from surveys.responses import browser

    person = respondent_for(make_round())
    person.get("/about-you")
    person.post({"agency": "police", "level": "frontline"}, action="save")
    code = person.text().split('class="boundary-resume-code">')[1].split("<")[0].strip()
    person.get("/resume")
    person.post({"code": code}, action=None)
    assert person.path.endswith(f"/section/{questionnaire.features[0].id}")
    later = browser.now() + browser.IDLE_LIMIT_SECONDS + 5
    monkeypatch.setattr(browser, "now", lambda: later)
    assert "Your answers were cleared" in person.get("/about-you").get_data(as_text=True)
    person.get("/resume")
    person.post({"code": code}, action=None)
    assert person.path.endswith(f"/section/{questionnaire.features[0].id}")


def test_pages_holding_a_draft_say_how_long_it_is_kept_without_javascript(
    make_round: MakeRound, respondent_for: RespondentFor
) -> None:
    person = respondent_for(make_round())
    assert "clears them if you do nothing" not in person.get("/about-you").get_data(as_text=True)
    person.post({"agency": "police", "level": "frontline"})
    page = person.text()
    assert "this browser clears them if you do nothing" in page
    assert "here for 60 minutes" in page
    assert 'data-seconds-left="' in page and 'data-warning-seconds="120"' in page


def test_the_warnings_button_extends_the_time_with_and_without_javascript(
    make_round: MakeRound,
    respondent_for: RespondentFor,
    questionnaire: Questionnaire,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from surveys.responses import browser

    person = respondent_for(make_round())
    person.get("/about-you")
    person.post({"agency": "police", "level": "frontline"})
    page = f"/section/{questionnaire.features[0].id}"
    clock = browser.now()

    def wait(seconds: float) -> None:
        nonlocal clock
        clock += seconds
        monkeypatch.setattr(browser, "now", lambda: clock)

    csrf = person.hidden_fields()["csrf_token"]
    wait(browser.IDLE_LIMIT_SECONDS - 100)  # the warning shows now
    script = person.client.post(
        person.round.url + "/still-here",
        data={"csrf_token": csrf},
        headers={"Accept": "application/json"},
    )
    assert script.status_code == 204
    wait(browser.IDLE_LIMIT_SECONDS - 100)  # would have expired without the button
    without_script = person.client.post(
        person.round.url + "/still-here", data={"csrf_token": csrf, "next": person.round.url + page}
    )
    assert without_script.status_code == 302
    assert without_script.headers["Location"].endswith(page)
    wait(browser.IDLE_LIMIT_SECONDS - 100)
    assert 'value="police" checked' in person.get("/about-you").get_data(as_text=True)

    # Only ever back into this survey, and too late is too late.
    elsewhere = person.client.post(
        person.round.url + "/still-here", data={"csrf_token": csrf, "next": "//evil.example/x"}
    )
    assert elsewhere.headers["Location"].endswith(person.round.url)
    wait(browser.IDLE_LIMIT_SECONDS + 5)
    late = person.client.post(
        person.round.url + "/still-here",
        data={"csrf_token": csrf},
        headers={"Accept": "application/json"},
    )
    assert late.status_code == 409
    assert "Your answers were cleared" in person.get("/about-you").get_data(as_text=True)


def test_drafts_hold_answers_only(
    app: Flask, make_round: MakeRound, respondent_for: RespondentFor, questionnaire: Questionnaire
) -> None:
    person = respondent_for(make_round())
    answer_everything(person, questionnaire)
    with app.app_context():
        draft = db.session.scalars(select(Draft)).one()
        stored = json.dumps(draft.answers)
    # The CSRF token carries a time of day; neither it nor the round token is kept.
    assert "csrf_token" not in stored and person.round.token not in stored


def test_each_page_rewrites_the_one_draft_in_place(
    app: Flask, make_round: MakeRound, respondent_for: RespondentFor, questionnaire: Questionnaire
) -> None:
    person = respondent_for(make_round())
    person.get("/about-you")
    person.post({"agency": "police", "level": "frontline"})
    first = questionnaire.features[0]
    person.post(feature_answers(questionnaire, first.id, "3"))
    person.get(f"/section/{first.id}")
    person.post(feature_answers(questionnaire, first.id, "5"))  # changed its mind
    with app.app_context():
        draft = db.session.scalars(select(Draft)).one()  # one row, not one per page
        assert draft.answers["about"]["agency"] == "police"
        assert {draft.answers["items"][item.id] for item in first.items} == {"5"}


def test_a_draft_gone_elsewhere_is_saved_under_a_new_code(
    app: Flask, make_round: MakeRound, respondent_for: RespondentFor, questionnaire: Questionnaire
) -> None:
    from surveys.responses import service
    from surveys.rounds.service import find_round_by_token

    round_ = make_round()
    with app.app_context():
        live = find_round_by_token(round_.token)
        assert live is not None
        code = service.save_draft(live, None, {"about": {"agency": "police"}})
        assert service.save_draft(live, code, {"about": {"agency": "health"}}) == code
        db.session.execute(delete(Draft))  # sent from another device meanwhile
        db.session.commit()
        other = service.save_draft(live, code, {"about": {"agency": "education"}})
        assert other != code
        draft = service.find_draft(live, other)
        assert draft is not None and draft.answers == {"about": {"agency": "education"}}
        assert service.find_draft(live, code) is None


def test_a_saved_page_reads_its_round_once(
    app: Flask, make_round: MakeRound, respondent_for: RespondentFor, questionnaire: Questionnaire
) -> None:
    """Saving commits, and a commit expires the round: the redirect's links must not send
    for it again (every page of every journey did)."""
    person = respondent_for(make_round())
    person.get("/about-you")
    person.post({"agency": "police", "level": "frontline"})
    first = questionnaire.features[0]
    with statements_of(app) as statements:
        page = person.post(feature_answers(questionnaire, first.id, "4"), follow=False)
    assert page.status_code == 302
    assert page.headers["Location"].endswith(
        f"{person.round.url}/section/{questionnaire.features[1].id}"
    )
    assert sum("FROM rounds" in statement for statement in statements) == 1
    assert any(statement.startswith("UPDATE drafts") for statement in statements)


def test_a_response_with_dont_knows_is_sent_in_one_insert_per_table(
    app: Flask, make_round: MakeRound, respondent_for: RespondentFor, questionnaire: Questionnaire
) -> None:
    """Answers with and without a value (don't know) go in together, the don't-knows as
    NULL, and the send reads its round once."""
    person = respondent_for(make_round())
    answer_everything(person, questionnaire)
    first = questionnaire.features[0]
    person.get(f"/section/{first.id}?change=1")
    unsure = {**feature_answers(questionnaire, first.id, "4"), first.items[0].id: "dk"}
    person.post(unsure)
    assert person.path.endswith("/check")
    with statements_of(app) as statements:
        page = person.post({}, path="/submit", action=None, follow=False)
    assert page.status_code == 302 and page.headers["Location"].endswith("/done")
    assert sum(statement.startswith("INSERT INTO answers") for statement in statements) == 1
    assert sum("FROM rounds" in statement for statement in statements) == 1
    with app.app_context():
        stored = {answer.item_id: answer.value for answer in db.session.scalars(select(Answer))}
    assert len(stored) == len(questionnaire.items)
    assert stored[first.items[0].id] is None
    assert stored[first.items[1].id] == 4


def test_drafts_of_a_closed_round_are_deleted(
    app: Flask, make_round: MakeRound, respondent_for: RespondentFor
) -> None:
    round_ = make_round()
    person = respondent_for(round_)
    person.get("/about-you")
    person.post({"agency": "police", "level": "frontline"})
    assert count_rows(app, Draft) == 1
    with app.app_context():
        from surveys.rounds.service import find_round

        live = find_round(round_.slug)
        assert live is not None
        live.close()
        db.session.commit()
    assert person.get("").status_code == 403
    assert count_rows(app, Draft) == 0


def test_saving_for_later_only_flags_answers_that_are_wrong(
    make_round: MakeRound, respondent_for: RespondentFor, questionnaire: Questionnaire
) -> None:
    person = respondent_for(make_round())
    person.get("/about-you")
    person.post({"agency": "police", "level": "frontline"})
    some = dict(list(feature_answers(questionnaire, "purpose").items())[:3])
    person.post({**some, "comment": "x" * 2001}, action="save")
    body = person.text()
    assert "Your comment must be 2000 characters or fewer" in body
    assert "Select how far you agree" not in body


def test_changing_agency_to_a_chosen_partner_says_what_happened(
    make_round: MakeRound, respondent_for: RespondentFor, questionnaire: Questionnaire
) -> None:
    person = respondent_for(make_round())
    answer_everything(person, questionnaire, agency="police", partners=("health", "education"))
    person.get("/about-you?change=1")
    person.post({"agency": "health", "level": "frontline"})
    assert person.path.endswith("/check")
    assert "You now work for Health, so we removed Health from the agencies" in person.text()


def test_control_characters_are_taken_out_of_comments(
    app: Flask, make_round: MakeRound, respondent_for: RespondentFor, questionnaire: Questionnaire
) -> None:
    person = respondent_for(make_round())
    answer_everything(person, questionnaire)
    person.get("/section/trust?change=1")
    person.post({**feature_answers(questionnaire, "trust"), "comment": "before\x00after\r\nnext"})
    person.post({}, path="/submit", action=None)
    assert person.path.endswith("/done")
    with app.app_context():
        assert db.session.scalars(select(Comment.text)).one() == "beforeafter\nnext"


def test_check_page_back_link_and_resume_lead_to_the_ratings(
    app: Flask, make_round: MakeRound, respondent_for: RespondentFor, questionnaire: Questionnaire
) -> None:
    round_ = make_round()
    person = respondent_for(round_)
    answer_everything(person, questionnaire, partners=("health",))
    assert (
        'href="/r/' + round_.token + '/partners/ratings" class="govuk-back-link"' in person.text()
    )
    # A draft saved with partners chosen but not rated resumes on the ratings page.
    person.get("/partners")
    person.post({"partners": ["health", "education"]})
    person.post({"health--they-share": "4"}, action="save")
    code = person.text().split('class="boundary-resume-code">')[1].split("<")[0]
    other = Respondent(app.test_client(), round_)
    other.get("/resume")
    other.post({"code": code}, action=None)
    assert other.path.endswith("/partners/ratings")
