"""Builds a round's analysis from its tallies: pure scoring over a few thousand numbers.

Protection is decided on membership: a group's size is the number of respondents who
belong to it, whatever they answered, and one pattern of suppressed groups holds for every
table. Inside a published group, a figure answered by fewer than k people is withheld, with
complementary withholding of its own. Every decision also looks back at the counts behind
the round's earlier releases, so no difference between two releases describes fewer than k.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

from ..questionnaire import PartnerSection, Questionnaire
from ..rounds.models import Round
from ..scoring.cells import (
    NO_LOCALITY,
    CellKey,
    breakdown_relations,
    hidden_cells,
    sublevels_of,
)
from ..scoring.distribution import ItemDistribution, ScoreDistribution
from ..scoring.levels import level_range
from ..scoring.maturity import CONTESTED, is_contested
from ..scoring.omega import PairMoments, pairwise_reliability
from ..scoring.reliability import ItemMoments, reliability
from ..scoring.statistics import Summary, hedges_g, welch_difference
from ..scoring.suppression import Earlier, Relation, exposures, protect
from .facts import RoundFacts
from .multiplicity import Term, benjamini_hochberg, is_notable, welch
from .queries import LevelMoments, RoundTallies, load_tallies, score_distribution
from .results import (
    FRONTLINE,
    MANAGEMENT,
    AgencyFigure,
    CellResult,
    ChangeResult,
    GapResult,
    ImbalanceResult,
    ItemGapResult,
    ItemResult,
    PartnerResult,
    PartnershipFigure,
    ReliabilityResult,
    ResponseResult,
    RoundAnalysis,
    RoundInfo,
    SharingPerceptionResult,
    WithinAgencyGapResult,
)
from .strata import DIFFERS_BY, Rating, Stratum, adjusted_imbalance, within_agency_gap
from .weights import Partnership

ITEM_GAPS_SHOWN = 10

T = TypeVar("T")
G = TypeVar("G")
# The results a release's false discovery rate is held across.
F = TypeVar("F", GapResult, WithinAgencyGapResult, ItemGapResult, ImbalanceResult)


class Breakdown:
    """The cells of a round and which cells each agency-and-level group belongs to."""

    def __init__(
        self, agencies: Sequence[str], questionnaire: Questionnaire, localities: Sequence[str]
    ) -> None:
        self.agencies = list(agencies)
        self.localities = list(localities)
        self.level_groups: dict[str, list[str]] = defaultdict(list)
        for level in questionnaire.levels:
            self.level_groups[level.group].append(level.id)
        self.group_of = {level.id: level.group for level in questionnaire.levels}
        self.relations = breakdown_relations(self.agencies, self.level_groups, self.localities)
        self.hidden = hidden_cells(self.level_groups, self.localities)
        # The published cells; hidden ones take part in protection but are never shown.
        every = {cell for relation in self.relations for cell in relation.cells}
        self.keys = sorted(
            (every | {CellKey(None, None)}) - set(self.hidden),
            key=lambda c: (c.agency or "", c.level or "", c.locality or ""),
        )

    def cells_of(self, agency: str, level: str) -> list[CellKey]:
        group = self.group_of.get(level)
        if group is None or agency not in self.agencies:
            return []
        levels: list[str | None] = [None, group]
        if sublevels_of(self.level_groups, group):
            levels.append(level)
        return [CellKey(a, lv) for a in (agency, None) for lv in levels]

    def cells_of_locality(self, level: str, locality: str) -> list[CellKey]:
        group = self.group_of.get(level)
        if not self.localities or group is None:
            return []
        place = locality if locality in self.localities else NO_LOCALITY
        return [CellKey(None, None, place), CellKey(None, group, place)]

    def gather(
        self,
        by_group: Mapping[tuple[str, str], T],
        by_locality: Mapping[tuple[str, str], T],
        add: Callable[[T, T], T],
    ) -> dict[CellKey, T]:
        """Sum agency-and-level and level-and-locality figures into every cell they are in."""
        totals: dict[CellKey, T] = {}
        pairs = [
            *(
                (cell, value)
                for (a, lv), value in by_group.items()
                for cell in self.cells_of(a, lv)
            ),
            *(
                (cell, value)
                for (lv, place), value in by_locality.items()
                for cell in self.cells_of_locality(lv, place)
            ),
        ]
        for cell, value in pairs:
            totals[cell] = add(totals[cell], value) if cell in totals else value
        return totals

    def protect(
        self,
        counts: Mapping[CellKey, int],
        k: int,
        *,
        unknown: frozenset[CellKey] = frozenset(),
        earlier: Sequence[Earlier[CellKey]] = (),
    ) -> frozenset[CellKey]:
        full = {key: counts.get(key, 0) for key in [*self.keys, *self.hidden]}
        return protect(
            full, self.relations, k, hidden=self.hidden, unknown=unknown, earlier=earlier
        )


# The counts behind a release's decisions, kept with it (never published) so that the next
# release can tell how far every group has moved: family -> encoded group -> count; and
# under "family!kept", the groups that release kept back (suppressed or withheld).
Counts = dict[str, dict[str, int]]
KEPT = "!kept"


def _encode(key: object) -> str:
    parts = key if isinstance(key, tuple) else (key,)
    return "|".join("" if part is None else str(part) for part in parts)


class History:
    """The counts of a round's earlier releases, looked up per family of figures."""

    def __init__(self, earlier: Sequence[Counts]) -> None:
        self.earlier = earlier

    def of(self, family: str, keys: Iterable[T]) -> list[Earlier[T]]:
        keys = list(keys)
        return [
            Earlier(
                {key: counts.get(family, {}).get(_encode(key), 0) for key in keys},
                frozenset(key for key in keys if _encode(key) in counts.get(family + KEPT, {})),
            )
            for counts in self.earlier
        ]


