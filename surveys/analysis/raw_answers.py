"""Reads the stored answers themselves, for the two analyses the running tallies cannot serve.

Reliability from every answer given needs each pair of a feature's statements over the people
who answered both (the tallies keep only people who answered all of them); the measurement
invariance check needs each respondent's item scores. Both read `answers` joined to
`submissions` for the level only: nothing else about a respondent is read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from sqlalchemy import select

from ..database import db
from ..questionnaire import Questionnaire
from ..responses.models import Answer, Submission
from ..scoring.omega import PairMoments
from ..scoring.respondent import item_score

# level id -> (first statement, second statement), first <= second -> their pair's sums
LevelPairs = Mapping[str, Mapping[tuple[str, str], PairMoments]]


def load_pairs(round_id: int, questionnaire: Questionnaire) -> LevelPairs:
    """Per level, the sums over everyone who answered both of each pair of statements of a
    feature (1-5 as given; "don't know" is no answer). One query for the answers, summed
    here: a self-join per feature in SQL was ten times slower on SQLite."""
    feature_of = {
        item.id: feature.id for feature in questionnaire.features for item in feature.items
    }
    by_person: defaultdict[int, list[tuple[str, int]]] = defaultdict(list)
    level_of: dict[int, str] = {}
    query = (
        select(Answer.submission_id, Submission.level_id, Answer.item_id, Answer.value)
        .join(Submission, Submission.id == Answer.submission_id)
        .where(Answer.round_id == round_id, Answer.value.is_not(None))
    )
    for submission, level, item, value in db.session.execute(query):
        if item in feature_of:
            by_person[submission].append((item, int(value or 0)))
            level_of[submission] = level
    # level -> pair -> [n, first, second, first squares, second squares, products]
    sums: defaultdict[str, defaultdict[tuple[str, str], list[int]]] = defaultdict(
        lambda: defaultdict(lambda: [0, 0, 0, 0, 0, 0])
    )
    for submission, answers in by_person.items():
        by_pair = sums[level_of[submission]]
        answers.sort()
        for position, (first, x) in enumerate(answers):
            for second, y in answers[position:]:
                if feature_of[first] != feature_of[second]:
                    continue
                row = by_pair[(first, second)]
                row[0] += 1
                row[1] += x
                row[2] += y
                row[3] += x * x
                row[4] += y * y
                row[5] += x * y
    return {
        level: {pair: PairMoments(row[0], *map(float, row[1:])) for pair, row in by_pair.items()}
        for level, by_pair in sums.items()
    }


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
