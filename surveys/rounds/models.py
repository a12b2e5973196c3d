"""A survey round: one wave of the questionnaire for the partnership, and what it is asked of."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Base


def utc_now() -> datetime:
    """Naive UTC, as stored: SQLite keeps no time zone, so every stored time is UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


class RoundState(enum.StrEnum):
    SCHEDULED = "scheduled"
    OPEN = "open"
    CLOSED = "closed"


class RoundStateError(Exception):
    """A move between states that makes no sense (opening an open round, say)."""


class Round(Base):
    """One wave of the survey, with its dates, pinned questionnaire version and agencies."""

    __tablename__ = "rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    questionnaire_version: Mapped[str] = mapped_column(String(80))
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    # The secret part of the public link; long and random so links cannot be guessed.
    public_token: Mapped[str] = mapped_column(String(64), unique=True)
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_on: Mapped[date]
    # Goes up with every batch of responses: caches of analysis and reports key on it.
    data_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # The number of the release readers see (0: none yet); releases themselves are kept in
    # surveys/releases, this spares every reader's request a query to find the latest.
    latest_release: Mapped[int] = mapped_column(default=0, server_default="0")
    # Goes up when a moderator takes a published comment down, so readers' caches refresh.
    comments_revision: Mapped[int] = mapped_column(default=0, server_default="0")
    # Respondents must enter a one-use code from their agency (surveys/invitations).
    invitations_required: Mapped[bool] = mapped_column(default=False, server_default=false())

    agencies: Mapped[list[RoundAgency]] = relationship(
        back_populates="round", order_by="RoundAgency.position", cascade="all, delete-orphan"
    )
    localities: Mapped[list[RoundLocality]] = relationship(
        back_populates="round", order_by="RoundLocality.position", cascade="all, delete-orphan"
    )
    headcounts: Mapped[list[Headcount]] = relationship(
        back_populates="round", cascade="all, delete-orphan"
    )

    def state(self, now: datetime | None = None) -> RoundState:
        now = now or utc_now()
        if now < self.opens_at:
            return RoundState.SCHEDULED
        if now < self.closes_at:
            return RoundState.OPEN
        return RoundState.CLOSED

    @property
    def is_open(self) -> bool:
        return self.state() is RoundState.OPEN

    def open(self, now: datetime | None = None, until: datetime | None = None) -> None:
        """Open now; a closed round needs a new closing time (`until`) to reopen."""
        now = now or utc_now()
        if self.state(now) is RoundState.OPEN:
            raise RoundStateError(f"Round '{self.slug}' is already open")
        if self.closes_at <= now:
            if until is None or until <= now:
                raise RoundStateError(
                    f"Round '{self.slug}' closed on {self.closes_at:%d %B %Y}; "
                    "set a new closing date before opening it again"
                )
            self.closes_at = until
        self.opens_at = min(self.opens_at, now)

    def close(self, now: datetime | None = None) -> None:
        now = now or utc_now()
        if self.state(now) is not RoundState.OPEN:
            raise RoundStateError(f"Round '{self.slug}' is not open, so it cannot be closed")
        self.closes_at = now

    def agency(self, agency_id: str) -> RoundAgency | None:
        return next((a for a in self.agencies if a.agency_id == agency_id), None)

    def locality(self, locality_id: str) -> RoundLocality | None:
        return next((loc for loc in self.localities if loc.locality_id == locality_id), None)


class RoundAgency(Base):
    """An agency taking part in a round, by the questionnaire's agency id."""

    __tablename__ = "round_agencies"
    __table_args__ = (UniqueConstraint("round_id", "agency_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    agency_id: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int]

    round: Mapped[Round] = relationship(back_populates="agencies")


class RoundLocality(Base):
    """A locality or cluster a round reports on, chosen by the round's organisers."""

    __tablename__ = "round_localities"
    __table_args__ = (UniqueConstraint("round_id", "locality_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    locality_id: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int]

    round: Mapped[Round] = relationship(back_populates="localities")


class Headcount(Base):
    """How many staff an agency has at a level, so response rates can be worked out."""

    __tablename__ = "headcounts"
    __table_args__ = (UniqueConstraint("round_id", "agency_id", "level_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    agency_id: Mapped[str] = mapped_column(String(80))
    level_id: Mapped[str] = mapped_column(String(80))
    headcount: Mapped[int]

    round: Mapped[Round] = relationship(back_populates="headcounts")