@dataclass(frozen=True)
class Examined:
    """An analysis and the counts its protection was decided on."""

    analysis: RoundAnalysis
    counts: Counts


def _record(counts: Counts, family: str, values: Mapping[T, int], kept: Iterable[T] = ()) -> None:
    counts[family] = {_encode(key): n for key, n in values.items() if n}
    counts[family + KEPT] = {_encode(key): 1 for key in kept}


def _add_score(a: ScoreDistribution, b: ScoreDistribution) -> ScoreDistribution:
    return a + b


def _add_items(a: ItemDistribution, b: ItemDistribution) -> ItemDistribution:
    return a + b


def _add_int(a: int, b: int) -> int:
    return a + b


def analyse_round(round_: Round, questionnaire: Questionnaire, min_cell_size: int) -> RoundAnalysis:
    tallies = load_tallies(round_.id, questionnaire)
    return analyse(RoundFacts.of(round_), questionnaire, min_cell_size, tallies)


def analyse(
    round_: RoundFacts, questionnaire: Questionnaire, k: int, tallies: RoundTallies
) -> RoundAnalysis:
    return examine(round_, questionnaire, k, tallies).analysis


def examine(
    round_: RoundFacts,
    questionnaire: Questionnaire,
    k: int,
    tallies: RoundTallies,
    earlier: Sequence[Counts] = (),
) -> Examined:
    """The analysis of a round's tallies, protected against itself and its earlier releases."""
    history = History(earlier)
    counts: Counts = {}
    breakdown = _breakdown(round_, questionnaire, tallies)
    # Answers from an agency later removed from the round still count, under their id.
    names = dict(round_.agencies)
    agency_names = {agency: names.get(agency, agency) for agency in breakdown.agencies}
    respondents = breakdown.gather(tallies.respondents, tallies.respondents_by_locality, _add_int)
    everyone = [*breakdown.keys, *breakdown.hidden]
    pattern = breakdown.protect(respondents, k, earlier=history.of("members", everyone))
    everyone_key = CellKey(None, None)
    _record(counts, "members", respondents, pattern)

    cells: list[CellResult] = []
    partnership: list[PartnershipFigure] = []
    agency_weighting: list[AgencyFigure] = []
    distributions: dict[str, dict[CellKey, ScoreDistribution]] = {}
    published: dict[str, frozenset[CellKey]] = {}
    for feature in questionnaire.features:
        statements = len(feature.items)
        by_group = {
            group: score_distribution(counts, statements)
            for group, counts in tallies.features.get(feature.id, {}).items()
        }
        by_locality = {
            locality: score_distribution(counts, statements)
            for locality, counts in tallies.features_by_locality.get(feature.id, {}).items()
        }
        totals = breakdown.gather(by_group, by_locality, _add_score)
        scored = {key: d.n for key, d in totals.items()}
        family = f"feature:{feature.id}"
        suppressed = breakdown.protect(
            scored, k, unknown=pattern, earlier=history.of(family, everyone)
        )
        _record(counts, family, scored, suppressed)
        distributions[feature.id] = totals
        published[feature.id] = frozenset(set(breakdown.keys) - suppressed)
        wide = Partnership(
            breakdown.agencies,
            breakdown.level_groups,
            totals,
            published[feature.id] - pattern,
            tallies.headcounts,
            tallies.respondents,
        )
        for key in breakdown.keys:
            cells.append(
                _cell(
                    key,
                    feature.id,
                    totals.get(key, ScoreDistribution()),
                    key in pattern,
                    key in suppressed,
                    questionnaire,
                    # Partnership-wide members are clustered in agencies: widen the interval.
                    wide.design_effect(key.level)
                    if key.agency is None and key.locality is None
                    else 1.0,
                )
            )
        partnership += [wide.figure(feature.id, level) for level in (None, *breakdown.level_groups)]
        agency_weighting += [
            wide.agency_figure(agency, feature.id, level)
            for agency in breakdown.agencies
            for level in (None, *breakdown.level_groups)
            if wide.pools(level)
        ]

    items, item_totals = _items(breakdown, questionnaire, tallies, k, pattern, history, counts)
    gaps = _gaps(breakdown, questionnaire, distributions, published)
    within = _within_agency_gaps(
        breakdown, questionnaire, distributions, published, tallies.headcounts, gaps
    )
    partners = _partners(breakdown.agencies, tallies, k, pattern, history, counts)
    flagged = _flag_across_release(
        gaps,
        within,
        _item_gaps(questionnaire, item_totals, items),
        _imbalances(partners, questionnaire.partners),
    )
    analysis = RoundAnalysis(
        round=RoundInfo(
            slug=round_.slug,
            name=round_.name,
            questionnaire_version=round_.questionnaire_version,
            opens_at=round_.opens_at,
            closes_at=round_.closes_at,
            is_demo=round_.is_demo,
            # The total is a group like any other: suppressed when the pattern says so.
            responses=None if everyone_key in pattern else respondents.get(everyone_key, 0),
        ),
        min_cell_size=k,
        features=tuple((f.id, f.name) for f in questionnaire.features),
        agencies=tuple(agency_names.items()),
        localities=round_.localities,
        cells=tuple(cells),
        items=items,
        gaps=flagged.gaps,
        item_gaps=flagged.item_gaps[:ITEM_GAPS_SHOWN],
        partners=partners,
        imbalances=flagged.imbalances,
        sharing_perceptions=_sharing_perceptions(partners, questionnaire.partners),
        reliability=_reliability(breakdown, questionnaire, tallies, k, pattern, history, counts),
        responses=_responses(breakdown, tallies, respondents, pattern),
        within_agency_gaps=flagged.within_agency_gaps,
        partnership=tuple(partnership),
        agency_weighting=tuple(agency_weighting),
    )
    return Examined(analysis, counts)


