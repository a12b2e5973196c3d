"""Small-group protection: primary and complementary suppression of published cells.

A cell is a group of respondents (police managers, say). Every figure published about a
cell (n, mean, spread, shares) is a sum over its members divided by something published,
so the figures obey the same additive relations as the groups: police = police managers +
police frontline; partnership = sum of agencies; and so on.

Rules (docs/analysis.md):
1. Primary: a cell describing 1 to k-1 respondents is suppressed, n included.
2. Complementary: no suppressed small cell may be derivable by adding and subtracting
   published cells, along any chain of relations. This is checked exactly, by linear
   algebra over the relations restricted to the suppressed cells: a cell's value is
   derivable when its unit vector lies in the row space of that system.
3. Blocks: where a relation's total is known, its suppressed parts taken together must
   describe at least k respondents, so no small block is revealed either.
While a rule is broken, the published cell with the fewest respondents in a relation that
breaks it is suppressed as well (parts before totals), and the check runs again.
4. Differences: a cell published again in a later release must have changed by 0 or by at
   least k members since every earlier release, or the difference between the two would
   describe the few who came in between; the same three rules hold for the changes.

Hidden cells are groups never published (for example respondents who gave no locality);
they are protected like suppressed ones when they are small.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property, lru_cache
from typing import Any, Generic, TypeVar

Key = TypeVar("Key", bound=Hashable)


@dataclass(frozen=True)
class Relation(Generic[Key]):
    """total = sum(parts), for every additive figure."""

    total: Key
    parts: tuple[Key, ...]

    @property
    def cells(self) -> tuple[Key, ...]:
        return (self.total, *self.parts)


class _RowSpace(Generic[Key]):
    """The row space of the relations restricted to unknown cells, in reduced echelon form."""

    def __init__(self, relations: Sequence[Relation[Key]], unknown: Collection[Key]) -> None:
        self.columns = {cell: index for index, cell in enumerate(sorted(unknown, key=repr))}
        rows = []
        for relation in relations:
            row = [Fraction(0)] * len(self.columns)
            if relation.total in self.columns:
                row[self.columns[relation.total]] += 1
            for part in relation.parts:
                if part in self.columns:
                    row[self.columns[part]] -= 1
            if any(row):
                rows.append(row)
        self.pivots: list[tuple[int, list[Fraction]]] = []
        for row in rows:
            reduced = self._reduce(row)
            pivot = next((i for i, value in enumerate(reduced) if value), None)
            if pivot is None:
                continue
            scale = reduced[pivot]
            reduced = [value / scale for value in reduced]
            # Keep the basis fully reduced so membership is one pass.
            self.pivots = [
                (p, [a - r[pivot] * b for a, b in zip(r, reduced, strict=True)])
                if r[pivot]
                else (p, r)
                for p, r in self.pivots
            ]
            self.pivots.append((pivot, reduced))

    def _reduce(self, vector: list[Fraction]) -> list[Fraction]:
        vector = list(vector)
        for pivot, row in self.pivots:
            if vector[pivot]:
                factor = vector[pivot]
                vector = [a - factor * b for a, b in zip(vector, row, strict=True)]
        return vector

    @cached_property
    def derived(self) -> frozenset[Key]:
        """The unknown cells that follow one by one: with the basis fully reduced, exactly
        those whose pivot row has no other entry."""
        cells = {index: cell for cell, index in self.columns.items()}
        return frozenset(
            cells[pivot] for pivot, row in self.pivots if sum(1 for value in row if value) == 1
        )

    def derivable(self, cells: Iterable[Key]) -> bool:
        """Whether the sum of these unknown cells follows from the published figures."""
        vector = [Fraction(0)] * len(self.columns)
        for cell in cells:
            vector[self.columns[cell]] += 1
        return not any(self._reduce(vector))


@lru_cache(maxsize=512)
def _space(relations: tuple[Relation[Any], ...], unknown: frozenset[Any]) -> _RowSpace[Any]:
    """The row space for a set of unknown cells: every statement and feature of a round
    usually shares one pattern, and elimination in exact fractions is the costly part."""
    return _RowSpace(relations, unknown)


@dataclass(frozen=True)
class Earlier(Generic[Key]):
    """What an earlier release was decided on: each cell's count then, and the cells it
    kept back."""

    counts: Mapping[Key, int]
    unknown: frozenset[Key]


def protect(
    counts: Mapping[Key, int],
    relations: Sequence[Relation[Key]],
    k: int,
    hidden: Collection[Key] = (),
    *,
    unknown: Collection[Key] = (),
    earlier: Sequence[Earlier[Key]] = (),
) -> frozenset[Key]:
    """The cells to suppress so that no group of fewer than k respondents is revealed.

    `unknown`: cells already kept back by a coarser decision (a figure inside a suppressed
    group), which stay suppressed. `earlier`: the round's earlier releases. Counts only grow,
    so a reader who sees a total unchanged knows every part under it is unchanged: a cell an
    earlier release kept back and that has not moved since stays kept back, and must not be
    worked out now (it would give its earlier value); a cell an earlier release showed and
    that has not moved is known, so it protects nothing as a complement. And no change of 1
    to k-1 may be published or worked out."""
    hidden_set = set(hidden)
    changes = [{c: n - e.counts.get(c, 0) for c, n in counts.items()} for e in earlier]
    still_kept = {
        c
        for e, change in zip(earlier, changes, strict=True)
        for c in e.unknown
        if not change.get(c) and counts.get(c, 0) > 0  # an empty group has nothing to hide
    } - hidden_set
    known = {
        c
        for e, change in zip(earlier, changes, strict=True)
        for c, moved in change.items()
        if not moved and c not in e.unknown and c not in hidden_set
    } - still_kept
    extra = set(unknown) | still_kept
    while True:
        suppressed = _protect(counts, relations, k, hidden_set, extra, still_kept, known)
        before = len(extra)
        for change in changes:
            for cell, relation in exposures(
                change, relations, k, (suppressed | hidden_set) - known
            ):
                touching = [relation] if relation else [r for r in relations if cell in r.cells]
                if cell is not None and cell not in suppressed and cell not in hidden_set:
                    extra.add(cell)
                    continue
                options = [
                    c
                    for r in touching
                    for c in r.cells
                    if c not in suppressed
                    and c not in hidden_set
                    and c not in known
                    and counts.get(c, 0) > 0
                ]
                if options:
                    extra.add(min(options, key=lambda c: (counts.get(c, 0), repr(c))))
        if len(extra) == before:
            return suppressed


def exposures(
    counts: Mapping[Key, int],
    relations: Sequence[Relation[Key]],
    k: int,
    unknown: Collection[Key],
) -> list[tuple[Key | None, Relation[Key] | None]]:
    """What a reader could learn about 1 to k-1 people: small cells published or worked out,
    and small blocks of unknown parts under a known total."""
    unknown_set = set(unknown)
    space = _space(tuple(relations), frozenset(unknown_set))
    derived = space.derived
    found: list[tuple[Key | None, Relation[Key] | None]] = [
        (cell, None)
        for cell, n in sorted(counts.items(), key=lambda kv: repr(kv[0]))
        if 0 < n < k and (cell not in unknown_set or cell in derived)
    ]
    for relation in relations:
        if relation.total in unknown_set and relation.total not in derived:
            continue
        block = [p for p in relation.parts if p in unknown_set and p not in derived]
        size = sum(counts.get(p, 0) for p in block)
        if 0 < size < k and space.derivable(block):
            found.append((None, relation))
    return found


def _protect(
    counts: Mapping[Key, int],
    relations: Sequence[Relation[Key]],
    k: int,
    hidden_set: set[Key],
    extra: set[Key],
    still_kept: set[Key] | None = None,
    known: set[Key] | None = None,
) -> frozenset[Key]:
    """`still_kept`: cells that must not be worked out whatever their size; `known`: cells a
    reader knows from an earlier release, which count as published whatever is decided."""
    known = known or set()
    suppressed = {c for c, n in counts.items() if 0 < n < k and c not in hidden_set}
    suppressed |= extra - hidden_set
    sensitive = {c for c, n in counts.items() if 0 < n < k} | (still_kept or set())
    totals = {relation.total for relation in relations}

    def cost(cell: Key) -> tuple[bool, int, str]:
        # Parts before totals, then the fewest respondents: lose as little as possible.
        return (cell in totals, counts.get(cell, 0), repr(cell))

    def cheapest(cells: Iterable[Key]) -> Key | None:
        unknown = suppressed | hidden_set | known
        open_cells = [c for c in cells if c not in unknown and counts.get(c, 0) > 0]
        return min(open_cells, key=cost) if open_cells else None

    while True:
        # Local rules first, which settle the usual cascades quickly: a relation may not
        # have exactly one unknown cell, nor a known total over a small block of parts.
        changed = True
        while changed:
            changed = False
            for relation in relations:
                unknown = (suppressed | hidden_set) - known
                missing = [c for c in relation.cells if c in unknown]
                block = [p for p in relation.parts if p in unknown]
                small_block = (
                    relation.total not in unknown and 0 < sum(counts.get(p, 0) for p in block) < k
                )
                # A hidden group large enough to show needs no partner; any suppressed cell
                # does, or it could be worked out and would protect nothing.
                lone = len(missing) == 1 and (missing[0] in suppressed or missing[0] in sensitive)
                if lone or small_block:
                    partner = cheapest(relation.parts if small_block else relation.cells)
                    partner = partner if partner is not None else cheapest([relation.total])
                    if partner is not None:
                        suppressed.add(partner)
                        changed = True
        # Then the exact check, which also sees chains through several relations.
        unknown = (suppressed | hidden_set) - known
        found = exposures(counts, relations, k, unknown)
        derived = _space(tuple(relations), frozenset(unknown)).derived
        found += [(cell, None) for cell in sorted(set(still_kept or ()) & derived, key=repr)]
        if not found:
            return frozenset(suppressed)
        exposed_cell, exposing_relation = found[0]
        touching = (
            [exposing_relation]
            if exposing_relation
            else [r for r in relations if exposed_cell in r.cells]
        )
        partner = cheapest(c for r in touching for c in r.cells) or cheapest(counts)
        if partner is None:
            # Only cells a reader already knows are left: nothing more can be kept back.
            return frozenset(suppressed)
        suppressed.add(partner)


def derivable_small_groups(
    counts: Mapping[Key, int],
    relations: Sequence[Relation[Key]],
    k: int,
    suppressed: Collection[Key],
    hidden: Collection[Key] = (),
) -> list[Key]:
    """An audit: small cells whose figures could still be worked out (empty when protected)."""
    unknown = set(suppressed) | set(hidden)
    space = _space(tuple(relations), frozenset(unknown))
    return [
        cell
        for cell, n in counts.items()
        if 0 < n < k and (cell not in unknown or space.derivable([cell]))
    ]
