"""The all-tables reader in tests/disclosure.py catches the attacks it was written for, and
finds nothing in a release protected the way the engine protects one."""

from __future__ import annotations

import math
import random
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

import pytest

from surveys.analysis.results import (
    FRONTLINE,
    MANAGEMENT,
    CellResult,
    ItemResult,
    ReliabilityResult,
    ResponseResult,
    RoundAnalysis,
    RoundInfo,
)
from surveys.scoring.cells import NO_LOCALITY, CellKey, breakdown_relations, hidden_cells
from surveys.scoring.suppression import Relation, protect
from tests.disclosure import Finding, Span, findings, report

K = 5
LEVEL_GROUPS = {MANAGEMENT: ["strategic", "operational"], FRONTLINE: ["frontline"]}
GROUP_OF = {"strategic": MANAGEMENT, "operational": MANAGEMENT, "frontline": FRONTLINE}


def release(
    *,
    agencies: Sequence[str],
    localities: Sequence[str] = (),
    features: Sequence[str] = (),
    cells: Iterable[CellResult] = (),
    items: Iterable[ItemResult] = (),
    responses: Iterable[ResponseResult] = (),
    reliability: Iterable[ReliabilityResult] = (),
    k: int = K,
) -> RoundAnalysis:
    responses = tuple(responses)
    total = sum(r.respondents or 0 for r in responses if r.agency is None and r.level is None)
    return RoundAnalysis(
        round=RoundInfo(
            slug="test",
            name="Test round",
            questionnaire_version="cop-maturity-v1",
            opens_at=datetime(2026, 1, 1),
            closes_at=datetime(2026, 2, 1),
            is_demo=False,
            responses=total,
        ),
        min_cell_size=k,
        features=tuple((f, f) for f in features),
        agencies=tuple((a, a) for a in agencies),
        localities=tuple((loc, loc) for loc in localities),
        cells=tuple(cells),
        items=tuple(items),
        gaps=(),
        item_gaps=(),
        partners=(),
        imbalances=(),
        sharing_perceptions=(),
        reliability=tuple(reliability),
        responses=responses,
    )


def kinds(found: Sequence[Finding]) -> set[tuple[str, str, str, str]]:
    return {(f.table, f.quantity, f.cell, f.why) for f in found}


# --- a small engine over made-up people, protected the way the engine protects a release ---


@dataclass(frozen=True)
class Person:
    agency: str
    level: str
    place: str | None
    answers: tuple[int, ...]  # 1-5, 0 for don't know


def cells_of(person: Person, localities: Sequence[str]) -> list[CellKey]:
    group = GROUP_OF[person.level]
    cells = []
    for agency in (person.agency, None):
        cells += [CellKey(agency, None), CellKey(agency, group)]
        if group == MANAGEMENT:
            cells.append(CellKey(agency, person.level))
    if localities:
        place = person.place if person.place in localities else NO_LOCALITY
        cells += [CellKey(None, None, place), CellKey(None, group, place)]
    return cells


def feature_score(answers: Sequence[int]) -> float | None:
    given = [a for a in answers if a]
    return sum(given) / len(given) if len(given) >= math.ceil(0.6 * len(answers)) else None


