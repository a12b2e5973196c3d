"""Who may see what: sign-in sessions and the role each page needs.

| role        | reports                                  | manage rounds, users | workshops |
| ----------- | ---------------------------------------- | -------------------- | --------- |
| admin       | everything                               | yes                  | yes       |
| manager     | everything in the partnership's reports  | no                   | no        |
| agency lead | partnership overview + own agency detail | no                   | no        |
| facilitator | no (see below)                           | no                   | yes       |

An agency lead also makes their own agency's declaration for a round, and an administrator
any agency's (surveys/admin/declarations.py); no one else sees the form.

A facilitator who links a workshop to a round sees, on the console, the projector and the
workshop report, what the room is shown of that round: the partnership's published figures
(suppressed as everywhere) on the features covered, never an agency's detail or comments.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, abort, session
from flask_login import LoginManager, current_user, logout_user

from ..database import db
from .models import Role, User

F = TypeVar("F", bound=Callable[..., Any])

ADMINS = frozenset({Role.ADMIN})
REPORT_READERS = frozenset({Role.ADMIN, Role.MANAGER, Role.AGENCY_LEAD})
FULL_REPORT_READERS = frozenset({Role.ADMIN, Role.MANAGER})
FACILITATORS = frozenset({Role.ADMIN, Role.FACILITATOR})
# An agency's declaration: its own lead's, or an administrator's (surveys/admin/declarations.py).
DECLARERS = frozenset({Role.ADMIN, Role.AGENCY_LEAD})
# However active, a signed-in session ends after this long.
ABSOLUTE_SESSION_SECONDS = 12 * 60 * 60

login_manager = LoginManager()


@login_manager.user_loader  # type: ignore[untyped-decorator]
def load_user(session_id: str) -> User | None:
    """The account a session belongs to, if that session has not been ended.

    A session's id is "<user id>.<generation>" (User.get_id): signing out, changing or
    resetting the password and deactivating raise the account's generation in the
    database, so every earlier cookie, wherever it was copied to, opens nothing."""
    user_id, _, generation = session_id.partition(".")
    if not (user_id.isdigit() and generation.isdigit()):
        return None  # a session from before generations existed: sign in again
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_generation != int(generation):
        return None
    return user


def signed_in_user() -> User | None:
    user = current_user._get_current_object()  # the real object, not the proxy
    return cast(User, user) if getattr(user, "is_authenticated", False) else None


def roles_required(roles: frozenset[Role]) -> Callable[[F], F]:
    """The view needs a signed-in user with one of these roles: else sign in, or a 403."""

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            user = signed_in_user()
            if user is None:
                return login_manager.unauthorized()
            if user.role_enum not in roles:
                abort(403, "Your account does not give you access to this page.")
            return view(*args, **kwargs)

        return cast(F, guarded)

    return decorate


def may_see_agency(user: User, agency_id: str) -> bool:
    return user.role_enum in FULL_REPORT_READERS or user.agency_id == agency_id


def expire_old_sessions() -> None:
    signed_in_at = session.get("signed_in_at")
    if signed_in_at is not None and time.time() - signed_in_at > ABSOLUTE_SESSION_SECONDS:
        logout_user()
        session.pop("signed_in_at", None)


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to see that page."
    login_manager.login_message_category = "info"
    app.before_request(expire_old_sessions)

    @app.context_processor
    def account() -> dict[str, Any]:
        return {"signed_in": signed_in_user(), "Role": Role}