def _cell(
    key: CellKey,
    feature: str,
    distribution: ScoreDistribution,
    suppressed: bool,
    withheld: bool,
    questionnaire: Questionnaire,
    design_effect: float = 1.0,
) -> CellResult:
    if suppressed:
        return CellResult(key.agency, key.level, key.locality, feature, suppressed=True)
    if withheld:
        return CellResult(
            key.agency, key.level, key.locality, feature, suppressed=False, withheld=True
        )
    mean = distribution.mean
    contested = is_contested(distribution)
    level: str | None = None
    possible: tuple[str, ...] = ()
    found = level_range(distribution, design_effect)
    if contested:
        level = CONTESTED
    elif found is not None:
        names = questionnaire.maturity_levels
        level = names[found.rank - 1].id
        possible = tuple(names[rank - 1].id for rank in found.others)
    return CellResult(
        key.agency,
        key.level,
        key.locality,
        feature,
        suppressed=False,
        n=distribution.n,
        mean=mean,
        sd=distribution.sd,
        median=distribution.median,
        maturity_level=level,
        contested=contested,
        share_low=distribution.share_low if distribution.n else None,
        share_high=distribution.share_high if distribution.n else None,
        possible_levels=possible,
    )


def _items(
    breakdown: Breakdown,
    questionnaire: Questionnaire,
    tallies: RoundTallies,
    k: int,
    pattern: frozenset[CellKey],
    history: History,
    counts: Counts,
) -> tuple[tuple[ItemResult, ...], dict[str, dict[CellKey, ItemDistribution]]]:
    results = []
    by_item: dict[str, dict[CellKey, ItemDistribution]] = {}
    everyone = [*breakdown.keys, *breakdown.hidden]
    for item in questionnaire.items:
        totals = breakdown.gather(
            tallies.items.get(item.id, {}), tallies.items_by_locality.get(item.id, {}), _add_items
        )
        by_item[item.id] = totals
        answered = {key: d.answered for key, d in totals.items()}
        family = f"item:{item.id}"
        withheld = breakdown.protect(
            answered, k, unknown=pattern, earlier=history.of(family, everyone)
        )
        _record(counts, family, answered, withheld)
        for key in breakdown.keys:
            if key in pattern:
                results.append(
                    ItemResult(key.agency, key.level, key.locality, item.id, item.feature_id, True)
                )
                continue
            answers = totals.get(key, ItemDistribution())
            shown = ItemResult(
                key.agency,
                key.level,
                key.locality,
                item.id,
                item.feature_id,
                False,
                share_dont_know=answers.share_dont_know,
                share_not_applicable=answers.share_not_applicable,
            )
            if key in withheld:
                results.append(replace(shown, withheld=True))
                continue
            results.append(
                replace(
                    shown,
                    n=answers.answered,
                    mean=answers.scores(item.reverse, item.bipolar).mean,
                    # Agreeing means nothing on a bipolar statement: its answers are not
                    # agree-disagree.
                    share_agreeing=None if item.bipolar else answers.share_agreeing,
                    distribution=_shares(answers),
                )
            )
    return tuple(results), by_item


def _shares(answers: ItemDistribution) -> tuple[float, ...] | None:
    # Of everyone asked, "not applicable" included (version 2), as the two non-answer shares are.
    asked = answers.asked
    if not asked:
        return None
    return tuple(count / asked for count in (*answers.counts, answers.dont_know))


