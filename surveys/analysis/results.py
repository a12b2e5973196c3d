"""The analysis of a round as one data object: what the dashboard, the PDF, the exports and
the workshop screens all read. Suppressed figures are None, never zero."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

# The level groups, defined by the questionnaire, under the names the analysis's readers use.
from ..questionnaire import FRONTLINE as FRONTLINE
from ..questionnaire import MANAGEMENT as MANAGEMENT


@dataclass(frozen=True)
class ReleaseInfo:
    """Which publication of a round's results this is: figures never change within one."""

    number: int
    kind: str  # "interim" (published by an administrator) or "final" (when the round closed)
    published_at: datetime


@dataclass(frozen=True)
class RoundInfo:
    slug: str
    name: str
    questionnaire_version: str
    opens_at: datetime
    closes_at: datetime
    is_demo: bool
    responses: int | None  # None when the partnership's total is suppressed
    release: ReleaseInfo | None = None  # None only for an analysis that was never published


@dataclass(frozen=True)
class CellResult:
    """A group's results on one feature. level: None (all), a level group or a single level."""

    agency: str | None
    level: str | None
    locality: str | None
    feature: str
    suppressed: bool
    n: int | None = None
    mean: float | None = None
    sd: float | None = None
    median: float | None = None
    maturity_level: str | None = None  # a rubric level id, or "contested"
    contested: bool = False
    share_low: float | None = None  # scoring 2 or below
    share_high: float | None = None  # scoring 4 or above
    # Published group, but fewer than k scored on the feature: its figures are kept back.
    withheld: bool = False
    # Other rubric level ids the mean's 95% interval leaves open, lowest first (for the whole
    # partnership, the interval widened by the design effect): "Developing, possibly ...".
    possible_levels: tuple[str, ...] = ()


@dataclass(frozen=True)
class PartnershipFigure:
    """A partnership-wide mean on a feature with what its interval rests on: respondents
    clustered in agencies (the design effect), and, where the round has headcounts, the mean
    weighted to them with Kish's effective sample size. level: None, or a level group."""

    level: str | None
    feature: str
    suppressed: bool
    n: int | None = None
    mean: float | None = None  # unweighted, as in `cells`
    ci_low: float | None = None  # 95%, widened by the design effect
    ci_high: float | None = None
    intraclass_correlation: float | None = None  # by agency; None with too few agencies
    design_effect: float | None = None
    weighted: bool = False  # False: the round has no headcounts for every group answering
    weighted_mean: float | None = None
    weighted_sd: float | None = None
    effective_n: float | None = None
    weighted_ci_low: float | None = None  # widened by the design effect too
    weighted_ci_high: float | None = None


@dataclass(frozen=True)
class AgencyFigure:
    """An agency's mean on a feature where it pools levels that may have answered in
    different proportions of their staff (all its staff; its managers, strategic and
    operational), weighted to the headcounts of those levels as the partnership's figures
    are. Only the agency's published level cells are strata, so the weighted figures follow
    from published figures and headcounts; with fewer than two, nothing is weighted."""

    agency: str
    level: str | None  # None: all its staff; or a level group made of sublevels
    feature: str
    suppressed: bool
    n: int | None = None
    mean: float | None = None  # unweighted, as in `cells`
    weighted: bool = False
    strata: tuple[str, ...] = ()  # the published levels weighted
    weighted_mean: float | None = None
    weighted_sd: float | None = None
    effective_n: float | None = None
    weighted_ci_low: float | None = None  # within one agency: no clustering to widen for
    weighted_ci_high: float | None = None


@dataclass(frozen=True)
class ItemResult:
    agency: str | None
    level: str | None
    locality: str | None
    item: str
    feature: str
    suppressed: bool
    n: int | None = None  # answered 1-5
    mean: float | None = None  # item score: reverse-worded statements flipped
    share_agreeing: float | None = None  # answered 4 or 5, of those who answered 1-5
    share_dont_know: float | None = None  # of all who were asked
    # "Not applicable to my role", of all who were asked: exported only for questionnaires
    # that offer it (version 2 on), so a version 1 export is unchanged.
    share_not_applicable: float | None = None
    # shares of all who were asked answering 1, 2, 3, 4, 5 (as given) and don't know
    distribution: tuple[float, ...] | None = None
    # Published group, but fewer than k answered 1-5: only the don't-know share is shown.
    withheld: bool = False


