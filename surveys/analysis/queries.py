"""Reads a round's tallies with SQL GROUP BY and hands them on as plain data.

Each query returns at most a few thousand rows whatever the number of responses: the
tallies were kept up to date at submit time, and the GROUP BY here folds them to the
breakdowns analysis needs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import func, select

from ..database import db
from ..questionnaire import NOT_APPLICABLE_VALUE, Questionnaire
from ..responses.tallies import (
    DONT_KNOW_VALUE,
    CompleteCaseTally,
    FeatureTally,
    ItemPairTally,
    ItemTally,
    PartnerTally,
    ResponseTally,
)
from ..rounds.models import Headcount
from ..scoring.distribution import ItemDistribution, ScoreDistribution
from ..scoring.omega import PairMoments
from ..scoring.reliability import ItemMoments
from ..scoring.respondent import enough_answered

AgencyLevel = tuple[str, str]


@dataclass(frozen=True)
class RoundTallies:
    """A round's answers folded to agency-and-level and to locality."""

    respondents: Mapping[AgencyLevel, int]
    # (level, locality) -> ...; locality "" = not given
    respondents_by_locality: Mapping[AgencyLevel, int]
    # feature id -> group -> {(item_sum, answered): respondents}, every respondent included
    features: Mapping[str, Mapping[AgencyLevel, Mapping[tuple[int, int], int]]]
    features_by_locality: Mapping[str, Mapping[AgencyLevel, Mapping[tuple[int, int], int]]]
    items: Mapping[str, Mapping[AgencyLevel, ItemDistribution]]
    items_by_locality: Mapping[str, Mapping[AgencyLevel, ItemDistribution]]
    # level id -> sums over complete cases, sliced per feature by LevelMoments.for_items
    moments: Mapping[str, LevelMoments]
    # (rater agency, rater level, partner agency, question) -> answers
    partners: Mapping[tuple[str, str, str, str], ItemDistribution]
    headcounts: Mapping[AgencyLevel, int]
    # level id -> pair of a feature's statements -> sums over those who answered both, read
    # from the stored answers (raw_answers.load_pairs) when a questionnaire is given
    pairs: Mapping[str, Mapping[tuple[str, str], PairMoments]] = field(default_factory=dict)


G = TypeVar("G")


# The two ways every tally is folded: by agency and level, and by level and locality.
BY_AGENCY = ("agency_id", "level_id")
BY_LOCALITY = ("level_id", "locality_id")


def _summed(
    round_id: int, tally: Any, grouping: tuple[str, str], *columns: str
) -> Iterator[tuple[Any, ...]]:
    """Respondents of a tally summed within a grouping (and any further columns), one GROUP BY:
    rows of (group key, *column values, respondents)."""
    keys = [getattr(tally, name) for name in (*grouping, *columns)]
    query = (
        select(*keys, func.sum(tally.respondents)).where(tally.round_id == round_id).group_by(*keys)
    )
    for row in db.session.execute(query):
        yield ((row[0], row[1]), *row[2:-1], int(row[-1]))


def _nested(_group: type[G]) -> defaultdict[str, defaultdict[G, dict[tuple[int, int], int]]]:
    return defaultdict(lambda: defaultdict(dict))


