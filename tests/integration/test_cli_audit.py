"""Commands that change data, publish, export or write files are in the audit log, as the
command line and the operating-system account that ran them; a command that fails leaves
no event saying it succeeded. Run through Flask's CLI runner (the real commands, with their
guards), on SQLite and on PostgreSQL; backups and the demo admin on an SQLite file of their
own."""

from __future__ import annotations

import csv
import io
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import select

from surveys import create_app
from surveys.audit import COMMAND_LINE, AuditEvent, command_line_actor
from surveys.database import db, upgrade
from surveys.first_run import EMAIL as DEMO_ADMIN
from surveys.library import current_questionnaire
from surveys.questionnaire import Questionnaire
from surveys.rounds.models import Round
from surveys.rounds.service import RoundSpec, create_round
from tests.helpers import RoundRef, app_config
from tests.integration.test_audit_log import browser

MakeRound = Callable[..., RoundRef]
SECRET_COMMENT = "Pelican-Quarry-Lantern: the triage desk ignores us"
ACTOR = command_line_actor()


def run(app: Flask, *args: str, stdin: str | None = None) -> Result:
    result = app.test_cli_runner().invoke(args=list(args), input=stdin)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def by_the_command_line(app: Flask) -> list[tuple[str, str, str]]:
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.actor == ACTOR).order_by(AuditEvent.id)
        ).all()
        assert all(e.user_id is None for e in events)
        return [(e.action, e.target, e.detail) for e in events]


def responses_csv(folder: Path, questionnaire: Questionnaire, bad_row: bool = False) -> Path:
    """Six police and six health frontline responses (enough to publish), one with a comment."""
    header = ["agency", "level", *[item.id for item in questionnaire.items], "comment-trust"]
    rows = [
        [agency, "frontline", *["3"] * len(questionnaire.items), ""]
        for agency in ["police"] * 6 + ["health"] * 6
    ]
    rows[0][-1] = SECRET_COMMENT
    if bad_row:
        rows[4][2] = "seven"
    path = folder / ("bad.csv" if bad_row else "responses.csv")
    with path.open("w", newline="") as file:
        csv.writer(file, lineterminator="\n").writerows([header, *rows])
    return path


def test_the_actor_names_the_command_line_and_the_os_account() -> None:
    account = subprocess.run(["id", "-un"], capture_output=True, text=True, check=True)
    assert f"{COMMAND_LINE} (OS user {account.stdout.strip()})" == ACTOR


def test_each_command_that_changes_or_hands_out_data_is_audited(
    app: Flask, make_user: Callable[..., str], questionnaire: Questionnaire, tmp_path: Path
) -> None:
    headcounts = tmp_path / "headcounts.csv"
    headcounts.write_text("agency,level,headcount\npolice,frontline,10\nhealth,frontline,9\n")
    steps: list[tuple[str, ...]] = [
        ("create-round", "Audited", "--slug", "audited", "--agencies", "police,health"),
        ("create-round", "Counted", "--slug", "counted", "--headcounts", str(headcounts)),
        ("import-responses", "audited", str(responses_csv(tmp_path, questionnaire))),
        ("publish-release", "audited"),
        ("export", "audited", "--format", "csv"),
        ("export", "audited"),
        ("report", "audited", "-o", str(tmp_path / "audited.pdf")),
        ("delete-round", "counted", "--yes-i-typed", "counted"),
    ]
    for step in steps:
        result = run(app, *step)
        assert result.exit_code == 0, (step, result.output)
    made = run(
        app,
        "create-user",
        "lee@example.org",
        "--role",
        "manager",
        stdin="a long enough passphrase\n" * 2,
    )
    assert made.exit_code == 0, made.output

    assert (tmp_path / "audited.pdf").read_bytes().startswith(b"%PDF")
    recorded = by_the_command_line(app)
    assert [(action, target) for action, target, _detail in recorded] == [
        ("round created", "audited"),
        ("round created", "counted"),
        ("responses imported", "audited"),
        ("release published", "audited"),
        ("export", "analysis (CSV)"),
        ("export", "analysis (JSON)"),
        ("report written", "report (PDF)"),
        ("round.delete", "counted"),
        ("account created", "lee@example.org"),
    ]
    details = [detail for _action, _target, detail in recorded]
    assert "agencies: police, health" in details[0] and "headcounts: 2" in details[1]
    assert details[2] == "12 responses from responses.csv"
    assert details[3] == "release 1"
    assert details[4] == details[5] == "round audited, release 1"
    assert details[6].startswith("round audited, release 1, to ") and "audited.pdf" in details[6]
    assert details[8] == "Partnership manager"  # the role, never the password
    everything = repr(recorded)
    assert "passphrase" not in everything and "Pelican" not in everything

    # An administrator sees them on the audit page and in its CSV, as the command line.
    admin = browser(app, make_user("admin"))
    page = admin.get("/manage/audit").get_data(as_text=True)
    assert ACTOR in page and "responses imported" in page and "report written" in page
    exported = admin.get("/manage/audit.csv").get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(exported)))
    assert [ACTOR, "responses imported", "audited", "12 responses from responses.csv"] in [
        row[1:] for row in rows
    ]
    assert sum(row[1] == ACTOR for row in rows) == len(recorded)