def build(
    people: Sequence[Person],
    agencies: Sequence[str],
    localities: Sequence[str],
    statements: int,
    features: int,
    k: int = K,
    one_pattern: bool = True,
) -> RoundAnalysis:
    """One pattern per release (membership), withheld figures with their own complements;
    or, with one_pattern=False, the old build: each table protected on its own counts."""
    relations = breakdown_relations(agencies, LEVEL_GROUPS, localities)
    hidden = set(hidden_cells(LEVEL_GROUPS, localities))
    every = {c for r in relations for c in r.cells} | {CellKey(None, None)}
    keys = sorted(every - hidden, key=lambda c: (c.agency or "", c.level or "", c.locality or ""))
    where = {id(p): cells_of(p, localities) for p in people}

    def groups(select: Callable[[Person], bool]) -> dict[CellKey, list[Person]]:
        found: dict[CellKey, list[Person]] = {c: [] for c in every}
        for p in people:
            if select(p):
                for c in where[id(p)]:
                    found[c].append(p)
        return found

    members = groups(lambda p: True)
    member_suppressed = protect({c: len(v) for c, v in members.items()}, relations, k, hidden)

    def pattern(counts: dict[CellKey, int]) -> tuple[frozenset[CellKey], frozenset[CellKey]]:
        if not one_pattern:
            return protect(counts, relations, k, hidden), frozenset()
        kept = protect(counts, relations, k, hidden | member_suppressed)
        return member_suppressed, kept - member_suppressed

    per_feature = statements // features
    item_results = []
    for i in range(statements):

        def answers(p: Person, i: int = i) -> bool:
            return p.answers[i] > 0

        answered = groups(answers)
        suppressed, withheld = pattern({c: len(v) for c, v in answered.items()})
        for key in keys:
            asked = len(members[key])
            dk = asked - len(answered[key])
            share_dk = dk / asked if asked else None
            if key in suppressed:
                item_results.append(ItemResult(*key, f"s{i}", f"f{i // per_feature}", True))
            elif key in withheld:
                item_results.append(
                    ItemResult(
                        *key,
                        f"s{i}",
                        f"f{i // per_feature}",
                        False,
                        share_dont_know=share_dk,
                        withheld=True,
                    )  # fmt: skip
                )
            else:
                values = [p.answers[i] for p in answered[key]]
                n = len(values)
                item_results.append(
                    ItemResult(
                        *key,
                        f"s{i}",
                        f"f{i // per_feature}",
                        False,
                        n=n,
                        mean=statistics.fmean(values) if n else None,
                        share_agreeing=sum(v >= 4 for v in values) / n if n else None,
                        share_dont_know=share_dk,
                        distribution=(*(values.count(v) / asked for v in range(1, 6)), dk / asked)
                        if asked
                        else None,
                    )
                )
    cell_results = []
    reliability_results = []
    for f in range(features):
        span = slice(f * per_feature, (f + 1) * per_feature)

        def score(p: Person, span: slice = span) -> float | None:
            return feature_score(p.answers[span])

        scored = groups(lambda p: score(p) is not None)
        suppressed, withheld = pattern({c: len(v) for c, v in scored.items()})
        for key in keys:
            if key in suppressed or key in withheld:
                cell_results.append(
                    CellResult(*key, f"f{f}", key in suppressed, withheld=key in withheld)
                )
                continue
            scores: list[float] = [s for p in scored[key] if (s := score(p)) is not None]
            n = len(scores)
            cell_results.append(
                CellResult(
                    *key,
                    f"f{f}",
                    False,
                    n=n,
                    mean=statistics.fmean(scores) if n else None,
                    sd=statistics.stdev(scores) if n > 1 else None,
                    median=statistics.median(scores) if n else None,
                    share_low=sum(v <= 2 for v in scores) / n if n else None,
                    share_high=sum(v >= 4 for v in scores) / n if n else None,
                )
            )
        complete = {
            group: sum(
                1
                for p in people
                if all(p.answers[span]) and (group is None or GROUP_OF[p.level] == group)
            )
            for group in (None, MANAGEMENT, FRONTLINE)
        }
        hidden_groups = protect(complete, [Relation(None, (MANAGEMENT, FRONTLINE))], k)
        for group, n in complete.items():
            shown = group not in hidden_groups
            reliability_results.append(
                ReliabilityResult(f"f{f}", group, not shown, n=n if shown else None)
            )
    response_results = []
    for key in keys:
        if key in member_suppressed:
            response_results.append(ResponseResult(*key, True))
            continue
        count = len(members[key])
        dk = sum(1 for p in members[key] for a in p.answers if a == 0)
        response_results.append(
            ResponseResult(
                *key,
                False,
                respondents=count,
                share_dont_know=dk / (count * statements) if count else None,
            )
        )
    return release(
        agencies=agencies,
        localities=localities,
        features=[f"f{f}" for f in range(features)],
        cells=cell_results,
        items=item_results,
        responses=response_results,
        reliability=reliability_results,
        k=k,
    )


def population(
    rng: random.Random,
    agencies: Sequence[str],
    localities: Sequence[str],
    statements: int,
    size: int,
) -> list[Person]:
    levels = ["strategic", "operational", "frontline", "frontline", "frontline"]
    people = []
    for _ in range(size):
        # Agencies of very different sizes, so that small groups are common.
        agency = agencies[min(int(rng.expovariate(0.35)), len(agencies) - 1)]
        place = rng.choice([*localities, None]) if localities else None
        answers = tuple(rng.choice([0, 1, 2, 3, 4, 5, 4, 3]) for _ in range(statements))
        people.append(Person(agency, rng.choice(levels), place, answers))
    return people


