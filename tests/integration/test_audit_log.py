"""The audit log: what managers, administrators and facilitators did, viewable (paged) and
exportable by administrators, and never holding respondent data."""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Callable, Mapping
from datetime import date, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from surveys.audit import AuditEvent, Download, command_line_actor, record
from surveys.comments.moderation import comment_ref
from surveys.database import db
from surveys.library import current_questionnaire
from surveys.responses.answers import CompletedResponse
from surveys.responses.models import Channel
from surveys.responses.service import record_submissions
from surveys.rounds.models import Round
from tests.helpers import TEST_PASSWORD, TEST_SECRET, RoundRef, WorkshopRef, csrf_token_in, publish

MakeUser = Callable[..., str]
MakeRound = Callable[..., RoundRef]
SecretWords = "Marigold-Kestrel-Quorum said the duty desk is understaffed"


def browser(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    token = csrf_token_in(client.get("/sign-in").get_data(as_text=True))
    response = client.post(
        "/sign-in", data={"csrf_token": token, "email": email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    return client


def post_form(client: FlaskClient, path: str, data: Mapping[str, object], page: str = "") -> int:
    token = csrf_token_in(client.get(page or path).get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **data}).status_code


def events(app: Flask) -> list[tuple[str, str, str, str]]:
    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        return [(e.actor, e.action, e.target, e.detail) for e in rows]


def day(when: date) -> list[str]:
    return [str(when.day), str(when.month), str(when.year)]


def test_sign_in_and_sign_out_are_recorded_without_the_password(
    app: Flask, client: FlaskClient, make_user: MakeUser
) -> None:
    email = make_user("manager")
    token = csrf_token_in(client.get("/sign-in").get_data(as_text=True))
    for typed_email, password in (
        (email, "Wrong-Password-One"),
        ("Secret-Password-Typed-Into-Email", TEST_PASSWORD),  # typed in the wrong box
        (email, TEST_PASSWORD),
    ):
        client.post(
            "/sign-in", data={"csrf_token": token, "email": typed_email, "password": password}
        )
    client.post("/sign-out", data={"csrf_token": csrf_token_in(client.get("/reports").text)})
    assert events(app) == [
        ("not signed in", "sign-in failed", email, ""),
        ("not signed in", "sign-in failed", "(no such account)", ""),
        (email, "sign-in", email, ""),
        (email, "sign-out", email, ""),
    ]
    everything = repr(events(app)).lower()
    assert "wrong-password-one" not in everything and "secret-password" not in everything
    assert TEST_PASSWORD not in everything and "127.0.0.1" not in everything


def test_round_release_and_account_changes_are_recorded(
    app: Flask, make_user: MakeUser, make_round: MakeRound
) -> None:
    admin_email = make_user("admin")
    admin = browser(app, admin_email)
    today = date.today()
    rounds = {
        "name": "Audited round",
        "slug": "audited",
        "opens": day(today),
        "closes": day(today + timedelta(days=20)),
        "agencies": ["police", "health"],
        "localities": "North\nSouth",
    }
    assert post_form(admin, "/manage/rounds/new", rounds) == 302
    edited = {**rounds, "closes": day(today + timedelta(days=30)), "localities": "North"}
    assert post_form(admin, "/manage/rounds/audited/edit", edited) == 302
    headcounts = {"police--frontline": "40", "health--frontline": "12"}
    assert post_form(admin, "/manage/rounds/audited/headcounts", headcounts) == 302
    assert post_form(admin, "/manage/rounds/audited/close", {}, "/manage/rounds/audited") == 302
    new_account = {
        "name": "Lee",
        "email": "lee@example.org",
        "role": "manager",
        "agency": "",
        "password": "a long enough password",
    }
    assert post_form(admin, "/manage/users/new", new_account) == 302
    with app.app_context():
        from surveys.auth.models import User

        lee = db.session.scalar(select(User.id).where(User.email == "lee@example.org"))
    assert post_form(admin, f"/manage/users/{lee}/deactivate", {}, "/manage/users") == 302
    assert post_form(admin, f"/manage/users/{lee}/activate", {}, "/manage/users") == 302
    reset = f"/manage/users/{lee}/password"
    assert post_form(admin, reset, {"new": "another long passphrase"}) == 302

    recorded = [(a, action, target) for a, action, target, _d in events(app)][1:]
    assert recorded[:3] == [
        (admin_email, "round created", "audited"),
        (admin_email, "round edited", "audited"),
        (admin_email, "headcounts changed", "audited"),
    ]
    assert (admin_email, "round closed", "audited") in recorded
    assert recorded[-4:] == [
        (admin_email, "account created", "lee@example.org"),
        (admin_email, "account deactivated", "lee@example.org"),
        (admin_email, "account reactivated", "lee@example.org"),
        (admin_email, "password reset", "lee@example.org"),
    ]
    details = {action: detail for _a, action, _t, detail in events(app)}
    assert "police, health" in details["round created"]
    assert "localities: 2" in details["round created"]
    assert "localities: 1" in details["round edited"]
    assert details["headcounts changed"] == "2 headcounts, 52 people"
    assert "a long enough password" not in repr(events(app))

    # Closing published the final release; another is refused, with its reason recorded.
    assert (admin_email, "release published", "audited", "release 1, final") in events(app)
    page = "/manage/rounds/audited"
    assert post_form(admin, f"{page}/release", {}, page) == 302
    assert events(app)[-1][:3] == (admin_email, "release refused", "audited")
    assert events(app)[-1][3].startswith("Nothing has changed since release 1")


def test_moderation_and_downloads_are_recorded_but_nothing_a_respondent_wrote(
    app: Flask, make_user: MakeUser, make_round: MakeRound
) -> None:
    round_ = make_round("moderated", agencies=["police", "health"])
    with app.app_context():
        live = db.session.get(Round, round_.id)
        assert live is not None
        people = [
            CompletedResponse("police", "frontline", comments={"trust": f"{SecretWords} {n}"})
            for n in range(2)
        ]
        ids = record_submissions(
            live, current_questionnaire(), people, Channel.ONLINE, date.today()
        )
        db.session.commit()
    manager_email = make_user("manager")
    manager = browser(app, manager_email)
    queue = f"/moderate/{round_.slug}"
    first, second = (comment_ref(i, "trust", TEST_SECRET) for i in ids)
    assert post_form(manager, f"{queue}/comments/{first}", {"action": "publish"}, queue) == 302
    redaction = {"action": "redact", f"{second}-text": "The duty desk needs more staff."}
    assert post_form(manager, f"{queue}/comments/{second}", redaction, queue) == 302
    publish(app, round_.slug)
    assert manager.get(f"/reports/{round_.slug}/analysis.csv").status_code == 200

    recorded = events(app)
    assert (manager_email, "comment published", round_.slug, "feature trust") in recorded
    assert (
        manager_email,
        "comment published with your changes",
        round_.slug,
        "feature trust",
    ) in recorded
    assert recorded[-1] == (
        manager_email,
        "download",
        "analysis (CSV)",
        f"round {round_.slug}, release 1",
    )
    everything = repr(recorded)
    assert "Marigold" not in everything and "duty desk" not in everything
    assert not any(str(i) in everything for i in ids)  # nor which response it was
    # The downloads page still lists it, with the release it came from.
    with app.app_context():
        assert db.session.scalars(select(Download.what)).all() == ["analysis (CSV)"]
    admin = browser(app, make_user("admin"))
    assert "analysis (CSV)" in admin.get("/manage/downloads").get_data(as_text=True)


def test_workshop_controls_are_recorded(
    app: Flask, make_user: MakeUser, make_workshop: Callable[..., WorkshopRef]
) -> None:
    workshop = make_workshop(open_answering=False)
    facilitator = browser(app, make_user("facilitator"))
    console = workshop.console
    assert post_form(facilitator, f"{console}/open", {}, console) == 302
    assert post_form(facilitator, f"{console}/focus", {"feature": "trust"}, console) == 302
    assert post_form(facilitator, f"{console}/end", {}, console) == 302
    workshop_events = [(action, detail) for _a, action, _t, detail in events(app)[1:]]
    assert workshop_events == [
        ("workshop open", ""),
        ("workshop focus", "feature trust"),
        ("workshop end", ""),
    ]


def test_administrators_read_the_log_a_page_at_a_time_and_export_it(
    app: Flask, make_user: MakeUser
) -> None:
    with app.app_context():
        for number in range(119):
            record("test event", target=f"thing {number}")
        record("test event", target='=HYPERLINK("https://evil.example","click")')
    admin = browser(app, make_user("admin"))  # 121 events with this sign-in
    first = html.unescape(admin.get("/manage/audit").get_data(as_text=True))
    assert "121 events, page 1 of 3" in first
    assert first.count('<tr class="govuk-table__row">') == 1 + 50
    assert "sign-in" in first  # newest first
    # On a phone each row reads as a card, every cell named by its column (no sideways scroll).
    assert "boundary-table-stack" in first and first.count('data-label="Details"') == 50
    last = admin.get("/manage/audit?page=3").get_data(as_text=True)
    assert last.count('<tr class="govuk-table__row">') == 1 + 21
    assert "thing 0<" in last
    for odd in ("abc", "-1", "0", "999", "9" * 40):
        assert admin.get(f"/manage/audit?page={odd}").status_code == 200, odd
    beyond = admin.get("/manage/audit?page=999").get_data(as_text=True)
    assert "page 3 of 3" in beyond

    exported = admin.get("/manage/audit.csv")
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    assert "attachment" in exported.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["when_utc", "who", "action", "target", "detail"]
    assert len(rows) == 1 + 121
    assert rows[1][1] == command_line_actor() and rows[1][3] == "thing 0"
    assert rows[120][3].startswith("'=HYPERLINK")  # a formula, shown as text
    assert events(app)[-1][1:] == ("audit log exported", "", "CSV")


def test_only_administrators_see_the_log(app: Flask, make_user: MakeUser) -> None:
    for role in ("manager", "agency-lead", "facilitator"):
        person = browser(app, make_user(role, "police" if role == "agency-lead" else None))
        assert person.get("/manage/audit").status_code == 403, role
        assert person.get("/manage/audit.csv").status_code == 403, role


def test_record_clips_long_text_and_names_the_command_line(app: Flask) -> None:
    with app.app_context():
        event = record("x" * 200, target="t" * 1000, detail="d" * 1000)
        assert event.actor == command_line_actor() and event.user_id is None
        assert len(event.action) == 80 and len(event.target) == 300 and len(event.detail) == 500
        assert event.target.endswith("…")
