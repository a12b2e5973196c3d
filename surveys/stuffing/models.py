"""How many responses reached a round in each coarse window of time, and nothing else."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from ..database import Base


class ArrivalWindow(Base):
    """The number of online responses a round received in one ten-minute window.

    A count only: no agency, no group, no response id. It is written after the response is
    committed, in a transaction of its own, so it holds nothing a response could be found by
    (docs/security.md, "Ballot stuffing and rate limits")."""

    __tablename__ = "arrival_windows"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True
    )
    starts_at: Mapped[datetime] = mapped_column(primary_key=True)  # UTC, on a 10-minute mark
    arrivals: Mapped[int] = mapped_column(default=0)
