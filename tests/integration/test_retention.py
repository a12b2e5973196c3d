"""Keeping data no longer than needed: deleting a round and all it holds (web and command
line, with the slug typed to confirm), and forgetting drafts older than N days."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from surveys import create_app
from surveys.audit import AuditEvent, Download
from surveys.database import Base, db
from surveys.library import current_questionnaire
from surveys.questionnaire import Questionnaire
from surveys.releases.models import Release
from surveys.responses.models import Answer, Comment, Draft, ImportRecord, Submission
from surveys.responses.tallies import ItemTally
from surveys.rounds.models import Headcount, Round, RoundAgency, utc_now
from surveys.rounds.service import RoundSpec, create_round
from surveys.workshops.models import RoomAnswer, RoomResponse, WorkshopAction, WorkshopSession
from surveys.workshops.service import add_action
from tests.helpers import (
    PROJECT_ROOT,
    Respondent,
    RoundRef,
    WorkshopRef,
    answer_everything,
    app_config,
    count_rows,
    csrf_token_in,
    feature_answers,
    publish,
)
from tests.integration.test_workshops import Participant

SECRET = "PANGOLIN-DELETED-8812"
MakeRound = Callable[..., RoundRef]


def send(app: Flask, round_: RoundRef, questionnaire: Questionnaire, comment: str) -> None:
    person = Respondent(app.test_client(), round_)
    answer_everything(person, questionnaire)
    first = questionnaire.features[0].id
    person.post({**feature_answers(questionnaire, first), "comment": comment}, f"/section/{first}")
    person.post({}, path="/submit", action=None)


def leave_a_draft(app: Flask, round_: RoundRef, agency: str = "police") -> None:
    person = Respondent(app.test_client(), round_)
    person.get("/about-you")
    person.post({"agency": agency, "level": "frontline"})


def fill(
    app: Flask,
    round_: RoundRef,
    questionnaire: Questionnaire,
    make_workshop: Callable[..., WorkshopRef],
    comment: str,
) -> WorkshopRef:
    """Everything a round can hold: responses, a draft, a release, a download record, a
    linked workshop with answers and an action, a headcount, an import record."""
    for _ in range(5):
        send(app, round_, questionnaire, comment)
    leave_a_draft(app, round_)
    publish(app, round_.slug)
    workshop = make_workshop(round_slug=round_.slug, title=f"Workshop {round_.slug}")
    for _ in range(2):
        phone = Participant(app, workshop)
        phone.join()
        phone.answer()
    with app.app_context():
        session = db.session.get(WorkshopSession, workshop.id)
        assert session is not None
        add_action(session, f"Action for {round_.slug}", None, None, None)
        db.session.add(
            Download(
                downloaded_at=utc_now(),
                email="manager@example.org",
                round_id=round_.id,
                round_name=f"Round {round_.slug}",
                what="report.pdf",
            )
        )
        db.session.add(Headcount(round_id=round_.id, agency_id="police", level_id="x", headcount=9))
        db.session.add(
            ImportRecord(
                round_id=round_.id, content_hash=round_.slug, imported_on=utc_now(), responses=1
            )
        )
        db.session.commit()
    return workshop


def holdings(app: Flask, round_id: int, workshop_id: int) -> dict[str, int]:
    counts = {
        model.__tablename__: count_rows(app, model, round_id=round_id)
        for model in (
            Submission,
            Answer,
            Comment,
            Draft,
            Release,
            Download,
            RoundAgency,
            Headcount,
            ImportRecord,
            ItemTally,
            WorkshopAction,
        )
    }
    counts["rounds"] = count_rows(app, Round, id=round_id)
    counts["workshop_sessions"] = count_rows(app, WorkshopSession, id=workshop_id)
    counts["workshop_responses"] = count_rows(app, RoomResponse, session_id=workshop_id)
    counts["workshop_answers"] = count_rows(app, RoomAnswer, session_id=workshop_id)
    return counts


@pytest.fixture
def two_rounds(
    app: Flask,
    make_round: MakeRound,
    questionnaire: Questionnaire,
    make_workshop: Callable[..., WorkshopRef],
) -> tuple[tuple[RoundRef, WorkshopRef], tuple[RoundRef, WorkshopRef]]:
    doomed, kept = make_round("doomed"), make_round("kept")
    return (
        (doomed, fill(app, doomed, questionnaire, make_workshop, SECRET)),
        (kept, fill(app, kept, questionnaire, make_workshop, "Kept comment")),
    )


def audit_lines(app: Flask, *actions: str) -> list[dict[str, str]]:
    """The audit log's entries for these actions, oldest first."""
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action.in_(actions)).order_by(AuditEvent.id)
        )
        return [
            {"action": e.action, "target": e.target, "detail": e.detail, "actor": e.actor}
            for e in events
        ]


