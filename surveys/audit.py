"""What staff did, for the partnership's audit: every sign-in, download, decision and change.

`record(action, target=..., detail=...)` is the one way in: it takes the signed-in account
from Flask-Login, or, when a `flask --app app ...` command acts, says so with the operating
system account that ran it: "command line (OS user deploy)". An event names who, what, on
what and when; it never holds respondent data: no answers, no comment text, no respondent
addresses. Callers pass names and ids, never words a respondent wrote.

Downloads of results are also kept in their own table (/manage/downloads lists them with
the release they came from); each one is an audit event too.
"""

from __future__ import annotations

import getpass
import os
from datetime import datetime

from flask import has_request_context
from flask_login import current_user
from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .database import Base, db
from .rounds.models import Round, utc_now

COMMAND_LINE = "command line"  # the actor when a command, not a signed-in person, acts
NOBODY = "not signed in"  # e.g. a failed sign-in


class AuditEvent(Base):
    """One thing a member of staff (or a command) did."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(254))  # the email, kept if the account goes
    action: Mapped[str] = mapped_column(String(80))
    target: Mapped[str] = mapped_column(String(300))
    detail: Mapped[str] = mapped_column(String(500))


class Download(Base):
    """One download of a report or an export by a signed-in account."""

    __tablename__ = "downloads"

    id: Mapped[int] = mapped_column(primary_key=True)
    downloaded_at: Mapped[datetime]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    email: Mapped[str] = mapped_column(String(254))  # kept if the account is later removed
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id", ondelete="SET NULL"))
    round_name: Mapped[str | None] = mapped_column(String(200))
    release: Mapped[int | None]  # the release number the figures came from
    what: Mapped[str] = mapped_column(String(300))


def operating_system_user() -> str:
    """The account a command runs as: whoever holds the server's shell, never a respondent.

    The effective user's name from the system's user database (what `sudo` or a cron job
    runs as), not $USER, which anyone can set; failing that, what getpass finds."""
    try:
        import pwd  # Unix only

        return pwd.getpwuid(os.geteuid()).pw_name
    except (ImportError, KeyError):
        pass
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no name for this user id at all (e.g. in a container)
        return "unknown"


def command_line_actor() -> str:
    return f"{COMMAND_LINE} (OS user {operating_system_user()})"


def _clip(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _signed_in() -> tuple[int, str] | None:
    """The signed-in account's id and e-mail, read from Flask-Login itself: the audit trail
    sits below the sign-in pages that record into it, so it does not import them."""
    if not getattr(current_user, "is_authenticated", False):
        return None
    return int(current_user.id), str(current_user.email)


def record(action: str, *, target: str = "", detail: str = "", commit: bool = True) -> AuditEvent:
    """Record that the signed-in account (or the command line) did `action` on `target`.

    Commits the session by default, so call it after your own change is committed (a
    refused change is not recorded as done); pass commit=False to let your own commit
    carry the event with the change."""
    user = _signed_in() if has_request_context() else None
    if user is not None:
        user_id, actor = user
    else:
        user_id, actor = None, NOBODY if has_request_context() else command_line_actor()
    event = AuditEvent(
        at=utc_now(),
        user_id=user_id,
        actor=_clip(actor, 254),
        action=_clip(action, 80),
        target=_clip(target, 300),
        detail=_clip(detail, 500),
    )
    db.session.add(event)
    if commit:
        db.session.commit()
    return event


def record_download(what: str, round_: Round | None = None, release: int | None = None) -> None:
    """Record a download by the signed-in account (the command line records none: whoever
    runs it already holds the database)."""
    user = _signed_in() if has_request_context() else None
    if user is None:
        return
    user_id, email = user
    db.session.add(
        Download(
            downloaded_at=utc_now(),
            user_id=user_id,
            email=email,
            round_id=round_.id if round_ else None,
            round_name=round_.name if round_ else None,
            release=release,
            what=what,
        )
    )
    record(
        "download",
        target=what,
        detail=", ".join(
            part
            for part in (
                f"round {round_.slug}" if round_ else "",
                f"release {release}" if release else "",
            )
            if part
        ),
    )
