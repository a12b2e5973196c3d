"""Who downloaded what: every download of results is recorded, for the partnership's audit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .auth.access import signed_in_user
from .database import Base, db
from .rounds.models import Round, utc_now


class Download(Base):
    """One download of a report or an export by a signed-in account."""

    __tablename__ = "downloads"

    id: Mapped[int] = mapped_column(primary_key=True)
    downloaded_at: Mapped[datetime]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    email: Mapped[str] = mapped_column(String(254))  # kept if the account is later removed
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id", ondelete="SET NULL"))
    round_name: Mapped[str | None] = mapped_column(String(200))
    release: Mapped[int | None]  # the release number the figures came from
    what: Mapped[str] = mapped_column(String(300))


def record_download(what: str, round_: Round | None = None, release: int | None = None) -> None:
    """Record a download by the signed-in account (the command line records none: whoever
    runs it already holds the database)."""
    user = signed_in_user()
    if user is None:
        return
    db.session.add(
        Download(
            downloaded_at=utc_now(),
            user_id=user.id,
            email=user.email,
            round_id=round_.id if round_ else None,
            round_name=round_.name if round_ else None,
            release=release,
            what=what,
        )
    )
    db.session.commit()