def _gaps(
    breakdown: Breakdown,
    questionnaire: Questionnaire,
    distributions: Mapping[str, Mapping[CellKey, ScoreDistribution]],
    published: Mapping[str, frozenset[CellKey]],
) -> tuple[GapResult, ...]:
    gaps = []
    places: list[tuple[str | None, str | None]] = [(a, None) for a in [None, *breakdown.agencies]]
    places += [(None, locality) for locality in breakdown.localities]
    for agency, locality in places:
        for feature in questionnaire.features:
            management = CellKey(agency, MANAGEMENT, locality)
            frontline = CellKey(agency, FRONTLINE, locality)
            shown = published[feature.id]
            first = distributions[feature.id].get(management, ScoreDistribution()).summary()
            second = distributions[feature.id].get(frontline, ScoreDistribution()).summary()
            # A gap is published only when both sides are: one side must never follow from
            # the other side and the gap.
            if management not in shown or frontline not in shown or not first or not second:
                gaps.append(GapResult(agency, feature.id, suppressed=True, locality=locality))
                continue
            difference = welch_difference(first, second)
            gaps.append(
                GapResult(
                    agency,
                    feature.id,
                    suppressed=False,
                    management_n=first.n,
                    frontline_n=second.n,
                    management_mean=first.mean,
                    frontline_mean=second.mean,
                    gap=difference.estimate,
                    ci_low=difference.ci_low,
                    ci_high=difference.ci_high,
                    effect_size=hedges_g(first, second),
                    locality=locality,
                    # Flagged notable only once every test of the release is known.
                    p_value=_p_value(first, second),
                )
            )
    return tuple(gaps)


def _p_value(first: Summary, second: Summary) -> float:
    """Welch's two-sided p-value for first mean minus second."""
    return welch(_term(first), _term(second)).p_value


def _term(summary: Summary) -> Term:
    return Term(1.0, summary.n, summary.mean, summary.variance)


def _within_agency_gaps(
    breakdown: Breakdown,
    questionnaire: Questionnaire,
    distributions: Mapping[str, Mapping[CellKey, ScoreDistribution]],
    published: Mapping[str, frozenset[CellKey]],
    headcounts: Mapping[tuple[str, str], int],
    gaps: Sequence[GapResult],
) -> tuple[WithinAgencyGapResult, ...]:
    """The partnership's gap on each feature compared inside agencies, then combined.

    Only agencies whose management and frontline figures are both published on the feature
    take part (the others are left out, not merged): the combined gap is then worked out from
    published figures alone, so it cannot give away a suppressed or withheld group. Weights
    are the agencies' headcounts when the round has them for every level of every agency
    combined, else their respondents scored on the feature."""
    pooled = {g.feature: g for g in gaps if g.agency is None and g.locality is None}
    results = []
    for feature in questionnaire.features:
        shown = published[feature.id]
        sides = []
        for agency in breakdown.agencies:
            management, frontline = CellKey(agency, MANAGEMENT), CellKey(agency, FRONTLINE)
            if management not in shown or frontline not in shown:
                continue
            first = distributions[feature.id].get(management, ScoreDistribution()).summary()
            second = distributions[feature.id].get(frontline, ScoreDistribution()).summary()
            if first is not None and second is not None:
                sides.append((agency, first, second))
        overall = pooled.get(feature.id)
        if not sides or overall is None or overall.suppressed or overall.gap is None:
            results.append(WithinAgencyGapResult(feature.id, suppressed=True))
            continue
        levels = list(breakdown.group_of)
        counted = [headcounts.get((agency, level)) for agency, _m, _f in sides for level in levels]
        by_headcount = all(count is not None for count in counted)
        strata = [
            Stratum(
                agency,
                first,
                second,
                float(
                    sum(headcounts[(agency, level)] for level in levels)
                    if by_headcount
                    else first.n + second.n
                ),
            )
            for agency, first, second in sides
        ]
        if sum(stratum.weight for stratum in strata) <= 0:
            strata = [replace(s, weight=float(s.management.n + s.frontline.n)) for s in strata]
            by_headcount = False
        combined = within_agency_gap(strata)
        results.append(
            WithinAgencyGapResult(
                feature.id,
                suppressed=False,
                gap=combined.estimate,
                ci_low=combined.ci_low,
                ci_high=combined.ci_high,
                p_value=combined.p_value,
                pooled_gap=overall.gap,
                differs=abs(combined.estimate - overall.gap) >= DIFFERS_BY,
                weighting="headcount" if by_headcount else "respondents",
                agencies=tuple(agency for agency, _m, _f in sides),
            )
        )
    return tuple(results)


@dataclass(frozen=True)
class Flagged:
    """The release's tests, each with its adjusted value q and notable flag."""

    gaps: tuple[GapResult, ...]
    within_agency_gaps: tuple[WithinAgencyGapResult, ...]
    item_gaps: tuple[ItemGapResult, ...]
    imbalances: tuple[ImbalanceResult, ...]


