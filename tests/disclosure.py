"""A determined reader of a whole release, for tests.

It has every published table of a round's analysis at once and combines them by exact
linear algebra, then lists every quantity it can work out that it must not. The product
code never imports it.

The model
---------
The people in a round fall into *atomic groups* (agency, level, place), place being a
locality id or "(not given)". Every published cell is a sum of atomic groups. For each atomic
group and each additive statistic there is an unknown:

- members m;
- per feature: the number scored n, the sum of scores, the sum of squared scores, the
  number scoring 2 or below, the number scoring 4 or above;
- per statement: the number answering 1, 2, 3, 4, 5 and "don't know"; from version 2, the
  number answering "not applicable to my role" (its share times the cell's members);
- per partner question (atoms: rating agency and partner): answered, sum of ratings,
  "don't know";
- per feature for reliability (atoms: levels): complete cases, people counted pairwise
  (answered at least two statements) and their difference (answered only part).

Published figures are linear equations over these unknowns: a count is a row, a share
times a published or derivable denominator is a count, a mean times its n is a sum, and
so on. The links a reader may assume between tables are taken as equations: everyone asked
a statement is a member of their group (asked = m per atomic group), and all raters of a
partner are the sum of the rating agencies. Inequalities (n <= m, counts >= 0) are not
used: a published zero tells the reader that nobody in any part of that cell gave the
answer, which is a statement about a group and out of scope here.

How it is solved
----------------
Every equation a release yields is, after the asked = m link is used to eliminate the
"don't know" counts, a *pure* row: a cell's indicator vector times one statistic (members;
a statement's answered count; a statement's counts 1-4, the count 5 following from them and
the answered count; each feature statistic). So the row space is a direct sum over
statistics of spans of cell vectors over the atomic groups, and each span is small (a few
dozen cells over at most a few hundred atomic groups). The rows that mix statistics - a
withheld cell's share of "don't know" ((1 - s) m = answered), the response table's share of
"don't know" over all statements, a withheld partner cell's share - are closed to a fixed
point: whenever all but one of the quantities in such a row are derivable, so is the last.
That closure is exact for the rows a one-pattern release produces (whose membership is
published wherever anything else is); for rows whose other quantities are all unknown it
can miss a chain through several such rows.

Arithmetic is exact, in integers modulo the prime 2**61 - 1 (Python integers: the
project's environment has no numpy, and Fraction elimination was several times slower for
the same answer). A vector is derivable when its reduction against the span's reduced
echelon basis is zero; the coefficients that express it are mapped back to rationals
(rational reconstruction) to give the value the reader obtains. The spans have 0/1 rows, so
a rank modulo p agrees with the rank over the rationals except with negligible probability.
Subsets of atomic groups are checked by a residue for each group (the group's unit vector
reduced against the span, weighted by random field elements): a set is derivable exactly
when its residues sum to zero, so each subset costs one addition per span, and any hit is
confirmed by exact reduction.

What it reports
---------------
(a) the membership of every suppressed cell, and of every hidden cell (no locality given)
    with 1 to k - 1 members; any published response count below k;
(b) any statistic of a suppressed cell (suppressed in the response table or in its own);
(c) the statistics of a withheld cell: a feature's n and sums, a statement's answer counts
    (its answered total follows by design from membership and "don't know"), a partner
    cell's n and sum; and reliability's complete cases of a suppressed group, or any set of
    levels with 1 to k - 1 complete cases;
(d) with the true membership of each atomic group (``members``), every set of atomic groups
    with 1 to k - 1 members whose membership or whose statistics are derivable, reported for
    minimal sets only; and every cell with 1 to k - 1 true members about which anything is
    derivable;
and, as plain consistency checks, gaps, statement gaps, imbalances and sharing perceptions
that quote a suppressed or withheld figure, and partner ratings published for a rating
agency whose own cell is suppressed.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import combinations

from surveys.analysis.results import (
    FRONTLINE,
    MANAGEMENT,
    ItemResult,
    PartnerResult,
    ReliabilityResult,
    RoundAnalysis,
)
from surveys.scoring.cells import NO_LOCALITY, CellKey, hidden_cells

PRIME = 2**61 - 1
Atom = tuple[str, str, str]  # agency, level, place
Vector = dict[int, int]
Values = tuple[float, ...]

__all__ = ["NO_LOCALITY", "PRIME", "Atom", "Finding", "Span", "findings", "report"]


@dataclass(frozen=True)
class Finding:
    """One quantity the reader can derive and must not."""

    table: str  # responses, features, statements, partners, reliability, release
    subject: str  # feature, statement or partner question ("" for membership)
    quantity: str  # e.g. "members", "answer counts 1-5", "sum of scores"
    cell: str  # the cell or set, readable
    groups: tuple[str, ...]  # the atomic groups (or rater cells, levels) summed
    people: int | None  # how many people it describes, where known
    value: str  # what the reader obtains
    why: str  # suppressed, withheld, hidden, small set, published small, ...

    def __str__(self) -> str:
        people = "?" if self.people is None else str(self.people)
        subject = f" {self.subject}" if self.subject else ""
        return (
            f"[{self.why}] {self.table}{subject}: {self.quantity} of {self.cell} "
            f"({people} people) = {self.value}"
        )


def report(found: Sequence[Finding]) -> str:
    return "\n".join(str(f) for f in found) if found else "nothing derivable"


# --- exact spans of 0/1 vectors -----------------------------------------------------------


def _axpy(y: dict[Hashable, int], a: int, x: Mapping[Hashable, int]) -> None:
    for key, value in x.items():
        new = (y.get(key, 0) + a * value) % PRIME
        if new:
            y[key] = new
        else:
            y.pop(key, None)


def _rational(a: int) -> Fraction:
    """The fraction r/s with |r|, s < sqrt(p/2) congruent to a modulo p."""
    bound = 2**30
    r0, r1, s0, s1 = PRIME, a % PRIME, 0, 1
    while r1 >= bound:
        q = r0 // r1
        r0, r1 = r1, r0 - q * r1
        s0, s1 = s1, s0 - q * s1
    if s1 == 0 or abs(s1) >= bound:
        raise ArithmeticError("coefficient is not a small rational")
    return Fraction(r1, s1)


class Span:
    """The span of labelled 0/1 vectors over atom indices, in reduced echelon form mod p."""

    def __init__(self, rows: Iterable[tuple[Hashable, Iterable[int]]]) -> None:
        self._basis: dict[int, tuple[Vector, dict[Hashable, int]]] = {}
        # Small rows first: the parts of a breakdown are disjoint, so fill-in stays low.
        for label, atoms in sorted(
            ((label, sorted(set(atoms))) for label, atoms in rows), key=lambda r: len(r[1])
        ):
            vector: Vector = dict.fromkeys(atoms, 1)
            combination: dict[Hashable, int] = {label: 1}
            self._reduce(vector, combination)
            if not vector:
                continue
            pivot = min(vector)
            inverse = pow(vector[pivot], PRIME - 2, PRIME)
            vector = {c: v * inverse % PRIME for c, v in vector.items()}
            combination = {c: v * inverse % PRIME for c, v in combination.items()}
            for other, other_combination in self._basis.values():
                factor = other.get(pivot)
                if factor:
                    _axpy(other, -factor, vector)  # type: ignore[arg-type]
                    _axpy(other_combination, -factor, combination)
            self._basis[pivot] = (vector, combination)
        self._weights: dict[int, int] = {}

    @property
    def rank(self) -> int:
        return len(self._basis)

    def _reduce(self, vector: Vector, combination: dict[Hashable, int] | None) -> None:
        for pivot in [c for c in vector if c in self._basis]:
            factor = vector.get(pivot)
            if factor:
                row, row_combination = self._basis[pivot]
                _axpy(vector, -factor, row)  # type: ignore[arg-type]
                if combination is not None:
                    _axpy(combination, -factor, row_combination)

    def express(self, atoms: Iterable[int]) -> dict[Hashable, Fraction] | None:
        """The published rows that add up to this sum of atoms, or None if it is not derivable."""
        vector: Vector = dict.fromkeys(atoms, 1)
        combination: dict[Hashable, int] = {}
        self._reduce(vector, combination)
        if vector:
            return None
        return {label: _rational(-c) for label, c in combination.items()}

    def residues(self, atoms: int, seed: int = 0) -> list[int]:
        """For each atom, its unit vector reduced and hashed: a set of atoms is derivable
        exactly when the reduced vectors sum to zero, which the hashes then do too."""
        rng = random.Random(seed)
        weights: dict[int, int] = {}
        out = []
        for atom in range(atoms):
            vector: Vector = {atom: 1}
            self._reduce(vector, None)
            total = 0
            for column, value in vector.items():
                if column not in weights:
                    weights[column] = rng.randrange(1, PRIME)
                total += value * weights[column]
            out.append(total % PRIME)
        return out


def _value(combination: Mapping[Hashable, Fraction], known: Mapping[Hashable, Values]) -> Values:
    width = len(next(iter(known.values()))) if known else 1
    total = [0.0] * width
    for label, coefficient in combination.items():
        for i, v in enumerate(known[label]):
            total[i] += float(coefficient) * v
    return tuple(total)


def _show(values: Values, whole: bool = True) -> str:
    shown = [str(round(v)) if whole else f"{v:.4g}" for v in values]
    return shown[0] if len(shown) == 1 else "(" + ", ".join(shown) + ")"


# --- the release as unknowns and published rows -------------------------------------------


class _Direction:
    """One statistic: the cells whose total of it the reader knows, with their values."""

    def __init__(self, table: str, subject: str, quantity: str, whole: bool = True) -> None:
        self.table, self.subject, self.quantity, self.whole = table, subject, quantity, whole
        self.known: dict[Hashable, Values] = {}

    def add(self, cell: Hashable, *values: float) -> None:
        self.known.setdefault(cell, tuple(values))


class _Universe:
    """Atoms and the spans over them, cached by the set of known cells."""

    def __init__(self, atoms: Sequence[Hashable], members: Mapping[Hashable, Iterable[int]]):
        self.atoms = list(atoms)
        self.cells = members  # cell -> atom indices
        self._spans: dict[frozenset[Hashable], Span] = {}
        self._residues: dict[frozenset[Hashable], list[int]] = {}

    def span(self, direction: _Direction) -> Span:
        key = frozenset(direction.known)
        if key not in self._spans:
            self._spans[key] = Span((cell, self.cells[cell]) for cell in key)
        return self._spans[key]

    def residues(self, direction: _Direction) -> list[int]:
        key = frozenset(direction.known)
        if key not in self._residues:
            self._residues[key] = self.span(direction).residues(len(self.atoms))
        return self._residues[key]

    def derive(self, direction: _Direction, atoms: Iterable[int]) -> Values | None:
        atoms = list(atoms)
        residues = self.residues(direction)
        if sum(residues[a] for a in atoms) % PRIME:
            return None
        combination = self.span(direction).express(atoms)
        return None if combination is None else _value(combination, direction.known)

    def derive_cell(self, direction: _Direction, cell: Hashable) -> Values | None:
        if cell in direction.known:
            return direction.known[cell]
        return self.derive(direction, self.cells[cell])


def _cell_name(cell: CellKey) -> str:
    parts = [cell.agency or "all agencies", cell.level or "all levels"]
    if cell.locality:
        parts.append(cell.locality)
    return "/".join(parts)


def _withheld(result: object) -> bool:
    return bool(getattr(result, "withheld", False))


class _Release:
    def __init__(
        self,
        analysis: RoundAnalysis,
        level_groups: Mapping[str, Sequence[str]],
        k: int,
        members: Mapping[tuple[str, str, str | None], int] | None,
    ) -> None:
        self.analysis, self.k = analysis, k
        self.level_groups = {g: list(levels) for g, levels in level_groups.items()}
        self.levels = [lv for levels in self.level_groups.values() for lv in levels]
        self.agencies = [a for a, _name in analysis.agencies]
        self.localities = [loc for loc, _name in analysis.localities]
        places = [*self.localities, NO_LOCALITY]
        self.atoms: list[Atom] = [
            (a, lv, p) for a in self.agencies for lv in self.levels for p in places
        ]
        index = {atom: i for i, atom in enumerate(self.atoms)}
        self.truth: dict[int, int] | None = None
        if members is not None:
            self.truth = {}
            for (a, lv, p), count in members.items():
                atom = (a, lv, p if p in self.localities else NO_LOCALITY)
                self.truth[index[atom]] = self.truth.get(index[atom], 0) + count
        self.hidden = set(hidden_cells(self.level_groups, self.localities))
        keys = {CellKey(r.agency, r.level, r.locality) for r in analysis.responses}
        keys |= {CellKey(c.agency, c.level, c.locality) for c in analysis.cells}
        keys |= {CellKey(i.agency, i.level, i.locality) for i in analysis.items}
        keys |= self.hidden | {CellKey(None, None)}
        self.keys = sorted(keys, key=lambda c: (c.agency or "", c.level or "", c.locality or ""))
        self.universe = _Universe(self.atoms, {key: self._atoms_of(key) for key in self.keys})
        self.found: list[Finding] = []
        self.feature_directions: list[_Direction] = []

    def _atoms_of(self, key: CellKey) -> list[int]:
        levels = self.levels if key.level is None else self.level_groups.get(key.level, [key.level])
        return [
            i
            for i, (a, lv, p) in enumerate(self.atoms)
            if (key.agency is None or a == key.agency)
            and lv in levels
            and (key.locality is None or p == key.locality)
        ]

    def people(self, cell: CellKey, members: _Direction) -> int | None:
        if self.truth is not None:
            return sum(self.truth.get(a, 0) for a in self.universe.cells[cell])
        derived = self.universe.derive_cell(members, cell)
        return None if derived is None else round(derived[0])

    def groups(self, atoms: Iterable[int]) -> tuple[str, ...]:
        return tuple("/".join(self.atoms[a]) for a in atoms)

    def add(self, table: str, subject: str, quantity: str, cell: str, atoms: Iterable[int],
            people: int | None, value: str, why: str) -> None:  # fmt: skip
        self.found.append(
            Finding(table, subject, quantity, cell, self.groups(atoms), people, value, why)
        )


def findings(
    analysis: RoundAnalysis,
    level_groups: Mapping[str, Sequence[str]],
    k: int | None = None,
    members: Mapping[tuple[str, str, str | None], int] | None = None,
    strict: bool = True,
) -> list[Finding]:
    """Everything a reader holding the whole release can derive that it must not.

    level_groups: {"management": ["strategic", "operational"], "frontline": ["frontline"]}.
    k: defaults to the analysis's own min_cell_size.
    members: optional truth, respondents per (agency, level, locality or None); with it the
    reader is also checked on every set of atomic groups with 1 to k - 1 members (d).
    strict: report every suppressed or withheld figure the reader can work out; with
    strict=False, leave out those known to describe k or more people (a complementary
    cell worked out exactly reveals nobody, though it shows its suppression achieved nothing).
    """
    release = _Release(analysis, level_groups, analysis.min_cell_size if k is None else k,
                       members)  # fmt: skip
    _check(release)
    if strict:
        return release.found
    # A figure about nobody (a group of 0 worked out as 0) discloses nothing.
    return [f for f in release.found if f.people is None or 0 < f.people < release.k]


# --- building the rows --------------------------------------------------------------------


def _not_scored(dont_know: float | None, not_applicable: float | None) -> float | None:
    """The share of those asked who gave no 1-5 answer: both non-answers together."""
    if dont_know is None:
        return None
    return dont_know + (not_applicable or 0.0)


def _check(r: _Release) -> None:
    a, u = r.analysis, r.universe
    m = _Direction("responses", "", "members")
    responses = {CellKey(x.agency, x.level, x.locality): x for x in a.responses}
    suppressed_members = {key for key, x in responses.items() if x.suppressed}
    for key, x in responses.items():
        if not x.suppressed and x.respondents is not None:
            m.add(key, x.respondents)

    # Statements: answered a_i, answer counts c_i (values 1..5), and asked = m.
    items = sorted({i.item for i in a.items})
    answered = {i: _Direction("statements", i, "answered 1-5") for i in items}
    counts = {i: _Direction("statements", i, "answer counts 1-5") for i in items}
    mixed: list[tuple[CellKey, str, float]] = []  # (1 - s) m = a
    # (version 2) not applicable = s m, its own statistic: a suppressed group's count of it
    # must follow from nothing published.
    not_applicable = {i: _Direction("statements", i, "answering not applicable") for i in items}
    not_applicable_shares: list[tuple[str, CellKey, float]] = []
    item_rows = {(i.item, CellKey(i.agency, i.level, i.locality)): i for i in a.items}
    for (item, key), it in item_rows.items():
        if it.suppressed:
            continue
        # Not answered 1-5: don't know, and (version 2) not applicable to the role.
        s = _not_scored(it.share_dont_know, getattr(it, "share_not_applicable", None))
        if it.share_not_applicable is not None:
            not_applicable_shares.append((item, key, it.share_not_applicable))
        if _withheld(it) or it.n is None:
            if s is not None:
                if s >= 1:
                    answered[item].add(key, 0)
                else:
                    mixed.append((key, item, 1 - s))
            continue
        answered[item].add(key, it.n)
        if it.n == 0:
            counts[item].add(key, 0, 0, 0, 0, 0)
            if s is None:  # nobody was asked: the cell has no members
                m.add(key, 0)
            continue
        asked = it.n / (1 - s) if s is not None and s < 1 else float(it.n)
        m.add(key, asked)
        shares = it.distribution or (0.0,) * 6
        counts[item].add(key, *(share * asked for share in shares[:5]))
    for g in a.item_gaps:
        answered[g.item].add(CellKey(None, MANAGEMENT), g.management_n)
        answered[g.item].add(CellKey(None, FRONTLINE), g.frontline_n)
        for level in (MANAGEMENT, FRONTLINE):
            x0 = item_rows.get((g.item, CellKey(None, level)))
            if x0 is None or x0.suppressed or _withheld(x0):
                r.add("statements", g.item, "statement gap", _cell_name(CellKey(None, level)),
                      u.cells.get(CellKey(None, level), []), None, "published", "gap")  # fmt: skip

    # The response table's "don't know" share: N (1 - s) m = sum of a_i over statements.
    response_mixed = [
        (key, x.share_dont_know + (getattr(x, "share_not_applicable", None) or 0.0))
        for key, x in responses.items()
        if not x.suppressed and x.share_dont_know is not None
    ]

    # Close the rows that mix statistics, until nothing new follows.
    while True:
        additions: list[tuple[_Direction, CellKey, float]] = []
        for key, item, alpha in mixed:
            mv, av = u.derive_cell(m, key), u.derive_cell(answered[item], key)
            if mv is not None and av is None:
                additions.append((answered[item], key, alpha * mv[0]))
            elif av is not None and mv is None and alpha:
                additions.append((m, key, av[0] / alpha))
        for key, s in response_mixed:
            if not items:
                break
            total_m = u.derive_cell(m, key)
            parts = {i: u.derive_cell(answered[i], key) for i in items}
            missing = [i for i, v in parts.items() if v is None]
            known_sum = sum(v[0] for v in parts.values() if v is not None)
            if total_m is not None and len(missing) == 1:
                value = len(items) * (1 - s) * total_m[0] - known_sum
                additions.append((answered[missing[0]], key, value))
            elif total_m is None and not missing and s < 1:
                additions.append((m, key, known_sum / (len(items) * (1 - s))))
        if not additions:
            break
        for direction, key, value in additions:
            direction.add(key, value)

    for item, key, share in not_applicable_shares:
        members = u.derive_cell(m, key)
        if members is not None:
            not_applicable[item].add(key, share * members[0])

    _membership(r, m, suppressed_members, responses)
    _statements(r, m, answered, counts, suppressed_members, item_rows)
    _not_applicable(r, m, not_applicable, suppressed_members, item_rows)
    _features(r, m, suppressed_members)
    _partners(r, suppressed_members)
    _reliability(r)
    if r.truth is not None:
        directions = [m, *answered.values(), *counts.values(), *not_applicable.values()]
        directions += r.feature_directions
        _small_sets(r, m, directions)


def _membership(
    r: _Release, m: _Direction, suppressed: set[CellKey], responses: Mapping[CellKey, object]
) -> None:
    k, u = r.k, r.universe
    for key in r.keys:
        x = responses.get(key)
        published = getattr(x, "respondents", None)
        if x is not None and not getattr(x, "suppressed", False) and published is not None:
            if 0 < published < k:
                r.add("responses", "", "members", _cell_name(key), u.cells[key], published,
                      str(published), "published small")  # fmt: skip
            continue
        small = r.truth is not None and 0 < (r.people(key, m) or 0) < k
        if key not in suppressed and key not in r.hidden and not small:
            continue
        derived = u.derive_cell(m, key)
        if derived is None:
            continue
        people = round(derived[0])
        if key in r.hidden and not 0 < people < k:
            continue
        why = "suppressed" if key in suppressed else "hidden" if key in r.hidden else "small cell"
        r.add("responses", "", "members", _cell_name(key), u.cells[key], people, _show(derived),
              why)  # fmt: skip


def _protected(
    r: _Release, m: _Direction, key: CellKey, suppressed_here: bool, suppressed: set[CellKey]
) -> str | None:
    """Why a cell's statistics are protected, or None when they may be known."""
    if key in suppressed or suppressed_here:
        return "suppressed"
    people = r.people(key, m)
    if key in r.hidden:
        return "hidden" if people is not None and 0 < people < r.k else None
    if r.truth is not None and people is not None and 0 < people < r.k:
        return "small cell"
    return None


