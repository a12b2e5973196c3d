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
from itertools import combinations
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
    """The row space of the relations restricted to unknown cells, in reduced echelon form.

    Rows are sparse (a relation touches a handful of cells, and so do its reductions), so
    they are kept as {column: exact fraction}: several releases together make systems of
    hundreds of cells."""

    def __init__(self, relations: Sequence[Relation[Key]], unknown: Collection[Key]) -> None:
        self.columns = {cell: index for index, cell in enumerate(sorted(unknown, key=repr))}
        self.pivots: dict[int, dict[int, Fraction]] = {}
        for relation in relations:
            row: dict[int, Fraction] = {}
            for cell, sign in ((relation.total, 1), *((part, -1) for part in relation.parts)):
                if cell in self.columns:
                    column = self.columns[cell]
                    row[column] = row.get(column, Fraction(0)) + sign
            reduced = self._reduce({c: v for c, v in row.items() if v})
            if not reduced:
                continue
            pivot = min(reduced)
            scale = reduced[pivot]
            reduced = {c: v / scale for c, v in reduced.items()}
            # Keep the basis fully reduced so membership is one pass.
            for other, existing in self.pivots.items():
                factor = existing.get(pivot)
                if factor:
                    self.pivots[other] = _minus(existing, factor, reduced)
            self.pivots[pivot] = reduced

    def _reduce(self, vector: dict[int, Fraction]) -> dict[int, Fraction]:
        for pivot, row in self.pivots.items():
            factor = vector.get(pivot)
            if factor:
                vector = _minus(vector, factor, row)
        return vector

    @cached_property
    def derived(self) -> frozenset[Key]:
        """The unknown cells that follow one by one: with the basis fully reduced, exactly
        those whose pivot row has no other entry."""
        cells = {index: cell for cell, index in self.columns.items()}
        return frozenset(cells[pivot] for pivot, row in self.pivots.items() if len(row) == 1)

    def derivable(self, cells: Iterable[Key]) -> bool:
        """Whether the sum of these unknown cells follows from the published figures."""
        vector: dict[int, Fraction] = {}
        for cell in cells:
            column = self.columns[cell]
            vector[column] = vector.get(column, Fraction(0)) + 1
        return not self._reduce(vector)


def _minus(
    vector: dict[int, Fraction], factor: Fraction, row: dict[int, Fraction]
) -> dict[int, Fraction]:
    """vector - factor * row, dropping what becomes zero."""
    result = dict(vector)
    for column, value in row.items():
        updated = result.get(column, Fraction(0)) - factor * value
        if updated:
            result[column] = updated
        else:
            result.pop(column, None)
    return result


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


@dataclass(frozen=True)
class _Past:
    """A cell as an earlier release had it."""

    release: int
    cell: Hashable


@dataclass(frozen=True)
class _Change:
    """How much a cell grew between two releases (`later` may be the one being decided)."""

    earlier: int
    later: int
    cell: Hashable


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
    group), which stay suppressed. `earlier`: the round's earlier releases. A reader holds
    them all, so the decision is made on one system over every release: each release's
    cells with their relations, and each cell's growth between any two releases (later =
    earlier + growth). What an earlier release showed is known; what it kept back is not.
    Counts only grow, so a reader who sees a total unchanged knows every part under it is
    unchanged: every growth of zero counts as known. No figure about 1 to k-1 people, at any
    release or grown between two, may be worked out; only this release's cells can be kept
    back to see to it."""
    if not earlier:
        return _protect(counts, relations, k, set(hidden), set(unknown))
    latest = len(earlier)
    by_release: list[Mapping[Key, int]] = [e.counts for e in earlier] + [counts]

    def at(release: int, cell: Key) -> Any:
        return cell if release == latest else _Past(release, cell)

    every: dict[Any, int] = {}
    system: list[Relation[Any]] = []
    never_shown: set[Any] = set()
    settled: set[Any] = set()  # cells this release cannot change: earlier ones, growth
    for release, values in enumerate(by_release):
        every.update({at(release, c): values.get(c, 0) for c in counts})
        system += [
            Relation(at(release, r.total), tuple(at(release, p) for p in r.parts))
            for r in relations
        ]
        never_shown |= {at(release, c) for c in hidden}
        if release < latest:
            settled |= {at(release, c) for c in counts}
            never_shown |= {at(release, c) for c in earlier[release].unknown}
    for first, second in combinations(range(latest + 1), 2):
        for cell in counts:
            growth = _Change(first, second, cell)
            every[growth] = by_release[second].get(cell, 0) - by_release[first].get(cell, 0)
            system.append(Relation(at(second, cell), (at(first, cell), growth)))
            settled.add(growth)
            if every[growth]:
                never_shown.add(growth)  # a growth the reader cannot see directly
    decided = _protect(every, system, k, never_shown, set(unknown), settled=settled)
    return frozenset(cell for cell in decided if cell not in settled)


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
    settled: Collection[Key] = (),
) -> frozenset[Key]:
    """`settled`: cells whose fate is not this decision's (an earlier release's, a growth
    between releases): never chosen to be kept back."""
    settled_set = set(settled)
    suppressed = {
        c for c, n in counts.items() if 0 < n < k and c not in hidden_set and c not in settled_set
    }
    suppressed |= extra - hidden_set
    sensitive = {c for c, n in counts.items() if 0 < n < k}
    totals = {relation.total for relation in relations}

    def cost(cell: Key) -> tuple[bool, int, str]:
        # Parts before totals, then the fewest respondents: lose as little as possible.
        return (cell in totals, counts.get(cell, 0), repr(cell))

    def cheapest(cells: Iterable[Key]) -> Key | None:
        unknown = suppressed | hidden_set | settled_set
        open_cells = [c for c in cells if c not in unknown and counts.get(c, 0) > 0]
        return min(open_cells, key=cost) if open_cells else None

    while True:
        # Local rules first, which settle the usual cascades quickly: a relation may not
        # have exactly one unknown cell, nor a known total over a small block of parts.
        changed = True
        while changed:
            changed = False
            for relation in relations:
                unknown = suppressed | hidden_set
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
        found = exposures(counts, relations, k, suppressed | hidden_set)
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
