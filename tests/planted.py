"""The app with one deliberately injectable page, for the sqlmap probe only
(tests/integration/test_sqlmap_probe.py): it proves that the probe's sqlmap really reaches
the app and would report an injection, so "none found" elsewhere means something.
Never served outside that test."""

from __future__ import annotations

from flask import Flask, request
from sqlalchemy import text

from surveys import create_app
from surveys.database import db

PLANTED = "/planted/round-count"


def planted_app() -> Flask:
    app = create_app()

    @app.get(PLANTED)
    def round_count() -> str:
        slug = request.args.get("slug", "")
        try:
            # The mistake the probe must find: user input pasted into SQL.
            count = db.session.scalar(text(f"SELECT count(*) FROM rounds WHERE slug = '{slug}'"))
        except Exception as error:  # noqa: BLE001 - a careless page shows the error
            db.session.rollback()
            return f"The search failed: {error}"
        return f"{count} rounds have that short name"

    return app
