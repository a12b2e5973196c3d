"""A finished demo workshop on the demo round, so a newcomer can open a console, a projector
and a workshop report without gathering a room first. Its answers are synthetic."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from ..database import db
from ..questionnaire import FRONTLINE, Questionnaire
from ..responses.service import today
from ..responses.synthetic import synthetic_responses
from ..rounds.models import Round
from . import room, service
from .models import Mode, WorkshopSession

DEMO_TITLE = "Demo: North cluster workshop"
DEMO_PEOPLE = 36
DEMO_ACTIONS = (
    (
        "Set up a monthly joint huddle between the MASH and locality social work teams",
        "trust",
        "childrens-social-care",
        90,
    ),
    (
        "Write a one-page guide to what police can and cannot share, and when",
        "exchange",
        "police",
        60,
    ),
    (
        "Add a 'what did we disagree on?' item to every strategy meeting agenda",
        "dialogue",
        None,
        30,
    ),
)


# The room's agreed levels: (feature, maturity level).
DEMO_LEVELS = (("purpose", "established"), ("trust", "developing"), ("exchange", "emerging"))
DEMO_REVOTE = "trust"  # the feature whose headline statement is put to the room again


def scenario_misfits(questionnaire: Questionnaire) -> list[str]:
    """The ids the demo workshop names that `questionnaire` lacks
    (tests/unit/test_demo_scenario.py checks the bundled questionnaire has them all)."""
    features = {f.id for f in questionnaire.features}
    levels = {m.id for m in questionnaire.maturity_levels}
    agencies = {a.id for a in questionnaire.agencies}
    named = {f"feature {DEMO_REVOTE}": DEMO_REVOTE in features}
    for feature, level in DEMO_LEVELS:
        named[f"feature {feature}"] = feature in features
        named[f"maturity level {level}"] = level in levels
    for _text, feature, agency, _days in DEMO_ACTIONS:
        named[f"feature {feature}"] = feature in features
        if agency is not None:
            named[f"agency {agency}"] = agency in agencies
    return sorted(name for name, present in named.items() if not present)


def demo_workshop(round_: Round) -> WorkshopSession | None:
    return db.session.scalar(
        select(WorkshopSession).where(
            WorkshopSession.round_id == round_.id, WorkshopSession.title == DEMO_TITLE
        )
    )


def create_demo_workshop(round_: Round, questionnaire: Questionnaire, k: int) -> WorkshopSession:
    """A pulse on all five features: 36 people answered, the trust statement was put to the
    room again after discussion, three levels were agreed and three actions captured."""
    q = questionnaire
    workshop = service.create_session(
        service.SessionSpec(
            DEMO_TITLE, today(), [f.id for f in q.features], Mode.PULSE, round_, False
        ),
        q,
        None,
    )
    asked = service.statements(workshop, q)
    people = synthetic_responses(q, DEMO_PEOPLE, seed=2026)
    service.open_answering(workshop)
    for person in people:
        answers = {item.id: person.items.get(item.id) for item in asked}
        sent = service.Answers(
            service.issue_ballot(workshop), person.agency_id, person.level_id, room.FIRST, answers
        )
        service.cast(workshop, q, sent, False, [], k)
    # Each synthetic person answered on a phone that joined, as in a real room: otherwise the
    # console's sign of answers outnumbering phones would cry stuffing on the demo.
    workshop.phones_joined = len(people)
    db.session.commit()

    # After talking it through, some frontline staff see trust a little more warmly.
    rng = random.Random(2026)
    group = {level.id: level.group for level in q.levels}
    trust = next(f.headline_item for f in q.features if f.id == DEMO_REVOTE)
    service.start_revote(workshop, trust, q)
    for person in people[:30]:
        value = person.items.get(trust)
        if value is not None and group[person.level_id] == FRONTLINE and rng.random() < 0.4:
            value = min(5, value + 1)
        sent = service.Answers(
            service.issue_ballot(workshop),
            person.agency_id,
            person.level_id,
            room.AGAIN,
            {trust: value},
        )
        service.cast(workshop, q, sent, True, [], k)
    service.stop_revote(workshop)
    service.close_answering(workshop)
    service.reveal(workshop, True)
    service.focus(workshop, DEMO_REVOTE)
    for feature_id, level_id in DEMO_LEVELS:
        service.agree_level(workshop, feature_id, level_id, q)
    for text, feature_id, agency_id, days in DEMO_ACTIONS:
        service.add_action(workshop, text, feature_id, agency_id, today() + timedelta(days=days))
    return workshop
