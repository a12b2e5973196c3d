"""A comment's label never narrows its possible writers below k, by elimination included."""

from __future__ import annotations

import itertools
import random
from collections import defaultdict
from collections.abc import Callable, Mapping

import pytest

from surveys.comments.labels import CommentLabel, LabellingScheme, Scheme, choose_scheme
from surveys.scoring.cells import CellKey

K = 5
AGENCIES = ("police", "health", "education")
GROUPS = ("management", "frontline")
Counts = Mapping[tuple[str, str], int]
Labeller = Callable[[str, str], CommentLabel | None]


def members_of(counts: Counts) -> dict[CellKey, int]:
    """Every cell of the breakdown (agency x level group, their totals) from the inner counts."""
    members: dict[CellKey, int] = defaultdict(int)
    for (agency, group), n in counts.items():
        for cell in (
            CellKey(agency, group),
            CellKey(agency, None),
            CellKey(None, group),
            CellKey(None, None),
        ):
            members[cell] += n
    return dict(members)


def small_cells(members: Mapping[CellKey, int], k: int = K) -> set[CellKey]:
    """Primary suppression: every cell with members but fewer than k."""
    return {cell for cell, n in members.items() if 0 < n < k}


def scheme_for(counts: Counts, extra: set[CellKey] | None = None) -> LabellingScheme:
    members = members_of(counts)
    return choose_scheme(AGENCIES, GROUPS, members, small_cells(members) | (extra or set()), K)


def narrowest_published(counts: Counts, suppressed: set[CellKey]) -> Labeller:
    """The old rule: each comment gets the narrowest published group of its own writer."""
    members = members_of(counts)

    def shown(cell: CellKey) -> bool:
        return cell not in suppressed and members.get(cell, 0) >= K

    def label(agency: str, group: str) -> CommentLabel | None:
        for a, g in ((agency, group), (agency, None), (None, group), (None, None)):
            if shown(CellKey(a, g)):
                return CommentLabel(a, g)
        return None

    return label


def possible_writers(counts: Counts, label_of: Labeller) -> dict[CommentLabel, int]:
    """For every label given, how many people could have written a comment carrying it."""
    writers: dict[CommentLabel, int] = defaultdict(int)
    for (agency, group), n in counts.items():
        label = label_of(agency, group)
        if n and label is not None:
            writers[label] += n
    return dict(writers)


def uniform(n: int) -> dict[tuple[str, str], int]:
    return {(a, g): n for a in AGENCIES for g in GROUPS}


# One small agency: education has 2 frontline staff and 1 manager; the rest are large.
SMALL_EDUCATION = {**uniform(12), ("education", "frontline"): 2, ("education", "management"): 1}


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        (uniform(6), Scheme.AGENCY_AND_LEVEL),
        # an empty cell is never named, so it does not stop the finest scheme
        ({**uniform(6), ("health", "management"): 0}, Scheme.AGENCY_AND_LEVEL),
        # police managers are too few, but each agency as a whole is not
        ({**uniform(6), ("police", "management"): 2}, Scheme.AGENCY),
        (SMALL_EDUCATION, Scheme.LEVEL),
        (uniform(1), Scheme.PARTNERSHIP),  # six people in all: only the whole reaches k
        ({("police", "frontline"): 4}, Scheme.NONE),
        ({}, Scheme.NONE),
    ],
)
def test_the_finest_safe_scheme_is_chosen(counts: Counts, expected: Scheme) -> None:
    assert scheme_for(counts).scheme is expected


def test_a_suppressed_cell_counts_as_unsafe_even_when_large() -> None:
    # Complementary suppression hides a large cell too, so that a small one cannot be worked out.
    extra = {CellKey("health", "frontline")}
    assert scheme_for(uniform(6), extra).scheme is Scheme.AGENCY
    assert scheme_for(uniform(6), extra | {CellKey("health", None)}).scheme is Scheme.LEVEL


def test_a_cell_left_out_of_the_counts_is_not_taken_as_empty() -> None:
    members = members_of(uniform(6))
    del members[CellKey("police", "frontline")]
    assert choose_scheme(AGENCIES, GROUPS, members, set(), K).scheme is Scheme.AGENCY


@pytest.mark.parametrize(
    ("scheme", "expected"),
    [
        (Scheme.AGENCY_AND_LEVEL, CommentLabel("police", "frontline")),
        (Scheme.AGENCY, CommentLabel("police", None)),
        (Scheme.LEVEL, CommentLabel(None, "frontline")),
        (Scheme.PARTNERSHIP, CommentLabel(None, None)),
        (Scheme.NONE, None),
    ],
)
def test_every_comment_is_labelled_by_the_one_scheme(
    scheme: Scheme, expected: CommentLabel | None
) -> None:
    labelling = LabellingScheme(scheme)
    assert labelling.label("police", "frontline") == expected
    assert labelling.shows_comments is (scheme is not Scheme.NONE)


def test_the_old_rule_singles_out_a_small_agency_by_elimination() -> None:
    suppressed = small_cells(members_of(SMALL_EDUCATION))
    assert CellKey("education", None) in suppressed  # 3 people: the agency is suppressed
    old = possible_writers(SMALL_EDUCATION, narrowest_published(SMALL_EDUCATION, suppressed))
    # "Partnership, frontline" is given only to education's frontline writers: 2 people.
    assert old[CommentLabel(None, "frontline")] == 2
    assert old[CommentLabel(None, "management")] == 1
    new = possible_writers(SMALL_EDUCATION, scheme_for(SMALL_EDUCATION).label)
    assert new == {
        CommentLabel(None, "frontline"): 12 + 12 + 2,
        CommentLabel(None, "management"): 12 + 12 + 1,
    }


def brute_force_configurations() -> list[tuple[dict[tuple[str, str], int], set[CellKey]]]:
    """Every inner count from a small set in each of the six cells, with and without some
    extra (complementary) suppression chosen at random."""
    rng = random.Random(2017)
    cells = [(a, g) for a in AGENCIES for g in GROUPS]
    every_cell = [CellKey(a, g) for a in (None, *AGENCIES) for g in (None, *GROUPS)]
    configurations: list[tuple[dict[tuple[str, str], int], set[CellKey]]] = []
    for values in itertools.product((0, 1, 2, 5, 9), repeat=len(cells)):
        counts = dict(zip(cells, values, strict=True))
        configurations.append((counts, set()))
        configurations.append((counts, set(rng.sample(every_cell, 2))))
    return configurations


def test_no_label_of_any_scheme_ever_names_fewer_than_k_possible_writers() -> None:
    for counts, extra in brute_force_configurations():
        labelling = scheme_for(counts, extra)
        for label, writers in possible_writers(counts, labelling.label).items():
            assert writers >= K, (counts, extra, labelling.scheme, label, writers)


def test_the_brute_force_check_catches_the_old_rule() -> None:
    # The same check, run on the per-comment rule, finds labels narrowed below k.
    narrowed = 0
    for counts, extra in brute_force_configurations():
        suppressed = small_cells(members_of(counts)) | extra
        old = possible_writers(counts, narrowest_published(counts, suppressed))
        narrowed += any(writers < K for writers in old.values())
    assert narrowed > 0
