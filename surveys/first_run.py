"""What `make run` does for a newcomer beyond the demo round: an administrator to sign in as.

The demo's administrator is an account `make run` creates so a newcomer can sign in at once.

Its password is made up on the spot and printed once by `make run`; it is never in the
repository. It is a one-time password: it stops working ONE_TIME_HOURS after it was
printed unless it has been changed (at /account/password), and `make run` prints a new
one while it has not been. The account exists only where the demo round does: only the
`demo-admin` command, which `make run` runs after `demo`, creates it.

What was issued is kept in instance/demo_admin.json: the account's email, the hash the
password had when issued (so a changed password is recognised), and when it expires."""

from __future__ import annotations

import json
import secrets
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from flask import Flask, current_app, request
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from .audit import record
from .auth.models import Role, User
from .auth.service import create_user, normalise_email
from .database import db
from .rounds.models import Round, utc_now
from .serving import links_base

EMAIL = "demo-admin@boundary.invalid"  # .invalid: a domain that can never receive mail
ONE_TIME_HOURS = 24
RECORD = "demo_admin.json"


def _record_path() -> Path:
    return Path(current_app.instance_path) / RECORD


def _read_record() -> dict[str, str] | None:
    try:
        record = json.loads(_record_path().read_text())
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def _still_one_time(user: User, record: dict[str, str] | None) -> bool:
    """The account's password is still the one that was printed (not changed since)."""
    return record is not None and record.get("password_hash") == user.password_hash


def issue(user: User | None) -> tuple[User, str, datetime]:
    """A new one-time password for the demo admin (created if need be), and its expiry."""
    password = secrets.token_urlsafe(12)  # 16 characters, about 96 bits
    if user is None:
        user = create_user(EMAIL, "Demo administrator", Role.ADMIN, password)
    else:
        user.password_hash = generate_password_hash(password)
        user.active = True
    expires = utc_now() + timedelta(hours=ONE_TIME_HOURS)
    db.session.commit()
    record = {"email": user.email, "password_hash": user.password_hash}
    _record_path().write_text(json.dumps({**record, "expires": expires.isoformat()}))
    _record_path().chmod(0o600)
    return user, password, expires


def expire_if_due() -> None:
    """On a sign-in, the demo admin's one-time password stops working once it is due."""
    record = _read_record()
    if record is None or normalise_email(request.form.get("email", "")) != record.get("email"):
        return
    user = db.session.scalar(select(User).where(User.email == record["email"]))
    if user is None or not _still_one_time(user, record):
        return
    expires = datetime.fromisoformat(record["expires"])
    if utc_now() >= expires and user.active:
        user.active = False  # `make run` (or `demo-admin`) issues a new one
        db.session.commit()


@click.command("demo-admin")
@click.option("--reset", is_flag=True, help="Issue a new one-time password even if changed.")
def demo_admin_command(reset: bool) -> None:
    """Create the demo's administrator and print a one-time password (run by `make run`)."""
    if db.session.scalar(select(Round.id).where(Round.is_demo)) is None:
        raise click.ClickException(
            "There is no demo round here, so no demo administrator is made. Create real "
            "accounts with: flask --app app create-user EMAIL --role admin"
        )
    base = links_base(current_app)
    user = db.session.scalar(select(User).where(User.email == EMAIL))
    if user is not None and not reset and not _still_one_time(user, _read_record()):
        click.echo(
            f"Sign in at {base}/sign-in as {EMAIL} with the password you chose. "
            "(For a new one-time password: flask --app app demo-admin --reset)"
        )
        return
    created = user is None
    user, password, expires = issue(user)
    record(  # never the password
        "account created" if created else "one-time password issued",
        target=user.email,
        detail="demo administrator",
    )
    zone = current_app.config["DISPLAY_TIMEZONE"]
    until = expires.astimezone(ZoneInfo(zone)).strftime("%H:%M on %d %B")
    click.echo(f"Sign in at {base}/sign-in as {EMAIL}")
    click.echo(f"  one-time password: {password}")
    click.echo(
        f"  It works until {until}, unless you change it first (Change your password, once "
        "signed in). It is not stored anywhere you can read it again."
    )


def init_app(app: Flask) -> None:
    app.cli.add_command(demo_admin_command)

    @app.before_request
    def one_time_password_expires() -> None:
        if request.endpoint == "auth.sign_in" and request.method == "POST":
            expire_if_due()
