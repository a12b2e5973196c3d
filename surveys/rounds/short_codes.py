"""Short survey codes: what a poster reader types instead of a 22-character link.

Every survey link of a round (the one for everyone, and one per agency) has its own code,
eight characters in two groups of four ("HT4K-9CWX"), from an alphabet with no letter or
digit that is easily read as another (no 0/O, 1/I/L, 2/Z, 5/S, 8/B, U/V). Typing is
forgiving: lower case, spaces and a missing or extra hyphen all find the same link.

A code names a link, never a person: everyone who reads the same poster types the same
code, so it adds nothing to what the link itself says (docs/anonymity.md).
"""

from __future__ import annotations

import secrets

from sqlalchemy import ForeignKey, String, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from ..database import Base, db
from .models import Round

# The workshops' join-code alphabet (surveys/workshops/service.py), for the same reasons.
ALPHABET = "ACDEFGHJKMNPQRTWXY34679"
LENGTH = 8  # 23**8, about 78 billion: not walked at the rate limit's pace
GROUP = 4
EVERYONE = ""  # the link of a round that chooses no agency


class SurveyCode(Base):
    """The short code of one survey link: a round, and the agency its link chooses."""

    __tablename__ = "survey_codes"
    __table_args__ = (UniqueConstraint("round_id", "agency_id"),)

    code: Mapped[str] = mapped_column(String(LENGTH), primary_key=True)  # as normalised
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    agency_id: Mapped[str] = mapped_column(String(80))  # EVERYONE for the round's own link


def normalise(text: str) -> str:
    """What was typed, as stored: upper case, letters and digits only."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


def pretty(code: str) -> str:
    """'HT4K9CWX' as people read and type it: 'HT4K-9CWX'."""
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def well_formed(code: str) -> bool:
    """Whether a normalised code could be one of ours at all (a typo can be told at once)."""
    return len(code) == LENGTH and all(ch in ALPHABET for ch in code)


def new_code() -> str:
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        if db.session.get(SurveyCode, code) is None:
            return code


def codes_for(round_: Round) -> dict[str, str]:
    """Each link's code, by agency id (EVERYONE for the round's own link), as shown.

    Made the first time a link is shown, so rounds made before codes existed get theirs
    without a data migration, and an agency added later gets one too. Two people opening
    the links page at once may both make a round's codes: one commit wins, and the other
    reads the winner's codes instead of failing."""
    round_id = round_.id
    wanted = [EVERYONE] + [agency.agency_id for agency in round_.agencies]
    for _attempt in range(3):
        held = {
            row.agency_id: row.code
            for row in db.session.scalars(select(SurveyCode).where(SurveyCode.round_id == round_id))
        }
        missing = [agency for agency in wanted if agency not in held]
        if not missing:
            return {agency: pretty(held[agency]) for agency in wanted}
        codes = [new_code() for _agency in missing]  # before adding: nothing to autoflush
        try:
            db.session.add_all(
                SurveyCode(code=code, round_id=round_id, agency_id=agency)
                for code, agency in zip(codes, missing, strict=True)
            )
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
    raise RuntimeError(f"could not make the survey codes of round {round_id}")


def find_link(text: str) -> tuple[Round, str | None] | None:
    """The round and agency (None: everyone) a typed code stands for, or None if none does.

    An agency taken out of the round keeps its code, which then leads to the round's own
    link: a poster already on a wall still works."""
    code = normalise(text)
    if not well_formed(code):
        return None
    row = db.session.get(SurveyCode, code)
    if row is None:
        return None
    round_ = db.session.get(Round, row.round_id)
    if round_ is None:
        return None
    agency = row.agency_id if round_.agency(row.agency_id) is not None else None
    return round_, agency