def _statements(
    r: _Release,
    m: _Direction,
    answered: Mapping[str, _Direction],
    counts: Mapping[str, _Direction],
    suppressed: set[CellKey],
    item_rows: Mapping[tuple[str, CellKey], ItemResult],
) -> None:
    u = r.universe
    for item in answered:
        for key in r.keys:
            x = item_rows.get((item, key))
            why = _protected(r, m, key, bool(getattr(x, "suppressed", False)), suppressed)
            if why is None and x is not None and _withheld(x):
                got = u.derive_cell(counts[item], key)
                if got is not None and any(round(v) for v in got):
                    n = u.derive_cell(answered[item], key)
                    people = None if n is None else round(n[0])
                    r.add("statements", item, "answer counts 1-5", _cell_name(key),
                          u.cells[key], people, _show(got), "withheld")  # fmt: skip
                continue
            if why is None:
                continue
            for direction in (answered[item], counts[item]):
                got = u.derive_cell(direction, key)
                if got is not None:
                    r.add("statements", item, direction.quantity, _cell_name(key),
                          u.cells[key], r.people(key, m), _show(got), why)  # fmt: skip


def _not_applicable(
    r: _Release,
    m: _Direction,
    not_applicable: Mapping[str, _Direction],
    suppressed: set[CellKey],
    item_rows: Mapping[tuple[str, CellKey], ItemResult],
) -> None:
    """A protected cell's count answering "not applicable", worked out from published shares
    (a withheld cell publishes its share on purpose, as it does its don't-know share)."""
    u = r.universe
    for item, direction in not_applicable.items():
        if not direction.known:
            continue
        for key in r.keys:
            x = item_rows.get((item, key))
            why = _protected(r, m, key, bool(getattr(x, "suppressed", False)), suppressed)
            if why is None:
                continue
            got = u.derive_cell(direction, key)
            if got is not None:
                r.add("statements", item, direction.quantity, _cell_name(key), u.cells[key],
                      r.people(key, m), _show(got), why)  # fmt: skip


