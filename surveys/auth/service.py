"""Accounts: creating them, checking passwords, ending their sessions, and slowing down
password guessing (the back-off itself is in throttle.py)."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from sqlalchemy import select, update
from werkzeug.security import check_password_hash, generate_password_hash

from ..database import db
from ..refusals import Refused
from ..rounds.models import utc_now
from . import throttle
from .models import Role, User
from .passwords import MIN_PASSWORD_LENGTH, password_problem

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "AccountError",
    "TooManyAttempts",
    "authenticate",
    "check_password_hash",
]

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
EMAIL_MAX_LENGTH = 254


@functools.cache
def _dummy_hash() -> str:
    """Checked when the email is unknown, so a wrong email takes as long as a wrong password.
    Made on first use, not at import: scrypt's 0.1 s would slow every CLI command's start."""
    return generate_password_hash("not a password of anyone's")


class AccountError(Refused):
    """An account that cannot be created or changed as asked; `field` is email, agency,
    password or current_password."""

    def __init__(self, message: str, field: str = "email") -> None:
        super().__init__(message, field)


class TooManyAttempts(Exception):
    """Sign-in is refused for a while after repeated failures."""

    def __init__(self, wait_seconds: int) -> None:
        super().__init__(f"try again in {wait_seconds} seconds")
        self.wait_seconds = wait_seconds


def normalise_email(email: str) -> str:
    return email.strip().lower()


def check_password(password: str, email: str, name: str = "") -> None:
    problem = password_problem(password, email, name)
    if problem is not None:
        raise AccountError(problem, field="password")


def create_user(
    email: str,
    name: str,
    role: Role,
    password: str,
    agency_id: str | None = None,
    known_agencies: frozenset[str] = frozenset(),
) -> User:
    email = normalise_email(email)
    if len(email) > EMAIL_MAX_LENGTH:
        raise AccountError(f"The email address must be {EMAIL_MAX_LENGTH} characters or fewer")
    if not EMAIL.match(email):
        raise AccountError(f"{email!r} is not an email address")
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise AccountError(f"There is already an account for {email}")
    if role is Role.AGENCY_LEAD:
        if not agency_id:
            raise AccountError("An agency lead needs an agency", field="agency")
        if known_agencies and agency_id not in known_agencies:
            raise AccountError(f"Unknown agency {agency_id!r}", field="agency")
    elif agency_id:
        raise AccountError("Only agency leads belong to an agency", field="agency")
    check_password(password, email, name)
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


def end_sessions(user: User, *, commit: bool = True) -> None:
    """End every signed-in session of this account, on every worker: each session's id
    carries the generation it was signed in with, and the user loader refuses an old one."""
    db.session.execute(
        update(User)
        .where(User.id == user.id)
        .values(session_generation=User.session_generation + 1)
        .execution_options(synchronize_session=False)
    )
    if commit:
        db.session.commit()
    db.session.refresh(user)


def change_password(user: User, current: str, new: str) -> None:
    """The person's own change: their other sessions end (the caller signs this one in
    again under the new generation)."""
    if not check_password_hash(user.password_hash, current):
        raise AccountError("Your current password is not right", field="current_password")
    check_password(new, user.email, user.name)
    user.password_hash = generate_password_hash(new)
    end_sessions(user)


def reset_password(user: User, new: str) -> None:
    """An administrator sets a new password (a forgotten one, or a suspected leak): every
    session of the account ends, and any back-off on it is lifted."""
    check_password(new, user.email, user.name)
    user.password_hash = generate_password_hash(new)
    end_sessions(user)
    throttle.forgive(throttle.account_key(user.email))


def set_active_state(user: User, active: bool) -> None:
    user.active = active
    if active:
        db.session.commit()
    else:
        end_sessions(user)


@dataclass(frozen=True)
class SignInResult:
    """Who signed in (None: refused), and the email typed if it names an account."""

    user: User | None
    known_account: bool


def authenticate(
    email: str, password: str, address: str, known_device: tuple[int, str] | None = None
) -> SignInResult:
    """Check an email and password, within the back-off. Raises TooManyAttempts.

    `known_device` is (account id, browser id) from the signed cookie a browser gets when
    it signs in: for that very account, the browser is held back only by its own count, so
    a stranger's guesses cannot lock its owner out (docs/security.md, "Sign-in back-off")."""
    email = normalise_email(email)
    user = db.session.scalar(select(User).where(User.email == email))
    db.session.commit()  # the counting below starts a transaction of its own
    known = known_device is not None and user is not None and known_device[0] == user.id
    keys = (
        [throttle.device_key(known_device[1])]
        if known and known_device is not None
        else [throttle.account_key(email), throttle.address_key(address)]
    )
    wait = throttle.charge(keys)
    if wait is not None:
        raise TooManyAttempts(wait)
    matched = check_password_hash(user.password_hash if user else _dummy_hash(), password)
    if user is None or not matched or not user.active:
        throttle.failed(keys)
        return SignInResult(None, user is not None)
    throttle.succeeded(keys)
    return SignInResult(user, True)
