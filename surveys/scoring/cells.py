"""The groups figures are published for, and how they add up.

A cell is (agency, level, locality); None means "all". Level is a level group
("management", "frontline") or, where a group has several levels, one of them
("strategic", "operational"). Localities are broken down for the whole partnership, by
level group, but not by agency: a place within an agency is almost always too small.
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
        # Localities are broken down for the whole partnership and by level group; the
        # people who gave none are a hidden cell, protected but never shown.
        places = [*localities, NO_LOCALITY]
        for level in [None, *groups]:
            relations.append(
                Relation(CellKey(None, level), tuple(CellKey(None, level, p) for p in places))
            )
        for place in places:
            relations.append(
                Relation(CellKey(None, None, place), tuple(CellKey(None, g, place) for g in groups))
            )
    return relations


def hidden_cells(
    level_groups: Mapping[str, Sequence[str]], localities: Sequence[str]
) -> list[CellKey]:
    """Groups never published (no locality given) that suppression must still protect."""
    if not localities:
        return []
    return [CellKey(None, level, NO_LOCALITY) for level in [None, *level_groups]]


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