@dataclass(frozen=True)
class GapResult:
    """Management mean minus frontline mean, with Welch's 95% interval and Hedges' g; its
    p-value and the value q adjusted across the release (analysis/multiplicity.py)."""

    agency: str | None
    feature: str
    suppressed: bool
    management_n: int | None = None
    frontline_n: int | None = None
    management_mean: float | None = None
    frontline_mean: float | None = None
    gap: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    effect_size: float | None = None
    notable: bool = False  # at least half a point, with q at or below the release's rate
    locality: str | None = None  # a locality's gap (agency None), or None
    p_value: float | None = None
    q_value: float | None = None


@dataclass(frozen=True)
class WithinAgencyGapResult:
    """The partnership's management-frontline gap on a feature compared within agencies and
    combined, beside the gap of the pooled groups (which mixes agencies' shares of managers
    with their differences in score). Only agencies whose two sides are both published take
    part, so the figure follows from published ones alone."""

    feature: str
    suppressed: bool
    gap: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    p_value: float | None = None
    q_value: float | None = None
    notable: bool = False
    pooled_gap: float | None = None
    differs: bool = False  # the two differ by DIFFERS_BY or more
    weighting: str | None = None  # "headcount" or "respondents"
    agencies: tuple[str, ...] = ()  # the agencies combined


@dataclass(frozen=True)
class ItemGapResult:
    item: str
    feature: str
    management_mean: float
    frontline_mean: float
    gap: float
    ci_low: float
    ci_high: float
    management_n: int
    frontline_n: int
    p_value: float | None = None
    q_value: float | None = None
    notable: bool = False


@dataclass(frozen=True)
class PartnerResult:
    """How the staff of `from_agency` rate `to_agency` on one partner question."""

    from_agency: str | None  # None: staff of all other agencies together
    to_agency: str
    question: str
    suppressed: bool
    n: int | None = None
    mean: float | None = None
    share_dont_know: float | None = None
    withheld: bool = False  # fewer than k rated: only the don't-know share is shown
    sd: float | None = None  # of the ratings (n - 1), for the imbalances' intervals


@dataclass(frozen=True)
class ImbalanceResult:
    """Two agencies' views of how the other shares with them ("they-share" both ways)."""

    agency_a: str
    agency_b: str
    a_about_b: float  # A's staff: how well B shares with A
    b_about_a: float
    imbalance: float  # a_about_b - b_about_a
    a_n: int | None = None  # A's staff who rated B
    b_n: int | None = None
    ci_low: float | None = None  # Welch's 95% interval of the imbalance
    ci_high: float | None = None
    p_value: float | None = None
    q_value: float | None = None
    notable: bool = False
    # Each side less its raters' mean rating of every partner they rated (how generously
    # that agency rates everyone): None when either agency rated only one partner.
    adjusted_imbalance: float | None = None
    adjusted_ci_low: float | None = None
    adjusted_ci_high: float | None = None


@dataclass(frozen=True)
class SharingPerceptionResult:
    """How an agency's staff rate their own sharing towards a partner, against how the
    partner's staff experience it."""

    sharing_agency: str
    receiving_agency: str
    self_rating: float  # sharing agency's staff, "we-share" about the receiver
    experienced: float  # receiving agency's staff, "they-share" about the sharer
    difference: float  # self_rating - experienced


@dataclass(frozen=True)
class ReliabilityResult:
    feature: str
    group: str | None  # None: everyone; or "management" / "frontline"
    suppressed: bool
    n: int | None = None
    alpha: float | None = None  # over complete cases (n of them, unless withheld)
    item_total: Mapping[str, float | None] = field(default_factory=dict)
    alpha_if_deleted: Mapping[str, float | None] = field(default_factory=dict)
    weakening_items: tuple[str, ...] = ()
    # From every answer given (pairwise-complete): n_pairwise answered at least two of the
    # feature's statements; fewest_pairwise answered the least-answered pair.
    n_pairwise: int | None = None
    fewest_pairwise: int | None = None
    alpha_pairwise: float | None = None
    omega: float | None = None


