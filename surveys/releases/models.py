"""A published release of a round's results, stored exactly as it was published."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..database import Base


class Release(Base):
    """One publication of a round's figures and moderated comments."""

    __tablename__ = "releases"
    __table_args__ = (UniqueConstraint("round_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    number: Mapped[int]  # 1, 2, ... within the round
    kind: Mapped[str] = mapped_column(String(20))  # "interim" or "final"
    published_at: Mapped[datetime]
    min_cell_size: Mapped[int]
    # The round's data version it was made from: whether anything has come in since.
    data_version: Mapped[int]
    # Deferred: a reader's request finds the latest release by its small columns, and the
    # figures are read from JSON once per process (the release cache).
    figures: Mapped[str] = mapped_column(Text, deferred=True)  # the analysis as published (JSON)
    comments: Mapped[str] = mapped_column(Text, deferred=True)  # the moderated comments (JSON)
    # The group sizes its protection was decided on (JSON). Never shown: the next release
    # needs them to keep every difference between two releases to 0 or at least k people.
    counts: Mapped[str] = mapped_column(Text, deferred=True)
    # The measurement invariance check (JSON, surveys/releases/invariance.py), written by a
    # background job after publication: None until it has run.
    invariance: Mapped[str | None] = mapped_column(Text, deferred=True)
