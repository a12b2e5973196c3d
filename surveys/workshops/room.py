"""What the room's answers show, under the small-group rule, on screens that change live.

Every figure is about managers or about frontline practitioners (the two level groups), and
a figure for the whole room is worked out from the two. Two rules keep a person's answer
out of sight:

- **At least k.** A group's figures appear once k people in it have answered (a statement's
  answers once k of them answered it 1-5), exactly as in the survey's results. Managers and
  frontline staff appear side by side only when both groups have appeared, so neither can be
  worked out from the room's total.
- **Steps of at least k.** A room watches its screen change as people press Send. So once
  shown, a group's figures move only when at least k more people in that group have
  answered; until then the screen keeps showing them as they were. The difference between
  two screens is then always the work of at least k people in each group that changed.

The figures as last shown (`published`, JSON on the session row) are updated in the same
transaction as each answer, under the session row's lock, so every worker process shows the
same figures and a poll only reads them. Residual risk, stated in docs/workshops.md: a step
of k people can include some who answered "don't know" to a statement.
"""

from __future__ import annotations

import dataclasses
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from ..database import db
from ..questionnaire import FRONTLINE as FRONTLINE  # the level groups, as the room's sides
from ..questionnaire import MANAGEMENT as MANAGEMENT
from ..questionnaire import NOT_APPLICABLE_VALUE, Item, Questionnaire
from ..scoring.distribution import ItemDistribution
from ..scoring.respondent import feature_result
from .models import RoomAnswer, RoomResponse, WorkshopSession

SIDES = (MANAGEMENT, FRONTLINE)
FIRST, AGAIN = 1, 2  # a first answer, and an answer to a statement put to the room again


# --- one group's figures, as computed and as published ---------------------------------------


