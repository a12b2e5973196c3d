"""What a load balancer or orchestrator asks: is the process up, and can it serve?

- /healthz: the process answers. It touches no database, so a database outage does not get
  healthy web processes restarted.
- /readyz: the database answers and its schema is at the migrations' head. Otherwise 503
  with the reason in plain words (JSON), e.g. which command sets the database up.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify
from sqlalchemy.exc import SQLAlchemyError

from .database import db
from .logs import scrub
from .schema_versions import applied, shipped

blueprint = Blueprint("health", __name__)

SET_UP = "flask --app app db upgrade"


def database_state() -> tuple[bool, str]:
    """(ready, reason). Never raises: an unreachable database is an answer, not an error."""
    expected, _known = shipped()  # the revisions the code expects
    try:
        with db.engine.connect() as connection:
            at = applied(connection)
    except SQLAlchemyError as error:
        # The probe is public: the driver's words (host, port, user) go to the log only.
        cause = scrub(str(getattr(error, "orig", None) or error))
        current_app.logger.warning("Not ready: the database cannot be reached: %s", cause)
        return False, "The database cannot be reached (the log says why)"
    if not at:
        return False, f"The database has not been set up: run {SET_UP}"
    if at != expected:
        return False, (
            f"The database is at migration {', '.join(sorted(at))} but this version of "
            f"Boundary needs {', '.join(sorted(expected))}: run {SET_UP}"
        )
    return True, "The database answers and is up to date"


def _answer(status: str, reason: str, code: int) -> tuple[Response, int, dict[str, Any]]:
    return jsonify(status=status, reason=reason), code, {"Cache-Control": "no-store"}


@blueprint.get("/healthz")
def healthz() -> tuple[Response, int, dict[str, Any]]:
    return _answer("ok", "The process is up", 200)


@blueprint.get("/readyz")
def readyz() -> tuple[Response, int, dict[str, Any]]:
    ready, reason = database_state()
    return _answer("ready" if ready else "unavailable", reason, 200 if ready else 503)
