"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from surveys.database import db


def test_models_and_migrations_agree(app: Flask) -> None:
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"render_as_batch": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == [], "a model changed without a migration: flask db migrate"


def test_feature_scores_go_and_come_back(app: Flask) -> None:
    """0016 drops the per-respondent feature scores nothing read; its downgrade brings the
    table back as the earlier code expects it (keys, index, no rowid on SQLite)."""
    with app.app_context():
        assert "feature_scores" not in inspect(db.engine).get_table_names()
        try:
            downgrade(revision="0015_reports")
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