def _features(r: _Release, m: _Direction, suppressed: set[CellKey]) -> None:
    a, u = r.analysis, r.universe
    for feature, _name in a.features:
        names = (
            ("n", "number scored", True),
            ("s1", "sum of scores", False),
            ("s2", "sum of squared scores", False),
            ("low", "number scoring 2 or below", True),
            ("high", "number scoring 4 or above", True),
        )
        d = {name: _Direction("features", feature, label, whole) for name, label, whole in names}
        rows = {CellKey(c.agency, c.level, c.locality): c for c in a.cells if c.feature == feature}
        for key, c in rows.items():
            if c.suppressed or _withheld(c) or c.n is None:
                continue
            n, mean, sd = c.n, c.mean or 0.0, c.sd or 0.0
            d["n"].add(key, n)
            d["s1"].add(key, n * mean)
            d["s2"].add(key, (n - 1) * sd * sd + n * mean * mean if n else 0.0)
            d["low"].add(key, (c.share_low or 0.0) * n)
            d["high"].add(key, (c.share_high or 0.0) * n)
        for g in a.gaps:
            if g.feature != feature or g.suppressed:
                continue
            for level, n_side, mean_side in (
                (MANAGEMENT, g.management_n, g.management_mean),
                (FRONTLINE, g.frontline_n, g.frontline_mean),
            ):
                key = CellKey(g.agency, level, g.locality)
                if n_side is not None:
                    d["n"].add(key, n_side)
                    if mean_side is not None:
                        d["s1"].add(key, n_side * mean_side)
        r.feature_directions.extend(d.values())
        for key in r.keys:
            c0 = rows.get(key)
            why = _protected(r, m, key, bool(c0 is not None and c0.suppressed), suppressed)
            if why is None and c0 is not None and _withheld(c0):
                why = "withheld"
            if why is None:
                continue
            scored = u.derive_cell(d["n"], key)
            people = r.people(key, m) if scored is None else round(scored[0])
            if why == "withheld" and scored is None:
                people = None
            for direction in d.values():
                got = u.derive_cell(direction, key)
                if got is None or (why == "withheld" and not any(got)):
                    continue
                r.add("features", feature, direction.quantity, _cell_name(key), u.cells[key],
                      people, _show(got, direction.whole), why)  # fmt: skip


