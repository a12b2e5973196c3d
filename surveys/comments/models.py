"""A comment's moderation status and the audit of every moderation decision."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, ForeignKeyConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..database import Base
from ..responses.models import SubmissionId


class CommentStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for a moderator; nobody else sees it
    PUBLISHED = "published"  # as written or redacted: may go into a release
    WITHHELD = "withheld"  # never shown


class ModerationAction(enum.StrEnum):
    PUBLISHED = "published"
    REDACTED = "redacted"  # the words were changed, then published
    WITHHELD = "withheld"


class CommentModeration(Base):
    """Who decided what about one comment, and when; never the comment's words."""

    __tablename__ = "comment_moderations"
    __table_args__ = (
        ForeignKeyConstraint(
            ["submission_id", "feature_id"],
            ["comments.submission_id", "comments.feature_id"],
            ondelete="CASCADE",
        ),
        Index("ix_comment_moderations_comment", "submission_id", "feature_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    submission_id: Mapped[int] = mapped_column(SubmissionId)
    feature_id: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(20))
    # No cascade: an account that moderated cannot vanish from the audit.
    moderator_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    moderated_at: Mapped[datetime]
