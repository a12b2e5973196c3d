"""Creating and finding rounds."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from ..database import db
from ..questionnaire import Questionnaire
from ..refusals import Refused
from .calendar import closing_after
from .models import Headcount, Round, RoundAgency, RoundLocality, utc_now

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_MAX_LENGTH = 80  # the column; a slug made from a long name can be longer
# More staff than any partnership has; it also keeps a count well inside the column's integer.
MAX_HEADCOUNT = 1_000_000
LOCALITY_MAX_LENGTH = 80  # a locality's name, and its id made from the name, fit their columns


class RoundError(Refused):
    """A round that cannot be created or changed as asked; `field` is name, slug, dates,
    agencies, localities or headcounts."""

    def __init__(self, message: str, field: str = "name") -> None:
        super().__init__(message, field)


@dataclass(frozen=True)
class RoundSpec:
    name: str
    slug: str
    opens_at: datetime | None = None  # None: now
    closes_at: datetime | None = None  # None: the end of the day ROUND_LENGTH_DAYS later
    agency_ids: Sequence[str] | None = None  # None: the questionnaire's default list
    localities: Sequence[str] = ()  # names; ids are made from them
    # (agency id, level id) -> number of staff, for response rates
    headcounts: Mapping[tuple[str, str], int] = field(default_factory=dict)
    is_demo: bool = False


def slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _checked_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise RoundError("Give the round a name, for example 'Autumn 2026 baseline'")
    if len(name) > 200:
        raise RoundError("The name must be 200 characters or fewer")
    return name


def _check_dates(opens_at: datetime, closes_at: datetime) -> None:
    if closes_at <= opens_at:
        raise RoundError("The closing date must be after the opening date", field="dates")


def _checked_agencies(agency_ids: Sequence[str], questionnaire: Questionnaire) -> list[str]:
    known = {agency.id for agency in questionnaire.agencies}
    unknown = [a for a in agency_ids if a not in known]
    if unknown:
        raise RoundError(
            f"Unknown agency {unknown[0]!r}; known agencies are: {', '.join(known)}",
            field="agencies",
        )
    if len(set(agency_ids)) != len(agency_ids):
        raise RoundError("An agency is listed twice", field="agencies")
    if not agency_ids:
        raise RoundError("Choose at least one agency", field="agencies")
    return list(agency_ids)


def _checked_localities(names: Sequence[str]) -> list[tuple[str, str]]:
    names = [name.strip() for name in names if name.strip()]
    ids = [slugify(name) for name in names]
    for name, locality_id in zip(names, ids, strict=True):
        if len(name) > LOCALITY_MAX_LENGTH or len(locality_id) > LOCALITY_MAX_LENGTH:
            raise RoundError(
                f"Each locality's name must be {LOCALITY_MAX_LENGTH} characters or fewer; "
                f"‘{name[:40]}…’ is longer",
                field="localities",
            )
    if any(not loc for loc in ids) or len(set(ids)) != len(ids):
        raise RoundError(
            "Each locality needs a different name made of letters or digits", field="localities"
        )
    return list(zip(ids, names, strict=True))


def _check_headcounts(
    headcounts: Mapping[tuple[str, str], int],
    agency_ids: Sequence[str],
    questionnaire: Questionnaire,
) -> None:
    level_ids = {level.id for level in questionnaire.levels}
    for (agency_id, level_id), count in headcounts.items():
        if agency_id not in agency_ids:
            raise RoundError(
                f"Headcount for {agency_id!r}, which is not an agency in this round",
                field="headcounts",
            )
        if level_id not in level_ids:
            raise RoundError(f"Headcount for unknown level {level_id!r}", field="headcounts")
        if count < 0:
            raise RoundError(
                f"Headcount for {agency_id} {level_id} cannot be negative", field="headcounts"
            )
        if count > MAX_HEADCOUNT:
            raise RoundError(
                f"Headcount for {agency_id} {level_id} is more than {MAX_HEADCOUNT:,} staff",
                field="headcounts",
            )


def create_round(
    spec: RoundSpec, questionnaire: Questionnaire, length_days: int, zone: str = "Europe/London"
) -> Round:
    name = _checked_name(spec.name)
    if not SLUG_PATTERN.match(spec.slug):
        raise RoundError(
            f"The slug {spec.slug!r} must be lowercase letters and digits joined by hyphens, "
            "for example 'autumn-2026'",
            field="slug",
        )
    if len(spec.slug) > SLUG_MAX_LENGTH:
        raise RoundError(
            f"The slug must be {SLUG_MAX_LENGTH} characters or fewer; give a shorter one",
            field="slug",
        )
    if find_round(spec.slug) is not None:
        raise RoundError(f"There is already a round with the slug {spec.slug!r}", field="slug")
    opens_at = spec.opens_at or utc_now()
    closes_at = spec.closes_at or closing_after(opens_at, length_days, zone)
    _check_dates(opens_at, closes_at)
    names = {agency.id: agency.name for agency in questionnaire.agencies}
    agency_ids = _checked_agencies(list(spec.agency_ids or names), questionnaire)
    localities = _checked_localities(spec.localities)
    _check_headcounts(spec.headcounts, agency_ids, questionnaire)

    round_ = Round(
        slug=spec.slug,
        name=name,
        questionnaire_version=questionnaire.version,
        opens_at=opens_at,
        closes_at=closes_at,
        public_token=secrets.token_urlsafe(16),
        is_demo=spec.is_demo,
        created_on=utc_now().date(),
        agencies=[
            RoundAgency(agency_id=a, name=names[a], position=n) for n, a in enumerate(agency_ids)
        ],
        localities=[
            RoundLocality(locality_id=loc_id, name=loc_name, position=n)
            for n, (loc_id, loc_name) in enumerate(localities)
        ],
        headcounts=[
            Headcount(agency_id=a, level_id=lv, headcount=count)
            for (a, lv), count in spec.headcounts.items()
        ],
    )
    db.session.add(round_)
    db.session.commit()
    return round_


@dataclass(frozen=True)
class Answered:
    """How many responses a round has from each agency and each locality: an agency or a
    locality people have answered for stays in the round (counted by responses/, below)."""

    by_agency: Mapping[str, int]
    by_locality: Mapping[str, int]


def update_round(
    round_: Round,
    questionnaire: Questionnaire,
    name: str,
    opens_at: datetime,
    closes_at: datetime,
    agency_ids: Sequence[str],
    locality_names: Sequence[str],
    answered: Answered,
) -> None:
    """Change a round's name, dates, agencies and localities; answers already given stay."""
    name = _checked_name(name)
    _check_dates(opens_at, closes_at)
    agency_ids = _checked_agencies(agency_ids, questionnaire)
    localities = _checked_localities(locality_names)
    for agency in round_.agencies:
        if agency.agency_id not in agency_ids and answered.by_agency.get(agency.agency_id):
            raise RoundError(
                f"{agency.name} cannot be taken out of the round: staff of it have answered",
                field="agencies",
            )
    kept = {loc_id for loc_id, _name in localities}
    for locality in round_.localities:
        if locality.locality_id not in kept and answered.by_locality.get(locality.locality_id):
            raise RoundError(
                f"The locality {locality.name} cannot be removed: people have chosen it",
                field="localities",
            )
    names = {agency.id: agency.name for agency in questionnaire.agencies}
    round_.name = name
    round_.opens_at, round_.closes_at = opens_at, closes_at
    current = {agency.agency_id: agency for agency in round_.agencies}
    round_.agencies = [
        current.get(a) or RoundAgency(agency_id=a, name=names[a], position=n)
        for n, a in enumerate(agency_ids)
    ]
    for n, agency in enumerate(round_.agencies):
        agency.position = n
    current_localities = {loc.locality_id: loc for loc in round_.localities}
    round_.localities = [
        current_localities.get(loc_id)
        or RoundLocality(locality_id=loc_id, name=loc_name, position=n)
        for n, (loc_id, loc_name) in enumerate(localities)
    ]
    for n, (locality, (_loc_id, loc_name)) in enumerate(
        zip(round_.localities, localities, strict=True)
    ):
        locality.position, locality.name = n, loc_name
    round_.headcounts = [h for h in round_.headcounts if h.agency_id in agency_ids]
    round_.data_version += 1  # the analysis and reports describe the round as it now is
    db.session.commit()