def _partners(r: _Release, suppressed_members: set[CellKey]) -> None:
    a = r.analysis
    by_question: dict[str, list[PartnerResult]] = defaultdict(list)
    for p in a.partners:
        by_question[p.question].append(p)
    shown_means = {
        (p.question, p.from_agency, p.to_agency)
        for p in a.partners
        if not p.suppressed and not _withheld(p) and p.mean is not None
    }
    quoted: list[tuple[str, str, str, str]] = []  # (question, rater, partner, where)
    for x in a.imbalances:
        quoted += [("they-share", x.agency_a, x.agency_b, "imbalance"),
                   ("they-share", x.agency_b, x.agency_a, "imbalance")]  # fmt: skip
    for y in a.sharing_perceptions:
        where = "sharing perception"
        quoted += [("we-share", y.sharing_agency, y.receiving_agency, where),
                   ("they-share", y.receiving_agency, y.sharing_agency, where)]  # fmt: skip
    for question, rater, partner, where in quoted:
        if (question, rater, partner) not in shown_means:
            r.add("partners", question, where, f"{rater} about {partner}", [], None,
                  "published", "quotes a suppressed rating")  # fmt: skip
    for p in a.partners:
        if (
            p.from_agency is not None
            and not p.suppressed
            and CellKey(p.from_agency, None) in suppressed_members
        ):
            r.add("partners", p.question, "rating by a suppressed agency",
                  f"{p.from_agency} about {p.to_agency}", [], None, "published",
                  "suppressed rater")  # fmt: skip
    for question, results in sorted(by_question.items()):
        _partner_question(r, question, results)