def test_a_command_that_fails_records_no_success(
    app: Flask, make_round: MakeRound, questionnaire: Questionnaire, tmp_path: Path
) -> None:
    make_round("taken")
    failing: list[tuple[str, ...]] = [
        ("import-responses", "taken", str(responses_csv(tmp_path, questionnaire, bad_row=True))),
        ("create-round", "Again", "--slug", "taken"),
        ("export", "taken"),  # nothing published yet
        ("delete-round", "taken", "--yes-i-typed", "not-the-slug"),
        ("report", "taken", "-o", str(tmp_path / "none.pdf")),
    ]
    for step in failing:
        result = run(app, *step)
        assert result.exit_code != 0, (step, result.output)
        assert "Traceback" not in result.output
    assert "has no published results yet" in result.output  # the report's, said plainly
    weak = run(app, "create-user", "kim@example.org", "--role", "admin", stdin="short\nshort\n")
    assert weak.exit_code != 0
    assert by_the_command_line(app) == []
    # A refused release is recorded as refused (as on the round's page), never as published.
    assert run(app, "publish-release", "taken").exit_code != 0
    ((action, target, detail),) = by_the_command_line(app)
    assert (action, target) == ("release refused", "taken") and "no responses" in detail


def test_forget_drafts_records_the_final_release_and_the_drafts_it_deletes(
    app: Flask, make_round: MakeRound
) -> None:
    from surveys.responses.service import save_draft

    ended = make_round("ended")
    with app.app_context():
        live = db.session.get(Round, ended.id)
        assert live is not None
        save_draft(live, None, {"about": {"agency": "police"}})
        live.close()
        db.session.commit()
    assert run(app, "forget-drafts", "--older-than", "30").exit_code == 0
    assert [(a, t) for a, t, _d in by_the_command_line(app)] == [
        ("release published", "ended"),
        ("drafts.forget", "closed rounds"),
        ("drafts.forget", "older than 30 days"),
    ]
    # Run again (as cron does daily): nothing new is published or deleted in closed rounds.
    assert run(app, "forget-drafts", "--older-than", "30").exit_code == 0
    assert [a for a, _t, _d in by_the_command_line(app)][3:] == ["drafts.forget"]


@pytest.fixture
def file_app(tmp_path: Path) -> Flask:
    """An app on an SQLite file and instance folder of its own (backups, demo_admin.json)."""
    folder = tmp_path / "instance"
    folder.mkdir()
    app = create_app(app_config(f"sqlite:///{folder / 'boundary.sqlite3'}"), instance_path=folder)
    with app.app_context():
        upgrade()
        spec = RoundSpec(name="Demo", slug="demo", is_demo=True)
        create_round(spec, current_questionnaire(), 30)
    return app


def test_demo_admin_backup_and_restore_are_audited(file_app: Flask, tmp_path: Path) -> None:
    assert run(file_app, "demo-admin").exit_code == 0
    assert run(file_app, "demo-admin", "--reset").exit_code == 0
    copy = tmp_path / "copy.sqlite3"
    assert run(file_app, "backup", str(copy)).exit_code == 0
    assert [(a, t) for a, t, _d in by_the_command_line(file_app)] == [
        ("account created", DEMO_ADMIN),
        ("one-time password issued", DEMO_ADMIN),
        ("database backed up", str(copy)),
    ]
    assert run(file_app, "restore", str(copy), "--yes-i-typed", "restore").exit_code == 0
    recorded = by_the_command_line(file_app)
    # The restored database holds what was recorded up to its backup, then the restore.
    assert [a for a, _t, _d in recorded] == [
        "account created",
        "one-time password issued",
        "database restored",
    ]
    assert recorded[-1][1] == str(copy) and "before-restore" in recorded[-1][2]
    # Refused (nothing typed): no restore is recorded.
    assert run(file_app, "restore", str(copy), "--yes-i-typed", "no").exit_code != 0
    assert len(by_the_command_line(file_app)) == 3
    with file_app.app_context():
        db.engine.dispose()


def test_a_backup_refused_on_postgresql_records_nothing(app: Flask, tmp_path: Path) -> None:
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("on SQLite the backup is made (see the test above)")
    result = run(app, "backup", str(tmp_path / "copy.sqlite3"))
    assert result.exit_code != 0 and "pg_dump" in result.output
    assert by_the_command_line(app) == []