@dataclass(frozen=True)
class ResponseResult:
    """Responses from a group, and the response rate where its headcount is known."""

    agency: str | None
    level: str | None
    locality: str | None
    suppressed: bool
    respondents: int | None = None
    headcount: int | None = None
    rate: float | None = None
    share_dont_know: float | None = None  # of all statements put to the group
    share_not_applicable: float | None = None  # likewise; version 2 on (see ItemResult)


@dataclass(frozen=True)
class ChangeResult:
    """Change in a group's mean on a feature from an earlier round to this one."""

    agency: str | None
    level: str | None
    feature: str
    suppressed: bool
    before: float | None = None
    after: float | None = None
    change: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    p_value: float | None = None
    q_value: float | None = None  # adjusted across the comparison's changes
    notable: bool = False


@dataclass(frozen=True)
class DeclarationResult:
    """An agency's declared score on a feature beside one level group of its own staff.

    The declaration is attributed, so it is always shown; the staff side only where the
    release publishes that group's score (suppressed or withheld: `suppressed`, and no
    difference). The difference is the declaration minus the staff mean."""

    agency: str
    feature: str
    level: str  # MANAGEMENT or FRONTLINE
    declared: float | None  # None: too few statements answered 1-5 to score the feature
    suppressed: bool  # the staff figure is not published
    n: int | None = None
    staff_mean: float | None = None
    difference: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    p_value: float | None = None
    q_value: float | None = None  # adjusted across the release's declarations
    notable: bool = False  # the gaps' significance rule
    # The declaration is notably more positive than what these staff report: on the
    # frontline row, the flag the report raises.
    more_positive: bool = False


@dataclass(frozen=True)
class RoundAnalysis:
    round: RoundInfo
    min_cell_size: int
    features: tuple[tuple[str, str], ...]  # (id, name)
    agencies: tuple[tuple[str, str], ...]
    localities: tuple[tuple[str, str], ...]
    cells: tuple[CellResult, ...]
    items: tuple[ItemResult, ...]
    gaps: tuple[GapResult, ...]
    item_gaps: tuple[ItemGapResult, ...]
    partners: tuple[PartnerResult, ...]
    imbalances: tuple[ImbalanceResult, ...]
    sharing_perceptions: tuple[SharingPerceptionResult, ...]
    reliability: tuple[ReliabilityResult, ...]
    responses: tuple[ResponseResult, ...]
    within_agency_gaps: tuple[WithinAgencyGapResult, ...] = ()
    partnership: tuple[PartnershipFigure, ...] = ()
    # Agencies' figures over levels, weighted to headcounts (none in earlier releases).
    agency_weighting: tuple[AgencyFigure, ...] = ()
    # What agencies declared, beside their staff: captured when the release is published
    # (releases from before declarations existed have none).
    declarations: tuple[DeclarationResult, ...] = ()

    def cell(
        self,
        feature: str,
        agency: str | None = None,
        level: str | None = None,
        locality: str | None = None,
    ) -> CellResult:
        return self._cells_by_key[(feature, agency, level, locality)]

    def gap(
        self, feature: str, agency: str | None = None, locality: str | None = None
    ) -> GapResult:
        return self._gaps_by_key[(feature, agency, locality)]

    # Reports and dashboards look up hundreds of cells and gaps; a scan for each was a
    # measurable part of a report's rendering. Built once per analysis, on first use.
    @cached_property
    def _cells_by_key(self) -> dict[tuple[str, str | None, str | None, str | None], CellResult]:
        return {(c.feature, c.agency, c.level, c.locality): c for c in self.cells}

    @cached_property
    def _gaps_by_key(self) -> dict[tuple[str, str | None, str | None], GapResult]:
        return {(g.feature, g.agency, g.locality): g for g in self.gaps}

    @property
    def notable_gaps(self) -> tuple[GapResult, ...]:
        """Notable partnership and agency gaps, largest first (localities are a filter)."""
        notable = [g for g in self.gaps if g.notable and g.gap is not None and not g.locality]
        return tuple(sorted(notable, key=lambda g: -abs(g.gap or 0)))
