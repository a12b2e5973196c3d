"""What a round's workshops agreed to do: the actions, which the round's report lists.

They are the round's, not only the workshop's: reporting reads them from here, below both
reporting and workshops, so neither package has to import the other to show them.
"""

from __future__ import annotations

import enum
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Base, db
from ..languages import gettext

if TYPE_CHECKING:  # named for the type checker only: rounds never imports workshops
    from ..workshops.models import WorkshopSession


class ActionStatus(enum.StrEnum):
    AGREED = "agreed"
    IN_PROGRESS = "in-progress"
    DONE = "done"
    DROPPED = "dropped"

    @property
    def label(self) -> str:
        # Each word spelt out, not made from the value, so that a translator is given it.
        labels = {
            ActionStatus.AGREED: gettext("Agreed"),
            ActionStatus.IN_PROGRESS: gettext("In progress"),
            ActionStatus.DONE: gettext("Done"),
            ActionStatus.DROPPED: gettext("Dropped"),
        }
        return labels[self]


class WorkshopAction(Base):
    """An action the room agreed: what, for which feature, whose, by when."""

    __tablename__ = "workshop_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("workshop_sessions.id", ondelete="CASCADE"))
    round_id: Mapped[int | None] = mapped_column(
        ForeignKey("rounds.id", ondelete="SET NULL"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    feature_id: Mapped[str | None] = mapped_column(String(80))
    owner_agency: Mapped[str | None] = mapped_column(String(80))
    due_on: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(20), default=ActionStatus.AGREED.value)

    session: Mapped[WorkshopSession] = relationship(back_populates="actions")

    @property
    def status_label(self) -> str:
        return ActionStatus(self.status).label


def actions_for_round(round_id: int) -> list[WorkshopAction]:
    return list(
        db.session.scalars(
            select(WorkshopAction)
            .where(WorkshopAction.round_id == round_id)
            .order_by(WorkshopAction.due_on.is_(None), WorkshopAction.due_on, WorkshopAction.id)
        )
    )