def _flag_across_release(
    gaps: Sequence[GapResult],
    within: Sequence[WithinAgencyGapResult],
    item_gaps: Sequence[ItemGapResult],
    imbalances: Sequence[ImbalanceResult],
) -> Flagged:
    """Benjamini-Hochberg over every difference the release tests (every published gap,
    combined gap, statement gap and imbalance), so that at most about 5% of what it flags is
    chance however many differences there are (docs/analysis.md)."""
    p_values: dict[tuple[str, int], float | None] = {}
    p_values.update({("gaps", i): g.p_value for i, g in enumerate(gaps)})
    p_values.update({("within", i): g.p_value for i, g in enumerate(within)})
    p_values.update({("items", i): g.p_value for i, g in enumerate(item_gaps)})
    p_values.update({("imbalances", i): r.p_value for i, r in enumerate(imbalances)})
    tested = [(key, p) for key, p in p_values.items() if p is not None]
    q_of = dict(
        zip([key for key, _p in tested], benjamini_hochberg([p for _k, p in tested]), strict=True)
    )

    def flag(family: str, results: Sequence[F], size: Callable[[F], float | None]) -> tuple[F, ...]:
        flagged = []
        for index, result in enumerate(results):
            q = q_of.get((family, index))
            estimate = size(result)
            if q is None or estimate is None:
                flagged.append(result)
            else:
                flagged.append(replace(result, q_value=q, notable=is_notable(estimate, q)))
        return tuple(flagged)

    return Flagged(
        flag("gaps", gaps, lambda g: g.gap),
        flag("within", within, lambda g: g.gap),
        flag("items", item_gaps, lambda g: g.gap),
        flag("imbalances", imbalances, lambda i: i.imbalance),
    )


def _item_gaps(
    questionnaire: Questionnaire,
    totals: Mapping[str, Mapping[CellKey, ItemDistribution]],
    items: Iterable[ItemResult],
) -> tuple[ItemGapResult, ...]:
    """The partnership-wide statement-level gaps that are largest in size."""
    shown = {
        (i.item, i.level)
        for i in items
        if i.agency is None and i.locality is None and not i.suppressed and not i.withheld
    }
    gaps = []
    for item in questionnaire.items:
        if (item.id, MANAGEMENT) not in shown or (item.id, FRONTLINE) not in shown:
            continue
        by_cell = totals.get(item.id, {})
        first = by_cell.get(CellKey(None, MANAGEMENT), ItemDistribution()).scores(
            item.reverse, item.bipolar
        )
        second = by_cell.get(CellKey(None, FRONTLINE), ItemDistribution()).scores(
            item.reverse, item.bipolar
        )
        management, frontline = first.summary(), second.summary()
        if management is None or frontline is None:
            continue
        difference = welch_difference(management, frontline)
        gaps.append(
            ItemGapResult(
                item.id,
                item.feature_id,
                management.mean,
                frontline.mean,
                difference.estimate,
                difference.ci_low,
                difference.ci_high,
                management.n,
                frontline.n,
                p_value=_p_value(management, frontline),
            )
        )
    gaps.sort(key=lambda g: (-abs(g.gap), g.item))
    return tuple(gaps)


def _partners(
    agencies: Sequence[str],
    tallies: RoundTallies,
    k: int,
    pattern: frozenset[CellKey],
    history: History,
    counts_kept: Counts,
) -> tuple[PartnerResult, ...]:
    """Each agency's view of each partner, per question, and all agencies' view together.

    A rating agency's view is shown only when the agency itself is a published group; inside
    it, a partner rated by fewer than k is withheld (its don't-know share may show)."""
    by_pair: defaultdict[tuple[str, str, str], ItemDistribution] = defaultdict(ItemDistribution)
    for (rater, _level, partner, question), answers in tallies.partners.items():
        by_pair[(question, rater, partner)] += answers
    results: list[PartnerResult] = []
    questions = sorted({question for question, _r, _p in by_pair})
    for question in questions:
        cells: dict[tuple[str | None, str], ItemDistribution] = {}
        for (q, rater, partner), answers in by_pair.items():
            if q != question:
                continue
            cells[(rater, partner)] = answers
            cells[(None, partner)] = cells.get((None, partner), ItemDistribution()) + answers
        partners = sorted({partner for _r, partner in cells})
        raters = sorted({r for r, _p in cells if r is not None})
        relations = [
            Relation((None, partner), tuple((rater, partner) for rater in raters))
            for partner in partners
        ]
        counts = {
            key: cells.get(key, ItemDistribution()).answered
            for relation in relations
            for key in relation.cells
        }
        hidden_raters = frozenset(key for key in counts if CellKey(key[0], None) in pattern)
        family = f"partner:{question}"
        withheld = protect(
            counts,
            relations,
            k,
            unknown=hidden_raters,
            earlier=history.of(family, counts),
        )
        _record(counts_kept, family, counts, withheld)
        for (from_agency, partner), answers in sorted(
            cells.items(), key=lambda kv: (kv[0][0] or "", kv[0][1])
        ):
            if (from_agency, partner) in hidden_raters:
                results.append(PartnerResult(from_agency, partner, question, True))
                continue
            shown = PartnerResult(
                from_agency, partner, question, False, share_dont_know=answers.share_dont_know
            )
            if (from_agency, partner) in withheld:
                results.append(replace(shown, withheld=True))
                continue
            scores = answers.scores(reverse=False)
            results.append(replace(shown, n=answers.answered, mean=scores.mean, sd=scores.sd))
    return tuple(results)


def _published_means(
    partners: Iterable[PartnerResult], question: str | None
) -> dict[tuple[str, str], float]:
    return {
        (p.from_agency, p.to_agency): p.mean
        for p in partners
        if p.question == question and not p.suppressed and p.from_agency and p.mean is not None
    }


