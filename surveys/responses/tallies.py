"""Running tallies of submitted answers, kept in step with every submission.

Analysis reads these small tables instead of every answer, so a round of 100,000 responses
is analysed as fast as one of 1,000. Each submission adds to them in the same transaction
as its answers, with an additive upsert, so concurrent submissions never lose a count.
Submissions are never edited, so tallies only ever grow (or go with their round).

Sentinels keep the keys non-null (a null never matches in a unique key): a locality of ""
means "not given", a value of 0 means "don't know". "Not applicable to my role" keeps its
stored value, NOT_APPLICABLE_VALUE (-1), here too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ForeignKey, SmallInteger, String, update
from sqlalchemy.orm import Mapped, mapped_column

from ..database import Base, db, upsert
from ..questionnaire import Questionnaire
from ..rounds.models import Round
from ..scoring.respondent import feature_result
from .answers import CompletedResponse

NO_LOCALITY = ""
DONT_KNOW_VALUE = 0


def _round_key() -> Mapped[int]:
    return mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True)


def _key(length: int = 80) -> Mapped[str]:
    return mapped_column(String(length), primary_key=True)


class ResponseTally(Base):
    """How many responses came from each agency, level and locality, by channel."""

    __tablename__ = "response_tallies"
    __table_args__ = {"sqlite_with_rowid": False}  # no hidden rowid: no order of arrival

    round_id: Mapped[int] = _round_key()
    agency_id: Mapped[str] = _key()
    level_id: Mapped[str] = _key()
    locality_id: Mapped[str] = _key()
    channel: Mapped[str] = _key(20)
    respondents: Mapped[int]


class ItemTally(Base):
    """How many in each group gave each answer (as given, 0 = don't know) to each statement."""

    __tablename__ = "item_tallies"
    __table_args__ = {"sqlite_with_rowid": False}  # no hidden rowid: no order of arrival

    round_id: Mapped[int] = _round_key()
    agency_id: Mapped[str] = _key()
    level_id: Mapped[str] = _key()
    locality_id: Mapped[str] = _key()
    item_id: Mapped[str] = _key()
    value: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    respondents: Mapped[int]


class FeatureTally(Base):
    """How many in each group reached each feature score, kept exact as sum over answered."""

    __tablename__ = "feature_tallies"
    __table_args__ = {"sqlite_with_rowid": False}  # no hidden rowid: no order of arrival

    round_id: Mapped[int] = _round_key()
    agency_id: Mapped[str] = _key()
    level_id: Mapped[str] = _key()
    locality_id: Mapped[str] = _key()
    feature_id: Mapped[str] = _key()
    item_sum: Mapped[int] = mapped_column(primary_key=True)  # item scores, reverse items flipped
    answered: Mapped[int] = mapped_column(primary_key=True)  # items answered 1-5
    respondents: Mapped[int]


class CompleteCaseTally(Base):
    """Per level and statement, over respondents who answered all of a feature's statements:
    how many they are and the sum of their item scores (for Cronbach's alpha)."""

    __tablename__ = "complete_case_tallies"
    __table_args__ = {"sqlite_with_rowid": False}  # no hidden rowid: no order of arrival

    round_id: Mapped[int] = _round_key()
    level_id: Mapped[str] = _key()
    item_id: Mapped[str] = _key()
    respondents: Mapped[int]
    total: Mapped[int]


class ItemPairTally(Base):
    """Per level, the sum of products of two statements' item scores over complete cases."""

    __tablename__ = "item_pair_tallies"
    __table_args__ = {"sqlite_with_rowid": False}  # no hidden rowid: no order of arrival

    round_id: Mapped[int] = _round_key()
    level_id: Mapped[str] = _key()
    item_a: Mapped[str] = _key()
    item_b: Mapped[str] = _key()  # item_a <= item_b
    products: Mapped[int]


class PartnerTally(Base):
    """How each agency's staff, by level, rate each partner agency on each partner question."""

    __tablename__ = "partner_tallies"
    __table_args__ = {"sqlite_with_rowid": False}  # no hidden rowid: no order of arrival

    round_id: Mapped[int] = _round_key()
    agency_id: Mapped[str] = _key()  # the rater's agency
    level_id: Mapped[str] = _key()
    partner_agency_id: Mapped[str] = _key()
    question_id: Mapped[str] = _key()
    value: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    respondents: Mapped[int]


TALLIES: tuple[type[Base], ...] = (
    ResponseTally,
    ItemTally,
    FeatureTally,
    CompleteCaseTally,
    ItemPairTally,
    PartnerTally,
)


def _add(
    model: type[Base],
    counts: Mapping[tuple[Any, ...], Sequence[int]],
    keys: Sequence[str],
    counters: Sequence[str],
    round_id: int,
) -> None:
    """Add counts to a tally table: insert new keys, increase existing ones."""
    if not counts:
        return
    statement = upsert(model)
    statement = statement.on_conflict_do_update(
        index_elements=["round_id", *keys],
        set_={c: getattr(model, c) + getattr(statement.excluded, c) for c in counters},
    )
    rows = [
        {
            "round_id": round_id,
            **dict(zip(keys, key, strict=True)),
            **dict(zip(counters, values, strict=True)),
        }
        for key, values in counts.items()
    ]
    db.session.execute(statement, rows)


def add_to_tallies(
    round_: Round,
    questionnaire: Questionnaire,
    responses: Sequence[CompletedResponse],
    channel: str,
) -> None:
    """Count a batch of new responses into the round's tallies; the caller commits."""
    responses_by_group: Counter[tuple[str, ...]] = Counter()
    items: Counter[tuple[Any, ...]] = Counter()
    features: Counter[tuple[Any, ...]] = Counter()
    complete: Counter[tuple[str, str]] = Counter()
    complete_totals: Counter[tuple[str, str]] = Counter()
    pairs: Counter[tuple[str, str, str]] = Counter()
    partners: Counter[tuple[Any, ...]] = Counter()
    for response in responses:
        group = (response.agency_id, response.level_id, response.locality_id or NO_LOCALITY)
        responses_by_group[(*group, channel)] += 1
        for item_id, value in response.items.items():
            items[(*group, item_id, DONT_KNOW_VALUE if value is None else value)] += 1
        for feature in questionnaire.features:
            result = feature_result(feature, response.items)
            features[(*group, feature.id, result.total, result.answered)] += 1
            if result.complete:
                scores = result.item_scores
                ids = sorted(scores)
                for position, first in enumerate(ids):
                    complete[(response.level_id, first)] += 1
                    complete_totals[(response.level_id, first)] += scores[first]
                    for second in ids[position:]:
                        pairs[(response.level_id, first, second)] += scores[first] * scores[second]
        for partner, by_question in response.partner_ratings.items():
            for question, value in by_question.items():
                key = (response.agency_id, response.level_id, partner, question)
                partners[(*key, DONT_KNOW_VALUE if value is None else value)] += 1

    group_keys = ["agency_id", "level_id", "locality_id"]
    _add(
        ResponseTally,
        {k: (v,) for k, v in responses_by_group.items()},
        [*group_keys, "channel"],
        ["respondents"],
        round_.id,
    )
    _add(
        ItemTally,
        {k: (v,) for k, v in items.items()},
        [*group_keys, "item_id", "value"],
        ["respondents"],
        round_.id,
    )
    _add(
        FeatureTally,
        {k: (v,) for k, v in features.items()},
        [*group_keys, "feature_id", "item_sum", "answered"],
        ["respondents"],
        round_.id,
    )
    _add(
        CompleteCaseTally,
        {k: (v, complete_totals[k]) for k, v in complete.items()},
        ["level_id", "item_id"],
        ["respondents", "total"],
        round_.id,
    )
    _add(
        ItemPairTally,
        {k: (v,) for k, v in pairs.items()},
        ["level_id", "item_a", "item_b"],
        ["products"],
        round_.id,
    )
    _add(
        PartnerTally,
        {k: (v,) for k, v in partners.items()},
        ["agency_id", "level_id", "partner_agency_id", "question_id", "value"],
        ["respondents"],
        round_.id,
    )
    # A new data version tells every cache (analysis, reports) that its copy is stale.
    db.session.execute(
        update(Round).where(Round.id == round_.id).values(data_version=Round.data_version + 1)
    )