def truth(people: Iterable[Person]) -> dict[tuple[str, str, str | None], int]:
    counts: dict[tuple[str, str, str | None], int] = {}
    for p in people:
        key = (p.agency, p.level, p.place)
        counts[key] = counts.get(key, 0) + 1
    return counts


# --- the exact arithmetic -----------------------------------------------------------------


def test_span_derives_sums_and_their_values() -> None:
    span = Span([("total", [0, 1, 2]), ("first two", [0, 1]), ("second", [1])])
    assert span.express([2]) == {"total": Fraction(1), "first two": Fraction(-1)}
    assert span.express([0]) == {"first two": Fraction(1), "second": Fraction(-1)}
    assert span.express([0, 2]) is not None
    residues = span.residues(4)
    assert residues[0] == residues[1] == residues[2] == 0
    assert residues[3] != 0  # an atom in no published cell
    assert Span([("a", [0, 1])]).express([0]) is None


# --- the attacks --------------------------------------------------------------------------


def test_statement_counts_recover_cells_the_response_table_suppressed() -> None:
    """The old build: the response table protected on membership, each statement on the
    people answering it. Police: 1 strategic leader (who answered "don't know"), 6
    operational managers (one "don't know"), 4 frontline staff. The statement's published n
    and "don't know" share for police and its managers give asked counts, which are
    memberships."""
    agencies = ["police", "health", "education"]
    layout = {
        "police": {"strategic": 1, "operational": 6, "frontline": 4},
        "health": {"strategic": 5, "operational": 6, "frontline": 12},
        "education": {"strategic": 5, "operational": 7, "frontline": 14},
    }
    people = [
        Person(agency, level, None, (4,))
        for agency, levels in layout.items()
        for level, count in levels.items()
        for _ in range(count)
    ]
    protected = build(people, agencies, [], statements=1, features=1)
    responses = list(protected.responses)
    shown = {(r.agency, r.level): r for r in responses}
    assert shown[("police", "frontline")].suppressed
    assert shown[("police", "strategic")].suppressed
    assert findings(release(agencies=agencies, responses=responses), LEVEL_GROUPS) == []

    def published(level: str | None, n: int, asked: int) -> ItemResult:
        dont_know = asked - n
        return ItemResult("police", level, None, "trust-1", "trust", False, n=n, mean=4.0,
                          share_agreeing=1.0, share_dont_know=dont_know / asked,
                          distribution=(0, 0, 0, n / asked, 0, dont_know / asked))  # fmt: skip

    items = [published(None, 9, 11), published(MANAGEMENT, 5, 7), published("operational", 5, 6)]
    analysis = release(agencies=agencies, responses=responses, items=items)
    found = findings(analysis, LEVEL_GROUPS)
    recovered = {
        (f.cell, f.value) for f in found if f.table == "responses" and f.quantity == "members"
    }
    assert ("police/frontline", "4") in recovered, report(found)
    assert ("police/strategic", "1") in recovered, report(found)
    # The same people released with one pattern for every table: nothing to find.
    assert findings(protected, LEVEL_GROUPS) == []


def test_reliability_frontline_is_everyone_minus_management() -> None:
    reliability = [
        ReliabilityResult("trust", None, False, n=51, alpha=0.8),
        ReliabilityResult("trust", MANAGEMENT, False, n=48, alpha=0.82),
        ReliabilityResult("trust", FRONTLINE, True),
    ]
    analysis = release(agencies=["police"], features=["trust"], reliability=reliability)
    found = findings(analysis, LEVEL_GROUPS)
    assert ("reliability", "complete cases", "frontline", "suppressed") in kinds(found)
    assert [f.value for f in found if f.cell == "frontline"] == ["3"]


def test_a_dont_know_only_group_is_not_shown_as_empty() -> None:
    """Police strategic has one member, who answered "don't know". The old build counted
    only those answering 1-5, so it showed the cell with n = 0 and 100% don't know."""
    key = ("police", "strategic", None)
    responses = [
        ResponseResult(None, None, None, False, respondents=10),
        ResponseResult("police", None, None, False, respondents=10),
        ResponseResult(*key, True),
        ResponseResult("police", "operational", None, True),
    ]
    items = [
        ItemResult(
            *key,
            "trust-1",
            "trust",
            False,
            n=0,
            share_dont_know=1.0,
            distribution=(0.0, 0.0, 0.0, 0.0, 0.0, 1.0),
        ),  # fmt: skip
    ]
    analysis = release(agencies=["police"], responses=responses, items=items)
    found = findings(analysis, LEVEL_GROUPS)
    assert ("statements", "answered 1-5", "police/strategic", "suppressed") in kinds(found)
    # Told the truth (one member), the reader's finding names one person.
    members: dict[tuple[str, str, str | None], int] = {("police", "strategic", None): 1}
    members[("police", "operational", None)] = 4
    members[("police", "frontline", None)] = 5
    told = findings(analysis, LEVEL_GROUPS, members=members)
    assert any(f.cell == "police/strategic" and f.people == 1 for f in told), report(told)


