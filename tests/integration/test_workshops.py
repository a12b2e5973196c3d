"""Live workshops through the real test client: a facilitator, a room of phones, a report."""

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
from pypdf import PdfReader
from sqlalchemy import inspect, select
from werkzeug.test import TestResponse

from surveys.database import db
from surveys.questionnaire import Questionnaire
from surveys.responses.answers import DONT_KNOW, CompletedResponse
from surveys.responses.models import Channel, Submission
from surveys.responses.service import record_submissions
from surveys.rounds.models import Round
from surveys.workshops import service
from surveys.workshops.models import (
    ActionStatus,
    Ballot,
    RoomAnswer,
    RoomResponse,
    WorkshopAction,
    WorkshopSession,
)
from surveys.workshops.room import RoomFigures, figures
from tests.helpers import (
    RoundRef,
    WorkshopRef,
    count_rows,
    csrf_token_in,
    field_error,
    publish,
)

HIDDEN = re.compile(r"<input[^>]*type=\"hidden\"[^>]*>")
RADIO_NAMES = re.compile(r'class="govuk-radios__input" id="[^"]+" name="([^"]+)"')


def text_of(response: object) -> str:
    return html.unescape(response.get_data(as_text=True))  # type: ignore[attr-defined]


def pdf_text(client: FlaskClient, workshop: WorkshopRef) -> str:
    response = client.get(f"{workshop.console}/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def visible(page: str) -> str:
    """A page's text as a person reads it: no tags, single spaces."""
    return re.sub(r" ([.,])", r"\1", " ".join(re.sub(r"<[^>]+>", " ", page).split()))


class Participant:
    """One phone in the room: its own client, so its own cookie."""

    def __init__(self, app: Flask, workshop: WorkshopRef) -> None:
        self.client = app.test_client()
        self.workshop = workshop

    def join(self, agency: str = "police", level: str = "frontline") -> None:
        page = self.client.get(self.workshop.room)
        assert page.status_code == 200, page.status_code
        assert "About you" in text_of(page)
        response = self.client.post(
            self.workshop.room,
            data={
                "csrf_token": csrf_token_in(page.get_data(as_text=True)),
                "round": self.workshop.code,
                "agency": agency,
                "level": level,
            },
        )
        assert response.status_code == 302, text_of(response)[:400]

    def form(self) -> tuple[dict[str, str], list[str]]:
        """The hidden fields of the answer page (CSRF, code, ballot, what it asks), and the
        statements it asks."""
        page = self.client.get(self.workshop.room)
        body = page.get_data(as_text=True)
        assert page.status_code == 200 and 'name="ballot"' in body, text_of(page)[:600]
        hidden = {}
        for field in HIDDEN.findall(body):
            name, value = re.search(r'name="([^"]+)"', field), re.search(r'value="([^"]*)"', field)
            if name and value:
                hidden[name.group(1)] = html.unescape(value.group(1))
        assert {"csrf_token", "round", "ballot", "vote", "asked"} <= set(hidden)
        return hidden, list(dict.fromkeys(RADIO_NAMES.findall(body)))

    def send(self, hidden: dict[str, str], items: list[str], value: str | int) -> object:
        return self.client.post(
            self.workshop.room, data={**hidden, **{item: str(value) for item in items}}
        )

    def answer(self, value: str | int = 4) -> list[str]:
        hidden, items = self.form()
        response = self.send(hidden, items, value)
        assert response.status_code == 302, text_of(response)[:600]  # type: ignore[attr-defined]
        return items


@pytest.fixture
def facilitator(
    client: FlaskClient, make_user: Callable[..., str], sign_in: Callable[[str], None]
) -> FlaskClient:
    sign_in(make_user("facilitator"))
    return client


def move(client: FlaskClient, workshop: WorkshopRef, step: str, **data: str | list[str]) -> str:
    """A facilitator's button; returns the console page it leads back to."""
    token = csrf_token_in(client.get(workshop.console).get_data(as_text=True))
    response = client.post(f"{workshop.console}/{step}", data={"csrf_token": token, **data})
    assert response.status_code == 302, (step, response.status_code, text_of(response)[:400])
    return text_of(client.get(response.headers["Location"]))


def projector(client: FlaskClient, workshop: WorkshopRef) -> str:
    response = client.get(f"{workshop.console}/live/projector")
    assert response.status_code == 200
    return text_of(response)


def room_of(
    app: Flask, workshop: WorkshopRef, people: list[tuple[str, str]], value: int | str = 4
) -> list[Participant]:
    room = []
    for agency, level in people:
        phone = Participant(app, workshop)
        phone.join(agency, level)
        phone.answer(value)
        room.append(phone)
    return room


def store_people(
    app: Flask, slug: str, questionnaire: Questionnaire, count: int, score: int = 4
) -> None:
    """Survey responses sent online, half managers and half frontline."""
    with app.app_context():
        round_ = db.session.scalar(select(Round).where(Round.slug == slug))
        assert round_ is not None
        people = [
            CompletedResponse(
                agency_id="police",
                level_id="operational" if n % 2 else "frontline",
                items={item.id: score for item in questionnaire.items},
            )
            for n in range(count)
        ]
        record_submissions(round_, questionnaire, people, Channel.ONLINE, date.today())
        db.session.commit()


MANAGERS = [("police", "strategic"), ("health", "operational")] * 3  # six managers
FRONTLINE = [("police", "frontline"), ("education", "frontline")] * 3  # six frontline


def test_a_whole_workshop_from_set_up_to_report(
    app: Flask,
    facilitator: FlaskClient,
    make_round: Callable[..., RoundRef],
    questionnaire: Questionnaire,
) -> None:
    round_ = make_round("spring", agencies=["police", "health", "education"])
    # Set up through the form, as a facilitator would.
    form = facilitator.get("/workshops/new")
    created = facilitator.post(
        "/workshops/new",
        data={
            "csrf_token": csrf_token_in(form.get_data(as_text=True)),
            "title": "North cluster <b>huddle</b>",
            "held_on": ["23", "11", "2026"],
            "round": round_.slug,
            "features": ["purpose", "trust"],
            "mode": "pulse",
        },
    )
    assert created.status_code == 302, text_of(created)[:800]
    workshop_id = int(created.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    with app.app_context():
        live = db.session.get(WorkshopSession, workshop_id)
        assert live is not None
        workshop = WorkshopRef(live.id, live.join_code)
    console = text_of(facilitator.get(workshop.console))
    assert "North cluster <b>huddle</b>" in console  # escaped on the page, shown as typed
    assert "<b>huddle</b>" not in facilitator.get(workshop.console).get_data(as_text=True)

    # Before answering opens, a phone waits; the projector shows how to join.
    early = Participant(app, workshop)
    early.join("police", "frontline")
    assert "has not opened answering yet" in text_of(early.client.get(workshop.room))
    screen = text_of(facilitator.get(f"{workshop.console}/projector"))
    assert workshop.code[:3] + " " + workshop.code[3:] in screen
    assert "<svg" in screen and "QR code to join" in screen

    move(facilitator, workshop, "open")
    asked = early.answer(5)
    headline = {f.id: f.headline_item for f in questionnaire.features}
    assert asked == [headline["purpose"], headline["trust"]]
    room = [early, *room_of(app, workshop, MANAGERS, 4), *room_of(app, workshop, FRONTLINE[1:], 2)]
    assert len(room) == 12
    assert "Thank you" in text_of(early.client.get(workshop.room))

    # Results stay hidden until revealed, so early answers do not steer later ones.
    console = move(facilitator, workshop, "focus", feature="trust")
    assert "12 people have answered: 6 managers, 6 frontline practitioners" in console
    assert "Join on your phone" in projector(facilitator, workshop)
    move(facilitator, workshop, "reveal")
    screen = visible(projector(facilitator, workshop))
    trust = questionnaire.feature("trust")
    assert trust is not None
    # One idea at a time on the wall: first the gap, then what the facilitator chooses.
    assert "Relations of trust" in screen and "This room: managers" in screen
    assert trust.discussion_prompts[0] not in screen and "First answers" not in screen
    assert "Survey" not in screen  # the linked round has no published results yet
    move(facilitator, workshop, "show", screen="prompts")
    screen = visible(projector(facilitator, workshop))
    assert "To discuss" in screen and trust.discussion_prompts[0] in screen
    assert "This room: managers" not in screen
    move(facilitator, workshop, "show", screen="answers")
    screen = visible(projector(facilitator, workshop))
    assert "First answers" in screen and trust.discussion_prompts[0] not in screen
    console = move(facilitator, workshop, "show", screen="everything")  # not a screen
    assert "Choose what the projector shows" in console
    assert "First answers" in visible(projector(facilitator, workshop))
    move(facilitator, workshop, "show", screen="gap")

    # Put the trust headline to the room again: the projector shows both votes.
    move(facilitator, workshop, "revote", item=headline["trust"])
    for phone in room[:6]:
        assert phone.answer(3) == [headline["trust"]]
    screen = projector(facilitator, workshop)
    assert "After discussion" in screen and "Asked again" in screen
    move(facilitator, workshop, "stop-revote")

    move(facilitator, workshop, "agree", feature="trust", level="developing")
    move(facilitator, workshop, "agree", feature="purpose", level="established")
    token = csrf_token_in(facilitator.get(workshop.console).get_data(as_text=True))
    added = facilitator.post(
        f"{workshop.console}/action",
        data={
            "csrf_token": token,
            "action-text": "Joint supervision for <script>alert(1)</script> cases",
            "action-feature": "trust",
            "action-owner": "health",
            "action-due": ["31", "3", "2027"],
        },
    )
    assert added.status_code == 302
    with app.app_context():
        action = db.session.scalars(select(WorkshopAction)).one()
        assert action.round_id == round_.id and action.due_on == date(2027, 3, 31)
        action_id = action.id
    facilitator.post(
        f"/workshops/actions/{action_id}/status",
        data={"csrf_token": token, "status": "in-progress"},
    )
    move(facilitator, workshop, "end")

    # Afterwards: phones are told it has ended; nothing of the ballots is left.
    ended = early.client.get(workshop.room)
    assert ended.status_code == 410 and "This workshop has ended" in text_of(ended)
    assert count_rows(app, Ballot) == 0
    assert count_rows(app, RoomResponse, vote=1) == 12
    assert count_rows(app, RoomResponse, vote=2) == 6
    assert count_rows(app, Submission) == 0  # the room did not count towards the round

    rows = list(
        csv.reader(
            io.StringIO(
                facilitator.get(f"{workshop.console}/actions.csv")
                .get_data(as_text=True)
                .lstrip("\ufeff")
            )
        )
    )
    assert rows[0] == [
        "workshop",
        "held_on",
        "action",
        "feature",
        "owner_agency",
        "due_on",
        "status",
    ]
    assert rows[1][2:] == [
        "Joint supervision for <script>alert(1)</script> cases",
        "Relations of trust",
        "Health",
        "2027-03-31",
        "in-progress",
    ]

    pdf = facilitator.get(f"{workshop.console}/report.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.data))
    text = " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)
    assert "Workshop report" in text and "North cluster <b>huddle</b>" in text
    assert len(reader.pages) > 2 and "Page 1" not in (reader.pages[0].extract_text() or "")
    for number, page in enumerate(reader.pages[1:], start=2):  # numbered after the cover
        assert f"Page {number}" in (page.extract_text() or ""), number
    assert "Developing" in text and "Established" in text  # the agreed levels
    assert "Before and after discussion" in text and "After discussion" in text
    assert "Joint supervision for <script>alert(1)</script> cases" in text
    assert "In progress" in text
    # Six managers answered 4; frontline: one 5 and five 2. Groups are shown in steps of five
    # people: the sixth manager and the sixth frontline practitioner never moved the figures
    # (5 and 2, 2, 2, 2 make 2.6), and the report shows what the room last saw.
    assert "Relations of trust 4.0 2.6 +1.40" in text


def test_answers_count_towards_the_round_only_when_chosen(
    app: Flask,
    make_round: Callable[..., RoundRef],
    make_workshop: Callable[..., WorkshopRef],
    questionnaire: Questionnaire,
) -> None:
    round_ = make_round("counted", agencies=["police", "health", "education"])
    every = tuple(f.id for f in questionnaire.features)
    counted = make_workshop(round_slug=round_.slug, features=every, mode="full", counts=True)
    apart = make_workshop(round_slug=round_.slug, features=every, mode="full")
    for workshop in (counted, apart):
        room_of(app, workshop, [("police", "frontline"), ("health", "strategic")], 4)
    with app.app_context():
        channels = db.session.scalars(select(Submission.channel)).all()
    assert channels == [Channel.WORKSHOP.value] * 2


def test_a_counting_room_does_not_watch_the_survey_move_one_answer_at_a_time(
    app: Flask,
    facilitator: FlaskClient,
    make_round: Callable[..., RoundRef],
    make_workshop: Callable[..., WorkshopRef],
    questionnaire: Questionnaire,
) -> None:
    """The room's answers count towards the linked round. Streamed, the round's figures
    beside the room's would give each tap away; they come from the round's release and the
    room's answers enter the round only at its next one."""
    round_ = make_round("live", agencies=["police", "health", "education"])
    every = tuple(f.id for f in questionnaire.features)
    workshop = make_workshop(round_slug=round_.slug, features=every, mode="full", counts=True)
    move(facilitator, workshop, "reveal")
    room_of(app, workshop, MANAGERS[:5] + FRONTLINE[:5], 3)
    live = f"{workshop.console}/live/console"
    before = facilitator.get(live)
    assert "once the round's results are published" in text_of(before)
    assert ">Survey<" not in before.get_data(as_text=True)
    publish(app, "live")  # the ten answers so far, as one release
    shown = facilitator.get(live)
    assert ">Survey<" in shown.get_data(as_text=True)
    screen = visible(projector(facilitator, workshop))
    room_of(app, workshop, FRONTLINE[5:6], 5)  # one more tap, counted into the round
    after = facilitator.get(live)
    survey_column = re.compile(r"<td[^>]*>[^<]*</td>\s*</tr>")
    assert survey_column.findall(after.get_data(as_text=True)) == survey_column.findall(
        shown.get_data(as_text=True)
    ), "the survey's figures moved with one tap"
    assert visible(projector(facilitator, workshop)).count("Survey") == screen.count("Survey")


def test_the_projectors_survey_row_does_not_move_with_a_survey_response(
    app: Flask,
    client: FlaskClient,
    facilitator: FlaskClient,
    make_round: Callable[..., RoundRef],
    make_workshop: Callable[..., WorkshopRef],
    questionnaire: Questionnaire,
) -> None:
    """A linked (not counting) workshop on an open round: someone in the room sends the
    survey during the session. Streamed, the survey row would move by that one answer."""
    round_ = make_round("open-linked", agencies=["police", "health", "education"])
    store_people(app, "open-linked", questionnaire, 12)
    publish(app, "open-linked")
    workshop = make_workshop(round_slug=round_.slug, features=("trust",))
    move(facilitator, workshop, "reveal")
    room_of(app, workshop, MANAGERS[:5] + FRONTLINE[:5], 3)
    before = projector(facilitator, workshop)
    store_people(app, "open-linked", questionnaire, 1, score=1)
    assert projector(facilitator, workshop) == before


def test_a_workshop_answered_before_snapshots_existed_still_shows_its_figures(
    app: Flask, facilitator: FlaskClient, make_workshop: Callable[..., WorkshopRef]
) -> None:
    """Migration 0007 added the published figures empty; a session answered before it (say,
    one that had ended) takes all its answers as one step."""
    workshop = make_workshop(features=("trust",))
    room_of(app, workshop, MANAGERS[:5], 2)
    room_of(app, workshop, FRONTLINE[:5], 4)
    with app.app_context():
        row = db.session.get(WorkshopSession, workshop.id)
        assert row is not None
        row.published = "{}"  # as the migration left it
        db.session.commit()
    move(facilitator, workshop, "reveal")
    seen = room_figures(app, workshop).features["trust"]
    assert (seen.management.mean, seen.frontline.mean) == (2.0, 4.0)
    assert "managers 2.0, frontline 4.0" in visible(projector(facilitator, workshop))


@pytest.mark.parametrize(
    ("mode", "features"),
    [("pulse", ["purpose", "trust", "exchange", "respect", "dialogue"]), ("full", ["trust"])],
)
def test_only_the_whole_questionnaire_can_count_towards_a_round(
    app: Flask,
    make_round: Callable[..., RoundRef],
    questionnaire: Questionnaire,
    mode: str,
    features: list[str],
) -> None:
    """A room's answers counted in the round must be a whole response, as the survey's are."""
    round_ = make_round("pulse")
    from surveys.rounds.service import find_round
    from surveys.workshops.models import Mode

    with app.app_context(), pytest.raises(service.WorkshopError, match="whole questionnaire"):
        service.create_session(
            service.SessionSpec(
                "Counted", date.today(), features, Mode(mode), find_round(round_.slug), True
            ),
            questionnaire,
            None,
        )


def test_set_up_form_errors_are_shown_at_the_field(facilitator: FlaskClient) -> None:
    token = csrf_token_in(facilitator.get("/workshops/new").get_data(as_text=True))
    response = facilitator.post(
        "/workshops/new",
        data={"csrf_token": token, "title": "", "mode": "full", "counts": "y", "round": ""},
    )
    page = text_of(response)
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "Give the workshop a title" in page
    assert "Enter the date of the workshop" in page
    assert "Choose at least one feature" in page
    assert count_rows(facilitator.application, WorkshopSession) == 0

    def set_up(**fields: str) -> TestResponse:
        data = {"held_on": ["1", "12", "2026"], "features": ["trust"], "round": "", **fields}
        return facilitator.post("/workshops/new", data={"csrf_token": token, **data})

    response = set_up(title="Counted", mode="full", counts="y")
    at_counts = field_error(response.get_data(as_text=True), "counts")
    assert "Answers can only count towards a round if a round is linked" in at_counts

    # A title of spaces is no title, and the mistake is shown at the title.
    response = set_up(title="   ", mode="pulse")
    page = response.get_data(as_text=True)
    assert 'href="#title"' in page and "Give the workshop a title" in text_of(response)
    assert 'href="#counts"' not in page
    assert count_rows(facilitator.application, WorkshopSession) == 0


def test_ending_asks_first_and_the_console_says_it_has_ended(
    app: Flask, facilitator: FlaskClient, make_workshop: Callable[..., WorkshopRef]
) -> None:
    workshop = make_workshop()
    console = facilitator.get(workshop.console).get_data(as_text=True)
    assert f'href="{workshop.console}/end"' in console  # a link to a question, not a POST
    question = facilitator.get(f"{workshop.console}/end")
    assert question.status_code == 200 and "cannot be undone" in text_of(question)
    assert count_rows(app, WorkshopSession, ended_at=None) == 1  # asking ends nothing
    page = move(facilitator, workshop, "end")
    assert "This workshop has ended" in page and "Join code" not in page
    assert "Results are shown on the projector" not in page
    assert facilitator.get(f"{workshop.console}/end").status_code == 302  # nothing to ask


def test_a_statement_put_again_brings_its_feature_on_screen(
    app: Flask, facilitator: FlaskClient, make_workshop: Callable[..., WorkshopRef]
) -> None:
    workshop = make_workshop(features=("trust", "dialogue"))
    room_of(app, workshop, MANAGERS[:1])
    move(facilitator, workshop, "reveal")
    move(facilitator, workshop, "revote", item=service_headline(app, "dialogue"))
    page = projector(facilitator, workshop)
    assert "QR code to join" in page  # latecomers can still join once results are shown
    screen = visible(page)
    assert screen.index("Open and mature dialogue over conflicts") < screen.index("Asked again")
    assert "Relations of trust" not in screen  # one feature on the wall: the statement's


def test_a_full_questionnaire_is_grouped_by_feature_on_the_phone(
    app: Flask, make_workshop: Callable[..., WorkshopRef]
) -> None:
    workshop = make_workshop(features=("trust", "dialogue"), mode="full")
    phone = Participant(app, workshop)
    phone.join()
    page = phone.client.get(workshop.room).get_data(as_text=True)
    headings = re.findall(r'<h2 class="govuk-heading-m[^"]*">([^<]+)</h2>', page)
    assert headings == ["Relations of trust", "Open and mature dialogue over conflicts"]


def test_join_codes_are_forgiving_and_clear(
    app: Flask, client: FlaskClient, make_workshop: Callable[..., WorkshopRef]
) -> None:
    workshop = make_workshop()
    token = csrf_token_in(client.get("/join").get_data(as_text=True))

    wrong = client.post("/join", data={"csrf_token": token, "code": "XXXXXX"})
    assert wrong.status_code == 200
    assert "There is no workshop with this code" in text_of(wrong)
    empty = client.post("/join", data={"csrf_token": token, "code": "  "})
    assert "Enter the code on the screen" in text_of(empty)

    typed = f" {workshop.code[:3].lower()} {workshop.code[3:].lower()} "
    found = client.post("/join", data={"csrf_token": token, "code": typed})
    assert found.status_code == 302 and found.headers["Location"].endswith(workshop.room)
    assert client.get(f"/w/{workshop.code.lower()}").headers["Location"].endswith(workshop.room)

    missing = client.get("/w/QQQQQQ")
    assert missing.status_code == 404
    assert "There is no workshop with this code" in text_of(missing)
    assert "Traceback" not in text_of(missing)


def test_codes_have_no_look_alike_characters(app: Flask) -> None:
    with app.app_context():
        codes = {service.new_join_code() for _ in range(300)}
    assert all(len(code) == 6 for code in codes)
    assert not set("".join(codes)) & set("0O1IL2Z5S8BUV")
    assert len(codes) > 290  # random, not a sequence


def test_closed_and_ended_sessions_say_so(
    app: Flask, facilitator: FlaskClient, make_workshop: Callable[..., WorkshopRef]
) -> None:
    workshop = make_workshop()
    phone = Participant(app, workshop)
    phone.join()
    hidden, items = phone.form()  # the page was loaded while answering was open
    move(facilitator, workshop, "close")
    late = phone.client.post(workshop.room, data={**hidden, **dict.fromkeys(items, "4")})
    assert late.status_code == 409 and "Answering is closed" in text_of(late)
    assert count_rows(app, RoomResponse) == 0
    assert "Answering is closed for now" in text_of(phone.client.get(workshop.room))

    move(facilitator, workshop, "end")
    for response in (
        phone.client.get(workshop.room),
        Participant(app, workshop).client.get(workshop.room),
    ):
        assert response.status_code == 410 and "This workshop has ended" in text_of(response)
    # A facilitator cannot reopen an ended workshop.
    assert "This workshop has ended" in move(facilitator, workshop, "open")


def test_a_double_tap_or_a_resend_stores_one_answer(
    app: Flask, make_workshop: Callable[..., WorkshopRef]
) -> None:
    workshop = make_workshop()
    phone = Participant(app, workshop)
    phone.join()
    hidden, items = phone.form()
    data = {**hidden, **dict.fromkeys(items, "4")}
    # The phone never saw the first reply (a weak connection), so it still has its old cookie.
    name = app.config["SESSION_COOKIE_NAME"]
    cookie = phone.client.get_cookie(name)
    assert cookie is not None
    first = phone.client.post(workshop.room, data=data)
    phone.client.set_cookie(name, cookie.value)
    again = phone.client.post(workshop.room, data=data)
    assert first.status_code == again.status_code == 302
    assert count_rows(app, RoomResponse) == 1
    assert count_rows(app, RoomAnswer) == len(items)


def test_tampered_answers_are_refused(
    app: Flask, make_workshop: Callable[..., WorkshopRef]
) -> None:
    workshop = make_workshop()
    phone = Participant(app, workshop)
    page = phone.client.get(workshop.room)
    bad_agency = phone.client.post(
        workshop.room,
        data={
            "csrf_token": csrf_token_in(page.get_data(as_text=True)),
            "round": workshop.code,
            "agency": "mi5",
            "level": "frontline",
        },
    )
    assert bad_agency.status_code == 400
    phone.join()
    hidden, items = phone.form()
    extra = phone.client.post(
        workshop.room, data={**hidden, **dict.fromkeys(items, "4"), "name": "Sam"}
    )
    assert extra.status_code == 400 and "not a question here" in text_of(extra)
    out_of_range = phone.client.post(workshop.room, data={**hidden, **dict.fromkeys(items, "9")})
    assert out_of_range.status_code == 400
    unanswered = phone.client.post(workshop.room, data=hidden)
    assert unanswered.status_code == 200 and "Select how far you agree" in text_of(unanswered)
    assert count_rows(app, RoomResponse) == 0


def test_nothing_identifying_is_stored_with_room_answers(app: Flask) -> None:
    with app.app_context():
        inspector = inspect(db.engine)
        columns = {
            table: {c["name"] for c in inspector.get_columns(table)}
            for table in ("workshop_responses", "workshop_answers", "workshop_ballots")
        }
    assert columns["workshop_responses"] == {
        "id",
        "session_id",
        "agency_id",
        "level_id",
        "vote",
        "submitted_on",
    }
    assert columns["workshop_answers"] == {"response_id", "item_id", "session_id", "value"}
    # A ballot is a hash of a one-time token with the day it was issued: deleted once used.
    assert columns["workshop_ballots"] == {"id", "session_id", "token_hash", "issued_on"}


def room_figures(app: Flask, workshop: WorkshopRef) -> RoomFigures:
    with app.app_context():
        from surveys.library import current_questionnaire

        live = db.session.get(WorkshopSession, workshop.id)
        assert live is not None
        q = current_questionnaire()
        return figures(live, service.statements(live, q), q, 5)


def test_small_groups_wait_in_the_room(
    app: Flask, facilitator: FlaskClient, make_workshop: Callable[..., WorkshopRef]
) -> None:
    workshop = make_workshop()
    move(facilitator, workshop, "reveal")
    room_of(app, workshop, FRONTLINE[:4], 2)
    screen = projector(facilitator, workshop)
    assert "Waiting until at least 5 managers or 5 frontline practitioners" in screen
    assert "out of 5" not in screen

    # Five frontline and two managers: the frontline figure shows, labelled as theirs; the
    # managers' does not, nor a room figure that includes them (it would give theirs away).
    room_of(app, workshop, FRONTLINE[4:5], 2)
    room_of(app, workshop, MANAGERS[:2], 5)
    screen = visible(projector(facilitator, workshop))
    assert "Frontline practitioners: 2.0 out of 5" in screen
    assert "Managers appear once 5 of them have answered" in screen
    assert "5.0" not in screen and "2.9" not in screen
    seen = room_figures(app, workshop)
    trust = seen.features["trust"]
    assert trust.frontline.shown and not trust.management.shown and not trust.split_shown
    assert trust.everyone.mean == 2.0 and seen.gaps == [] and seen.waiting_for == ("management",)
    assert seen.by_level == {"management": 2, "frontline": 5}  # counts are live

    room_of(app, workshop, MANAGERS[2:5], 5)
    screen = visible(projector(facilitator, workshop))
    assert "Managers appear once" not in screen
    assert "managers 5.0, frontline 2.0" in screen


def test_a_figure_from_one_group_is_never_called_the_rooms(
    app: Flask, facilitator: FlaskClient, make_workshop: Callable[..., WorkshopRef]
) -> None:
    """Six of each answered, but two frontline practitioners said don't know: the feature's
    frontline figure has four scores, so the figure shown is the managers', and says so."""
    workshop = make_workshop(features=("trust",))
    move(facilitator, workshop, "reveal")
    room_of(app, workshop, MANAGERS, 2)
    room_of(app, workshop, FRONTLINE[:4], 5)
    room_of(app, workshop, FRONTLINE[4:6], DONT_KNOW)
    screen = visible(projector(facilitator, workshop))
    assert "12 answered" in screen
    assert "Managers: 2.0 out of 5" in screen and "The room" not in screen
    assert "Frontline practitioners appear once 5 of them have given this a score" in screen
    console = visible(facilitator.get(f"{workshop.console}/live/console").get_data(as_text=True))
    assert "2.0 (managers only)" in console
    pdf = pdf_text(facilitator, workshop)
    assert "2.00 (managers only)" in pdf or "2.0 (managers only)" in pdf


def test_before_and_after_compare_the_same_group(
    app: Flask, facilitator: FlaskClient, make_workshop: Callable[..., WorkshopRef]
) -> None:
    """When only frontline practitioners' second answers reach five, their first answers
    (not the whole room's) are set beside them."""
    workshop = make_workshop(features=("trust",))
    headline = service_headline(app, "trust")
    managers = room_of(app, workshop, MANAGERS[:5], 1)
    frontline = room_of(app, workshop, FRONTLINE[:5], 2)
    move(facilitator, workshop, "revote", item=headline)
    for phone in frontline:
        hidden, items = phone.form()
        phone.send(hidden, items, 5)
    hidden, items = managers[0].form()
    managers[0].send(hidden, items, 5)  # one manager: not enough to show
    seen = room_figures(app, workshop).statements[headline]
    assert seen.second_sides == ("frontline",) and seen.first_sides == ("management", "frontline")
    assert seen.first is not None and seen.first.counts == (5, 5, 0, 0, 0)
    assert seen.first_of_second is not None and seen.first_of_second.counts == (0, 5, 0, 0, 0)
    assert seen.second is not None and seen.second.counts == (0, 0, 0, 0, 5)
    move(facilitator, workshop, "reveal")
    labels = " ".join(re.findall(r">([^<>]+)</t", projector(facilitator, workshop)))
    assert "First answers (frontline" in labels and "After discussion (frontline" in labels


def test_figures_move_only_in_steps_of_the_minimum_group_size(
    app: Flask, facilitator: FlaskClient, make_workshop: Callable[..., WorkshopRef]
) -> None:
    """Nobody's answer can be read from how the screen changed when they pressed Send."""
    workshop = make_workshop(features=("trust",))
    move(facilitator, workshop, "reveal")
    room_of(app, workshop, MANAGERS[:5], 4)
    room_of(app, workshop, FRONTLINE[:5], 2)
    assert room_figures(app, workshop).features["trust"].frontline.mean == 2.0

    # One more frontline practitioner answers 5: the count moves, the figures do not.
    before = projector(facilitator, workshop)
    room_of(app, workshop, FRONTLINE[5:6], 5)
    after = room_figures(app, workshop)
    assert after.by_level["frontline"] == 6
    assert after.features["trust"].frontline.mean == 2.0
    assert after.statements[service_headline(app, "trust")].first is not None
    assert visible(before).replace("10 answered", "") == visible(
        projector(facilitator, workshop)
    ).replace("11 answered", "")

    # Four more make a step of five since the figures last moved: now they include all ten.
    room_of(app, workshop, [("police", "frontline")] * 4, 5)
    moved = room_figures(app, workshop).features["trust"]
    assert moved.frontline.n == 10 and moved.frontline.mean == 3.5
    assert moved.management.mean == 4.0 and moved.management.n == 5


def service_headline(app: Flask, feature_id: str) -> str:
    with app.app_context():
        from surveys.library import current_questionnaire

        feature = current_questionnaire().feature(feature_id)
        assert feature is not None
        return feature.headline_item


def test_statement_answers_need_five_people_answering_not_counting_dont_know(
    app: Flask, facilitator: FlaskClient, make_workshop: Callable[..., WorkshopRef]
) -> None:
    workshop = make_workshop(features=("trust",))
    room_of(app, workshop, FRONTLINE[:3], 4)
    room_of(app, workshop, FRONTLINE[3:5], DONT_KNOW)
    seen = room_figures(app, workshop)
    assert seen.statements[service_headline(app, "trust")].first is None
    assert not seen.features["trust"].frontline.shown  # three scores only


def test_live_screens_answer_304_until_the_room_changes(
    app: Flask, facilitator: FlaskClient, make_workshop: Callable[..., WorkshopRef]
) -> None:
    workshop = make_workshop()
    url = f"{workshop.console}/live/console"
    first = facilitator.get(url)
    tag = first.headers["ETag"]
    assert first.status_code == 200 and "0 people have answered" in text_of(first)
    unchanged = facilitator.get(url, headers={"If-None-Match": tag})
    assert unchanged.status_code == 304 and unchanged.data == b""
    room_of(app, workshop, [("police", "frontline")])
    changed = facilitator.get(url, headers={"If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["ETag"] != tag
    assert "1 person has answered" in text_of(changed)


def test_facilitator_mistakes_are_explained(
    app: Flask, facilitator: FlaskClient, make_workshop: Callable[..., WorkshopRef]
) -> None:
    workshop = make_workshop()
    assert "Choose one of the five levels" in move(
        facilitator, workshop, "agree", feature="trust", level="superb"
    )
    assert "not part of this workshop" in move(facilitator, workshop, "focus", feature="respect")
    token = csrf_token_in(facilitator.get(workshop.console).get_data(as_text=True))

    def add(**fields: str | list[str]) -> str:
        response = facilitator.post(
            f"{workshop.console}/action",
            data={"csrf_token": token, **{f"action-{k}": v for k, v in fields.items()}},
        )
        assert response.status_code == 400  # the console again, the mistake at its field
        return text_of(response)

    page = add(text="  ")
    assert "There is a problem" in page and "Describe the action" in page
    shown = facilitator.post(
        f"{workshop.console}/action",
        data={"csrf_token": token, "action-text": "Meet", "action-owner": "mi5"},
    )
    assert field_error(shown.get_data(as_text=True), "action-owner")
    assert "Error: North cluster" in page  # the page title says so, as on every form
    page = add(text="Meet the school nurses", due=["31", "2", "2027"])
    assert "The due date must be a real date" in page
    assert "Meet the school nurses" in page  # what was typed is kept
    assert "Not a valid choice" in add(text="Meet", owner="mi5")
    assert "The due date must be today or later" in add(text="Meet", due=["1", "1", "2020"])
    assert count_rows(app, WorkshopAction) == 0
    teleport = facilitator.post(f"{workshop.console}/teleport", data={"csrf_token": token})
    assert teleport.status_code == 404
    assert facilitator.post(f"{workshop.console}/open", data={}).status_code == 400
    assert facilitator.get("/workshops/99999").status_code == 404


def test_a_move_after_an_answer_the_page_did_not_see_still_reaches_the_screens(
    app: Flask, facilitator: FlaskClient, make_workshop: Callable[..., WorkshopRef]
) -> None:
    """The version is raised in SQL: a move made from a copy loaded before an answer arrived
    must not write the same version the answer wrote, or screens would keep the old view."""
    workshop = make_workshop()
    url = f"{workshop.console}/live/projector"
    with app.app_context():
        stale = db.session.get(WorkshopSession, workshop.id)
        assert stale is not None
        loaded = stale.version
    room_of(app, workshop, FRONTLINE[:1])  # stored by another request meanwhile
    tag = facilitator.get(url).headers["ETag"]
    with app.app_context():
        db.session.add(stale)  # the copy loaded before the answer, not refreshed
        service.reveal(stale, True)
        assert db.session.scalar(select(WorkshopSession.version)) == loaded + 2
    shown = facilitator.get(url, headers={"If-None-Match": tag})
    assert shown.status_code == 200 and "Join on your phone" not in text_of(shown)


def test_a_statement_put_again_is_for_those_who_answered_first(
    app: Flask, facilitator: FlaskClient, make_workshop: Callable[..., WorkshopRef]
) -> None:
    workshop = make_workshop(features=("trust",))
    headline = service_headline(app, "trust")
    early = room_of(app, workshop, FRONTLINE[:2])
    move(facilitator, workshop, "revote", item=headline)
    # A newcomer waits: a first answer given after the discussion is not a "before".
    late = Participant(app, workshop)
    late.join()
    assert "The room is answering a statement again" in text_of(late.client.get(workshop.room))
    # Someone on the second-answer page when the facilitator stops: told, nothing stored.
    hidden, items = early[0].form()
    assert items == [headline]
    console = move(facilitator, workshop, "stop-revote")
    assert "Open answering" in console  # stopping closes answering
    move(facilitator, workshop, "open")
    stale = early[0].send(hidden, items, 3)
    assert stale.status_code == 409  # type: ignore[attr-defined]
    assert "The facilitator has moved on" in text_of(stale)
    assert count_rows(app, RoomResponse, vote=2) == 0
    # The newcomer answers now; a statement is not put to the room a second time over.
    assert late.answer(4) == [headline]
    assert early[1].client.get(workshop.room).status_code == 200
    move(facilitator, workshop, "revote", item=headline)
    early[1].answer(2)
    move(facilitator, workshop, "stop-revote")
    assert "has been put to the room again already" in move(
        facilitator, workshop, "revote", item=headline
    )


def test_agreed_levels_can_be_changed_and_cleared_and_survive_a_double_click(
    app: Flask, facilitator: FlaskClient, make_workshop: Callable[..., WorkshopRef]
) -> None:
    workshop = make_workshop()
    for level in ("emerging", "developing", "developing"):
        move(facilitator, workshop, "agree", feature="trust", level=level)
    with app.app_context():
        from surveys.workshops.models import AgreedLevel

        levels = db.session.scalars(select(AgreedLevel.level_id)).all()
    assert levels == ["developing"]
    move(facilitator, workshop, "agree", feature="trust", level="")
    assert count_rows(app, AgreedLevel) == 0


def test_actions_csv_cannot_smuggle_a_spreadsheet_formula(
    app: Flask, facilitator: FlaskClient, make_workshop: Callable[..., WorkshopRef]
) -> None:
    workshop = make_workshop()
    with app.app_context():
        live = db.session.get(WorkshopSession, workshop.id)
        assert live is not None
        service.add_action(live, '=HYPERLINK("http://evil.example","Click")', None, None, None)
    exported = facilitator.get(f"{workshop.console}/actions.csv").get_data(as_text=True)
    row = list(csv.reader(io.StringIO(exported.lstrip("\ufeff"))))[1]
    assert row[2] == '\'=HYPERLINK("http://evil.example","Click")'


def test_the_round_report_lists_what_its_workshops_agreed(
    app: Flask,
    client: FlaskClient,
    make_round: Callable[..., RoundRef],
    make_workshop: Callable[..., WorkshopRef],
    make_user: Callable[..., str],
    sign_in: Callable[[str], None],
) -> None:
    earlier = make_round("autumn", opens_in_days=-200, closes_in_days=-150)
    current = make_round("spring", opens_in_days=-40, closes_in_days=-1)  # closed: released
    with app.app_context():
        for ref, text, status in (
            (make_workshop(round_slug=earlier.slug), "Share the duty rota", "done"),
            (make_workshop(round_slug=current.slug), "Co-locate the MASH team", "agreed"),
        ):
            live = db.session.get(WorkshopSession, ref.id)
            assert live is not None
            action = service.add_action(live, text, "trust", "police", date(2027, 1, 31))
            service.set_action_status(action, ActionStatus(status))
    sign_in(make_user("manager"))

    def report_text(slug: str) -> str:
        response = client.get(f"/reports/{slug}/report.pdf")
        assert response.status_code == 200
        reader = PdfReader(io.BytesIO(response.data))
        return " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)

    text = report_text(current.slug)
    assert "Actions from workshops" in text
    assert "Co-locate the MASH team" in text
    assert "Agreed after Test round autumn: what became of them" in text
    assert "Share the duty rota" in text and "Done" in text
    assert "Actions from workshops" in report_text(earlier.slug)
    assert "Co-locate the MASH team" not in report_text(earlier.slug)

    # A status changed after the report was cached shows in the next download.
    with app.app_context():
        action = db.session.scalars(
            select(WorkshopAction).where(WorkshopAction.text == "Co-locate the MASH team")
        ).one()
        service.set_action_status(action, ActionStatus.DROPPED)
    assert "Dropped" in report_text(current.slug)


def test_a_waiting_phone_learns_there_is_something_to_answer(
    app: Flask, facilitator: FlaskClient, make_workshop: Callable[..., WorkshopRef]
) -> None:
    workshop = make_workshop(open_answering=False)
    phone = Participant(app, workshop)
    phone.join()
    status = f"{workshop.room}/status"
    waiting = phone.client.get(status)
    assert "has not opened answering yet" in text_of(waiting)
    tag = waiting.headers["ETag"]
    assert phone.client.get(status, headers={"If-None-Match": tag}).status_code == 304

    move(facilitator, workshop, "open")
    opened = phone.client.get(status, headers={"If-None-Match": tag})
    assert opened.status_code == 200 and "Answer the statements" in text_of(opened)
    phone.answer(4)
    # Other people's answers do not make a waiting phone fetch its status again.
    tag = phone.client.get(status).headers["ETag"]
    room_of(app, workshop, FRONTLINE[:2])
    assert phone.client.get(status, headers={"If-None-Match": tag}).status_code == 304

    with app.app_context():
        live = db.session.get(WorkshopSession, workshop.id)
        assert live is not None
        from surveys.library import current_questionnaire

        trust = current_questionnaire().feature("trust")
        assert trust is not None
        headline = trust.headline_item
    move(facilitator, workshop, "revote", item=headline)
    again = phone.client.get(status, headers={"If-None-Match": tag})
    assert "put a statement to the room again" in text_of(again)
    assert phone.answer(2) == [headline]
    assert "If the facilitator puts a statement" in text_of(phone.client.get(status))
    move(facilitator, workshop, "end")
    assert "The workshop has ended" in text_of(phone.client.get(status))