def set_headcounts(
    round_: Round, questionnaire: Questionnaire, headcounts: Mapping[tuple[str, str], int]
) -> None:
    """Staff numbers per agency and level, for response rates (missing ones are cleared)."""
    _check_headcounts(headcounts, [a.agency_id for a in round_.agencies], questionnaire)
    # Changed in place: replacing the rows would insert the new ones before the old ones are
    # deleted, and a group's new row would then meet its old one in the unique constraint.
    kept = {(h.agency_id, h.level_id): h for h in round_.headcounts}
    for key, count in headcounts.items():
        if key in kept:
            kept[key].headcount = count
    round_.headcounts = [
        kept.get((a, lv)) or Headcount(agency_id=a, level_id=lv, headcount=count)
        for (a, lv), count in headcounts.items()
    ]
    round_.data_version += 1
    db.session.commit()


def find_round(slug: str) -> Round | None:
    return db.session.scalar(select(Round).where(Round.slug == slug))


def find_round_by_token(token: str) -> Round | None:
    return db.session.scalar(select(Round).where(Round.public_token == token))


def previous_round(round_: Round) -> Round | None:
    """The round that opened last before this one: what its workshops agreed is followed up in
    this round's report. A demo round only follows another demo round, and a real one a real one."""
    return db.session.scalar(
        select(Round)
        .where(Round.opens_at < round_.opens_at, Round.id != round_.id)
        .where(Round.is_demo == round_.is_demo)
        .order_by(Round.opens_at.desc(), Round.id.desc())
        .limit(1)
    )
