"""The groups figures are published for, and how they add up.

A cell is (agency, level, locality); None means "all". Level is a level group
("management", "frontline") or, where a group has several levels, one of them
("strategic", "operational"). Localities are only broken down for the whole partnership.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

from .suppression import Relation

NO_LOCALITY = "(not given)"  # respondents who did not say: never published, but protected


class CellKey(NamedTuple):
    agency: str | None
    level: str | None
    locality: str | None = None


def breakdown_relations(
    agencies: Sequence[str],
    level_groups: Mapping[str, Sequence[str]],
    localities: Sequence[str],
) -> list[Relation[CellKey]]:
    """Every additive relation between the cells of a round's breakdown tables."""
    relations: list[Relation[CellKey]] = []
    groups = list(level_groups)
    sublevels = [level for group in groups for level in sublevels_of(level_groups, group)]
    for agency in [None, *agencies]:
        relations.append(Relation(CellKey(agency, None), tuple(CellKey(agency, g) for g in groups)))
        for group in groups:
            parts = sublevels_of(level_groups, group)
            if parts:
                relations.append(
                    Relation(CellKey(agency, group), tuple(CellKey(agency, lv) for lv in parts))
                )
    for level in [None, *groups, *sublevels]:
        relations.append(Relation(CellKey(None, level), tuple(CellKey(a, level) for a in agencies)))
    if localities:
        relations.append(
            Relation(
                CellKey(None, None),
                tuple(CellKey(None, None, loc) for loc in [*localities, NO_LOCALITY]),
            )
        )
    return relations


def sublevels_of(level_groups: Mapping[str, Sequence[str]], group: str) -> list[str]:
    """The levels a group is broken into; none when the group is a single level."""
    levels = list(level_groups[group])
    return levels if len(levels) > 1 else []


def cell_keys(
    agencies: Sequence[str], level_groups: Mapping[str, Sequence[str]], localities: Sequence[str]
) -> list[CellKey]:
    keys = {
        cell for r in breakdown_relations(agencies, level_groups, localities) for cell in r.cells
    }
    return sorted(keys, key=lambda c: (c.agency or "", c.level or "", c.locality or ""))
