"""Browsers that have signed in to an account before ("known devices").

After a good sign-in the browser keeps a signed cookie naming the account and a random
browser id. Later sign-ins to that account from that browser are counted against the
browser alone, not against the account or the address, so a stranger guessing at an
account, or a busy proxy address, never keeps its owner out (docs/security.md). The
cookie is staff-only: respondents never sign in and never get one.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers.response import Response

from .models import User

COOKIE = "boundary_known_browser"
LIFETIME = timedelta(days=180)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="known-browser")


def known_device() -> tuple[int, str] | None:
    """(account id, browser id) from this browser's cookie, if it is genuine and recent."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        value = _serializer().loads(raw, max_age=int(LIFETIME.total_seconds()))
    except BadSignature:
        return None
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not isinstance(value[0], int)
        or not isinstance(value[1], str)
    ):
        return None
    return value[0], value[1]


def remember_device(response: Response, user: User, known: tuple[int, str] | None) -> None:
    browser = known[1] if known is not None and known[0] == user.id else secrets.token_urlsafe(18)
    config = current_app.config
    response.set_cookie(
        COOKIE,
        _serializer().dumps([user.id, browser]),
        max_age=int(LIFETIME.total_seconds()),
        secure=bool(config["SESSION_COOKIE_SECURE"]),
        httponly=True,
        samesite=config["SESSION_COOKIE_SAMESITE"] or "Lax",
        path="/sign-in",
    )