@dataclass(frozen=True)
class Side:
    """One level group's figures in one vote: how many answered, feature scores, statements."""

    people: int = 0
    scores: Mapping[str, tuple[int, float]] = field(default_factory=dict)  # feature: (n, sum)
    answers: Mapping[str, ItemDistribution] = field(default_factory=dict)  # item: distribution

    def as_json(self) -> dict[str, Any]:
        return {
            "people": self.people,
            "scores": {f: [n, total] for f, (n, total) in self.scores.items()},
            "answers": {
                i: [*d.counts, d.dont_know, d.not_applicable] for i, d in self.answers.items()
            },
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Side:
        return cls(
            people=int(data.get("people", 0)),
            scores={f: (int(n), float(total)) for f, (n, total) in data.get("scores", {}).items()},
            answers={
                # A seventh number (not applicable) from version 2's rooms on; six before.
                i: ItemDistribution((c[0], c[1], c[2], c[3], c[4]), c[5], (c[6:] or [0])[0])
                for i, c in data.get("answers", {}).items()
            },
        )


def moves(shown: Side | None, now: Side, k: int) -> bool:
    """Whether the screen may move from `shown` to `now`: first at k people, then in steps of k."""
    before = shown.people if shown is not None else 0
    return now.people >= k and now.people - before >= k


def side_of(
    responses: Iterable[Mapping[str, int | None]], asked: list[Item], questionnaire: Questionnaire
) -> Side:
    """A group's figures from its people's answers (item id -> 1-5, None for don't know,
    NOT_APPLICABLE_VALUE for not applicable)."""
    people = list(responses)
    scores: dict[str, tuple[int, float]] = {}
    for feature_id in dict.fromkeys(item.feature_id for item in asked):
        feature = questionnaire.feature(feature_id)
        if feature is None:
            continue
        # Scored on the statements the room was asked, with the survey's 60% rule.
        room_feature = dataclasses.replace(
            feature, items=tuple(i for i in feature.items if i in asked)
        )
        given = [feature_result(room_feature, answers).score for answers in people]
        valid = [score for score in given if score is not None]
        scores[feature_id] = (len(valid), sum(valid))
    answers = {}
    for item in asked:
        counts: dict[int, int] = defaultdict(int)
        dont_know = not_applicable = 0
        for person in people:
            if item.id not in person:
                continue
            value = person[item.id]
            if value is None:
                dont_know += 1
            elif value == NOT_APPLICABLE_VALUE:
                not_applicable += 1
            else:
                counts[value] += 1
        answers[item.id] = ItemDistribution.of(counts, dont_know, not_applicable)
    return Side(len(people), scores, answers)


# --- the published figures on the session row -------------------------------------------------


@dataclass(frozen=True)
class Published:
    """What the screens show: per vote (and statement, for a second vote), per level group."""

    first: Mapping[str, Side] = field(default_factory=dict)
    again: Mapping[str, Mapping[str, Side]] = field(default_factory=dict)  # item: side: ...

    def as_json(self) -> str:
        return json.dumps(
            {
                "first": {s: side.as_json() for s, side in self.first.items()},
                "again": {
                    item: {s: side.as_json() for s, side in sides.items()}
                    for item, sides in self.again.items()
                },
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> Published:
        data = json.loads(text or "{}")
        return cls(
            first={s: Side.from_json(side) for s, side in data.get("first", {}).items()},
            again={
                item: {s: Side.from_json(side) for s, side in sides.items()}
                for item, sides in data.get("again", {}).items()
            },
        )


def room_answers(
    session: WorkshopSession, questionnaire: Questionnaire, vote: int, item_id: str | None = None
) -> dict[str, list[dict[str, int | None]]]:
    """Each level group's answers in one vote (a second vote: to one statement)."""
    groups = {level.id: level.group for level in questionnaire.levels}
    in_vote = (RoomResponse.session_id == session.id, RoomResponse.vote == vote)
    level_of = {
        response_id: groups.get(level, FRONTLINE)
        for response_id, level in db.session.execute(
            select(RoomResponse.id, RoomResponse.level_id).where(*in_vote)
        )
    }
    answers: dict[int, dict[str, int | None]] = {response_id: {} for response_id in level_of}
    rows = select(RoomAnswer.response_id, RoomAnswer.item_id, RoomAnswer.value).where(
        RoomAnswer.session_id == session.id,
        RoomAnswer.response_id.in_(select(RoomResponse.id).where(*in_vote)),
    )
    for response_id, answer_item, value in db.session.execute(rows):
        answers[response_id][answer_item] = value
    by_side: dict[str, list[dict[str, int | None]]] = {side: [] for side in SIDES}
    for response_id, side in level_of.items():
        if item_id is None or item_id in answers[response_id]:
            by_side[side].append(answers[response_id])
    return by_side


def people_by_side(
    session: WorkshopSession, questionnaire: Questionnaire, vote: int, item_id: str | None = None
) -> dict[str, int]:
    groups = {level.id: level.group for level in questionnaire.levels}
    query = (
        select(RoomResponse.level_id, func.count())
        .where(RoomResponse.session_id == session.id, RoomResponse.vote == vote)
        .group_by(RoomResponse.level_id)
    )
    if item_id is not None:
        query = query.where(
            RoomResponse.id.in_(
                select(RoomAnswer.response_id).where(
                    RoomAnswer.session_id == session.id, RoomAnswer.item_id == item_id
                )
            )
        )
    counts = dict.fromkeys(SIDES, 0)
    for level, count in db.session.execute(query):
        counts[groups.get(level, FRONTLINE)] += count
    return counts


def publish(
    session: WorkshopSession,
    questionnaire: Questionnaire,
    asked: list[Item],
    k: int,
    vote: int,
    item_id: str | None = None,
) -> bool:
    """Move the screens' figures for this vote where a group has grown by k; True if any moved.

    Called after an answer is stored, with the session row locked by that transaction."""
    shown = Published.from_json(session.published)
    current = shown.first if vote == FIRST else shown.again.get(item_id or "", {})
    # Most answers move nothing: count first, and read the answers only when a group could.
    counts = people_by_side(session, questionnaire, vote, item_id)
    if not any(moves(current.get(side), Side(counts[side]), k) for side in SIDES):
        return False
    statements = [i for i in asked if i.id == item_id] if vote == AGAIN else asked
    now = {
        side: side_of(people, statements, questionnaire)
        for side, people in room_answers(session, questionnaire, vote, item_id).items()
    }
    moved = {side: now[side] for side in SIDES if moves(current.get(side), now[side], k)}
    updated = {**current, **moved}
    if vote == FIRST:
        shown = Published(updated, shown.again)
    else:
        shown = Published(shown.first, {**shown.again, item_id or "": updated})
    session.published = shown.as_json()
    return True


# --- what the screens read ---------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """A group's mean on a feature, or nothing when it has not been shown."""

    n: int
    mean: float | None  # None: not shown (fewer than k people)

    @property
    def shown(self) -> bool:
        return self.mean is not None


def _figure(n: int, total: float, k: int) -> Figure:
    return Figure(n, total / n if n >= k else None)


NOT_SHOWN = Figure(0, None)


@dataclass(frozen=True)
class RoomFeature:
    feature_id: str
    management: Figure
    frontline: Figure
    everyone: Figure  # from the groups in `sides` only
    sides: tuple[str, ...] = SIDES  # the level groups `everyone` is made of

    @property
    def split_shown(self) -> bool:
        return self.management.shown and self.frontline.shown

    @property
    def gap(self) -> float | None:
        if not self.split_shown:
            return None
        return (self.management.mean or 0) - (self.frontline.mean or 0)


@dataclass(frozen=True)
class RoomStatement:
    item_id: str
    first: ItemDistribution | None  # from the groups shown; None when neither has k answers
    second: ItemDistribution | None  # answers after discussion, likewise
    first_sides: tuple[str, ...] = ()  # the level groups in `first`
    second_sides: tuple[str, ...] = ()  # the level groups in `second`
    # First answers of the same level groups as `second`, so that before and after compare
    # like with like (None when one of those groups' first answers is not shown).
    first_of_second: ItemDistribution | None = None


@dataclass(frozen=True)
class RoomFigures:
    k: int
    participants: int  # people who have sent first answers (live: a count, not an answer)
    by_level: dict[str, int]  # the same, per level group, for the facilitator's console
    asked_again: dict[str, int]  # live count of second answers per statement put again
    shown_sides: tuple[str, ...]  # level groups whose first answers are on the screen
    features: dict[str, RoomFeature] = field(default_factory=dict)
    statements: dict[str, RoomStatement] = field(default_factory=dict)

    @property
    def waiting_for(self) -> tuple[str, ...]:
        """Level groups with answers that are not on the screen yet."""
        return tuple(s for s in SIDES if self.by_level.get(s) and s not in self.shown_sides)

    @property
    def gaps(self) -> list[RoomFeature]:
        """Features with both groups shown, largest gap first."""
        shown = [f for f in self.features.values() if f.gap is not None]
        return sorted(shown, key=lambda f: -abs(f.gap or 0))


def _combined(
    by_side: Mapping[str, ItemDistribution], k: int, sides: Iterable[str] = SIDES
) -> tuple[ItemDistribution | None, tuple[str, ...]]:
    """The answers of the given level groups that have k answering 1-5, and which those are."""
    shown = tuple(s for s in sides if s in by_side and by_side[s].answered >= k)
    if not shown:
        return None, ()
    total = by_side[shown[0]]
    for side in shown[1:]:
        total = total + by_side[side]
    return total, shown


def _statement(
    item_id: str,
    first: Mapping[str, ItemDistribution],
    again: Mapping[str, ItemDistribution],
    k: int,
) -> RoomStatement:
    first_all, first_sides = _combined(first, k)
    second, second_sides = _combined(again, k)
    before, before_sides = _combined(first, k, second_sides)
    return RoomStatement(
        item_id,
        first_all,
        second,
        first_sides,
        second_sides,
        before if second_sides and before_sides == second_sides else None,
    )


def figures(
    session: WorkshopSession, asked: list[Item], questionnaire: Questionnaire, k: int
) -> RoomFigures:
    """The room as the screens show it: published figures, and live counts of people."""
    groups = {level.id: level.group for level in questionnaire.levels}
    by_level = dict.fromkeys(SIDES, 0)
    asked_again: dict[str, int] = defaultdict(int)
    responses = select(RoomResponse.id, RoomResponse.level_id, RoomResponse.vote).where(
        RoomResponse.session_id == session.id
    )
    again_ids = set()
    for response_id, level, vote in db.session.execute(responses):
        if vote == FIRST:
            by_level[groups.get(level, FRONTLINE)] += 1
        else:
            again_ids.add(response_id)
    if again_ids:
        counted = select(RoomAnswer.item_id).where(
            RoomAnswer.session_id == session.id, RoomAnswer.response_id.in_(again_ids)
        )
        for (item_id,) in db.session.execute(counted):
            asked_again[item_id] += 1

    if session.published in ("", "{}") and (any(by_level.values()) or asked_again):
        # A session answered before migration 0007 has answers but no published figures:
        # take all its answers as one step (on this copy; the next answer stores a snapshot).
        publish(session, questionnaire, asked, k, FIRST)
        for item_id in asked_again:
            publish(session, questionnaire, asked, k, AGAIN, item_id)
    published = Published.from_json(session.published)
    first = {side: published.first.get(side, Side()) for side in SIDES}
    shown_sides = tuple(side for side in SIDES if first[side].people >= k)
    features = {}
    for feature_id in dict.fromkeys(item.feature_id for item in asked):
        sides = {side: _figure(*first[side].scores.get(feature_id, (0, 0.0)), k) for side in SIDES}
        included = tuple(s for s in SIDES if sides[s].shown)
        shown = [first[s].scores.get(feature_id, (0, 0.0)) for s in included]
        n, total = sum(n for n, _t in shown), sum(t for _n, t in shown)
        features[feature_id] = RoomFeature(
            feature_id,
            sides[MANAGEMENT],
            sides[FRONTLINE],
            Figure(n, total / n) if n else NOT_SHOWN,
            included,
        )
    statements = {}
    for item in asked:
        again = published.again.get(item.id, {})
        statements[item.id] = _statement(
            item.id,
            {s: first[s].answers[item.id] for s in SIDES if item.id in first[s].answers},
            {s: side.answers[item.id] for s, side in again.items() if item.id in side.answers},
            k,
        )
    return RoomFigures(
        k=k,
        participants=sum(by_level.values()),
        by_level=by_level,
        asked_again=dict(asked_again),
        shown_sides=shown_sides,
        features=features,
        statements=statements,
    )
