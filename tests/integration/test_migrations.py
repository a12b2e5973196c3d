"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask

from surveys.database import db


def test_models_and_migrations_agree(app: Flask) -> None:
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"render_as_batch": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == [], "a model changed without a migration: flask db migrate"


def test_workshop_reports_migrate_up_and_down(database_url: str) -> None:
    """0016_workshop_reports, down to 0015 and up again, in a schema (or file) of its own."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect, text
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
