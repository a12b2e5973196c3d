"""When the database cannot be reached, or stays locked: a 503 page, never a trace.

A respondent part-way through the survey is told what happened, that the pages they had
already finished are kept (each page's answers are saved as they continue, and the browser
keeps the code of the draft), that the page they were sending was not, and to try again in
a few minutes. Nothing is half-written: the failed transaction is rolled back.

The log says which kind of database error it was, never the statement's parameters,
which would be the respondent's answers.
"""

from __future__ import annotations

import contextlib
import logging

from flask import Flask, g, render_template, request
from flask_login import AnonymousUserMixin
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from .database import db
from .logs import safe_exception_text

log = logging.getLogger("surveys.outage")

RETRY_AFTER_SECONDS = 300  # "try again in a few minutes"


def database_unavailable(error: Exception) -> tuple[str, int, dict[str, str]]:
    with contextlib.suppress(Exception):  # the connection may be gone; nothing was committed
        db.session.rollback()
    cause = type(getattr(error, "orig", None) or error).__name__
    # What failed, never the statement's values (they would be a respondent's answers).
    text = safe_exception_text((type(error), error, error.__traceback__)).splitlines()[-1]
    log.warning(
        "The database is unavailable (%s) on %s",
        cause,
        request.endpoint,
        extra={"event": "database-unavailable", "fields": {"exception": text}},
    )
    # The page must not touch the database again: the round shown on survey pages stays out,
    # and the header's "who is signed in" is nobody.
    g.pop("round", None)
    if "_login_user" not in g:
        g._login_user = AnonymousUserMixin()
    respondent = (request.blueprint or "") == "respond"
    try:
        page = render_template(
            "errors/unavailable.html", respondent=respondent, sent=request.method == "POST"
        )
    except Exception:  # noqa: BLE001 - the layout itself reached for the database
        page = FALLBACK
    return page, 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}


# Said without the layout, should drawing it need the database (a signed-in person's name).
FALLBACK = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
    "<title>Sorry, the service is unavailable</title></head><body>"
    "<h1>Sorry, the service is unavailable</h1>"
    "<p>We could not reach the place where answers are stored, so what you just did was not "
    "saved. Anything saved before is kept. Try again in a few minutes.</p>"
    "<p>Error code: 503</p></body></html>"
)


def init_app(app: Flask) -> None:
    # Refused, dropped or timed-out connections, and SQLite locked beyond its busy timeout
    # (after the retries): the database is away, not a bug in a statement.
    for outage in (OperationalError, InterfaceError, PoolTimeout):
        app.register_error_handler(outage, database_unavailable)
