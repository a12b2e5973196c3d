"""The one constructor of a round's report object, from its latest release.

The dashboard and feature pages, the PDF (typeset by the release job or by the `report`
command) all build their Report here, so they cannot disagree about what a report holds.
"""

from __future__ import annotations

from sqlalchemy import or_, select

from ..analysis.engine import compare
from ..database import db
from ..library import questionnaire
from ..releases.service import Published, published
from ..rounds.models import Round, utc_now
from .presentation import Report, Scope


class NotPublished(LookupError):
    """A report was asked for before the round's first release."""

    def __init__(self, message: str, round_name: str = "") -> None:
        super().__init__(message)
        self.round_name = round_name


def release_of(round_: Round) -> Published:
    found = published(round_)
    if found is None:
        raise NotPublished(f"'{round_.name}' has no published results yet", round_.name)
    return found


def report_of(round_: Round, scope: Scope, earlier: Round | None = None) -> Report:
    """The report of `round_`'s latest release for `scope`, with the change since `earlier`'s
    latest release when one is given. Raises NotPublished if either has no release."""
    analysis = release_of(round_).analysis
    changes = compare(release_of(earlier).analysis, analysis) if earlier is not None else ()
    return Report(
        analysis=analysis,
        questionnaire=questionnaire(round_.questionnaire_version),
        scope=scope,
        agency_names={a.agency_id: a.name for a in round_.agencies},
        locality_names={loc.locality_id: loc.name for loc in round_.localities},
        changes=changes,
        compared_with=earlier.name if earlier is not None else None,
    )


def comparable_rounds(round_: Round) -> list[Round]:
    """Other rounds of the same questionnaire with results to compare, latest first."""
    return list(
        db.session.scalars(
            select(Round)
            .where(Round.questionnaire_version == round_.questionnaire_version)
            .where(Round.id != round_.id)
            # Only rounds with results to compare: released, or closed (released on sight).
            .where(or_(Round.latest_release > 0, Round.closes_at <= utc_now()))
            .order_by(Round.opens_at.desc())
        )
    )


def last_round_before(round_: Round) -> Round | None:
    """The comparable round that opened last before this one: what "since last time" means
    in the summary a board reads first. A demo round follows only a demo round, and a real
    one a real one (as for the actions followed up, rounds.service.previous_round)."""
    return next(
        (
            r
            for r in comparable_rounds(round_)
            if r.opens_at < round_.opens_at and r.is_demo == round_.is_demo
        ),
        None,
    )


def since_last_time(round_: Round) -> Round | None:
    """The round the summary compares with when nobody chose one: the last before it, if
    its results are published (never a 404 for a comparison nobody asked for)."""
    earlier = last_round_before(round_)
    return earlier if earlier is not None and published(earlier) is not None else None
