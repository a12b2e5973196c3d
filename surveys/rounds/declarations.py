"""What each agency declares about its own partnership working in a round: the assurance
declaration, set beside what its own staff answered.

An agency lead (or an administrator) answers the round's statements as "how our agency
works with partners". Unlike a staff response, a declaration is attributed: it names the
agency, and the audit log names who made it and when. It belongs to the round, below both
the releases (which capture it when they are published) and the pages that take it, so
neither has to reach upwards for it.

One declaration per agency per round, which may be changed until the round closes: the
final release captures it as it then is, and nothing after that could be published.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Base, db
from ..questionnaire import Questionnaire
from ..refusals import Refused
from .models import Round, RoundState, utc_now

# A statement's declared answer: 1-5 on the questionnaire's scale, or None for "don't know".
Declared = Mapping[str, int | None]


class AgencyDeclaration(Base):
    """One agency's declaration in one round."""

    __tablename__ = "agency_declarations"
    __table_args__ = (UniqueConstraint("round_id", "agency_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    agency_id: Mapped[str] = mapped_column(String(80))
    declared_at: Mapped[datetime]  # when it was last made or changed

    answers: Mapped[list[DeclaredAnswer]] = relationship(
        back_populates="declaration", cascade="all, delete-orphan"
    )

    @property
    def values(self) -> dict[str, int | None]:
        return {answer.item_id: answer.value for answer in self.answers}


class DeclaredAnswer(Base):
    """A declaration's answer to one statement."""

    __tablename__ = "agency_declaration_answers"

    declaration_id: Mapped[int] = mapped_column(
        ForeignKey("agency_declarations.id", ondelete="CASCADE"), primary_key=True
    )
    item_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[int | None]  # None: "don't know"

    declaration: Mapped[AgencyDeclaration] = relationship(back_populates="answers")


def declaration_of(round_: Round, agency_id: str) -> AgencyDeclaration | None:
    return db.session.scalar(
        select(AgencyDeclaration).where(
            AgencyDeclaration.round_id == round_.id, AgencyDeclaration.agency_id == agency_id
        )
    )


def declarations_in(round_: Round) -> dict[str, dict[str, int | None]]:
    """Every agency's declared answers in the round, as a release captures them."""
    found = db.session.scalars(
        select(AgencyDeclaration).where(AgencyDeclaration.round_id == round_.id)
    )
    return {declaration.agency_id: declaration.values for declaration in found}


def may_declare(round_: Round, now: datetime | None = None) -> bool:
    """A declaration may be made or changed until the round closes."""
    return round_.state(now) is not RoundState.CLOSED


def declare(
    round_: Round,
    agency_id: str,
    answers: Declared,
    questionnaire: Questionnaire,
    now: datetime | None = None,
) -> AgencyDeclaration:
    """Store (or replace) the agency's declaration; the caller commits it with its audit
    event, so the two are kept or lost together. Refused, with the statement it is about,
    when an answer is missing or off the scale, or when the round has closed."""
    now = now or utc_now()
    if round_.agency(agency_id) is None:
        raise Refused("That agency is not part of this round.")
    if not may_declare(round_, now):
        raise Refused(
            f"‘{round_.name}’ closed on {round_.closes_at:%d %B %Y}, so its declarations "
            "can no longer be changed: the final release shows them as they were then."
        )
    scale = {point.value for point in questionnaire.scale}
    for item in questionnaire.items:
        if item.id not in answers:
            raise Refused("Choose an answer to this statement", field=item.id)
        value = answers[item.id]
        if value is not None and value not in scale:
            raise Refused("Choose one of the answers given", field=item.id)
    unknown = set(answers) - {item.id for item in questionnaire.items}
    if unknown:
        raise Refused("The answers name a statement this round does not ask.")
    declaration = declaration_of(round_, agency_id)
    if declaration is None:
        declaration = AgencyDeclaration(round_id=round_.id, agency_id=agency_id, declared_at=now)
        db.session.add(declaration)
    declaration.declared_at = now
    kept = {answer.item_id: answer for answer in declaration.answers}
    for item in questionnaire.items:
        if item.id in kept:
            kept[item.id].value = answers[item.id]
        else:
            declaration.answers.append(DeclaredAnswer(item_id=item.id, value=answers[item.id]))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Refused(
            "Someone else sent this agency's declaration at the same moment: open it again "
            "to see what it now says."
        ) from None
    return declaration
