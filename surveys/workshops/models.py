"""Live workshop sessions: what the facilitator runs, what the room answers, what it agrees.

Participants have no account. Like survey answers, room answers keep only agency, level and
the day; their ids are random, and the one-time ballots that make a submit idempotent are
deleted when used, so nothing links an answer to a device or to the order of arrival.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Base
from ..responses.models import SubmissionId

# A room's actions are kept with the round (its report lists them); still named from here.
from ..rounds.actions import ActionStatus as ActionStatus
from ..rounds.actions import WorkshopAction as WorkshopAction
from ..rounds.models import Round, utc_now


class Mode(enum.StrEnum):
    FULL = "full"  # every statement of the features covered
    PULSE = "pulse"  # one headline statement per feature


class SessionState(enum.StrEnum):
    WAITING = "waiting"  # created, answering not yet open
    ANSWERING = "answering"
    PAUSED = "paused"  # answering closed for now
    ENDED = "ended"


class ProjectorScreen(enum.StrEnum):
    """What the projector shows once results are revealed: one idea at a time, so that a
    room reads it from the back rather than scanning a dashboard on a wall."""

    GAP = "gap"  # managers beside frontline staff on the feature in focus
    ANSWERS = "answers"  # how the room answered the statement in focus
    PROMPTS = "prompts"  # the feature's questions for discussion


class WorkshopSession(Base):
    """One workshop: its room, its statements, and where the conversation has got to."""

    __tablename__ = "workshop_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date]
    facilitator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id", ondelete="SET NULL"))
    questionnaire_version: Mapped[str] = mapped_column(String(80))
    features: Mapped[str] = mapped_column(String(400))  # feature ids, comma-separated, in order
    mode: Mapped[str] = mapped_column(String(10))
    counts_towards_round: Mapped[bool] = mapped_column(default=False)
    join_code: Mapped[str] = mapped_column(String(6), unique=True)
    answering: Mapped[bool] = mapped_column(default=False)
    ever_opened: Mapped[bool] = mapped_column(default=False)
    revealed: Mapped[bool] = mapped_column(default=False)  # hidden at first: no steering
    focus_feature: Mapped[str | None] = mapped_column(String(80))
    # Which revealed screen the projector shows (a ProjectorScreen value).
    projector_screen: Mapped[str] = mapped_column(
        String(10), default=ProjectorScreen.GAP.value, server_default=ProjectorScreen.GAP.value
    )
    # A statement put to the room again after discussion; None when no re-vote is running.
    revote_item: Mapped[str | None] = mapped_column(String(80))
    ended_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    # Rises with every change the screens show; polling screens compare it (ETag).
    version: Mapped[int] = mapped_column(default=0, server_default="0")
    # The room's figures as the screens last showed them (JSON, see room.py): they move in
    # steps of at least k people, so nobody's answer shows in how a figure moved.
    published: Mapped[str] = mapped_column(Text, default="{}", server_default="{}")
    # Phones that chose their agency and level here: a count only, never which (so the
    # console can say when the room gave more first answers than phones joined).
    phones_joined: Mapped[int] = mapped_column(default=0, server_default="0")

    round: Mapped[Round | None] = relationship()
    actions: Mapped[list[WorkshopAction]] = relationship(
        back_populates="session", order_by="WorkshopAction.id", cascade="all, delete-orphan"
    )
    agreed_levels: Mapped[list[AgreedLevel]] = relationship(cascade="all, delete-orphan")

    @property
    def feature_ids(self) -> list[str]:
        return [f for f in self.features.split(",") if f]

    @property
    def state(self) -> SessionState:
        if self.ended_at is not None:
            return SessionState.ENDED
        if self.answering:
            return SessionState.ANSWERING
        return SessionState.PAUSED if self.ever_opened else SessionState.WAITING


class Ballot(Base):
    """A one-time ticket in a participant's form; using it stores their answers once."""

    __tablename__ = "workshop_ballots"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("workshop_sessions.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_on: Mapped[date]


class RoomResponse(Base):
    """One participant's answers in one vote (1: first answers, 2: a re-vote)."""

    __tablename__ = "workshop_responses"
    __table_args__ = (Index("ix_workshop_responses_session_vote", "session_id", "vote"),)

    id: Mapped[int] = mapped_column(SubmissionId, primary_key=True, autoincrement=False)
    session_id: Mapped[int] = mapped_column(ForeignKey("workshop_sessions.id", ondelete="CASCADE"))
    agency_id: Mapped[str] = mapped_column(String(80))
    level_id: Mapped[str] = mapped_column(String(80))
    vote: Mapped[int] = mapped_column(SmallInteger)
    submitted_on: Mapped[date]

    answers: Mapped[list[RoomAnswer]] = relationship(cascade="all, delete-orphan")


class RoomAnswer(Base):
    """A statement's answer in the room (1-5; None for don't know)."""

    __tablename__ = "workshop_answers"
    __table_args__ = {"sqlite_with_rowid": False}  # no hidden rowid: no order of arrival

    response_id: Mapped[int] = mapped_column(
        SubmissionId, ForeignKey("workshop_responses.id", ondelete="CASCADE"), primary_key=True
    )
    item_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("workshop_sessions.id", ondelete="CASCADE"), index=True
    )
    value: Mapped[int | None] = mapped_column(SmallInteger)


class AgreedLevel(Base):
    """The maturity level the room agreed for a feature after discussion."""

    __tablename__ = "workshop_agreed_levels"
    __table_args__ = (UniqueConstraint("session_id", "feature_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("workshop_sessions.id", ondelete="CASCADE"))
    feature_id: Mapped[str] = mapped_column(String(80))
    level_id: Mapped[str] = mapped_column(String(80))
