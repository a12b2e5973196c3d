"""Invitation codes: a hash while unused, and no row at all once used."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..database import Base


class InvitationCode(Base):
    """One unused code handed to one member of an agency's staff, for one round.

    Only a hash of the code is stored, and only while it is unused: spending it deletes the
    row, in the transaction that stores the answers. The hash is the key, so there is no
    sequential id that a copy taken earlier could match to a code, and once the row is gone
    nothing in the database says which code let a response in (docs/anonymity.md,
    "Invitation codes")."""

    __tablename__ = "invitation_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    agency_id: Mapped[str] = mapped_column(String(80))


class CodesIssued(Base):
    """How many codes have ever been made for an agency in a round.

    Kept apart from the codes, which disappear as they are spent: without it, the page could
    only count the codes still unused. Raised in the transaction that makes the codes."""

    __tablename__ = "invitation_codes_issued"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True
    )
    agency_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    issued: Mapped[int]