def _partner_question(r: _Release, question: str, results: Sequence[PartnerResult]) -> None:
    rows: dict[tuple[str | None, str], PartnerResult] = {
        (p.from_agency, p.to_agency): p for p in results
    }
    atoms = sorted((f, t) for f, t in rows if f is not None)
    index = {atom: i for i, atom in enumerate(atoms)}
    cells: dict[Hashable, list[int]] = {atom: [index[atom]] for atom in atoms}
    for rater, partner in rows:
        if rater is None:
            cells[(None, partner)] = [index[x] for x in atoms if x[1] == partner]
    u = _Universe(atoms, cells)
    names = (("a", "number rating 1-5", True), ("s", "sum of ratings", False),
             ("d", "number answering don't know", True))  # fmt: skip
    d = {name: _Direction("partners", question, label, whole) for name, label, whole in names}
    mixed: list[tuple[tuple[str | None, str], float]] = []  # d = beta a
    for key, p in rows.items():
        if key not in cells or p.suppressed:
            continue
        s, n, mean = p.share_dont_know, p.n, p.mean
        if _withheld(p) or n is None:
            if s is not None:
                if s >= 1:
                    d["a"].add(key, 0)
                elif s == 0:
                    d["d"].add(key, 0)
                else:
                    mixed.append((key, s / (1 - s)))
            continue
        d["a"].add(key, n)
        d["s"].add(key, n * (mean or 0.0))
        if s is not None and s < 1:
            d["d"].add(key, s * n / (1 - s))
    while True:
        additions: list[tuple[_Direction, tuple[str | None, str], float]] = []
        for key, beta in mixed:
            av, dv = u.derive_cell(d["a"], key), u.derive_cell(d["d"], key)
            if av is not None and dv is None:
                additions.append((d["d"], key, beta * av[0]))
            elif dv is not None and av is None:
                additions.append((d["a"], key, dv[0] / beta))
        if not additions:
            break
        for direction, key, value in additions:
            direction.add(key, value)
    for key, p in rows.items():
        if key not in cells:
            continue
        if p.suppressed:
            protected, why = list(d.values()), "suppressed"
        elif _withheld(p):
            protected, why = [d["a"], d["s"]], "withheld"
        else:
            continue
        for direction in protected:
            got = u.derive_cell(direction, key)
            if got is not None and (why == "suppressed" or any(got)):
                label = f"{key[0] or 'all agencies'} about {key[1]}"
                r.found.append(
                    Finding(
                        "partners",
                        question,
                        direction.quantity,
                        label,
                        tuple(f"{atoms[i][0]}->{atoms[i][1]}" for i in cells[key]),
                        None,
                        _show(got, direction.whole),
                        why,
                    )  # fmt: skip
                )


