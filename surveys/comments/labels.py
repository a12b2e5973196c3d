"""The group a published comment is labelled with: one scheme for a whole release.

A reader who sees "Police, frontline" under a comment knows its writer is one of the
police's frontline staff, so a label must never describe fewer than k people. Checking
each label on its own is not enough. The old rule gave each comment "the narrowest
published group" of its writer: their agency and level group if that was published, else
their agency, else their level group, else the partnership. That choice itself carries
information. If one small agency's cells are suppressed and every other agency's are
published, every other writer gets an agency label, so a comment labelled just
"Partnership, frontline" can only come from the small agency's frontline staff: the
label names a group of at least k, but by elimination it points at the two or three
people nobody was meant to single out.

So a release labels every comment by the same scheme, chosen once from the published
figures: by agency and level group, by agency, by level group across the partnership, or
the partnership alone. A scheme is used only if every group it can name, that has anyone
in it, is published and holds at least k people. Under one scheme the groups partition
the respondents, and a label's possible writers are exactly the members of the group it
names: no label is ever given to some members of a group and withheld from others, so
there is nothing left to eliminate. When even the partnership is under k, no comment is
shown at all.

Pure: no Flask, no database.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from ..scoring.cells import CellKey


class Scheme(enum.StrEnum):
    AGENCY_AND_LEVEL = "agency-and-level"  # "Police, frontline"
    AGENCY = "agency"  # "Police"
    LEVEL = "level"  # "Partnership, frontline"
    PARTNERSHIP = "partnership"  # "Partnership"
    NONE = "none"  # too few people: no comment is shown


@dataclass(frozen=True)
class CommentLabel:
    """The group a comment is shown under; None means "all" (every agency, or both levels)."""

    agency: str | None
    level_group: str | None


@dataclass(frozen=True)
class LabellingScheme:
    scheme: Scheme

    @property
    def shows_comments(self) -> bool:
        return self.scheme is not Scheme.NONE

    def label(self, agency: str, level_group: str) -> CommentLabel | None:
        """The label for a comment by a writer in this agency and level group (None: hidden)."""
        match self.scheme:
            case Scheme.AGENCY_AND_LEVEL:
                return CommentLabel(agency, level_group)
            case Scheme.AGENCY:
                return CommentLabel(agency, None)
            case Scheme.LEVEL:
                return CommentLabel(None, level_group)
            case Scheme.PARTNERSHIP:
                return CommentLabel(None, None)
            case _:
                return None


def choose_scheme(
    agencies: Sequence[str],
    level_groups: Sequence[str],
    members: Mapping[CellKey, int],
    suppressed: Collection[CellKey],
    k: int,
) -> LabellingScheme:
    """The finest scheme whose every group with members is published and holds at least k.

    `members` counts the respondents of each cell (agency or None, level group or None,
    no locality), published or not; `suppressed` holds the cells the release does not
    publish. A cell missing from `members` is taken as unknown, so never as safe.
    """

    def safe(cells: Sequence[CellKey]) -> bool:
        # An empty group is never named (no writer is in it); any other must be shown and >= k.
        return all(
            members.get(cell) == 0 or (cell not in suppressed and members.get(cell, 0) >= k)
            for cell in cells
        )

    everyone = CellKey(None, None)
    if members.get(everyone, 0) < k or everyone in suppressed:
        return LabellingScheme(Scheme.NONE)
    candidates = (
        (Scheme.AGENCY_AND_LEVEL, [CellKey(a, g) for a in agencies for g in level_groups]),
        (Scheme.AGENCY, [CellKey(a, None) for a in agencies]),
        (Scheme.LEVEL, [CellKey(None, g) for g in level_groups]),
    )
    for scheme, cells in candidates:
        if safe(cells):
            return LabellingScheme(scheme)
    return LabellingScheme(Scheme.PARTNERSHIP)
