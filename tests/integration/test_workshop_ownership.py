"""A facilitator runs only the workshops they set up; an administrator runs any.

Every control is tried by another facilitator (a 403 page that says why, and nothing
changed), by the owner and by an administrator."""

from __future__ import annotations

import html
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from surveys.database import db
from surveys.workshops.models import WorkshopAction, WorkshopSession
from tests.helpers import TEST_PASSWORD, WorkshopRef, csrf_token_in

MakeUser = Callable[..., str]
MakeWorkshop = Callable[..., WorkshopRef]
OWNER = "owner@example.org"
OTHER = "other-facilitator@example.org"
REFUSAL = "This workshop was set up by another facilitator"

PAGES = ("", "/end", "/projector", "/live/console", "/live/projector", "/actions.csv")
MOVES: dict[str, dict[str, str]] = {
    "open": {},
    "close": {},
    "reveal": {},
    "hide": {},
    "focus": {"feature": "trust"},
    "revote": {"item": "trust-1"},
    "stop-revote": {},
    "agree": {"feature": "trust", "level": "developing"},
    "action": {"action-text": "Meet monthly", "action-feature": "trust"},
    "end": {},
}


def browser(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    token = csrf_token_in(client.get("/sign-in").get_data(as_text=True))
    signed = client.post(
        "/sign-in", data={"csrf_token": token, "email": email, "password": TEST_PASSWORD}
    )
    assert signed.status_code == 302
    return client


def state_of(app: Flask, workshop: WorkshopRef) -> tuple[object, ...]:
    with app.app_context():
        live = db.session.get(WorkshopSession, workshop.id)
        assert live is not None
        actions = db.session.scalars(
            select(WorkshopAction.status).where(WorkshopAction.session_id == workshop.id)
        ).all()
        return (
            live.state,
            live.revealed,
            live.focus_feature,
            live.revote_item,
            live.version,
            tuple(actions),
        )


@pytest.fixture
def owned(app: Flask, make_user: MakeUser, make_workshop: MakeWorkshop) -> WorkshopRef:
    make_user("facilitator", email=OWNER)
    make_user("facilitator", email=OTHER)
    workshop = make_workshop(title="Owner's room", facilitator=OWNER)
    with app.app_context():
        live = db.session.get(WorkshopSession, workshop.id)
        assert live is not None
        from surveys.workshops import service

        service.add_action(live, "An agreed action", None, None, None)
    return workshop


def action_id(app: Flask, workshop: WorkshopRef) -> int:
    with app.app_context():
        found = db.session.scalar(
            select(WorkshopAction.id).where(WorkshopAction.session_id == workshop.id)
        )
        assert found is not None
        return found


def test_another_facilitator_can_open_none_of_its_pages(app: Flask, owned: WorkshopRef) -> None:
    other = browser(app, OTHER)
    for page in (*PAGES, "/report.pdf"):
        response = other.get(f"{owned.console}{page}")
        assert response.status_code == 403, page
        body = html.unescape(response.get_data(as_text=True))
        assert "You cannot do that" in body and REFUSAL in body, page
    listing = other.get("/workshops").get_data(as_text=True)
    assert "Owner&#39;s room" not in listing and "Owner's room" not in listing


@pytest.mark.parametrize("step", sorted(MOVES))
def test_another_facilitator_can_press_none_of_its_buttons(
    app: Flask, owned: WorkshopRef, step: str
) -> None:
    other = browser(app, OTHER)
    token = csrf_token_in(other.get("/workshops").get_data(as_text=True))
    before = state_of(app, owned)
    response = other.post(f"{owned.console}/{step}", data={"csrf_token": token, **MOVES[step]})
    assert response.status_code == 403
    assert REFUSAL in html.unescape(response.get_data(as_text=True))
    assert state_of(app, owned) == before


def test_another_facilitator_cannot_change_its_actions(app: Flask, owned: WorkshopRef) -> None:
    other = browser(app, OTHER)
    token = csrf_token_in(other.get("/workshops").get_data(as_text=True))
    before = state_of(app, owned)
    response = other.post(
        f"/workshops/actions/{action_id(app, owned)}/status",
        data={"csrf_token": token, "status": "done"},
    )
    assert response.status_code == 403
    assert state_of(app, owned) == before


@pytest.mark.parametrize("who", ["owner", "admin"])
def test_the_owner_and_an_administrator_run_it(
    app: Flask, make_user: MakeUser, owned: WorkshopRef, who: str
) -> None:
    client = browser(app, OWNER if who == "owner" else make_user("admin"))
    for page in PAGES:
        assert client.get(f"{owned.console}{page}").status_code == 200, page
    assert "Owner&#39;s room" in client.get("/workshops").get_data(as_text=True)
    token = csrf_token_in(client.get(owned.console).get_data(as_text=True))
    response = client.post(
        f"/workshops/actions/{action_id(app, owned)}/status",
        data={"csrf_token": token, "status": "done"},
    )
    assert response.status_code == 302
    for step in ("reveal", "focus", "hide", "close", "open", "end"):
        response = client.post(f"{owned.console}/{step}", data={"csrf_token": token, **MOVES[step]})
        assert response.status_code == 302, step
    assert state_of(app, owned)[0].value == "ended"  # type: ignore[attr-defined]


def test_a_workshop_set_up_by_no_one_is_run_by_administrators_only(
    app: Flask, make_user: MakeUser, make_workshop: MakeWorkshop
) -> None:
    """Set up from the command line (the demo), or its facilitator's account removed."""
    workshop = make_workshop(title="Nobody's room", facilitator=None)
    facilitator = browser(app, make_user("facilitator"))
    assert facilitator.get(workshop.console).status_code == 403
    admin = browser(app, make_user("admin"))
    assert admin.get(workshop.console).status_code == 200


def test_a_workshop_set_up_through_the_form_belongs_to_its_facilitator(
    app: Flask, make_user: MakeUser
) -> None:
    make_user("facilitator", email=OTHER)
    creator = browser(app, make_user("facilitator", email=OWNER))
    form = creator.get("/workshops/new").get_data(as_text=True)
    created = creator.post(
        "/workshops/new",
        data={
            "csrf_token": csrf_token_in(form),
            "title": "Made here",
            "held_on": ["4", "12", "2026"],
            "round": "",
            "features": ["trust"],
            "mode": "pulse",
        },
    )
    body = created.get_data(as_text=True)
    assert created.status_code == 302, body[body.find("govuk-error-summary") :][:900]
    console = created.headers["Location"]
    assert creator.get(console).status_code == 200
    assert browser(app, OTHER).get(console).status_code == 403


def test_the_demo_workshop_is_every_facilitators_to_try(app: Flask, make_user: MakeUser) -> None:
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        demo = db.session.scalars(select(WorkshopSession)).one()
        demo_id, title = demo.id, demo.title
    facilitator = browser(app, make_user("facilitator"))
    assert html.escape(title) in facilitator.get("/workshops").get_data(as_text=True)
    console = facilitator.get(f"/workshops/{demo_id}")
    assert console.status_code == 200
    # Its synthetic room joined on phones like a real one, so no false warning of stuffing.
    page = console.get_data(as_text=True)
    assert "36 phones have joined" in page and "data-stuffing-warning" not in page