def _reliability(r: _Release) -> None:
    """Complete cases, people counted pairwise (who answered at least two statements), and
    the difference of the two (who answered only part of a feature): each a statistic over
    the levels, none of which may describe 1 to k - 1 people."""
    levels = r.levels
    index = {lv: i for i, lv in enumerate(levels)}
    for feature, _name in r.analysis.features:
        results = [x for x in r.analysis.reliability if x.feature == feature]
        cells: dict[Hashable, list[int]] = {None: list(range(len(levels)))}
        for group, members in r.level_groups.items():
            cells[group] = [index[lv] for lv in members]
        u = _Universe(levels, cells)
        quantities: list[tuple[str, Callable[[ReliabilityResult], int | None]]] = [
            ("complete cases", lambda x: x.n),
            ("pairwise cases", lambda x: x.n_pairwise),
            (
                "partly answered",
                lambda x: None if x.n is None or x.n_pairwise is None else x.n_pairwise - x.n,
            ),
        ]
        for quantity, of in quantities:
            _reliability_statistic(r, u, cells, feature, quantity, results, of)


def _reliability_statistic(
    r: _Release,
    u: _Universe,
    cells: Mapping[Hashable, list[int]],
    feature: str,
    quantity: str,
    results: Sequence[ReliabilityResult],
    of: Callable[[ReliabilityResult], int | None],
) -> None:
    k, levels = r.k, r.levels
    n = _Direction("reliability", feature, quantity)
    for x in results:
        value = None if x.suppressed else of(x)
        if value is not None:
            n.add(x.group, value)
            if 0 < value < k:
                r.found.append(Finding("reliability", feature, quantity,
                                       x.group or "everyone", tuple(levels), value, str(value),
                                       "published small"))  # fmt: skip
    reported: set[tuple[int, ...]] = set()
    for x in results:
        if x.suppressed:
            got = u.derive_cell(n, x.group)
            if got is not None:
                reported.add(tuple(sorted(cells[x.group])))
                r.found.append(Finding("reliability", feature, quantity,
                                       x.group or "everyone",
                                       tuple(levels[i] for i in cells[x.group]),
                                       round(got[0]), _show(got), "suppressed"))  # fmt: skip
    for size in range(1, len(levels) + 1):
        for subset in combinations(range(len(levels)), size):
            if subset in reported:
                continue
            got = u.derive(n, subset)
            if got is not None and 0 < round(got[0]) < k:
                r.found.append(Finding("reliability", feature, quantity,
                                       "+".join(levels[i] for i in subset),
                                       tuple(levels[i] for i in subset), round(got[0]),
                                       _show(got), "small set"))  # fmt: skip


