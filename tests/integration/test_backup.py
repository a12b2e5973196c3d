"""`flask --app app backup` and `restore`, run as real processes on an SQLite database in an
instance folder of its own; on PostgreSQL the commands point to pg_dump, whose documented
commands are run too."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import make_url, select, text

from surveys import create_app
from surveys.database import db
from surveys.library import current_questionnaire
from surveys.responses.models import Comment, Submission
from surveys.rounds.models import Round, utc_now
from surveys.rounds.service import RoundSpec, create_round
from tests.helpers import (
    PROJECT_ROOT,
    Respondent,
    RoundRef,
    answer_everything,
    app_config,
    count_rows,
    feature_answers,
)

KEPT = "HERON-KEPT-2207"  # a comment that was sent: in the backup
FORGOTTEN = "OTTER-FORGOTTEN-5150"  # a draft's comment deleted before the backup: not in it


@pytest.fixture
def database(instance: Path) -> Path:
    return instance / "boundary.sqlite3"


def flask(database: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("BOUNDARY_")}
    environment.update({"DATABASE_URL": f"sqlite:///{database}", "SECRET_KEY": "backup-tests"})
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=PROJECT_ROOT,
        env=environment,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def filled(app: Flask) -> RoundRef:
    """A round with one sent response (with a comment), and a draft whose comment was
    deleted (the respondent started again)."""
    now = utc_now()
    with app.app_context():
        round_ = create_round(
            RoundSpec(
                name="Backup round",
                slug="spring",
                opens_at=now - timedelta(days=1),
                closes_at=now + timedelta(days=30),
            ),
            current_questionnaire(),
            30,
        )
        ref = RoundRef(round_.id, round_.slug, round_.public_token)
        questionnaire = current_questionnaire()
    first = questionnaire.features[0].id
    sent = Respondent(app.test_client(), ref)
    answer_everything(sent, questionnaire)
    sent.post({**feature_answers(questionnaire, first), "comment": KEPT}, f"/section/{first}")
    sent.post({}, path="/submit", action=None)
    dropped = Respondent(app.test_client(), ref)
    dropped.get("/about-you")
    dropped.post({"agency": "police", "level": "frontline"})
    dropped.post({**feature_answers(questionnaire, first), "comment": FORGOTTEN})
    with app.app_context():
        # Deleted (as forget-drafts does) with no checkpoint after: the live files may still
        # hold the words; a backup must not.
        assert db.session.execute(text("DELETE FROM drafts")).rowcount == 1  # type: ignore[attr-defined]
        db.session.commit()
        db.engine.dispose()  # the app in this test process holds no connection meanwhile
    return ref


def test_backup_is_a_consistent_owner_only_copy_without_deleted_text(
    own_app: Flask, database: Path, tmp_path: Path
) -> None:
    filled(own_app)
    # Someone is writing while the backup runs: their transaction is not finished.
    writer = sqlite3.connect(database, timeout=10)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE rounds SET name = 'HALF-WRITTEN' WHERE slug = 'spring'")
    target = tmp_path / "copies" / "spring.sqlite3"
    result = flask(database, "backup", str(target))
    writer.commit()
    writer.close()

    assert result.returncode == 0, result.stderr
    assert f"Backed up the database to {target}" in result.stdout
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in target.parent.iterdir()) == ["spring.sqlite3"]  # no -wal
    copy = target.read_bytes()
    assert KEPT.encode() in copy
    assert FORGOTTEN.encode() not in copy
    assert b"HALF-WRITTEN" not in copy
    with sqlite3.connect(target) as reading:
        assert reading.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert reading.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        assert reading.execute("SELECT name FROM rounds").fetchall() == [("Backup round",)]
        assert reading.execute("SELECT count(*) FROM submissions").fetchone() == (1,)
    reading.close()


def test_default_backup_goes_to_instance_backups_and_never_overwrites(
    own_app: Flask, database: Path, instance: Path
) -> None:
    filled(own_app)
    result = flask(database, "backup")
    assert result.returncode == 0, result.stderr
    (made,) = (instance / "backups").iterdir()
    assert made.name.startswith("boundary-") and made.suffix == ".sqlite3"
    assert stat.S_IMODE((instance / "backups").stat().st_mode) == 0o700
    again = flask(database, "backup", str(made))
    assert again.returncode == 1
    assert f"{made} already exists: choose a new file name" in again.stderr
    assert "Traceback" not in again.stderr


def test_restore_brings_the_data_back(own_app: Flask, database: Path, tmp_path: Path) -> None:
    filled(own_app)
    backup = tmp_path / "before.sqlite3"
    assert flask(database, "backup", str(backup)).returncode == 0
    # The data changes: the round is deleted, another appears.
    deleted = flask(database, "delete-round", "spring", "--yes-i-typed", "spring")
    assert deleted.returncode == 0, deleted.stderr
    with own_app.app_context():
        db.session.execute(
            text(
                "INSERT INTO rounds (slug, name, questionnaire_version, opens_at, closes_at, "
                "public_token, is_demo, created_on, data_version, latest_release, "
                "comments_revision) VALUES ('later', 'Later round', 'cop-maturity-v1', "
                "'2026-01-01', '2026-02-01', 'later-token', 0, '2026-01-01', 0, 0, 0)"
            )
        )
        db.session.commit()
        db.engine.dispose()

    refused = flask(database, "restore", str(backup), stdin="yes\n")
    assert refused.returncode == 1
    assert "You did not type 'restore': nothing was changed." in refused.stderr
    assert count_rows(own_app, Submission) == 0

    restored = flask(database, "restore", str(backup), stdin="restore\n")
    assert restored.returncode == 0, restored.stderr
    assert "Stop the app first" in restored.stdout
    with own_app.app_context():
        assert list(db.session.scalars(select(Round.slug))) == ["spring"]
        assert db.session.scalar(select(Comment.text)) == KEPT
        assert count_rows(own_app, Submission) == 1
        db.engine.dispose()
    # The database as it was just before the restore is kept, owner-only.
    (saved,) = (database.parent / "backups").glob("before-restore-*.sqlite3")
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    with sqlite3.connect(saved) as before:
        assert before.execute("SELECT slug FROM rounds").fetchall() == [("later",)]
    before.close()
    # The restored database is the app's again: write-ahead log, owner-only.
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    with sqlite3.connect(database) as live:
        assert live.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    live.close()


def test_restore_refuses_what_is_not_a_boundary_backup(
    own_app: Flask, database: Path, tmp_path: Path
) -> None:
    with own_app.app_context():
        db.engine.dispose()
    not_sqlite = tmp_path / "notes.sqlite3"
    not_sqlite.write_text("agency,level\npolice,frontline\n")
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE things (id INTEGER)")
    connection.close()
    for path, reason in [
        (tmp_path / "missing.sqlite3", "does not exist or is not a file"),
        (not_sqlite, "is not a Boundary backup (file is not a database)"),
        (other, "is an SQLite file but not a Boundary database"),
        (database, "is the database itself"),
    ]:
        result = flask(database, "restore", str(path), "--yes-i-typed", "restore")
        assert result.returncode == 1, path
        assert f"{path}" in result.stderr and reason in result.stderr, result.stderr
        assert "Traceback" not in result.stderr


def test_on_postgresql_the_commands_point_to_pg_dump() -> None:
    # No connection is made: the database's kind is enough to answer.
    app = create_app(app_config("postgresql://nobody@127.0.0.1:9/boundary"))
    runner = app.test_cli_runner()
    for args in (["backup"], ["restore", "boundary.dump", "--yes-i-typed", "restore"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 1
        assert "This database is postgresql, not SQLite" in result.output
        assert "pg_dump --format=custom" in result.output
        assert "pg_restore --clean --if-exists --no-owner" in result.output


def test_the_documented_pg_dump_and_pg_restore_bring_the_data_back(
    app: Flask, database_url: str, tmp_path: Path
) -> None:
    """The README's commands, on a copy database of this suite's own (test_<name>_restore)."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        pytest.skip("needs TEST_DATABASE_URL on PostgreSQL")
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("pg_dump and pg_restore are not installed")
    with app.app_context():
        create_round(
            RoundSpec(name="Dumped", slug="dumped", opens_at=utc_now(), closes_at=utc_now()),
            current_questionnaire(),
            30,
        )
    plain = url.set(drivername="postgresql").difference_update_query(["options"])
    source = plain.render_as_string(hide_password=False)
    copy_name = f"{url.database}_restore"
    copy = plain.set(database=copy_name).render_as_string(hide_password=False)
    admin = plain.set(database="postgres").render_as_string(hide_password=False)
    dump = tmp_path / "boundary.dump"

    def run(*command: str) -> None:
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr

    run("psql", admin, "-c", f'DROP DATABASE IF EXISTS "{copy_name}" WITH (FORCE)')
    run("psql", admin, "-c", f'CREATE DATABASE "{copy_name}"')
    try:
        run("pg_dump", "--format=custom", f"--file={dump}", source)
        run("pg_restore", "--clean", "--if-exists", "--no-owner", f"--dbname={copy}", str(dump))
        restored = create_app(
            app_config(
                plain.set(database=copy_name, drivername="postgresql")
                .update_query_dict({"options": "-csearch_path=boundary_test"})
                .render_as_string(hide_password=False)
            )
        )
        ready = restored.test_client().get("/readyz")
        with restored.app_context():
            names = list(db.session.scalars(select(Round.name)))
            db.session.remove()
            db.engine.dispose()
        assert names == ["Dumped"]
        assert ready.status_code == 200
    finally:
        run("psql", admin, "-c", f'DROP DATABASE IF EXISTS "{copy_name}" WITH (FORCE)')