def _imbalances(
    partners: Sequence[PartnerResult], asked: PartnerSection
) -> tuple[ImbalanceResult, ...]:
    """Each pair of agencies' views of how well the other shares with it (both rate the
    information they receive), with Welch's interval, and again with each side centred on
    its raters' mean rating of every partner; none if the questionnaire asks no such
    question. Only published ratings are used, so nothing withheld can be worked back."""
    question = asked.sharing_question("received")
    ratings: dict[str, list[Rating]] = defaultdict(list)
    for p in partners:
        if (
            p.question == question
            and p.from_agency
            and not p.suppressed
            and not p.withheld
            and p.n is not None
            and p.n >= 2
            and p.mean is not None
            and p.sd is not None
        ):
            ratings[p.from_agency].append(Rating(p.to_agency, p.n, p.mean, p.sd**2))
    rated = {(a, r.partner): r for a, rs in ratings.items() for r in rs}
    results = []
    for (a, b), a_about_b in sorted(rated.items()):
        b_about_a = rated.get((b, a))
        if not (a < b and b_about_a is not None):
            continue
        plain = welch(
            Term(1.0, a_about_b.n, a_about_b.mean, a_about_b.variance),
            Term(1.0, b_about_a.n, b_about_a.mean, b_about_a.variance),
        )
        adjusted = adjusted_imbalance(ratings[a], ratings[b], a, b)
        results.append(
            ImbalanceResult(
                a,
                b,
                a_about_b.mean,
                b_about_a.mean,
                a_about_b.mean - b_about_a.mean,
                a_n=a_about_b.n,
                b_n=b_about_a.n,
                ci_low=plain.ci_low,
                ci_high=plain.ci_high,
                p_value=plain.p_value,
                adjusted_imbalance=None if adjusted is None else adjusted.estimate,
                adjusted_ci_low=None if adjusted is None else adjusted.ci_low,
                adjusted_ci_high=None if adjusted is None else adjusted.ci_high,
            )
        )
    results.sort(key=lambda r: -abs(r.imbalance))
    return tuple(results)


def _sharing_perceptions(
    partners: Sequence[PartnerResult], asked: PartnerSection
) -> tuple[SharingPerceptionResult, ...]:
    """How well an agency's staff say they share, beside how well the receivers say it."""
    they_share = _published_means(partners, asked.sharing_question("received"))
    we_share = _published_means(partners, asked.sharing_question("given"))
    results = []
    for (sharer, receiver), self_rating in sorted(we_share.items()):
        experienced = they_share.get((receiver, sharer))
        if experienced is not None:
            results.append(
                SharingPerceptionResult(
                    sharer, receiver, self_rating, experienced, self_rating - experienced
                )
            )
    results.sort(key=lambda r: -abs(r.difference))
    return tuple(results)


def _combine(levels: Iterable[LevelMoments], items: list[str]) -> ItemMoments:
    n = 0
    sums: dict[str, float] = defaultdict(float)
    products: dict[tuple[str, str], float] = defaultdict(float)
    for level in levels:
        moments = level.for_items(items)
        n += moments.n
        for key, value in moments.sums.items():
            sums[key] += value
        for pair, value in moments.products.items():
            products[pair] += value
    return ItemMoments(n, dict(sums), dict(products))