def test_an_administrator_deletes_a_round_by_typing_its_slug(
    app: Flask,
    client: FlaskClient,
    make_user: Callable[..., str],
    sign_in: Callable[[str], None],
    two_rounds: tuple[tuple[RoundRef, WorkshopRef], tuple[RoundRef, WorkshopRef]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    (doomed, doomed_workshop), (kept, kept_workshop) = two_rounds
    before_kept = holdings(app, kept.id, kept_workshop.id)
    assert all(before_kept.values()), before_kept  # every kind of row is there to delete
    assert all(holdings(app, doomed.id, doomed_workshop.id).values())
    sign_in(make_user("admin"))
    assert "Delete this round" in client.get(f"/manage/rounds/{doomed.slug}").get_data(as_text=True)
    address = f"/manage/rounds/{doomed.slug}/delete"
    page = client.get(address).get_data(as_text=True)
    for listed in ("5 responses", "1 unsent draft", "1 published release", "1 linked workshop"):
        assert listed in page
    token = csrf_token_in(page)

    for typed, message in [
        ("", "Type the round&#39;s short name to delete it"),
        ("kept", "That is not this round&#39;s short name. Type doomed to delete it"),
        ("Doomed", "Type doomed to delete it"),
    ]:
        refused = client.post(address, data={"csrf_token": token, "confirm": typed})
        assert refused.status_code == 400
        assert message in refused.get_data(as_text=True)
    assert client.post(address, data={"confirm": "doomed"}).status_code == 400  # no CSRF
    assert count_rows(app, Round, id=doomed.id) == 1
    capsys.readouterr()

    done = client.post(address, data={"csrf_token": token, "confirm": " doomed "})
    assert done.status_code == 302 and done.headers["Location"].endswith("/manage/rounds")
    listing = client.get("/manage/rounds").get_data(as_text=True)
    assert "has been deleted: 5 responses, 1 unsent draft" in listing

    assert not any(holdings(app, doomed.id, doomed_workshop.id).values())
    assert holdings(app, kept.id, kept_workshop.id) == before_kept
    (audit,) = audit_lines(app, "round.delete")
    assert audit["action"] == "round.delete" and audit["target"] == "doomed"
    assert "by admin-x@example.org" in audit["detail"] and "5 responses" in audit["detail"]
    assert SECRET not in json.dumps(audit)
    assert client.get(doomed.url).status_code == 404  # its link has stopped working


def test_only_administrators_delete_rounds(
    client: FlaskClient,
    make_round: MakeRound,
    make_user: Callable[..., str],
    sign_in: Callable[[str], None],
) -> None:
    round_ = make_round("mine")
    assert client.get(f"/manage/rounds/{round_.slug}/delete").status_code == 302  # sign in
    sign_in(make_user("manager"))
    assert client.get(f"/manage/rounds/{round_.slug}/delete").status_code == 403
    assert client.post(f"/manage/rounds/{round_.slug}/delete").status_code in (400, 403)


def test_delete_round_on_the_command_line(
    app: Flask,
    two_rounds: tuple[tuple[RoundRef, WorkshopRef], tuple[RoundRef, WorkshopRef]],
) -> None:
    (doomed, doomed_workshop), (kept, kept_workshop) = two_rounds
    before_kept = holdings(app, kept.id, kept_workshop.id)
    runner = app.test_cli_runner()

    unknown = runner.invoke(args=["delete-round", "nope"])
    assert unknown.exit_code == 1
    assert "No round with the slug 'nope': nothing was deleted." in unknown.output
    mistyped = runner.invoke(args=["delete-round", "doomed"], input="kept\n")
    assert mistyped.exit_code == 1
    assert "5 responses, 1 unsent draft, 1 published release, 1 workshop" in mistyped.output
    assert "is not the round's slug (doomed): nothing was deleted." in mistyped.output
    flagged_wrong = runner.invoke(args=["delete-round", "doomed", "--yes-i-typed", "kept"])
    assert flagged_wrong.exit_code == 1
    assert count_rows(app, Round, id=doomed.id) == 1

    typed = runner.invoke(args=["delete-round", "doomed"], input="doomed\n")
    assert typed.exit_code == 0, typed.output
    assert "Deleted the round 'doomed': 5 responses" in typed.output
    assert not any(holdings(app, doomed.id, doomed_workshop.id).values())
    assert holdings(app, kept.id, kept_workshop.id) == before_kept

    scripted = runner.invoke(args=["delete-round", "kept", "--yes-i-typed", "kept"])
    assert scripted.exit_code == 0, scripted.output
    assert count_rows(app, Round) == 0
    # Nothing of any round is left in any table that belongs to rounds.
    with app.app_context():
        for table in Base.metadata.sorted_tables:
            if table.name not in {"users", "sign_in_throttles", "audit_events", "alembic_version"}:
                assert db.session.execute(select(table)).first() is None, table.name
    audits = audit_lines(app, "round.delete")
    assert [a["target"] for a in audits] == ["doomed", "kept"]


def test_a_deleted_rounds_comments_are_in_no_file(own_app: Flask, instance: Path) -> None:
    now = utc_now()
    with own_app.app_context():
        round_ = create_round(
            RoundSpec(
                name="Stored", slug="stored", opens_at=now - timedelta(days=1), closes_at=now
            ),
            current_questionnaire(),
            30,
        )
        ref = RoundRef(round_.id, round_.slug, round_.public_token)
        questionnaire = current_questionnaire()
        round_.closes_at = now + timedelta(days=3)
        db.session.commit()
    send(own_app, ref, questionnaire, SECRET)
    with own_app.app_context():
        db.engine.dispose()

    def files_holding_secret() -> list[str]:
        return [f.name for f in sorted(instance.iterdir()) if SECRET.encode() in f.read_bytes()]

    assert files_holding_secret(), "the comment should be stored until the round is deleted"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("BOUNDARY_")}
    environment.update(
        {"DATABASE_URL": f"sqlite:///{instance / 'boundary.sqlite3'}", "SECRET_KEY": "t"}
    )
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "delete-round", "stored"],
        cwd=PROJECT_ROOT,
        env=environment,
        input="stored\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert files_holding_secret() == []


