"""Reads the stored answers themselves, for the two analyses the running tallies cannot serve.

Reliability from every answer given needs each pair of a feature's statements over the people
who answered both (the tallies keep only people who answered all of them); the measurement
invariance check needs each respondent's item scores. Both read `answers` joined to
`submissions` for the level only: nothing else about a respondent is read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from ..database import db
from ..questionnaire import Questionnaire
from ..responses.models import Answer, Submission
from ..scoring.omega import PairMoments
from ..scoring.respondent import item_score

# level id -> (first statement, second statement), first <= second -> their pair's sums
LevelPairs = Mapping[str, Mapping[tuple[str, str], PairMoments]]


def load_pairs(round_id: int, questionnaire: Questionnaire) -> LevelPairs:
    """Per level, the sums over everyone who answered both of each pair of statements of a
    feature (1-5 as given; "don't know" is no answer): one GROUP BY per feature, over a
    self-join of the feature's answers, so a few rows per level and pair come back."""
    pairs: defaultdict[str, dict[tuple[str, str], PairMoments]] = defaultdict(dict)
    first, second = aliased(Answer), aliased(Answer)
    for feature in questionnaire.features:
        ids = [item.id for item in feature.items]
        query = (
            select(
                Submission.level_id,
                first.item_id,
                second.item_id,
                func.count(),
                func.sum(first.value),
                func.sum(second.value),
                func.sum(first.value * first.value),
                func.sum(second.value * second.value),
                func.sum(first.value * second.value),
            )
            .select_from(first)
            .join(
                second,
                and_(
                    second.submission_id == first.submission_id,
                    second.item_id >= first.item_id,
                ),
            )
            .join(Submission, Submission.id == first.submission_id)
            .where(
                first.round_id == round_id,
                first.item_id.in_(ids),
                second.item_id.in_(ids),
                first.value.is_not(None),
                second.value.is_not(None),
            )
            .group_by(Submission.level_id, first.item_id, second.item_id)
        )
        for level, a, b, n, *sums in db.session.execute(query):
            pairs[level][(a, b)] = PairMoments(int(n), *(float(s or 0) for s in sums))
    return {level: dict(by_pair) for level, by_pair in pairs.items()}


# One respondent's level and item scores (reverse-worded flipped; absent = no 1-5 answer).
Scored = tuple[str, dict[str, int]]


def load_item_scores(round_id: int, questionnaire: Questionnaire) -> list[Scored]:
    """Every respondent's item scores, in no particular order and with no id kept."""
    reverse = {item.id: item.reverse for item in questionnaire.items}
    by_submission: defaultdict[int, dict[str, int]] = defaultdict(dict)
    levels: dict[int, str] = {}
    query = (
        select(Answer.submission_id, Submission.level_id, Answer.item_id, Answer.value)
        .join(Submission, Submission.id == Answer.submission_id)
        .where(Answer.round_id == round_id, Answer.value.is_not(None))
    )
    for submission, level, item, value in db.session.execute(query):
        if item in reverse:
            by_submission[submission][item] = item_score(int(value or 0), reverse[item])
            levels[submission] = level
    return [(levels[s], scores) for s, scores in by_submission.items()]
