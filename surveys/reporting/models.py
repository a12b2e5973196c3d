"""A PDF report, stored once it is typeset, so a download never waits for one: a release's
report (the partnership's or an agency's), or a workshop's.

Kept in the database rather than under instance/: the web processes and the job worker may
run on different machines and share only the database; a report goes with its release when
the round is deleted, and a backup holds it. It holds only what the release published, so
it may be kept for as long as the release is the latest. A workshop's report goes with its
workshop, and is kept only while nothing it shows has changed (its edition).
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..database import Base


class ReportState(enum.StrEnum):
    PENDING = "pending"  # asked for; a job is (or will be) typesetting it
    READY = "ready"
    FAILED = "failed"  # every attempt failed or ran out of time: a reader may try again


class StoredReport(Base):
    """One PDF report: of one release, the partnership's (agency "") or one agency's; or of
    one workshop (workshop_id set, and neither release nor round: a workshop may have no
    round, and its edition names the release it draws on)."""

    __tablename__ = "stored_reports"
    __table_args__ = (
        UniqueConstraint("release_id", "agency", "edition"),
        UniqueConstraint("workshop_id", "edition"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int | None] = mapped_column(ForeignKey("releases.id", ondelete="CASCADE"))
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    workshop_id: Mapped[int | None] = mapped_column(
        ForeignKey("workshop_sessions.id", ondelete="CASCADE")
    )
    agency: Mapped[str] = mapped_column(String(80))  # "" for the partnership's report
    # What else the report shows besides the release's figures: its comments as moderated,
    # the workshops' actions, and the report's own format. A change makes a new edition.
    # For a workshop's report: everything it shows (see surveys/workshops/report.py).
    edition: Mapped[str] = mapped_column(String(80))
    state: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int]
    requested_at: Mapped[datetime]  # when the latest attempt was asked for
    finished_at: Mapped[datetime | None]
    # Why it failed, in words for the reader: the kind of fault, never the document's text.
    problem: Mapped[str | None] = mapped_column(String(300))
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
