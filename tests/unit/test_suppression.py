"""Small-group protection, checked by an attacker written independently of the module."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from surveys.scoring.cells import NO_LOCALITY, CellKey, breakdown_relations
from surveys.scoring.suppression import Relation, derivable_small_groups, protect

LEVEL_GROUPS = {"management": ["strategic", "operational"], "frontline": ["frontline"]}
GROUP_OF = {"strategic": "management", "operational": "management", "frontline": "frontline"}
HIDDEN = {CellKey(None, level, NO_LOCALITY) for level in (None, "management", "frontline")}

Person = tuple[str, str, str | None]
NOWHERE: str | None = None  # a respondent who gave no locality


def cell_counts(
    people: Sequence[Person],
    agencies: Sequence[str],
    localities: Sequence[str],
    relations: Sequence[Relation[CellKey]],
) -> dict[CellKey, int]:
    counts: Counter[CellKey] = Counter()
    for agency, level, locality in people:
        group = GROUP_OF[level]
        for a in (agency, None):
            counts[CellKey(a, None)] += 1
            counts[CellKey(a, group)] += 1
            if group == "management":
                counts[CellKey(a, level)] += 1
        if localities:
            place = locality or NO_LOCALITY
            counts[CellKey(None, None, place)] += 1
            counts[CellKey(None, group, place)] += 1
    for relation in relations:
        for cell in relation.cells:
            counts.setdefault(cell, 0)
    return dict(counts)


PRIME = 2**61 - 1  # rank over this prime field equals rank over the rationals here


def rank(rows: list[list[int]]) -> int:
    """Rank by plain Gaussian elimination modulo a large prime (not the module's method)."""
    matrix = [[value % PRIME for value in row] for row in rows]
    found = 0
    columns = len(matrix[0]) if matrix else 0
    for column in range(columns):
        pivot = next((i for i in range(found, len(matrix)) if matrix[i][column]), None)
        if pivot is None:
            continue
        matrix[found], matrix[pivot] = matrix[pivot], matrix[found]
        inverse = pow(matrix[found][column], PRIME - 2, PRIME)
        for i in range(len(matrix)):
            if i != found and matrix[i][column]:
                factor = matrix[i][column] * inverse % PRIME
                matrix[i] = [
                    (a - factor * b) % PRIME for a, b in zip(matrix[i], matrix[found], strict=True)
                ]
        found += 1
    return found


class Attacker:
    """Knows every published cell and every relation; tries to work out hidden sums."""

    def __init__(self, relations: Sequence[Relation[CellKey]], unknown: set[CellKey]) -> None:
        self.columns = sorted(unknown, key=repr)
        self.rows = []
        for relation in relations:
            row = [0] * len(self.columns)
            for index, cell in enumerate(self.columns):
                if cell == relation.total:
                    row[index] += 1
                if cell in relation.parts:
                    row[index] -= 1
            if any(row):
                self.rows.append(row)
        self.base_rank = rank(self.rows)

    def can_derive(self, target: set[CellKey]) -> bool:
        wanted = [1 if cell in target else 0 for cell in self.columns]
        return self.base_rank == rank([*self.rows, wanted])


def assert_protected(
    counts: dict[CellKey, int],
    relations: Sequence[Relation[CellKey]],
    k: int,
    suppressed: frozenset[CellKey],
    hidden: set[CellKey],
) -> None:
    unknown = set(suppressed) | hidden
    attacker = Attacker(relations, unknown)
    for cell, n in counts.items():
        if 0 < n < k:
            assert cell in unknown, f"{cell} (n={n}) is published"
            assert not attacker.can_derive({cell}), f"{cell} can be derived"
    derived = {c for c in unknown if attacker.can_derive({c})}
    for relation in relations:
        if relation.total in unknown and relation.total not in derived:
            continue
        block = {p for p in relation.parts if p in unknown and p not in derived}
        size = sum(counts[p] for p in block)
        if 0 < size < k:
            assert not attacker.can_derive(block), f"block {block} derivable"


AGENCIES = ["police", "social-care", "health"]


def test_the_issue_example_needs_more_than_the_small_cell() -> None:
    """Police overall 33 and police management 30 published would give away frontline (3)."""
    people: list[Person] = (
        [("police", "strategic", NOWHERE)] * 10
        + [("police", "operational", NOWHERE)] * 20
        + [("police", "frontline", NOWHERE)] * 3
    )
    people += [(a, lv, None) for a in AGENCIES[1:] for lv in GROUP_OF for _ in range(8)]
    relations = breakdown_relations(AGENCIES, LEVEL_GROUPS, [])
    counts = cell_counts(people, AGENCIES, [], relations)
    assert counts[CellKey("police", None)] == 33 and counts[CellKey("police", "management")] == 30
    suppressed = protect(counts, relations, 5)
    assert CellKey("police", "frontline") in suppressed
    assert CellKey("police", "management") in suppressed or CellKey("police", None) in suppressed
    assert_protected(counts, relations, 5, suppressed, set())
    assert derivable_small_groups(counts, relations, 5, suppressed) == []
    # and no more than the cycle it takes: two agencies, three levels each
    assert len(suppressed) == 6


def test_a_large_table_needs_no_suppression_and_empty_cells_are_not_hidden() -> None:
    people: list[Person] = [
        (a, lv, None) for a in AGENCIES[:2] for lv in GROUP_OF for _ in range(9)
    ]
    relations = breakdown_relations(AGENCIES, LEVEL_GROUPS, [])
    counts = cell_counts(people, AGENCIES, [], relations)
    assert counts[CellKey("health", None)] == 0
    assert protect(counts, relations, 5) == frozenset()


def test_a_small_group_of_unknown_locality_is_protected() -> None:
    """Respondents who gave no locality are never shown, but subtraction would reveal them."""
    localities = ["north", "south"]
    people: list[Person] = (
        [("police", "frontline", "north")] * 20
        + [("health", "frontline", "south")] * 20
        + [("health", "frontline", NOWHERE)] * 2
    )
    relations = breakdown_relations(AGENCIES, LEVEL_GROUPS, localities)
    counts = cell_counts(people, AGENCIES, localities, relations)
    suppressed = protect(counts, relations, 5, hidden=HIDDEN)
    assert not HIDDEN & suppressed  # hidden cells are never published in the first place
    assert {CellKey(None, None, "north"), CellKey(None, None, "south")} & suppressed
    assert_protected(counts, relations, 5, suppressed, HIDDEN)


def test_the_audit_spots_an_unprotected_table() -> None:
    people: list[Person] = [("police", "frontline", NOWHERE)] * 3 + [
        ("police", "operational", NOWHERE)
    ] * 9
    relations = breakdown_relations(AGENCIES, LEVEL_GROUPS, [])
    counts = cell_counts(people, AGENCIES, [], relations)
    primary_only = frozenset(c for c, n in counts.items() if 0 < n < 5)
    assert CellKey("police", "frontline") in derivable_small_groups(
        counts, relations, 5, primary_only
    )


people_strategy = st.lists(
    st.tuples(
        st.sampled_from(["police", "social-care", "health", "education"]),
        st.sampled_from(["strategic", "operational", "frontline"]),
        st.sampled_from(["north", "south", "east", None]),
    ),
    max_size=70,
)


@settings(max_examples=150, deadline=None)
@given(people=people_strategy, k=st.sampled_from([3, 5, 7]), with_localities=st.booleans())
def test_no_suppressed_group_can_be_derived(
    people: list[Person], k: int, with_localities: bool
) -> None:
    agencies = ["police", "social-care", "health", "education"]
    localities = ["north", "south", "east"] if with_localities else []
    relations = breakdown_relations(agencies, LEVEL_GROUPS, localities)
    counts = cell_counts(people, agencies, localities, relations)
    hidden = set(HIDDEN) if localities else set()
    suppressed = protect(counts, relations, k, hidden=hidden)
    assert_protected(counts, relations, k, suppressed, hidden)
    # Nothing that is big and independent is hidden without need: cells with n >= k are
    # suppressed only as complements, so at least the partnership total survives when big.
    if counts[CellKey(None, None)] >= k and not any(0 < n < k for n in counts.values()):
        assert suppressed == frozenset()


@settings(max_examples=60, deadline=None)
@given(
    counts=st.lists(st.integers(min_value=0, max_value=12), min_size=2, max_size=6),
    k=st.sampled_from([3, 5]),
)
def test_a_single_relation_never_leaves_one_small_part_alone(counts: list[int], k: int) -> None:
    parts = tuple(f"part-{i}" for i in range(len(counts)))
    relation = Relation("total", parts)
    table = {"total": sum(counts), **dict(zip(parts, counts, strict=True))}
    suppressed = protect(table, [relation], k)
    small = [p for p in parts if 0 < table[p] < k]
    if small:
        hidden_parts = [p for p in parts if p in suppressed]
        assert "total" in suppressed or sum(table[p] for p in hidden_parts) >= k
