"""What the room's answers show, under the same small-group rule as every other figure.

A figure appears only for a group of at least k people; managers and frontline staff are
shown side by side only when both groups reach k, so neither side could be worked out from
the room's total. The room is small (at most a few hundred people), so its answers are read
and scored here directly, and kept per session version.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from fractions import Fraction

from sqlalchemy import select

from ..database import db
from ..questionnaire import Questionnaire
from ..scoring.distribution import ItemDistribution, ScoreDistribution
from ..scoring.respondent import MIN_ANSWERED_SHARE, item_score
from .models import RoomAnswer, RoomResponse, WorkshopSession
from .service import statements

MANAGEMENT, FRONTLINE = "management", "frontline"


@dataclass(frozen=True)
class Figure:
    """A group's mean, or nothing when the group is smaller than k."""

    n: int
    mean: float | None  # None: not shown (too few people, or nobody)

    @property
    def shown(self) -> bool:
        return self.mean is not None


@dataclass(frozen=True)
class RoomFeature:
    feature_id: str
    everyone: Figure
    management: Figure
    frontline: Figure

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
    first: ItemDistribution | None  # None: fewer than k answered it
    second: ItemDistribution | None  # the re-vote, if any and big enough


@dataclass(frozen=True)
class RoomFigures:
    version: int
    k: int
    participants: int  # first votes
    by_level: dict[str, int]  # participants per level group (for the facilitator's console)
    asked_again: dict[str, int]  # second answers per statement put to the room again
    features: dict[str, RoomFeature] = field(default_factory=dict)
    statements: dict[str, RoomStatement] = field(default_factory=dict)

    @property
    def gaps(self) -> list[RoomFeature]:
        """Features with both sides shown, largest gap first."""
        shown = [f for f in self.features.values() if f.gap is not None]
        return sorted(shown, key=lambda f: -abs(f.gap or 0))


def _figure(scores: list[Fraction], k: int) -> Figure:
    if len(scores) < k:
        return Figure(len(scores), None)
    return Figure(len(scores), ScoreDistribution.of(scores).mean)


def compute(session: WorkshopSession, questionnaire: Questionnaire, k: int) -> RoomFigures:
    groups = {level.id: level.group for level in questionnaire.levels}
    asked = statements(session, questionnaire)
    items_of: dict[str, list[str]] = defaultdict(list)
    for item in asked:
        items_of[item.feature_id].append(item.id)
    reverse = {item.id: item.reverse for item in asked}

    people: dict[int, tuple[str, int]] = {}  # response -> (level group, vote)
    for response_id, level, vote in db.session.execute(
        select(RoomResponse.id, RoomResponse.level_id, RoomResponse.vote).where(
            RoomResponse.session_id == session.id
        )
    ):
        people[response_id] = (groups.get(level, FRONTLINE), vote)
    answers: dict[int, dict[str, int | None]] = defaultdict(dict)
    for response_id, item_id, value in db.session.execute(
        select(RoomAnswer.response_id, RoomAnswer.item_id, RoomAnswer.value).where(
            RoomAnswer.session_id == session.id
        )
    ):
        answers[response_id][item_id] = value

    first = [r for r, (_g, vote) in people.items() if vote == 1]
    by_level = {MANAGEMENT: 0, FRONTLINE: 0}
    for response_id in first:
        by_level[people[response_id][0]] += 1

    features = {}
    for feature_id, item_ids in items_of.items():
        scores: dict[str, list[Fraction]] = {MANAGEMENT: [], FRONTLINE: []}
        for response_id in first:
            given = [
                item_score(value, reverse[i])
                for i in item_ids
                if (value := answers[response_id].get(i)) is not None
            ]
            if given and Fraction(len(given), len(item_ids)) >= MIN_ANSWERED_SHARE:
                scores[people[response_id][0]].append(Fraction(sum(given), len(given)))
        features[feature_id] = RoomFeature(
            feature_id,
            _figure(scores[MANAGEMENT] + scores[FRONTLINE], k),
            _figure(scores[MANAGEMENT], k),
            _figure(scores[FRONTLINE], k),
        )

    def distribution(response_ids: list[int], item_id: str) -> ItemDistribution | None:
        counts: dict[int, int] = defaultdict(int)
        dont_know = 0
        for response_id in response_ids:
            if item_id not in answers[response_id]:
                continue
            value = answers[response_id][item_id]
            if value is None:
                dont_know += 1
            else:
                counts[value] += 1
        result = ItemDistribution.of(counts, dont_know)
        return result if result.answered + result.dont_know >= k else None

    second = [r for r, (_g, vote) in people.items() if vote == 2]
    asked_again: dict[str, int] = defaultdict(int)
    for response_id in second:
        for item_id in answers[response_id]:
            asked_again[item_id] += 1
    room_statements = {
        item.id: RoomStatement(
            item.id,
            distribution(first, item.id),
            distribution(second, item.id),
        )
        for item in asked
    }
    return RoomFigures(
        version=session.version,
        k=k,
        participants=len(first),
        by_level=by_level,
        asked_again=dict(asked_again),
        features=features,
        statements=room_statements,
    )


class RoomCache:
    """The room's figures per session version: many screens poll, one computes."""

    def __init__(self) -> None:
        self._entries: OrderedDict[tuple[int, int, int], RoomFigures] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, session: WorkshopSession, questionnaire: Questionnaire, k: int) -> RoomFigures:
        key = (session.id, session.version, k)
        with self._lock:
            if key in self._entries:
                return self._entries[key]
        figures = compute(session, questionnaire, k)
        with self._lock:
            self._entries[key] = figures
            while len(self._entries) > 64:
                self._entries.popitem(last=False)
        return figures