def load_tallies(round_id: int, questionnaire: Questionnaire | None = None) -> RoundTallies:
    """The round's tallies; with its questionnaire, also the pairwise sums that reliability
    from every answer needs (read from the answers: a release's work, not a page's)."""
    from .raw_answers import load_pairs

    session = db.session

    respondents: dict[AgencyLevel, int] = dict(_summed(round_id, ResponseTally, BY_AGENCY))
    by_locality: dict[AgencyLevel, int] = dict(_summed(round_id, ResponseTally, BY_LOCALITY))

    features, features_by_locality = _nested(tuple), _nested(tuple)
    items: defaultdict[str, defaultdict[AgencyLevel, ItemDistribution]] = defaultdict(
        lambda: defaultdict(ItemDistribution)
    )
    items_by_locality: defaultdict[str, defaultdict[AgencyLevel, ItemDistribution]] = defaultdict(
        lambda: defaultdict(ItemDistribution)
    )
    for grouping, by_feature, by_item in (
        (BY_AGENCY, features, items),
        (BY_LOCALITY, features_by_locality, items_by_locality),
    ):
        for key, feature, item_sum, answered, n in _summed(
            round_id, FeatureTally, grouping, "feature_id", "item_sum", "answered"
        ):
            by_feature[feature][key][(item_sum, answered)] = n
        for key, item, value, n in _summed(round_id, ItemTally, grouping, "item_id", "value"):
            by_item[item][key] += _one(value, n)

    sums: defaultdict[str, dict[str, float]] = defaultdict(dict)
    counts: defaultdict[str, dict[str, int]] = defaultdict(dict)
    for level, item, n, total in session.execute(
        select(
            CompleteCaseTally.level_id,
            CompleteCaseTally.item_id,
            CompleteCaseTally.respondents,
            CompleteCaseTally.total,
        ).where(CompleteCaseTally.round_id == round_id)
    ):
        sums[level][item] = float(total)
        counts[level][item] = int(n)
    products: defaultdict[str, dict[tuple[str, str], float]] = defaultdict(dict)
    for level, first, second, value in session.execute(
        select(
            ItemPairTally.level_id,
            ItemPairTally.item_a,
            ItemPairTally.item_b,
            ItemPairTally.products,
        ).where(ItemPairTally.round_id == round_id)
    ):
        products[level][(first, second)] = float(value)
    moments = {level: LevelMoments(counts[level], sums[level], products[level]) for level in sums}

    partners: defaultdict[tuple[str, str, str, str], ItemDistribution] = defaultdict(
        ItemDistribution
    )
    for agency, level, partner, question, value, n in session.execute(
        select(
            PartnerTally.agency_id,
            PartnerTally.level_id,
            PartnerTally.partner_agency_id,
            PartnerTally.question_id,
            PartnerTally.value,
            PartnerTally.respondents,
        ).where(PartnerTally.round_id == round_id)
    ):
        key = (agency, level, partner, question)
        partners[key] = partners[key] + _one(value, int(n))

    headcounts = {
        (agency, level): int(n)
        for agency, level, n in session.execute(
            select(Headcount.agency_id, Headcount.level_id, Headcount.headcount).where(
                Headcount.round_id == round_id
            )
        )
    }
    return RoundTallies(
        respondents=respondents,
        respondents_by_locality=by_locality,
        features={f: dict(groups) for f, groups in features.items()},
        features_by_locality={f: dict(groups) for f, groups in features_by_locality.items()},
        items={item: dict(groups) for item, groups in items.items()},
        items_by_locality={item: dict(groups) for item, groups in items_by_locality.items()},
        moments=moments,
        partners=dict(partners),
        headcounts=headcounts,
        pairs=load_pairs(round_id, questionnaire) if questionnaire else {},
    )


def _one(value: int, n: int) -> ItemDistribution:
    if value == DONT_KNOW_VALUE:
        return ItemDistribution(dont_know=n)
    if value == NOT_APPLICABLE_VALUE:
        return ItemDistribution(not_applicable=n)
    return ItemDistribution.of({value: n})


class LevelMoments:
    """Complete-case sums for one level, sliced per feature by `for_items`."""

    def __init__(
        self, counts: dict[str, int], sums: dict[str, float], products: dict[tuple[str, str], float]
    ) -> None:
        self.counts, self.sums, self.products = counts, sums, products

    def for_items(self, items: list[str]) -> ItemMoments:
        n = self.counts.get(items[0], 0) if items else 0
        return ItemMoments(
            n,
            {i: self.sums.get(i, 0.0) for i in items},
            {
                (a, b): self.products.get((a, b), 0.0)
                for index, a in enumerate(sorted(items))
                for b in sorted(items)[index:]
            },
        )


def score_distribution(counts: Mapping[tuple[int, int], int], statements: int) -> ScoreDistribution:
    """Scores of those who answered enough of the feature's `statements`; sums and counts
    stay exact."""
    return ScoreDistribution.from_sums(
        {
            (item_sum, answered): n
            for (item_sum, answered), n in counts.items()
            if enough_answered(answered, statements)
        }
    )