def _small_sets(r: _Release, m: _Direction, directions: Sequence[_Direction]) -> None:
    """(d): every set of atomic groups with 1 to k - 1 members, against every statistic."""
    assert r.truth is not None
    k, u = r.k, r.universe
    candidates = sorted(
        (i for i, n in r.truth.items() if 0 < n < k), key=lambda i: (r.truth or {})[i]
    )
    # One residue list per distinct span; each span stands for the statistics that share it.
    spans: dict[frozenset[Hashable], list[_Direction]] = defaultdict(list)
    for direction in directions:
        spans[frozenset(direction.known)].append(direction)
    groups = list(spans.values())
    residues = [u.residues(group[0]) for group in groups]
    hits: list[tuple[int, tuple[int, ...]]] = []
    chosen: list[int] = []
    truth = r.truth

    def walk(start: int, total: int, sums: list[int]) -> None:
        for position in range(start, len(candidates)):
            atom = candidates[position]
            new_total = total + truth[atom]
            if new_total >= k:
                break
            chosen.append(atom)
            new = [(s + res[atom]) % PRIME for s, res in zip(sums, residues, strict=True)]
            for g, value in enumerate(new):
                if not value:
                    hits.append((g, tuple(chosen)))
            walk(position + 1, new_total, new)
            chosen.pop()

    walk(0, 0, [0] * len(groups))
    minimal: dict[int, list[frozenset[int]]] = defaultdict(list)
    for g, subset in sorted(hits, key=lambda h: len(h[1])):
        found = frozenset(subset)
        if any(smaller <= found for smaller in minimal[g]):
            continue
        minimal[g].append(found)
        people = sum(truth[a] for a in subset)
        for direction in groups[g]:
            got = u.derive(direction, subset)
            if got is None:
                continue
            r.add(direction.table, direction.subject, direction.quantity,
                  " + ".join(r.groups(sorted(subset))), sorted(subset), people,
                  _show(got, direction.whole), "small set")  # fmt: skip


