"""Random partnerships full of small groups, published by the real engine into real
releases, then attacked by the exact all-tables solver (tests/disclosure.py).

Each example is a round of a few agencies with many groups of 1 to 6 people, random
localities and random "don't know" answers. Its first release must let the solver derive
nothing about fewer than k people; a second release, after more people answered, must keep
every group it shows again to a change of 0 or at least k, and let a reader holding both
(who knows counts only grow) work out nothing about fewer than k either; and no comment
label may name fewer than k possible writers."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from datetime import date, timedelta

from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from surveys.database import db
from surveys.library import current_questionnaire
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
PLACES = [None, "north", "south"]
slugs = itertools.count()

Person = tuple[str, str, str | None, int, int]  # agency, level, locality, answer, seed

people_strategy = st.lists(
    st.tuples(
        st.sampled_from(AGENCIES),
        st.sampled_from(LEVELS),
        st.sampled_from(PLACES),
        st.integers(0, 5),  # 0: don't know to many statements
        st.integers(0, 1000),
    ),
    min_size=8,
    max_size=45,
)


def responses(people: list[Person], ids: list[str]) -> list[CompletedResponse]:
    made = []
    for agency, level, place, answer, seed in people:
        items: dict[str, int | None] = {}
        for index, item in enumerate(ids):
            dont_know = answer == 0 and (seed + index) % 3 != 0
            items[item] = None if dont_know else 1 + (seed * (index + 3) + answer) % 5
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


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(first=people_strategy, later=people_strategy)
def test_no_release_lets_a_reader_derive_anything_about_fewer_than_k(
    app: Flask, first: list[Person], later: list[Person]
) -> None:
    with app.app_context():
        app.config["MIN_CELL_SIZE"] = K
        q = current_questionnaire()
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
        record_submissions(round_, q, responses(first, ids), Channel.ONLINE, date.today())
        db.session.execute(
            update(Comment).where(Comment.round_id == round_.id).values(status="published")
        )
        db.session.commit()
        try:
            publish_release(round_)
        except ReleaseRefused:
            return  # fewer than k people in all: nothing to publish, nothing to attack
        analysis = released_analysis(round_)
        assert analysis is not None
        found = findings(analysis, LEVEL_GROUPS, K, members=members_of(first), strict=False)
        assert found == [], "\n".join(str(f) for f in found)
        assert_comment_labels_hold(round_.id, first)

        # More answers, then the round closes: the final release cannot be refused, so it
        # keeps back whatever moved by fewer than k since the first.
        record_submissions(round_, q, responses(later, ids), Channel.ONLINE, date.today())
        round_.closes_at = utc_now() - timedelta(seconds=1)
        db.session.commit()
        publish_release(round_)
        final = released_analysis(round_)
        assert final is not None
        found = findings(final, LEVEL_GROUPS, K, members=members_of(first + later), strict=False)
        assert found == [], "\n".join(str(f) for f in found)
        # Both releases together, knowing that counts only grow.
        crossed = between_releases(analysis, final, members_of(first), members_of(first + later), K)
        assert crossed == [], "\n".join(crossed)
        before = {(r.agency, r.level, r.locality): r.respondents for r in analysis.responses}
        for r in final.responses:
            earlier = before.get((r.agency, r.level, r.locality))
            if r.suppressed or earlier is None or r.respondents is None:
                continue
            assert r.respondents - earlier == 0 or r.respondents - earlier >= K, r
        shown = {(c.feature, c.agency, c.level, c.locality): c.n for c in analysis.cells if c.n}
        for c in final.cells:
            earlier = shown.get((c.feature, c.agency, c.level, c.locality))
            if c.n is None or earlier is None:
                continue
            assert c.n - earlier == 0 or c.n - earlier >= K, c


def assert_comment_labels_hold(round_id: int, people: list[Person]) -> None:
    """Every label names a group of at least k people that could have written it."""
    release = db.session.scalar(select(Release).where(Release.round_id == round_id))
    assert release is not None
    for comment in json.loads(release.comments):
        writers = sum(
            1
            for agency, level, _place, _a, _s in people
            if comment["agency"] in (None, agency) and comment["level"] in (None, GROUP_OF[level])
        )
        assert writers >= K, comment