def _reliability(
    breakdown: Breakdown,
    questionnaire: Questionnaire,
    tallies: RoundTallies,
    k: int,
    pattern: frozenset[CellKey],
    history: History,
    counts: Counts,
) -> tuple[ReliabilityResult, ...]:
    """Per feature, for everyone and each level group: Cronbach's alpha over complete cases,
    and alpha and McDonald's omega from every answer given (pairwise), each with how many
    people it uses. Shown only for published groups with at least k people behind the
    figure, and never one by subtraction. Those who answered only part of a feature (the
    pairwise count less the complete cases) are a group too: where they are fewer than k,
    the complete-case count is withheld, so the two counts never tell them apart."""
    results = []
    groups: list[str | None] = [None, *breakdown.level_groups]
    # The partnership's cells for everyone and each level group (a key of None would read,
    # to the suppression, as "no cell").
    cell_of = {group: CellKey(None, group) for group in groups}
    relations = [Relation(cell_of[None], tuple(cell_of[g] for g in breakdown.level_groups))]
    unknown = frozenset(cell for cell in cell_of.values() if cell in pattern)

    def levels_of(group: str | None, levels: Iterable[str]) -> list[str]:
        return [lv for lv in levels if group is None or breakdown.group_of.get(lv) == group]

    for feature in questionnaire.features:
        ids = [item.id for item in feature.items]
        reverse = {item.id: item.reverse for item in feature.items}
        combined = {
            group: _combine([tallies.moments[lv] for lv in levels_of(group, tallies.moments)], ids)
            for group in groups
        }
        pairs = {
            group: _combine_pairs([tallies.pairs[lv] for lv in levels_of(group, tallies.pairs)])
            for group in groups
        }
        used = _answered_two(breakdown, tallies.features.get(feature.id, {}))
        cases = {cell_of[group]: combined[group].n for group in groups}
        everyone_used = {cell_of[group]: used.get(group, 0) for group in groups}
        if not tallies.pairs:  # a caller without the answers (no questionnaire given)
            everyone_used = dict.fromkeys(cell_of.values(), 0)
        partial = {
            cell: max(0, everyone_used[cell] - cases[cell]) if everyone_used[cell] else 0
            for cell in cell_of.values()
        }
        kept_back: dict[str, frozenset[CellKey]] = {}
        for family, figures in (
            (f"reliability:{feature.id}", cases),
            (f"pairwise:{feature.id}", everyone_used),
            (f"partial:{feature.id}", partial),
        ):
            kept = protect(
                figures, relations, k, unknown=unknown, earlier=history.of(family, figures)
            )
            too_few = {cell for cell, n in figures.items() if n < k}
            if family.startswith("partial:"):
                too_few = set()  # none answering only part is fine; 1 to k-1 is what protect stops
            _record(counts, family, figures, kept | too_few)
            kept_back[family.split(":")[0]] = kept | too_few
        for group in groups:
            cell = cell_of[group]
            complete_shown = cell not in kept_back["reliability"]
            pairwise_shown = cell not in kept_back["pairwise"] and bool(tallies.pairs)
            if not complete_shown and not pairwise_shown:
                results.append(ReliabilityResult(feature.id, group, suppressed=True))
                continue
            result = reliability(ids, combined[group])
            from_pairs = pairwise_reliability(ids, pairs[group], reverse)
            results.append(
                ReliabilityResult(
                    feature.id,
                    group,
                    False,
                    n=result.n if complete_shown and cell not in kept_back["partial"] else None,
                    alpha=result.alpha if complete_shown else None,
                    item_total=result.item_total if complete_shown else {},
                    alpha_if_deleted=result.alpha_if_deleted if complete_shown else {},
                    weakening_items=result.weakening_items if complete_shown else (),
                    n_pairwise=everyone_used[cell] if pairwise_shown else None,
                    fewest_pairwise=from_pairs.fewest if pairwise_shown else None,
                    alpha_pairwise=from_pairs.alpha if pairwise_shown else None,
                    omega=from_pairs.omega if pairwise_shown else None,
                )
            )
    return tuple(results)


def _combine_pairs(
    levels: Iterable[Mapping[tuple[str, str], PairMoments]],
) -> dict[tuple[str, str], PairMoments]:
    total: dict[tuple[str, str], PairMoments] = {}
    for by_pair in levels:
        for pair, moments in by_pair.items():
            total[pair] = total[pair] + moments if pair in total else moments
    return total


def _answered_two(
    breakdown: Breakdown, by_group: Mapping[tuple[str, str], Mapping[tuple[int, int], int]]
) -> dict[str | None, int]:
    """Per level group (None: everyone), the respondents who answered at least two of a
    feature's statements 1-5: everyone the pairwise figures draw on."""
    used: dict[str | None, int] = defaultdict(int)
    for (_agency, level), counts in by_group.items():
        n = sum(count for (_sum, answered), count in counts.items() if answered >= 2)
        used[None] += n
        if (group := breakdown.group_of.get(level)) is not None:
            used[group] += n
    return dict(used)


def _responses(
    breakdown: Breakdown,
    tallies: RoundTallies,
    respondents: Mapping[CellKey, int],
    suppressed: frozenset[CellKey],
) -> tuple[ResponseResult, ...]:
    headcounts: dict[CellKey, int] = {}
    missing: set[CellKey] = set()
    for agency in breakdown.agencies:
        for level in breakdown.group_of:
            cells = breakdown.cells_of(agency, level)
            count = tallies.headcounts.get((agency, level))
            for cell in cells:
                if count is None:
                    missing.add(cell)
                else:
                    headcounts[cell] = headcounts.get(cell, 0) + count
    asked = breakdown.gather(
        _pooled(tallies.items.values()), _pooled(tallies.items_by_locality.values()), _add_items
    )
    results = []
    for key in breakdown.keys:
        if key in suppressed:
            results.append(ResponseResult(key.agency, key.level, key.locality, True))
            continue
        count = respondents.get(key, 0)
        headcount = headcounts.get(key) if key not in missing and key.locality is None else None
        results.append(
            ResponseResult(
                key.agency,
                key.level,
                key.locality,
                False,
                respondents=count,
                headcount=headcount,
                rate=count / headcount if headcount else None,
                share_dont_know=asked[key].share_dont_know if key in asked else None,
                share_not_applicable=asked[key].share_not_applicable if key in asked else None,
            )
        )
    return tuple(results)


def _pooled(per_item: Iterable[Mapping[G, ItemDistribution]]) -> dict[G, ItemDistribution]:
    """Every statement's answers pooled per group, for "don't know" shares."""
    pooled: dict[G, ItemDistribution] = {}
    for groups in per_item:
        for group, answers in groups.items():
            pooled[group] = pooled[group] + answers if group in pooled else answers
    return pooled


class NotComparable(ValueError):
    """Two rounds whose figures do not measure the same thing; the message says why."""


