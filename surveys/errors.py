"""Every failure a person can meet gets a plain page that says what happened, never a trace."""

from __future__ import annotations

from flask import Flask, g, render_template
from flask_login import AnonymousUserMixin
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from . import outages
from .languages import gettext, lazy_gettext

TITLES = {  # marked for translation here, translated when a page is drawn
    400: lazy_gettext("There is a problem with what was sent"),
    403: lazy_gettext("You cannot do that"),
    404: lazy_gettext("Page not found"),
    405: lazy_gettext("That is not allowed here"),
    413: lazy_gettext("What was sent is too large"),
    429: lazy_gettext("Too many attempts"),
    500: lazy_gettext("Sorry, there is a problem with the service"),
}


def forget_failed_work() -> None:
    """Before a 500 page: the request's transaction may have failed (PostgreSQL then refuses
    every statement) or the database may be gone, and the page's header asks who is signed
    in. Roll back, and if the account still cannot be read, draw the page without it."""
    from .auth.access import signed_in_user
    from .database import db

    try:
        db.session.rollback()
        signed_in_user()  # loads the account now, while a failure can still be caught
    except Exception:  # noqa: BLE001 - any database failure: the page must still be drawn
        g._login_user = AnonymousUserMixin()  # where Flask-Login keeps the request's user


def render_error(error: HTTPException) -> tuple[str, int]:
    code = error.code or 500
    if code >= 500:
        forget_failed_work()
    # Werkzeug's stock descriptions are for developers; ours are written for the person.
    custom = error.description if error.description != type(error).description else None
    return (
        render_template(
            "errors/error.html",
            code=code,
            title=str(TITLES.get(code) or gettext("Something went wrong")),
            description=custom,
        ),
        code,
    )


def render_csrf_error(error: CSRFError) -> tuple[str, int]:
    return render_template("errors/session_expired.html"), 400


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, render_csrf_error)
    # An unexpected exception reaches this too, as a 500, after Flask has logged it.
    app.register_error_handler(HTTPException, render_error)
    outages.init_app(app)  # the database away or locked: a 503 page
