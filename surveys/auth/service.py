"""Accounts: creating them, checking passwords, and slowing down password guessing."""

from __future__ import annotations

import functools
import re
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import InstrumentedAttribute
from werkzeug.security import check_password_hash, generate_password_hash

from ..database import db
from ..rounds.models import utc_now
from .models import Role, SignInAttempt, User

MIN_PASSWORD_LENGTH = 12
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Failed sign-ins allowed within the window before further tries are refused.
ATTEMPT_WINDOW = timedelta(minutes=15)
ATTEMPTS_PER_EMAIL = 5
ATTEMPTS_PER_ADDRESS = 20


@functools.cache
def _dummy_hash() -> str:
    """Checked when the email is unknown, so a wrong email takes as long as a wrong password.
    Made on first use, not at import: scrypt's 0.1 s would slow every CLI command's start."""
    return generate_password_hash("not a password of anyone's")


class AccountError(ValueError):
    """An account that cannot be created or changed as asked; the message says why."""


class TooManyAttempts(Exception):
    """Sign-in is refused for a while after repeated failures."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def check_password(password: str, email: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"The password must be at least {MIN_PASSWORD_LENGTH} characters long")
    if password.strip().lower() == email:
        raise AccountError("The password must not be the email address")


def create_user(
    email: str,
    name: str,
    role: Role,
    password: str,
    agency_id: str | None = None,
    known_agencies: frozenset[str] = frozenset(),
) -> User:
    email = normalise_email(email)
    if not EMAIL.match(email):
        raise AccountError(f"{email!r} is not an email address")
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise AccountError(f"There is already an account for {email}")
    if role is Role.AGENCY_LEAD:
        if not agency_id:
            raise AccountError("An agency lead needs an agency")
        if known_agencies and agency_id not in known_agencies:
            raise AccountError(f"Unknown agency {agency_id!r}")
    elif agency_id:
        raise AccountError("Only agency leads belong to an agency")
    check_password(password, email)
    user = User(
        email=email,
        name=name.strip() or email,
        role=role.value,
        agency_id=agency_id or None,
        password_hash=generate_password_hash(password),
        active=True,
        created_at=utc_now(),
    )
    db.session.add(user)
    db.session.commit()
    return user


def change_password(user: User, current: str, new: str) -> None:
    if not check_password_hash(user.password_hash, current):
        raise AccountError("Your current password is not right")
    check_password(new, user.email)
    user.password_hash = generate_password_hash(new)
    db.session.commit()


def _recent_failures(column: InstrumentedAttribute[str], value: str) -> int:
    since = utc_now() - ATTEMPT_WINDOW
    count = db.session.scalar(
        select(func.count())
        .select_from(SignInAttempt)
        .where(column == value, SignInAttempt.attempted_at >= since)
    )
    return int(count or 0)


def authenticate(email: str, password: str, address: str) -> User | None:
    """The active user with this email and password, or None. Raises TooManyAttempts."""
    email = normalise_email(email)
    if (
        _recent_failures(SignInAttempt.email, email) >= ATTEMPTS_PER_EMAIL
        or _recent_failures(SignInAttempt.address, address) >= ATTEMPTS_PER_ADDRESS
    ):
        raise TooManyAttempts
    user = db.session.scalar(select(User).where(User.email == email))
    matched = check_password_hash(user.password_hash if user else _dummy_hash(), password)
    if user is None or not matched or not user.active:
        db.session.add(SignInAttempt(email=email, address=address, attempted_at=utc_now()))
        db.session.commit()
        return None
    db.session.execute(delete(SignInAttempt).where(SignInAttempt.email == email))
    db.session.execute(
        delete(SignInAttempt).where(SignInAttempt.attempted_at < utc_now() - ATTEMPT_WINDOW)
    )
    db.session.commit()
    return user
