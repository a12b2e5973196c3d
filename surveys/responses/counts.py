"""How many responses a round has, by agency and by locality: what a round's edit must keep."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute

from ..database import db
from ..rounds.models import Round
from ..rounds.service import Answered
from .models import Submission


def _responses_by(column: InstrumentedAttribute[str | None], round_: Round) -> dict[str, int]:
    rows = db.session.execute(
        select(column, func.count()).where(Submission.round_id == round_.id).group_by(column)
    ).all()
    return {key: int(n) for key, n in rows if key is not None}


def answered_in(round_: Round) -> Answered:
    return Answered(
        by_agency=_responses_by(Submission.agency_id, round_),
        by_locality=_responses_by(Submission.locality_id, round_),
    )
