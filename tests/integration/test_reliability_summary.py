"""The executive summary's caution about a feature's reliability follows the figures the
method chapter shows (omega, with alpha beside it, from every answer given), not alpha over
the people who answered every statement: on answers where the two disagree, through the
real database, a published release and the dashboard a partnership manager reads."""

from __future__ import annotations

import html
import random
import re
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from surveys.database import db
from surveys.figures import fixed
from surveys.questionnaire import Questionnaire
from surveys.releases.service import released_analysis
from surveys.responses.answers import CompletedResponse
from surveys.rounds.models import Round
from tests.helpers import RoundRef, publish
from tests.integration.test_releases import AGENCIES, store

MakeRound = Callable[..., RoundRef]
LEVELS = ("operational", "frontline")


def person(
    questionnaire: Questionnaire,
    rng: random.Random,
    index: int,
    scattered: str,
    partial: frozenset[str],
) -> CompletedResponse:
    """Someone answering every feature steadily (each statement their own view, give or take
    one) except `scattered`, where each statement is a fresh draw from 1-5; on the features
    in `partial` they leave one statement out (a different one from person to person)."""
    view = rng.randint(1, 5)
    items: dict[str, int | None] = {}
    for feature in questionnaire.features:
        skipped = index % len(feature.items) if feature.id in partial else None
        for position, item in enumerate(feature.items):
            if position == skipped:
                continue
            if feature.id == scattered:
                score = rng.randint(1, 5)
            else:
                score = min(5, max(1, view + rng.choice((-1, 0, 0, 1))))
            items[item.id] = 6 - score if item.reverse else score
    return CompletedResponse(
        agency_id=AGENCIES[index % len(AGENCIES)], level_id=LEVELS[index // 4 % 2], items=items
    )


def test_the_caution_follows_every_answer_given_where_complete_answers_disagree(
    app: Flask, make_round: MakeRound, questionnaire: Questionnaire, manager: FlaskClient
) -> None:
    # Thirty answer every statement, steadily but for `hidden`, which they scatter; 250 leave
    # one statement of `hidden` and of `shown` out, answer `hidden` steadily and scatter
    # `shown`. Complete answers then make `hidden` look weak and `shown` sound; every answer
    # given says the opposite.
    hidden, shown = questionnaire.features[0], questionnaire.features[2]
    rng = random.Random(31)
    everyone = [
        person(questionnaire, rng, i, scattered=hidden.id, partial=frozenset()) for i in range(30)
    ]
    everyone += [
        person(questionnaire, rng, i, scattered=shown.id, partial=frozenset({hidden.id, shown.id}))
        for i in range(250)
    ]
    make_round("care", agencies=AGENCIES)
    store(app, "care", everyone)
    publish(app, "care")
    with app.app_context():
        round_ = db.session.scalar(select(Round).where(Round.slug == "care"))
        assert round_ is not None
        analysis = released_analysis(round_)
    assert analysis is not None
    reliability = {r.feature: r for r in analysis.reliability if r.group is None}
    # The two estimates disagree on both features, each way round (else this proves nothing).
    h, s = reliability[hidden.id], reliability[shown.id]
    assert h.alpha is not None and h.omega is not None and h.alpha_pairwise is not None
    assert s.alpha is not None and s.omega is not None and s.alpha_pairwise is not None
    assert h.alpha < 0.6 <= h.omega
    assert s.omega < 0.6 <= s.alpha
    others = [r for f, r in reliability.items() if f not in (hidden.id, shown.id)]
    assert all(r.omega is not None and r.omega >= 0.6 for r in others)

    page = html.unescape(manager.get("/reports/care").get_data(as_text=True))
    found = re.findall(r"Read [^<]*? with care: [^<]*", page)
    assert found, "no caution in the summary"
    assert set(found) == {
        f"Read {shown.name.lower()} with care: its statements do not hang together well "
        f"(from every answer given: McDonald's omega {fixed(s.omega, 2)}, Cronbach's alpha "
        f"{fixed(s.alpha_pairwise, 2)}; below 0.6 is weak)."
    }
    assert hidden.name.lower() not in found[0]
