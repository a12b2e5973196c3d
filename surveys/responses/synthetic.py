"""Synthetic responses for the demo round, benchmarks and tests: realistic, seeded, made up.

The demo must show something worth discussing, so the generator builds in what the
research describes: managers seeing the partnership more warmly than frontline staff in
some agencies, information felt to flow one way between some pairs of agencies, a few
"don't know"s where staff cannot see how a part of the partnership works, and one group
split down the middle.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

from ..questionnaire import MANAGEMENT, NOT_APPLICABLE_VALUE, Questionnaire
from ..scoring.respondent import SCALE_MAX, SCALE_MIN, answer_scoring, bipolar_answer
from .answers import CompletedResponse

AGENCY_WEIGHTS = {
    "police": 20,
    "childrens-social-care": 24,
    "health": 15,
    "education": 15,
    "youth-service": 6,
    "third-sector": 6,
    "probation": 4,
    "housing": 4,
    "youth-justice": 4,
    "other": 2,
}
# Per level id of either shipped version (v2 calls its practitioners "practitioner").
LEVEL_WEIGHTS = {"strategic": 8, "operational": 25, "frontline": 67, "practitioner": 67}
FEATURE_BASE = {"purpose": 3.7, "trust": 3.3, "exchange": 3.0, "respect": 3.2, "dialogue": 3.1}
# (agency, feature) -> how much warmer management is than frontline, in scale points
MANAGEMENT_LIFT = {
    ("police", "purpose"): 0.9,
    ("police", "dialogue"): 1.0,
    ("childrens-social-care", "exchange"): 0.8,
    ("childrens-social-care", "purpose"): 0.6,
    ("health", "trust"): 0.7,
    ("education", "respect"): 0.6,
}
# (rater's agency, rated agency) -> how well the rater feels the other shares with them
SHARING_FELT = {
    ("childrens-social-care", "police"): 2.4,
    ("police", "childrens-social-care"): 3.9,
    ("health", "police"): 2.6,
    ("education", "childrens-social-care"): 2.2,
    ("childrens-social-care", "education"): 3.6,
    ("police", "health"): 3.3,
}
# Staff who often cannot see this part of the partnership answer "don't know".
DONT_KNOW_RATE = {("education", "exchange"): 0.2, ("housing", "exchange"): 0.25}
# Version 2's management group is its senior leaders alone: a demo at LEVEL_WEIGHTS would
# have too few of them in any agency to publish, and no declaration could be set beside them.
V2_DEMO_LEVEL_WEIGHTS = {"strategic": 16, "operational": 24, "practitioner": 60}
# Version 2 on: (level group, feature) -> how often a statement is "not applicable to my role".
# Practitioners rarely see resources shared or the legal limits of sharing argued over;
# senior leaders are seldom in the room where respect between practitioners shows.
NOT_APPLICABLE_RATE = {
    ("frontline", "exchange"): 0.12,
    ("management", "respect"): 0.08,
    ("management", "trust"): 0.06,
}
# The context questions a response stores in their own columns (responses/answers.py).
CONTEXT = ("co_location", "years_in_partnership")
SPLIT_GROUP = ("youth-service", "respect")  # answers split between both ends of the scale

COMMENTS = {
    "purpose": [
        "Leaders talk about a shared vision, but on the ground we are measured on other targets.",
        "The partnership priorities are clear and I can see them in how cases are handled.",
        "It feels like each agency still protects its own budget first.",
    ],
    "trust": [
        "I rarely speak to the same officer twice, so I have to start again every time.",
        "Since we moved into the hub I know exactly who to call.",
        "Out of hours it is very hard to reach anyone from the other agencies.",
    ],
    "exchange": [
        "We send a lot of referrals and hear very little back about what happened.",
        "Information sharing has improved since the new agreement was signed.",
        "People are still unsure what they are allowed to share, so they share nothing.",
    ],
    "respect": [
        "Our view is listened to in strategy meetings, even when we disagree with the police.",
        "Sometimes it feels as if the police decision ends the discussion for everyone.",
        "Other agencies expect us to do things that are not part of our role.",
    ],
    "dialogue": [
        "We can disagree about a plan without it becoming personal.",
        "Escalation is possible in theory but people worry about the relationship.",
        "Case reviews are a good place to learn together, but they come too late.",
    ],
}


def scenario_misfits(questionnaire: Questionnaire) -> list[str]:
    """The ids this scenario plants its patterns on that `questionnaire` does not have.

    The generator takes every statement, level and agency from the questionnaire, and plants
    its gaps and flows by id; an id the questionnaire renamed would silently flatten the demo,
    so tests/unit/test_demo_scenario.py checks the bundled questionnaire has them all."""
    agencies = {a.id for a in questionnaire.agencies}
    features = {f.id for f in questionnaire.features}
    named = {
        **{f"agency {a}": a in agencies for a in AGENCY_WEIGHTS},
        # Every level the questionnaire has needs its weight (a missing one would get 1).
        **{f"a weight for level {lv.id}": lv.id in LEVEL_WEIGHTS for lv in questionnaire.levels},
        **{f"feature {f}": f in features for f in FEATURE_BASE},
        **{f"context {c}": c in {q.id for q in questionnaire.context} for c in CONTEXT},
    }
    for agency, feature in [*MANAGEMENT_LIFT, *DONT_KNOW_RATE, SPLIT_GROUP]:
        named[f"agency {agency}"] = agency in agencies
        named[f"feature {feature}"] = feature in features
    for _group, feature in NOT_APPLICABLE_RATE:
        named[f"feature {feature}"] = feature in features
    for agency in DECLARED_SCORE:
        named[f"agency {agency}"] = agency in agencies
    for agency, feature in DECLARED_DONT_KNOW:
        named[f"agency {agency}"] = agency in agencies
        named[f"feature {feature}"] = feature in features
    for pair in SHARING_FELT:
        for agency in pair:
            named[f"agency {agency}"] = agency in agencies
    sharing = {q.sharing for q in questionnaire.partners.questions}
    named["a partner question on information received"] = "received" in sharing
    named["a partner question on information given"] = "given" in sharing
    return sorted(name for name, present in named.items() if not present)


def _pick(rng: random.Random, weights: dict[str, int], allowed: Sequence[str]) -> str:
    options = [key for key in weights if key in allowed] or list(allowed)
    return rng.choices(options, [weights.get(key, 1) for key in options])[0]


def _on_scale(value: float) -> int:
    return max(SCALE_MIN, min(SCALE_MAX, round(value)))


def synthetic_responses(
    questionnaire: Questionnaire,
    count: int,
    seed: int = 2017,
    agencies: Sequence[str] | None = None,
    localities: Sequence[str] = (),
    level_weights: Mapping[str, int] = LEVEL_WEIGHTS,
) -> list[CompletedResponse]:
    rng = random.Random(seed)
    agency_ids = list(agencies or [a.id for a in questionnaire.agencies])
    level_group = {level.id: level.group for level in questionnaire.levels}
    offers_not_applicable = questionnaire.not_applicable is not None
    # A fixed, agency-specific tilt per feature so agencies differ from one another.
    tilt = {
        (agency, feature.id): rng.gauss(0, 0.25)
        for agency in agency_ids
        for feature in questionnaire.features
    }
    responses = []
    for _ in range(count):
        agency = _pick(rng, AGENCY_WEIGHTS, agency_ids)
        level = _pick(rng, dict(level_weights), list(level_group))
        management = level_group[level] == MANAGEMENT
        items: dict[str, int | None] = {}
        comments: dict[str, str] = {}
        for feature in questionnaire.features:
            latent = FEATURE_BASE.get(feature.id, 3.2) + tilt[(agency, feature.id)]
            lift = MANAGEMENT_LIFT.get((agency, feature.id), 0.15)
            latent += lift / 2 if management else -lift / 2
            if (agency, feature.id) == SPLIT_GROUP:
                latent = rng.choice((1.6, 4.4))
            latent += rng.gauss(0, 0.55)
            dont_know = DONT_KNOW_RATE.get((agency, feature.id), 0.03)
            not_applicable = NOT_APPLICABLE_RATE.get((level_group[level], feature.id), 0.02)
            for item in feature.items:
                if rng.random() < dont_know:
                    items[item.id] = None
                    continue
                # Drawn only where the questionnaire offers it, so that version 1's answers
                # (and the demo's pinned figures) come from exactly the numbers they always have.
                if offers_not_applicable and rng.random() < not_applicable:
                    items[item.id] = NOT_APPLICABLE_VALUE
                    continue
                # The latent level is how well the partnership does: a reverse-worded
                # statement is answered so that it scores that level.
                score = _on_scale(latent + rng.gauss(0, 0.6))
                if item.bipolar:
                    # Falling short of balance, either way (a v2 statement only, so the v1
                    # demo draws exactly the numbers it always has).
                    items[item.id] = bipolar_answer(score, rng.random() < 0.5)
                else:
                    items[item.id] = answer_scoring(score, item.reverse)
            if rng.random() < 0.12:
                comments[feature.id] = rng.choice(COMMENTS.get(feature.id, ["No comment."]))
        others = [a for a in agency_ids if a != agency]
        partner_count = min(len(others), rng.choice((1, 2, 2, 3, 3, 4)))
        partners: list[str] = []
        while len(partners) < partner_count:
            choice = _pick(rng, AGENCY_WEIGHTS, [a for a in others if a not in partners])
            partners.append(choice)
        ratings: dict[str, dict[str, int | None]] = {}
        for partner in partners:
            felt = SHARING_FELT.get((agency, partner), 3.2)
            own = SHARING_FELT.get((partner, agency), 3.2) + 0.5  # we think we share well
            by_question: dict[str, int | None] = {}
            for question in questionnaire.partners.questions:
                centre = {"received": felt, "given": own}.get(question.sharing or "", 3.4)
                by_question[question.id] = (
                    None if rng.random() < 0.04 else _on_scale(centre + rng.gauss(0, 0.7))
                )
            ratings[partner] = by_question
        context = {q.id: rng.choice(q.options).id for q in questionnaire.context}
        responses.append(
            CompletedResponse(
                agency_id=agency,
                level_id=level,
                locality_id=rng.choice(localities) if localities else None,
                co_location=context.get("co_location"),
                years_in_partnership=context.get("years_in_partnership"),
                items=items,
                comments=comments,
                partner_ratings=ratings,
            )
        )
    return responses


# The version 2 demo's agency declarations: each agency's picture of itself, as the score it
# declares on every feature. Police declare their partnership working better than their own
# frontline staff see it (the assurance gap the dashboard flags); health declares about what
# its staff report; children's social care is confident but cannot speak for every statement.
DECLARED_SCORE = {"police": 4, "health": 3, "childrens-social-care": 4}
DECLARED_DONT_KNOW = {("childrens-social-care", "exchange")}  # answered "don't know" in part


def synthetic_declaration(questionnaire: Questionnaire, agency: str) -> dict[str, int | None]:
    """An agency's declared answers, each chosen to score DECLARED_SCORE[agency]: a reverse
    statement disagreed with, a bipolar one answered at or near balance."""
    score = DECLARED_SCORE[agency]
    answers: dict[str, int | None] = {}
    for feature in questionnaire.features:
        for number, item in enumerate(feature.items):
            if (agency, feature.id) in DECLARED_DONT_KNOW and number % 2 == 0:
                answers[item.id] = None
            elif item.bipolar:
                answers[item.id] = bipolar_answer(score, True)
            else:
                answers[item.id] = answer_scoring(score, item.reverse)
    return answers
