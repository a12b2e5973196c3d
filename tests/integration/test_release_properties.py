"""Random partnerships full of small groups, published by the real engine into real
releases, then attacked by the exact all-tables solver (tests/disclosure.py).

Each example is a round of a few agencies with many groups of 1 to 6 people, random
localities and random "don't know" answers, then one to three more batches (some with a
block of k or more newcomers in one group), each followed by an attempt at an interim
release, the last by the round closing. No release may let the solver derive anything about
fewer than k people; no two releases together may either, for a reader who knows that
counts only grow; and no comment label may name fewer than k possible writers."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from datetime import date, timedelta

from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from surveys.analysis.results import RoundAnalysis
from surveys.database import db
from surveys.library import current_questionnaire, questionnaire
from surveys.questionnaire import NOT_APPLICABLE_VALUE
from surveys.releases.models import Release
from surveys.releases.service import ReleaseRefused, publish_release, released_analysis
from surveys.responses.answers import CompletedResponse
from surveys.responses.models import Channel, Comment
from surveys.responses.service import record_submissions
from surveys.rounds.models import utc_now
from surveys.rounds.service import RoundSpec, create_round
from tests.disclosure import between_releases, findings

K = 5
AGENCIES = ["police", "childrens-social-care", "health", "education", "housing"]
LEVELS = ["strategic", "operational", "frontline"]
GROUP_OF = {"strategic": "management", "operational": "management", "frontline": "frontline"}
LEVEL_GROUPS = {"management": ["strategic", "operational"], "frontline": ["frontline"]}
# Version 2 counts supervisors with the frontline.
V2_LEVEL_GROUPS = {"management": ["strategic"], "frontline": ["operational", "practitioner"]}
V2_LEVEL = {"frontline": "practitioner"}  # v2's own id for the level v1 calls frontline
V2_GROUP_OF = {level: group for group, levels in V2_LEVEL_GROUPS.items() for level in levels}
PLACES = [None, "north", "south"]
slugs = itertools.count()

Person = tuple[str, str, str | None, int, int]  # agency, level, locality, answer, seed

person_strategy = st.tuples(
    st.sampled_from(AGENCIES),
    st.sampled_from(LEVELS),
    st.sampled_from(PLACES),
    st.integers(0, 5),  # 0: don't know to many statements
    st.integers(0, 1000),
)
people_strategy = st.lists(person_strategy, min_size=8, max_size=45)


def responses(
    people: list[Person], ids: list[str], not_applicable: bool = False
) -> list[CompletedResponse]:
    made = []
    for agency, level, place, answer, seed in people:
        items: dict[str, int | None] = {}
        for index, item in enumerate(ids):
            dont_know = answer == 0 and (seed + index) % 3 != 0
            items[item] = None if dont_know else 1 + (seed * (index + 3) + answer) % 5
            # Version 2: "not applicable to my role" to many statements, from some people.
            if not_applicable and answer == 1 and (seed + index) % 2 == 0:
                items[item] = NOT_APPLICABLE_VALUE
        made.append(
            CompletedResponse(
                agency_id=agency,
                level_id=level,
                locality_id=place,
                items=items,
                comments={"trust": f"words {seed}"} if seed % 4 == 0 else {},
            )
        )
    return made


def members_of(people: list[Person]) -> dict[tuple[str, str, str | None], int]:
    return dict(Counter((agency, level, place) for agency, level, place, _a, _s in people))


# A later batch: random people, and perhaps a block of k or a little more in one group (the
# way a group kept back grows enough to be shown: the second review's attack).
block_strategy = st.tuples(
    st.sampled_from(AGENCIES),
    st.sampled_from(LEVELS),
    st.sampled_from(PLACES),
    st.integers(K, K + 2),
)
batch_strategy = st.tuples(
    st.lists(person_strategy, max_size=6), st.one_of(st.none(), block_strategy)
)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(first=people_strategy, batches=st.lists(batch_strategy, min_size=1, max_size=3))
def test_no_release_lets_a_reader_derive_anything_about_fewer_than_k(
    app: Flask,
    first: list[Person],
    batches: list[tuple[list[Person], tuple[str, str, str | None, int] | None]],
) -> None:
    no_release_leaks(app, first, batches, None)


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(first=people_strategy, batches=st.lists(batch_strategy, min_size=1, max_size=3))
def test_version_2_non_answers_let_no_reader_derive_anything_about_fewer_than_k(
    app: Flask,
    first: list[Person],
    batches: list[tuple[list[Person], tuple[str, str, str | None, int] | None]],
) -> None:
    """The second non-answer's share is a new published figure beside don't know's: the
    reader here uses both to work back to how many answered, and must still find nothing."""
    no_release_leaks(app, first, batches, "cop-maturity-v2")


def no_release_leaks(
    app: Flask,
    first: list[Person],
    batches: list[tuple[list[Person], tuple[str, str, str | None, int] | None]],
    version: str | None,
) -> None:
    level_groups = V2_LEVEL_GROUPS if version else LEVEL_GROUPS
    if version:  # the strategies draw v1's level ids

        def v2(people: list[Person]) -> list[Person]:
            return [(a, V2_LEVEL.get(lv, lv), p, n, s) for a, lv, p, n, s in people]

        first = v2(first)
        batches = [
            (
                v2(people),
                None if block is None else (block[0], V2_LEVEL.get(block[1], block[1]), *block[2:]),
            )
            for people, block in batches
        ]
    with app.app_context():
        app.config["MIN_CELL_SIZE"] = K
        q = questionnaire(version) if version else current_questionnaire()
        now = utc_now()
        round_ = create_round(
            RoundSpec(
                name="Random",
                slug=f"random-{next(slugs)}",
                opens_at=now - timedelta(days=1),
                closes_at=now + timedelta(days=30),
                agency_ids=AGENCIES,
                localities=("North", "South"),
            ),
            q,
            30,
        )
        ids = [item.id for item in q.items]
        everyone: list[Person] = []
        published: list[tuple[RoundAnalysis, dict[tuple[str, str, str | None], int]]] = []

        def send(people: list[Person], final: bool = False) -> None:
            everyone.extend(people)
            record_submissions(
                round_, q, responses(people, ids, bool(version)), Channel.ONLINE, date.today()
            )
            db.session.execute(
                update(Comment).where(Comment.round_id == round_.id).values(status="published")
            )
            if final:
                round_.closes_at = utc_now() - timedelta(seconds=1)
            db.session.commit()
            try:
                publish_release(round_)
            except ReleaseRefused:
                return  # an interim release that would expose someone: refused
            analysis = released_analysis(round_)
            assert analysis is not None
            published.append((analysis, members_of(everyone)))

        send(first)
        for number, (people, block) in enumerate(batches, start=1):
            if block is not None:
                agency, level, place, size = block
                people = [*people, *[(agency, level, place, 3, number) for _ in range(size)]]
            send(people, final=number == len(batches))
        for analysis, members in published:
            found = findings(analysis, level_groups, K, members=members, strict=False)
            assert found == [], "\n".join(str(f) for f in found)
        # Every two releases together, by a reader who knows that counts only grow.
        for (first_release, before), (later_release, after) in itertools.combinations(published, 2):
            crossed = between_releases(
                first_release, later_release, before, after, K, V2_GROUP_OF if version else GROUP_OF
            )
            assert crossed == [], "\n".join(crossed)
        assert_comment_labels_hold(round_.id, everyone, V2_GROUP_OF if version else GROUP_OF)


def assert_comment_labels_hold(
    round_id: int, people: list[Person], group_of: dict[str, str]
) -> None:
    """Every label, in every release, names a group of at least k people who answered."""
    for release in db.session.scalars(select(Release).where(Release.round_id == round_id)):
        for comment in json.loads(release.comments):
            writers = sum(
                1
                for agency, level, _place, _a, _s in people
                if comment["agency"] in (None, agency)
                and comment["level"] in (None, group_of[level])
            )
            assert writers >= K, comment
