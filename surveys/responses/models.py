"""Drafts and submitted answers.

Anonymity by construction: a submission holds answers and the respondent's broad context
(agency, level, locality) and the day it arrived, never who or which device sent it.
Nothing links it to the resume code it was saved under: submitting deletes the draft, and
a submission's id is random, so even the order in which responses arrived is not kept.
"""

from __future__ import annotations

import enum
from datetime import date
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Base

# 64-bit on PostgreSQL; on SQLite plain INTEGER, which makes it the table's row id (so no
# hidden, ascending row id is kept beside it).
SubmissionId = BigInteger().with_variant(Integer(), "sqlite")


class Channel(enum.StrEnum):
    """How answers reached us; analysis can tell them apart."""

    ONLINE = "online"
    IMPORT = "import"  # paper or spreadsheet responses loaded by import-responses
    DEMO = "demo"  # synthetic responses made by `flask demo`
    WORKSHOP = "workshop"  # answered in a live workshop that counts towards the round


class Draft(Base):
    """Answers so far, kept under a resume code until the respondent submits them."""

    __tablename__ = "drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    # Only a hash is stored: someone reading the database cannot resume another's draft.
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_on: Mapped[date]


class Submission(Base):
    """One respondent's submitted questionnaire."""

    __tablename__ = "submissions"
    __table_args__ = (
        Index("ix_submissions_round_agency_level", "round_id", "agency_id", "level_id"),
    )

    # Random, not counted up: an ascending id would record the order of arrival.
    id: Mapped[int] = mapped_column(SubmissionId, primary_key=True, autoincrement=False)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    agency_id: Mapped[str] = mapped_column(String(80))
    level_id: Mapped[str] = mapped_column(String(80))
    locality_id: Mapped[str | None] = mapped_column(String(80))
    co_location: Mapped[str | None] = mapped_column(String(80))
    years_in_partnership: Mapped[str | None] = mapped_column(String(80))
    submitted_on: Mapped[date]  # the day only: a time of day could single someone out
    channel: Mapped[str] = mapped_column(String(20))

    answers: Mapped[list[Answer]] = relationship(cascade="all, delete-orphan")
    partner_ratings: Mapped[list[PartnerRating]] = relationship(cascade="all, delete-orphan")
    comments: Mapped[list[Comment]] = relationship(cascade="all, delete-orphan")


class Answer(Base):
    """One statement's answer as given (1-5); None means "don't know" (in version 1, "don't
    know / not applicable"), NOT_APPLICABLE_VALUE (-1) "not applicable to my role"."""

    __tablename__ = "answers"
    __table_args__ = (
        Index("ix_answers_round_item", "round_id", "item_id"),
        {"sqlite_with_rowid": False},  # no hidden rowid: no order of arrival
    )

    submission_id: Mapped[int] = mapped_column(
        SubmissionId, ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True
    )
    item_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    value: Mapped[int | None] = mapped_column(SmallInteger)


class PartnerRating(Base):
    """How a respondent rates one partner agency on one partner question (None: don't know)."""

    __tablename__ = "partner_ratings"
    __table_args__ = (
        Index("ix_partner_ratings_round_partner", "round_id", "partner_agency_id"),
        {"sqlite_with_rowid": False},  # no hidden rowid: no order of arrival
    )

    submission_id: Mapped[int] = mapped_column(
        SubmissionId, ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True
    )
    partner_agency_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    question_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    value: Mapped[int | None] = mapped_column(SmallInteger)


class Comment(Base):
    """A free-text comment on one feature; shown only for groups of at least the minimum size."""

    __tablename__ = "comments"
    __table_args__ = {"sqlite_with_rowid": False}  # no hidden rowid: no order of arrival

    submission_id: Mapped[int] = mapped_column(
        SubmissionId, ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True
    )
    feature_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), server_default="pending")  # CommentStatus


class ImportRecord(Base):
    """A file imported into a round, known by its content, so it is not imported twice."""

    __tablename__ = "imports"
    __table_args__ = (UniqueConstraint("round_id", "content_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    content_hash: Mapped[str] = mapped_column(String(64))  # SHA-256 of the file's bytes
    imported_on: Mapped[date]
    responses: Mapped[int]
