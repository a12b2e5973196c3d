"""Noticing ballot stuffing in a workshop room, without keeping anything that could find an answer.

The room counts phones that joined (chose agency and level); more first answers
than phones means someone answered again with an old or cleared cookie. And the limiter's
storage counts, per question, how many answers came through one network address (the address
itself only as a keyed hash, expiring there; surveys/limits.py), so the facilitator is told
when one address gave most of the answers.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select, update

from .. import limits
from ..database import db
from ..stuffing.service import FIRST, ROOM_COUNT_SECONDS, config
from .models import RoomResponse, WorkshopSession


def phone_joined(workshop: WorkshopSession) -> None:
    """A phone chose its agency and level: the room has one more phone (only a count)."""
    db.session.execute(
        update(WorkshopSession)
        .where(WorkshopSession.id == workshop.id)
        # Not the version, which counts moves and answers: the screens' tag includes the
        # count itself (workshops/views.screen_tag).
        .values(phones_joined=WorkshopSession.phones_joined + 1)
    )
    db.session.commit()


def question_key(vote: int, item_ids: list[str]) -> str:
    return FIRST if vote == 1 else "again-" + "-".join(sorted(item_ids))


def answer_allowed(workshop: WorkshopSession, question: str) -> bool:
    """Whether this address may give one more answer to this question of this room."""
    most = int(current_app.config["LIMIT_WORKSHOP_ANSWERS_PER_ADDRESS"])
    return (
        limits.counter(f"room/{workshop.id}/{question}/{limits.client_key()}") < most
        if limits.limiter().enabled
        else True
    )


def answer_counted(workshop: WorkshopSession, question: str) -> None:
    """An answer was stored: count it against this address, and keep the room's most from
    one address (a number; the address is only in the key, which expires)."""
    if not limits.limiter().enabled:
        return
    base = f"room/{workshop.id}/{question}"
    mine = limits.count(f"{base}/{limits.client_key()}", ROOM_COUNT_SECONDS)
    busiest = limits.counter(f"{base}/busiest")
    if mine > busiest:
        limits.count(f"{base}/busiest", ROOM_COUNT_SECONDS, mine - busiest)


@dataclass(frozen=True)
class RoomSigns:
    phones_joined: int
    more_answers_than_phones: bool
    most_from_one_address: int  # answers to the first questions through one address
    first_answers: int

    @property
    def one_address_note(self) -> bool:
        return (
            self.most_from_one_address >= config("ROOM_ADDRESS_NOTE_MIN")
            and self.most_from_one_address * 2 > self.first_answers
        )

    @property
    def all_from_one_address(self) -> bool:
        return self.first_answers > 0 and self.most_from_one_address >= self.first_answers


def room_signs(workshop: WorkshopSession) -> RoomSigns:
    first_answers = int(
        db.session.scalar(
            select(func.count(RoomResponse.id)).where(
                RoomResponse.session_id == workshop.id, RoomResponse.vote == 1
            )
        )
        or 0
    )
    busiest = (
        limits.counter(f"room/{workshop.id}/{FIRST}/busiest") if limits.limiter().enabled else 0
    )
    return RoomSigns(
        phones_joined=workshop.phones_joined,
        more_answers_than_phones=first_answers > workshop.phones_joined,
        most_from_one_address=busiest,
        first_answers=first_answers,
    )