def test_forget_drafts_older_than_some_days(app: Flask, make_round: MakeRound) -> None:
    round_ = make_round()
    for agency in ("police", "health", "education"):
        leave_a_draft(app, round_, agency)
    with app.app_context():
        ids = list(db.session.scalars(select(Draft.id).order_by(Draft.id)))
        today = utc_now().date()
        for draft_id, age in zip(ids, (100, 40, 0), strict=True):
            db.session.execute(
                update(Draft)
                .where(Draft.id == draft_id)
                .values(updated_on=today - timedelta(days=age))
            )
        db.session.commit()
    runner = app.test_cli_runner()
    for bad in ("0", "-3", "ten", ""):
        refused = runner.invoke(args=["forget-drafts", "--older-than", bad])
        assert refused.exit_code == 2 and "--older-than" in refused.output, bad
    assert count_rows(app, Draft) == 3

    default = runner.invoke(args=["forget-drafts"])  # DRAFT_RETENTION_DAYS: 90
    assert default.exit_code == 0, default.output
    assert "Deleted 1 unsent drafts last saved more than 90 days ago." in default.output
    assert count_rows(app, Draft) == 2
    chosen = runner.invoke(args=["forget-drafts", "--older-than", "30"])
    assert "Deleted 1 unsent drafts last saved more than 30 days ago." in chosen.output
    with app.app_context():
        assert list(db.session.scalars(select(Draft.id))) == [ids[2]]
    audits = audit_lines(app, "drafts.forget")
    assert [a["action"] for a in audits] == ["drafts.forget", "drafts.forget"]
    assert audits[1]["target"] == "older than 30 days"


def test_the_draft_retention_setting(database_url: str, make_round: MakeRound) -> None:
    off = create_app(app_config(database_url, DRAFT_RETENTION_DAYS=0))
    result = off.test_cli_runner().invoke(args=["forget-drafts"])
    assert result.exit_code == 0 and "days ago" not in result.output
    bad = create_app(app_config(database_url, DRAFT_RETENTION_DAYS="a week"))
    result = bad.test_cli_runner().invoke(args=["forget-drafts"])
    assert result.exit_code != 0
    assert "DRAFT_RETENTION_DAYS is 'a week'" in str(result.exception or result.output)
    for app in (off, bad):
        with app.app_context():
            db.engine.dispose()
