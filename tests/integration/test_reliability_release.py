"""Omega from every answer and the measurement invariance check, through the real database:
answers stored the way submissions store them, a release published, the check run as its
job runs it, and the dashboard read by a partnership manager."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import replace

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from surveys.analysis.engine import analyse_round
from surveys.database import db
from surveys.questionnaire import Questionnaire
from surveys.releases.invariance import check_release, invariance_of
from surveys.releases.models import Release
from surveys.releases.service import released_analysis
from surveys.reporting.invariance_words import PENDING
from surveys.responses.answers import CompletedResponse
from surveys.rounds.models import Round
from surveys.scoring.omega import PairMoments, pairwise_reliability
from tests.helpers import RoundRef, publish
from tests.integration.test_releases import AGENCIES, store

MakeRound = Callable[..., RoundRef]


def people(questionnaire: Questionnaire, seed: int, count: int, level: str, skip: float) -> list:  # type: ignore[type-arg]
    """Answers from one correlated factor per feature, given as a person would (reverse-
    worded statements the other way round); a share `skip` left out or "don't know"."""
    rng = random.Random(seed)
    result = []
    for index in range(count):
        shared = rng.gauss(0, 1)
        items: dict[str, int | None] = {}
        for feature in questionnaire.features:
            factor = 0.6 * shared + 0.8 * rng.gauss(0, 1)
            for item in feature.items:
                leaning = 0.75 * factor + 0.66 * rng.gauss(0, 1)
                score = 1 + sum(leaning > cut for cut in (-1.3, -0.4, 0.4, 1.3))
                draw = rng.random()
                if draw < skip / 2:
                    continue  # not answered
                items[item.id] = None if draw < skip else (6 - score if item.reverse else score)
        result.append(CompletedResponse(agency_id=AGENCIES[index % 4], level_id=level, items=items))
    return result


def _round(app: Flask, slug: str) -> Round:
    found = db.session.scalar(select(Round).where(Round.slug == slug))
    assert found is not None
    return found


def test_omega_uses_everyone_who_answered_two_statements(
    app: Flask, make_round: MakeRound, questionnaire: Questionnaire
) -> None:
    make_round("omega", agencies=AGENCIES)
    answered = people(questionnaire, 1, 40, "operational", 0.2)
    answered += people(questionnaire, 2, 60, "frontline", 0.2)
    store(app, "omega", answered)
    with app.app_context():
        analysis = analyse_round(_round(app, "omega"), questionnaire, 5)
    for feature in questionnaire.features:
        ids = [item.id for item in feature.items]
        for group, members in [(None, answered), ("frontline", answered[40:])]:
            result = next(
                r for r in analysis.reliability if r.feature == feature.id and r.group == group
            )
            scored = [{i: v for i in ids if (v := p.items.get(i)) is not None} for p in members]
            assert result.n_pairwise == sum(1 for s in scored if len(s) >= 2)
            assert result.n == sum(1 for s in scored if len(s) == len(ids))
            assert result.n is not None and result.n < result.n_pairwise  # fewer dropped
            # The same figures from the answers as given, summed here without the database.
            pairs = {}
            for a in ids:
                for b in ids:
                    if b < a:
                        continue
                    both = [(s[a], s[b]) for s in scored if a in s and b in s]
                    pairs[(a, b)] = PairMoments(
                        len(both),
                        sum(x for x, _ in both),
                        sum(y for _, y in both),
                        sum(x * x for x, _ in both),
                        sum(y * y for _, y in both),
                        sum(x * y for x, y in both),
                    )
            expected = pairwise_reliability(ids, pairs, {i.id: i.reverse for i in feature.items})
            assert result.omega == pytest.approx(expected.omega, abs=1e-9)
            assert result.alpha_pairwise == pytest.approx(expected.alpha, abs=1e-9)
            assert result.omega is not None and 0.6 < result.omega < 1


def test_a_release_big_enough_gets_the_check_and_the_dashboard_says_what_it_found(
    app: Flask, make_round: MakeRound, questionnaire: Questionnaire, manager: FlaskClient
) -> None:
    make_round("invariance", agencies=AGENCIES)
    store(
        app,
        "invariance",
        people(questionnaire, 3, 110, "operational", 0.05)
        + people(questionnaire, 4, 120, "frontline", 0.05),
    )
    publish(app, "invariance")
    with app.app_context():
        release = db.session.scalar(select(Release).order_by(Release.id.desc()))
        assert release is not None and release.invariance is None
        release_id = release.id
    # Before its job has run, the dashboard says so rather than showing nothing.
    page = manager.get("/reports/invariance").get_data(as_text=True)
    assert PENDING.replace("'", "&#39;") in page or PENDING in page

    with app.app_context():
        check_release(release_id)
        outcome = invariance_of(release_id)
    assert outcome is not None and outcome.ran and outcome.holds is True
    assert (outcome.managers, outcome.frontline) == (110, 120)
    assert outcome.configural is not None and outcome.equal_loadings is not None
    page = manager.get("/reports/invariance").get_data(as_text=True)
    assert "appear to read the statements in the same way" in page
    assert f"{outcome.configural.cfi:.3f}" in page and f"{outcome.delta_cfi:.3f}" in page


def test_a_small_release_says_why_the_check_was_not_run(
    app: Flask, make_round: MakeRound, questionnaire: Questionnaire, manager: FlaskClient
) -> None:
    make_round("small", agencies=AGENCIES)
    store(
        app,
        "small",
        people(questionnaire, 5, 30, "operational", 0.1)
        + people(questionnaire, 6, 50, "frontline", 0.1),
    )
    publish(app, "small")
    # By hand, as after a job queue outage: the command runs the check for the latest release.
    done = app.test_cli_runner().invoke(args=["check-invariance", "small"])
    assert done.exit_code == 0 and "invariance check not run" in done.output
    missing = app.test_cli_runner().invoke(args=["check-invariance", "no-such-round"])
    assert missing.exit_code != 0 and "There is no round called" in missing.output
    with app.app_context():
        release = db.session.scalar(select(Release).order_by(Release.id.desc()))
        assert release is not None
        text = db.session.scalar(select(Release.invariance).where(Release.id == release.id))
        stored = json.loads(text or "{}")
    assert stored["ran"] is False and stored["configural"] is None
    page = manager.get("/reports/small").get_data(as_text=True)
    assert "Not checked: the check needs at least 100 managers" in page
    assert "this release has fewer managers and fewer frontline staff." in page
    assert "30 and 50" not in page


def test_the_few_who_answered_only_part_of_a_feature_cannot_be_counted(
    app: Flask, make_round: MakeRound, questionnaire: Questionnaire
) -> None:
    """The attack: a release shows, per group, both how many answered every statement of a
    feature and how many answered at least two; their difference counts those who answered
    only part. Two managers skip one statement: a count of 2 must not follow, for managers,
    from subtracting within a group or across everyone and frontline staff."""
    from tests.disclosure import findings
    from tests.integration.test_releases import person

    make_round("partial", agencies=AGENCIES)
    everyone = [
        person(questionnaire, agency, level, score)
        for agency in AGENCIES
        for level, score in [("operational", 4)] * 6 + [("frontline", 3)] * 6
    ]
    skipped = questionnaire.features[0].items[0].id
    for _ in range(2):
        manager = person(questionnaire, "police", "operational", 4)
        items = {k: v for k, v in manager.items.items() if k != skipped}
        everyone.append(replace(manager, items=items))
    store(app, "partial", everyone)
    publish(app, "partial")
    with app.app_context():
        analysis = released_analysis(_round(app, "partial"))
        assert analysis is not None
    levels = {"management": ["strategic", "operational"], "frontline": ["frontline"]}
    assert findings(analysis, levels, 5) == []
    feature = questionnaire.features[0].id
    shown = {
        r.group: (r.n, r.n_pairwise)
        for r in analysis.reliability
        if r.feature == feature and not r.suppressed
    }
    assert shown["management"][1] == 26  # everyone who answered two statements counts
    # The complete-case count is withheld where the difference would be 2, and for enough
    # other groups that the 2 cannot be had by subtraction.
    assert shown["management"][0] is None
    assert [n for n, _pairwise in shown.values()].count(None) >= 2
