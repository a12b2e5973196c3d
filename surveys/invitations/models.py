"""Invitation codes: a hash while unused, and nothing that leads to the code once used."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column

from ..database import Base


class InvitationCode(Base):
    """One code handed to one member of an agency's staff, for one round.

    Only a hash of the code is stored, and only while it is unused: using it clears the hash
    and sets `used`, in the transaction that stores the answers. No time of use is kept, and
    nothing on the answers names the code, so neither the code printed on a slip nor the
    moment it was used leads to the answers (docs/anonymity.md, "Invitation codes")."""

    __tablename__ = "invitation_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    agency_id: Mapped[str] = mapped_column(String(80))
    code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    used: Mapped[bool] = mapped_column(default=False, server_default=false())
