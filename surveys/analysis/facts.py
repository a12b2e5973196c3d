"""What the analysis reads of a round, as plain values.

The caller builds it from the database's Round (`RoundFacts.of`); a unit test builds it by
hand, so the analysis can be checked on small known tallies without a database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..rounds.models import Round


@dataclass(frozen=True)
class RoundFacts:
    slug: str
    name: str
    questionnaire_version: str
    opens_at: datetime
    closes_at: datetime
    is_demo: bool
    agencies: tuple[tuple[str, str], ...]  # (id, name), in the round's order
    localities: tuple[tuple[str, str], ...]  # (id, name), in the round's order

    @classmethod
    def of(cls, round_: Round) -> RoundFacts:
        return cls(
            slug=round_.slug,
            name=round_.name,
            questionnaire_version=round_.questionnaire_version,
            opens_at=round_.opens_at,
            closes_at=round_.closes_at,
            is_demo=round_.is_demo,
            agencies=tuple((a.agency_id, a.name) for a in round_.agencies),
            localities=tuple((loc.locality_id, loc.name) for loc in round_.localities),
        )
