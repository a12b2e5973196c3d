"""Issuing, checking and spending one-use invitation codes (like LimeSurvey's anonymous
token surveys): a code lets one person of one agency send one response, and is spent in the
transaction that stores it by deleting its row, leaving no trace of which code it was or when.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, insert, select

from ..database import db, upsert
from ..refusals import Refused
from ..rounds.models import Round
from .models import CodesIssued, InvitationCode

# No look-alikes (no I, L, O, U, V, 0, 1): a code read off a printed slip is typed right.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTWXYZ23456789"
CODE_LENGTH = 8  # 29**8, about 500 billion: guessing one, at the limiter's pace, is hopeless
MOST_AT_ONCE = 5000


class InvitationError(Refused):
    """Codes that cannot be issued as asked; the message says why, `field` about what."""


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
        raise InvitationError("Choose an agency taking part in this round", "agency")
    if not 1 <= how_many <= MOST_AT_ONCE:
        raise InvitationError(f"Issue between 1 and {MOST_AT_ONCE:,} codes at a time", "how_many")
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
    count_issued(round_, agency_id, how_many)
    db.session.commit()
    return sorted(codes)


def count_issued(round_: Round, agency_id: str, how_many: int) -> None:
    """Add to the agency's count of codes made, in the caller's transaction.

    One upsert statement, so two managers issuing at once (even the first time for an
    agency) both count. Both databases we run on (SQLite, PostgreSQL) spell it the same."""
    db.session.execute(
        upsert(CodesIssued)
        .values(round_id=round_.id, agency_id=agency_id, issued=how_many)
        .on_conflict_do_update(
            index_elements=[CodesIssued.round_id, CodesIssued.agency_id],
            set_={"issued": CodesIssued.issued + how_many},
        )
    )


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
        )
    )
    return agency


def spend(round_: Round, code: str | None, agency_id: str) -> None:
    """Spend the code inside the caller's transaction (the one storing the response).

    Spending deletes the code's row, so nothing of it survives the response: not its hash,
    not a key, not a "used" flag whose row version carries the response's transaction id.
    One DELETE both checks and spends it: of two sends racing with one code, the second
    (on PostgreSQL, after waiting for the first to commit) finds no row and deletes none.
    The caller rolls back on refusal."""
    if not code:
        raise InvitationRefused
    spent = db.session.execute(
        delete(InvitationCode).where(
            InvitationCode.round_id == round_.id,
            InvitationCode.code_hash == code_hash(code),
            InvitationCode.agency_id == agency_id,
        )
    )
    if getattr(spent, "rowcount", 0) != 1:
        raise InvitationRefused


@dataclass(frozen=True)
class AgencyCodes:
    agency_id: str
    name: str
    issued: int


@dataclass(frozen=True)
class CodeCounts:
    agencies: list[AgencyCodes]
    issued: int


def counts(round_: Round) -> CodeCounts:
    """Codes made, per agency and in all. How many were used is not counted at all: per
    agency it is how many of its staff answered, one at a time, as they answer; a total
    beside hidden figures gives them away by subtraction (docs/anonymity.md). Response
    counts belong in a release, where they are protected."""
    rows = db.session.execute(
        select(CodesIssued.agency_id, CodesIssued.issued).where(CodesIssued.round_id == round_.id)
    )
    made: dict[str, int] = {row.agency_id: row.issued for row in rows}
    agencies = [
        AgencyCodes(agency.agency_id, agency.name, int(made.get(agency.agency_id, 0)))
        for agency in round_.agencies
    ]
    return CodeCounts(agencies=agencies, issued=sum(int(n) for n in made.values()))