def version_refusal(earlier: str, earlier_version: str, later: str, later_version: str) -> str:
    """Why rounds on two questionnaire versions are never compared, in plain words.

    Statements were reworded, dropped, added and re-scored between versions (see
    docs/questionnaire.md), so not even a feature's score means the same in both: a change
    could be the instrument's, not the partnership's. Item and feature alike are refused."""
    return (
        f"‘{earlier}’ used questionnaire {earlier_version} and ‘{later}’ used "
        f"{later_version}. The statements and how they are scored differ between the two "
        "versions, so the rounds cannot be compared, statement by statement or feature by "
        "feature. Compare each round only with rounds that used the same version."
    )


def compare(before: RoundAnalysis, after: RoundAnalysis) -> tuple[ChangeResult, ...]:
    """Change per feature, overall, by level group and by agency, with Welch's interval.
    Only between rounds on the same questionnaire version (see `version_refusal`)."""
    if before.round.questionnaire_version != after.round.questionnaire_version:
        raise NotComparable(
            version_refusal(
                before.round.name,
                before.round.questionnaire_version,
                after.round.name,
                after.round.questionnaire_version,
            )
        )
    old = {(c.feature, c.agency, c.level): c for c in before.cells if c.locality is None}
    results: list[ChangeResult] = []
    for cell in after.cells:
        if cell.locality is not None or cell.level not in (None, MANAGEMENT, FRONTLINE):
            continue
        if cell.agency is not None and cell.level is not None:
            continue
        previous = old.get((cell.feature, cell.agency, cell.level))
        first = _cell_summary(previous)
        second = _cell_summary(cell)
        if previous is None or first is None or second is None:
            results.append(ChangeResult(cell.agency, cell.level, cell.feature, True))
            continue
        difference = welch_difference(second, first)
        results.append(
            ChangeResult(
                cell.agency,
                cell.level,
                cell.feature,
                False,
                before=first.mean,
                after=second.mean,
                change=difference.estimate,
                ci_low=difference.ci_low,
                ci_high=difference.ci_high,
                p_value=_p_value(second, first),
            )
        )
    return _flag_changes(results)


def _flag_changes(changes: Sequence[ChangeResult]) -> tuple[ChangeResult, ...]:
    """Benjamini-Hochberg across one comparison's changes. They are a family of their own:
    a release's figures never change, so its gaps cannot be re-adjusted for each earlier
    round a reader chooses to compare it with."""
    tested = [i for i, c in enumerate(changes) if c.p_value is not None]
    adjusted = benjamini_hochberg([changes[i].p_value or 0.0 for i in tested])
    q_of = dict(zip(tested, adjusted, strict=True))
    return tuple(
        replace(c, q_value=q_of[i], notable=is_notable(c.change or 0.0, q_of[i]))
        if i in q_of
        else c
        for i, c in enumerate(changes)
    )


def _cell_summary(cell: CellResult | None) -> Summary | None:
    if cell is None or cell.suppressed or cell.n is None or cell.n < 2:
        return None
    if cell.mean is None or cell.sd is None:
        return None
    return Summary(cell.n, cell.mean, cell.sd**2)


def moved_groups(
    round_: RoundFacts,
    questionnaire: Questionnaire,
    k: int,
    tallies: RoundTallies,
    earlier: Sequence[Counts],
) -> list[tuple[int, CellKey | Relation[CellKey], int]]:
    """Published groups (or blocks of suppressed ones under a published total) whose
    membership has moved by 1 to k-1 since an earlier release: (release index, group, moved).

    An interim release is refused while there are any: the difference between two releases
    would describe the few who answered in between."""
    breakdown = _breakdown(round_, questionnaire, tallies)
    respondents = breakdown.gather(tallies.respondents, tallies.respondents_by_locality, _add_int)
    pattern = breakdown.protect(respondents, k)
    everyone = [*breakdown.keys, *breakdown.hidden]
    found: list[tuple[int, CellKey | Relation[CellKey], int]] = []
    for index, before in enumerate(History(earlier).of("members", everyone)):
        change = {key: respondents.get(key, 0) - before.counts[key] for key in everyone}
        for cell, relation in exposures(
            change, breakdown.relations, k, pattern | set(breakdown.hidden)
        ):
            if cell is not None:
                found.append((index, cell, change[cell]))
            elif relation is not None:
                moved = change.get(relation.total, 0) - sum(
                    change.get(p, 0) for p in relation.parts if p not in pattern
                )
                found.append((index, relation, moved))
    return found


def response_counts(
    round_: RoundFacts, questionnaire: Questionnaire, k: int, tallies: RoundTallies
) -> tuple[ResponseResult, ...]:
    """How many have answered so far, protected on its own: all a reader sees of an open
    round before its first release."""
    breakdown = _breakdown(round_, questionnaire, tallies)
    respondents = breakdown.gather(tallies.respondents, tallies.respondents_by_locality, _add_int)
    return _responses(breakdown, tallies, respondents, breakdown.protect(respondents, k))


def _breakdown(
    round_: RoundFacts, questionnaire: Questionnaire, tallies: RoundTallies
) -> Breakdown:
    agencies = [agency for agency, _name in round_.agencies]
    agencies += sorted({agency for agency, _level in tallies.respondents} - set(agencies))
    return Breakdown(agencies, questionnaire, [locality for locality, _name in round_.localities])
