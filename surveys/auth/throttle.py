"""The sign-in back-off: a few free tries, then a wait that doubles with each wrong password.

Each key (an account, a browser that has signed in to that account before, an address)
has one row. An attempt is counted *before* its password is checked, by one UPDATE that
only succeeds while the key is not waiting, so parallel guesses are counted one by one by
the database itself and no more of them are checked than the rules allow. The attempt
that uses the last free try holds the key (HOLD) until its password has been checked;
then the key waits `delay(failures)`, or is forgiven if the password was right.

Why a back-off and not a lockout, and why a known browser has its own count: see
docs/security.md, "Sign-in back-off".
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Table, and_, case, delete, or_, select, update

from ..database import db, upsert
from ..rounds.models import utc_now
from .models import SignInThrottle


@dataclass(frozen=True)
class Rule:
    free: int  # wrong passwords before any wait
    forget_after: timedelta  # a count whose last failure is this old starts again


ACCOUNT = Rule(free=5, forget_after=timedelta(hours=24))
DEVICE = Rule(free=5, forget_after=timedelta(hours=24))
# Generous: many staff may share one address behind a partnership's proxy.
ADDRESS = Rule(free=100, forget_after=timedelta(hours=1))
FIRST_WAIT = timedelta(seconds=15)  # after the last free try; doubles with each failure
LONGEST_WAIT = timedelta(minutes=15)
# Held while the password that used the last free try is checked (well under a second);
# if the worker dies meanwhile, the hold lapses by itself.
HOLD = timedelta(seconds=60)


def _hashed(kind: str, value: str) -> str:
    # Keys are hashes: the table holds no email or address, and any length fits.
    return f"{kind}:{hashlib.sha256(value.encode()).hexdigest()[:64]}"


def account_key(email: str) -> str:
    return _hashed("account", email)


def device_key(device: str) -> str:
    return _hashed("device", device)


def address_key(address: str) -> str:
    return _hashed("address", address)


def rule_for(key: str) -> Rule:
    return {"account": ACCOUNT, "device": DEVICE, "address": ADDRESS}[key.split(":", 1)[0]]


def delay(failures: int, rule: Rule) -> timedelta:
    """The wait after this many counted failures: none while free, then doubling."""
    if failures < rule.free:
        return timedelta(0)
    doubled: timedelta = FIRST_WAIT * 2 ** (failures - rule.free)
    return min(doubled, LONGEST_WAIT)


def _table() -> Table:
    table = SignInThrottle.__table__
    assert isinstance(table, Table)
    return table


def _ensure_rows(keys: list[str]) -> None:
    for key in keys:
        db.session.execute(
            upsert(_table())
            .values(key=key, failures=0, last_failure_at=None, blocked_until=None)
            .on_conflict_do_nothing(index_elements=["key"])
        )


def charge(keys: list[str]) -> int | None:
    """Count one attempt against every key, or none if any is waiting: then the seconds
    to wait. Committed before the password is checked."""
    table = _table()
    now = utc_now()
    _ensure_rows(keys)
    for key in keys:
        rule = rule_for(key)
        stale = or_(
            table.c.last_failure_at.is_(None), table.c.last_failure_at < now - rule.forget_after
        )
        counted = case((stale, 1), else_=table.c.failures + 1)
        row = db.session.execute(
            update(table)
            .where(
                table.c.key == key,
                or_(table.c.blocked_until.is_(None), table.c.blocked_until <= now),
            )
            .values(
                failures=counted,
                last_failure_at=now,
                blocked_until=case((counted >= rule.free, now + HOLD), else_=None),
            )
            .returning(table.c.failures)
        ).first()
        if row is None:
            db.session.rollback()  # nothing counted against the other keys either
            return _wait(keys, now)
    db.session.commit()
    return None


def _wait(keys: list[str], now: datetime) -> int:
    until = db.session.scalar(
        select(_table().c.blocked_until)
        .where(_table().c.key.in_(keys), _table().c.blocked_until > now)
        .order_by(_table().c.blocked_until.desc())
        .limit(1)
    )
    db.session.commit()
    return max(1, math.ceil((until - now).total_seconds())) if until is not None else 1


def failed(keys: list[str]) -> None:
    """The password was wrong: the attempt stays counted, and the wait starts now."""
    table = _table()
    now = utc_now()
    for key in keys:
        failures = db.session.scalar(select(table.c.failures).where(table.c.key == key))
        wait = delay(failures or 0, rule_for(key))
        db.session.execute(
            update(table)
            .where(table.c.key == key)
            .values(blocked_until=now + wait if wait else None)
        )
    db.session.commit()


def succeeded(keys: list[str]) -> None:
    """The password was right: an account's or browser's count starts again; an address
    is only given back this attempt (one good password must not wipe a guesser's count)."""
    table = _table()
    for key in keys:
        statement = update(table).where(table.c.key == key).values(blocked_until=None)
        if key.startswith("address:"):
            statement = statement.values(failures=table.c.failures - 1)
        else:
            statement = statement.values(failures=0, last_failure_at=None)
        db.session.execute(statement)
    forget_old(commit=False)
    db.session.commit()


def forgive(key: str) -> None:
    """Lift any wait on this key (an administrator has set a new password)."""
    db.session.execute(delete(_table()).where(_table().c.key == key))
    db.session.commit()


def forget_old(*, commit: bool = True) -> None:
    """Rows nobody has failed on for a day count nothing any more."""
    table = _table()
    now = utc_now()
    longest = max(ACCOUNT.forget_after, DEVICE.forget_after, ADDRESS.forget_after)
    db.session.execute(
        delete(table).where(
            and_(
                or_(table.c.last_failure_at.is_(None), table.c.last_failure_at < now - longest),
                or_(table.c.blocked_until.is_(None), table.c.blocked_until < now),
            )
        )
    )
    if commit:
        db.session.commit()
