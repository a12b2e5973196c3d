"""When the database cannot be reached or does not answer in time: a 503 page that says so.

Connecting timed out, the server refused, a statement ran past its time limit, or the pool
had no connection to give: the person is told the service is unavailable for now and that
what they saved is still saved (drafts are written page by page), never shown a trace. The
log line says what failed without the statement's values (surveys/logs.py).
"""

from __future__ import annotations

import contextlib
import logging

from flask import Flask, Response, g, render_template
from flask_login import AnonymousUserMixin
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from .database import db
from .logs import safe_exception_text

TITLE = "Sorry, the service is unavailable"
DESCRIPTION = (
    "The service cannot reach its database just now. Nothing you sent on this page was "
    "stored. Please try again in a few minutes: answers you saved before this are still saved."
)
RETRY_AFTER_SECONDS = "60"

log = logging.getLogger("surveys.outage")


def database_unavailable(error: Exception) -> tuple[str | Response, int, dict[str, str]]:
    log.warning(
        "The database is unavailable",
        extra={"event": "database-unavailable", "fields": {"exception": _text(error)}},
    )
    with contextlib.suppress(Exception):
        db.session.rollback()
    # The page's header asks who is signed in, which needs the database: nobody, here.
    if "_login_user" not in g:
        g._login_user = AnonymousUserMixin()
    headers = {"Retry-After": RETRY_AFTER_SECONDS}
    try:
        page: str | Response = render_template(
            "errors/error.html", code=503, title=TITLE, description=DESCRIPTION
        )
    except Exception:  # a template that itself needs the database: plain words instead
        page = Response(f"{TITLE}. {DESCRIPTION}\n", mimetype="text/plain")
    return page, 503, headers


def _text(error: Exception) -> str:
    return safe_exception_text((type(error), error, error.__traceback__)).splitlines()[-1]


def init_app(app: Flask) -> None:
    for kind in (OperationalError, InterfaceError, PoolTimeout):
        app.register_error_handler(kind, database_unavailable)
