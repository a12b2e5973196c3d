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
from .calendar import closing_after
from .models import Headcount, Round, RoundAgency, RoundLocality, utc_now

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class RoundError(ValueError):
    """A round that cannot be created as asked; the message says what to change."""


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


def create_round(
    spec: RoundSpec, questionnaire: Questionnaire, length_days: int, zone: str = "Europe/London"
) -> Round:
    name = spec.name.strip()
    if not name:
        raise RoundError("Give the round a name, for example 'Autumn 2026 baseline'")
    if not SLUG_PATTERN.match(spec.slug):
        raise RoundError(
            f"The slug {spec.slug!r} must be lowercase letters and digits joined by hyphens, "
            "for example 'autumn-2026'"
        )
    if find_round(spec.slug) is not None:
        raise RoundError(f"There is already a round with the slug {spec.slug!r}")
    opens_at = spec.opens_at or utc_now()
    closes_at = spec.closes_at or closing_after(opens_at, length_days, zone)
    if closes_at <= opens_at:
        raise RoundError("The closing date must be after the opening date")

    known = {agency.id: agency.name for agency in questionnaire.agencies}
    agency_ids = list(spec.agency_ids or known)
    unknown = [a for a in agency_ids if a not in known]
    if unknown:
        raise RoundError(f"Unknown agency {unknown[0]!r}; known agencies are: {', '.join(known)}")
    if len(set(agency_ids)) != len(agency_ids):
        raise RoundError("An agency is listed twice")

    locality_ids = [slugify(name) for name in spec.localities]
    if any(not loc for loc in locality_ids) or len(set(locality_ids)) != len(locality_ids):
        raise RoundError("Each locality needs a different name made of letters or digits")

    level_ids = {level.id for level in questionnaire.levels}
    for (agency_id, level_id), count in spec.headcounts.items():
        if agency_id not in agency_ids:
            raise RoundError(f"Headcount for {agency_id!r}, which is not an agency in this round")
        if level_id not in level_ids:
            raise RoundError(f"Headcount for unknown level {level_id!r}")
        if count < 0:
            raise RoundError(f"Headcount for {agency_id} {level_id} cannot be negative")

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
            RoundAgency(agency_id=a, name=known[a], position=n) for n, a in enumerate(agency_ids)
        ],
        localities=[
            RoundLocality(locality_id=loc_id, name=loc_name.strip(), position=n)
            for n, (loc_id, loc_name) in enumerate(zip(locality_ids, spec.localities, strict=True))
        ],
        headcounts=[
            Headcount(agency_id=a, level_id=lv, headcount=count)
            for (a, lv), count in spec.headcounts.items()
        ],
    )
    db.session.add(round_)
    db.session.commit()
    return round_


def find_round(slug: str) -> Round | None:
    return db.session.scalar(select(Round).where(Round.slug == slug))


def find_round_by_token(token: str) -> Round | None:
    return db.session.scalar(select(Round).where(Round.public_token == token))