def test_a_mean_follows_from_the_partnership_and_the_other_agencies() -> None:
    agencies = ["police", "health", "education"]

    def cell(agency: str | None, n: int, mean: float) -> CellResult:
        return CellResult(agency, None, None, "trust", False, n=n, mean=mean, sd=1.0,
                          share_low=0.2, share_high=0.4)  # fmt: skip

    cells = [
        cell(None, 22, 3.5),
        cell("police", 10, 3.0),
        cell("health", 10, 4.0),
        CellResult("education", None, None, "trust", True),
    ]
    analysis = release(agencies=agencies, features=["trust"], cells=cells)
    found = findings(analysis, LEVEL_GROUPS)
    by_quantity = {f.quantity: f.value for f in found if f.cell == "education/all levels"}
    assert by_quantity["number scored"] == "2"
    assert by_quantity["sum of scores"] == "7"  # 22 * 3.5 - 30 - 40: a mean of 3.5


def test_a_lone_respondent_who_gave_no_locality_is_found() -> None:
    responses = [
        ResponseResult(None, None, None, False, respondents=20),
        ResponseResult(None, None, "north", False, respondents=10),
        ResponseResult(None, None, "south", False, respondents=9),
    ]
    analysis = release(agencies=["police"], localities=["north", "south"], responses=responses)
    found = findings(analysis, LEVEL_GROUPS)
    assert [(f.cell, f.value, f.why) for f in found] == [
        ("all agencies/all levels/(not given)", "1", "hidden")
    ]


def test_a_small_set_of_atomic_groups_is_found_with_the_truth() -> None:
    """Two published cells differ by two atomic groups holding three people between them."""
    responses = [
        ResponseResult(None, None, None, False, respondents=20),
        ResponseResult(None, MANAGEMENT, None, False, respondents=8),
        ResponseResult(None, FRONTLINE, None, False, respondents=12),
        ResponseResult(None, None, "north", False, respondents=17),
        ResponseResult(None, MANAGEMENT, "north", False, respondents=5),
        ResponseResult(None, FRONTLINE, "north", False, respondents=12),
    ]
    members = {
        ("police", "strategic", "north"): 2,
        ("police", "operational", "north"): 3,
        ("police", "frontline", "north"): 12,
        ("police", "strategic", None): 1,
        ("police", "operational", None): 2,
    }
    analysis = release(agencies=["police"], localities=["north"], responses=responses)
    found = findings(analysis, LEVEL_GROUPS, members=members)
    small = [f for f in found if f.why in ("small set", "hidden")]
    assert small and all(f.people == 3 for f in small), report(found)


# --- a protected release ------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(6))
def test_a_release_with_one_pattern_has_nothing_to_find(seed: int) -> None:
    rng = random.Random(seed)
    agencies = ["police", "health", "education", "housing"]
    localities = ["north", "south"] if seed % 2 else []
    people = population(rng, agencies, localities, statements=6, size=rng.randrange(15, 70))
    analysis = build(people, agencies, localities, statements=6, features=2)
    found = findings(analysis, LEVEL_GROUPS, members=truth(people), strict=False)
    assert found == [], report(found)


def test_a_partnership_of_eight_agencies_is_read_in_seconds() -> None:
    rng = random.Random(2026)
    agencies = [f"agency-{i}" for i in range(8)]
    localities = ["north", "south", "east"]
    people = population(rng, agencies, localities, statements=32, size=300)
    analysis = build(people, agencies, localities, statements=32, features=5)
    started = time.perf_counter()
    found = findings(analysis, LEVEL_GROUPS, members=truth(people), strict=False)
    elapsed = time.perf_counter() - started
    print(f"8 agencies, 3 levels, 3 localities, 32 statements: {elapsed:.2f} s")
    assert found == [], report(found)
    assert elapsed < 20