# --- two releases of one round ------------------------------------------------------------
# A reader who keeps both releases sees each atomic group's count at the first (x) and its
# newcomers since (d). Counts only grow: a cell shown in both with the same count tells the
# reader that none of its atomic groups changed (d = 0 for each), which linear algebra alone
# would miss. Written after a review found exactly that attack.

Member = tuple[str, str, str | None]  # agency, level, locality (None: not given)


# Version 1's level groups; version 2 counts "operational" with the frontline.
V1_GROUP_OF = {"strategic": MANAGEMENT, "operational": MANAGEMENT, "frontline": FRONTLINE}


def _atoms_of(
    cell: tuple[str | None, str | None, str | None],
    atoms: Sequence[Member],
    group_of: Mapping[str, str] = V1_GROUP_OF,
) -> list[Member]:
    agency, level, place = cell
    return [
        atom
        for atom in atoms
        if (agency is None or atom[0] == agency)
        and (level is None or atom[1] == level or group_of.get(atom[1]) == level)
        and (place is None or (atom[2] or NO_LOCALITY) == place)
    ]


class _SparseSpace:
    """Row-reduced rows as sparse dicts of exact fractions."""

    def __init__(self) -> None:
        self.rows: list[tuple[int, dict[int, Fraction]]] = []

    def reduce(self, vector: Mapping[int, Fraction | int]) -> dict[int, Fraction]:
        left = {j: Fraction(x) for j, x in vector.items() if x}
        for pivot, row in self.rows:
            factor = left.get(pivot)
            if factor:
                for j, x in row.items():
                    value = left.get(j, Fraction(0)) - factor * x
                    if value:
                        left[j] = value
                    else:
                        left.pop(j, None)
        return left

    def add(self, vector: Mapping[int, Fraction | int]) -> None:
        left = self.reduce(vector)
        if not left:
            return
        pivot = min(left)
        scale = left[pivot]
        row = {j: x / scale for j, x in left.items()}
        for index, (other, existing) in enumerate(self.rows):
            factor = existing.get(pivot)
            if factor:
                updated = dict(existing)
                for j, x in row.items():
                    value = updated.get(j, Fraction(0)) - factor * x
                    if value:
                        updated[j] = value
                    else:
                        updated.pop(j, None)
                self.rows[index] = (other, updated)
        self.rows.append((pivot, row))

    def derivable(self, vector: Mapping[int, int]) -> bool:
        return not self.reduce(vector)


def between_releases(
    first: RoundAnalysis,
    second: RoundAnalysis,
    members_first: Mapping[Member, int],
    members_second: Mapping[Member, int],
    k: int,
    group_of: Mapping[str, str] = V1_GROUP_OF,
) -> list[str]:
    """What a reader holding both releases' response counts can work out about fewer than k
    people: a count at either release, or of the newcomers, of any published-table cell or
    atomic group. Empty when the releases protect each other. `group_of` maps each level to
    its group, as the round's questionnaire does."""

    def shown(analysis: RoundAnalysis) -> dict[tuple[str | None, str | None, str | None], int]:
        return {
            (r.agency, r.level, r.locality): r.respondents
            for r in analysis.responses
            if not r.suppressed and r.respondents is not None
        }

    published_first, published_second = shown(first), shown(second)
    # Every group the breakdown could hold, empty or not: the reader does not know which are
    # empty unless the release says so.
    places: list[str | None] = [None, *(place for place, _name in second.localities)]
    atoms = sorted(
        {
            (agency, level, place)
            for agency, _name in second.agencies
            for level in ("strategic", "operational", "frontline")
            for place in places
        }
        | set(members_first)
        | set(members_second),
        key=repr,
    )
    index = {atom: i for i, atom in enumerate(atoms)}
    n = len(atoms)
    space = _SparseSpace()
    for cell in published_first:
        space.add({index[a]: 1 for a in _atoms_of(cell, atoms, group_of)})
    for cell in published_second:
        space.add(
            {j: 1 for a in _atoms_of(cell, atoms, group_of) for j in (index[a], n + index[a])}
        )
    for cell in set(published_first) & set(published_second):
        if published_first[cell] == published_second[cell]:
            for atom in _atoms_of(cell, atoms, group_of):
                space.add({n + index[atom]: 1})
    cells = {(r.agency, r.level, r.locality) for r in (*first.responses, *second.responses)}
    found = []
    groups = [_atoms_of(cell, atoms, group_of) for cell in sorted(cells, key=repr)]
    for under in [*groups, *([atom] for atom in atoms)]:
        before = sum(members_first.get(a, 0) for a in under)
        after = sum(members_second.get(a, 0) for a in under)
        for what, vector, people in (
            ("at the first release", {index[a]: 1 for a in under}, before),
            (
                "at the second release",
                {j: 1 for a in under for j in (index[a], n + index[a])},
                after,
            ),
            ("who came in between", {n + index[a]: 1 for a in under}, after - before),
        ):
            if 0 < people < k and space.derivable(vector):
                found.append(f"the members of {under} {what}: {people}")
    return found
