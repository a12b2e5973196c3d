"""Issuing, checking and spending one-use invitation codes (like LimeSurvey's anonymous
token surveys): a code lets one person of one agency send one response, and is spent in the
transaction that stores it, leaving no trace of which code it was or when.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import func, insert, select, update

from ..database import db
from ..rounds.models import Round
from .models import InvitationCode

# No look-alikes (no I, L, O, U, V, 0, 1): a code read off a printed slip is typed right.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTWXYZ23456789"
CODE_LENGTH = 8  # 29**8, about 500 billion: guessing one, at the limiter's pace, is hopeless
MOST_AT_ONCE = 5000


class InvitationError(ValueError):
    """Codes that cannot be issued as asked; the message says why."""


class InvitationRefused(Exception):
    """The code is unknown, already used, or for another agency or round."""


def normalise(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


def pretty(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def new_code() -> str:
    return pretty("".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH)))


def code_hash(code: str) -> str:
    return hashlib.sha256(normalise(code).encode()).hexdigest()


def set_required(round_: Round, required: bool) -> None:
    round_.invitations_required = required
    db.session.commit()


def issue(round_: Round, agency_id: str, how_many: int) -> list[str]:
    """New codes for an agency's staff, returned once: only their hashes are kept."""
    if round_.agency(agency_id) is None:
        raise InvitationError("Choose an agency taking part in this round")
    if not 1 <= how_many <= MOST_AT_ONCE:
        raise InvitationError(f"Issue between 1 and {MOST_AT_ONCE:,} codes at a time")
    codes: set[str] = set()
    while len(codes) < how_many:
        codes.add(new_code())
    db.session.execute(
        insert(InvitationCode),
        [
            {"round_id": round_.id, "agency_id": agency_id, "code_hash": code_hash(code)}
            for code in codes
        ],
    )
    db.session.commit()
    return sorted(codes)


def unused_code_agency(round_: Round, code: str) -> str | None:
    """The agency an unused code of this round is for, or None (unknown, used, elsewhere).

    Unknown and used codes look the same on purpose: using a code forgets it, so nobody
    holding someone's slip can find out from here whether they answered."""
    if len(normalise(code)) != CODE_LENGTH:
        return None
    agency: str | None = db.session.scalar(
        select(InvitationCode.agency_id).where(
            InvitationCode.round_id == round_.id,
            InvitationCode.code_hash == code_hash(code),
            InvitationCode.used.is_(False),
        )
    )
    return agency


def spend(round_: Round, code: str | None, agency_id: str) -> None:
    """Spend the code inside the caller's transaction (the one storing the response).

    One UPDATE both checks and spends it: of two sends racing with one code, the second
    finds the hash already gone and touches no row. The caller rolls back on refusal."""
    if not code:
        raise InvitationRefused
    spent = db.session.execute(
        update(InvitationCode)
        .where(
            InvitationCode.round_id == round_.id,
            InvitationCode.code_hash == code_hash(code),
            InvitationCode.agency_id == agency_id,
            InvitationCode.used.is_(False),
        )
        .values(used=True, code_hash=None)
    )
    if getattr(spent, "rowcount", 0) != 1:
        raise InvitationRefused


@dataclass(frozen=True)
class AgencyCodes:
    agency_id: str
    name: str
    issued: int
    used: int | None  # None: fewer than k used, which is not shown

    @property
    def unused(self) -> int | None:
        return None if self.used is None else self.issued - self.used


@dataclass(frozen=True)
class CodeCounts:
    agencies: list[AgencyCodes]
    issued: int
    used: int | None  # the total, shown only when at least k codes were used in all
    k: int


def counts(round_: Round, k: int) -> CodeCounts:
    """Codes issued and used per agency. How many of an agency's codes were used is how many
    of its staff answered; like every figure about a group, it is shown only from k up."""
    rows = db.session.execute(
        select(
            InvitationCode.agency_id,
            func.count(InvitationCode.id),
            func.count(InvitationCode.id).filter(InvitationCode.used.is_(True)),
        )
        .where(InvitationCode.round_id == round_.id)
        .group_by(InvitationCode.agency_id)
    ).all()
    by_agency = {agency: (int(issued), int(used)) for agency, issued, used in rows}
    agencies = []
    for agency in round_.agencies:
        issued, used = by_agency.get(agency.agency_id, (0, 0))
        agencies.append(
            AgencyCodes(agency.agency_id, agency.name, issued, used if used >= k else None)
        )
    total_used = sum(used for _issued, used in by_agency.values())
    return CodeCounts(
        agencies=agencies,
        issued=sum(issued for issued, _used in by_agency.values()),
        used=total_used if total_used >= k else None,
        k=k,
    )
