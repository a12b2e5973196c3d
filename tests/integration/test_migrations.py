"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import inspect, text

from surveys.database import MIGRATIONS, db, downgrade, upgrade
from surveys.schema_versions import UnreadableMigration, applied, shipped


def test_models_and_migrations_agree(app: Flask) -> None:
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"render_as_batch": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == [], "a model changed without a migration: flask db migrate"


def test_workshop_reports_migrate_up_and_down(database_url: str) -> None:
    """0016_workshop_reports, down to 0015 and up again, in a schema (or file) of its own."""
    from sqlalchemy.engine import make_url

    from surveys import create_app
    from surveys.database import migrate_from_nothing
    from tests.helpers import app_config

    schema = "boundary_test_migrations"
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        assert url.database is not None
        url = url.set(database=url.database.replace(".sqlite3", "-migrations.sqlite3"))
    else:
        url = url.update_query_dict({"options": f"-csearch_path={schema}"})
    app = create_app(app_config(url.render_as_string(hide_password=False)))

    def columns() -> dict[str, bool]:
        found = inspect(db.engine).get_columns("stored_reports")
        return {str(c["name"]): bool(c["nullable"]) for c in found}

    with app.app_context():
        try:
            migrate_from_nothing(schema)
            assert columns()["workshop_id"] and columns()["release_id"]
            # A workshop's report (no release) is stored; going down removes it, as it must.
            with db.engine.begin() as connection:
                connection.execute(
                    text(
                        "INSERT INTO stored_reports (agency, edition, state, attempts, "
                        "requested_at) VALUES ('', 'w1', 'pending', 0, CURRENT_TIMESTAMP)"
                    )
                )
            downgrade(revision="0015_reports")
            assert "workshop_id" not in columns() and not columns()["release_id"]
            with db.engine.connect() as connection:
                assert connection.scalar(text("SELECT count(*) FROM stored_reports")) == 0
            upgrade()
            assert columns()["workshop_id"] and columns()["round_id"]
        finally:
            if db.engine.dialect.name == "postgresql":
                with db.engine.begin() as connection:
                    connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            db.engine.dispose()


def test_the_migrations_read_without_alembic_are_alembics(app: Flask) -> None:
    scripts = ScriptDirectory(str(MIGRATIONS))
    heads, known = shipped()
    assert heads == frozenset(scripts.get_heads())
    assert known == frozenset(script.revision for script in scripts.walk_revisions())
    with app.app_context(), db.engine.connect() as connection:
        assert applied(connection) == frozenset(
            MigrationContext.configure(connection).get_current_heads()
        )
        assert applied(connection) == heads  # the test database is migrated to the head


def test_branches_and_merges_are_read_as_alembic_writes_them(tmp_path: Path) -> None:
    versions = tmp_path / "versions"
    versions.mkdir()
    for name, header in {
        "a": 'revision = "a"\ndown_revision = None',
        "b": 'revision = "b"\ndown_revision = "a"',
        "c": 'revision: str = "c"\ndown_revision: str | None = "a"',  # a branch
        "d": 'revision = "d"\ndown_revision = ("b", "c")',  # merged
        "e": "revision = 'e'\ndown_revision = 'a'",  # a second head
    }.items():
        (versions / f"{name}_step.py").write_text(f'"""Step {name}."""\n\n{header}\n')
    heads, known = shipped(tmp_path)
    assert heads == {"d", "e"} and known == set("abcde")
    (versions / "f_broken.py").write_text("down_revision = 'e'\n")
    with pytest.raises(UnreadableMigration, match="f_broken.py"):
        shipped.__wrapped__(tmp_path)


def test_feature_scores_go_and_come_back(app: Flask) -> None:
    """0017 drops the per-respondent feature scores nothing read; its downgrade brings the
    table back as the earlier code expects it (keys, index, no rowid on SQLite)."""
    with app.app_context():
        assert "feature_scores" not in inspect(db.engine).get_table_names()
        try:
            downgrade(revision="0016_workshop_reports")
            found = inspect(db.engine)
            assert "feature_scores" in found.get_table_names()
            assert found.get_pk_constraint("feature_scores")["constrained_columns"] == [
                "submission_id",
                "feature_id",
            ]
            indexes = {i["name"] for i in found.get_indexes("feature_scores")}
            assert "ix_feature_scores_round_feature" in indexes
            if db.engine.dialect.name == "sqlite":
                with db.engine.connect() as connection:
                    sql = connection.scalar(
                        text("SELECT sql FROM sqlite_master WHERE name = 'feature_scores'")
                    )
                assert "WITHOUT ROWID" in str(sql)
        finally:
            upgrade()
        assert "feature_scores" not in inspect(db.engine).get_table_names()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"render_as_batch": True})
            assert compare_metadata(context, db.metadata) == []
