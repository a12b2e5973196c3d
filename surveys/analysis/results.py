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
    # shares of all who were asked answering 1, 2, 3, 4, 5 (as given) and don't know
    distribution: tuple[float, ...] | None = None
    # Published group, but fewer than k answered 1-5: only the don't-know share is shown.
    withheld: bool = False


@dataclass(frozen=True)
class GapResult:
    """Management mean minus frontline mean, with Welch's 95% interval and Hedges' g."""

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
    notable: bool = False
    locality: str | None = None  # a locality's gap (agency None), or None


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


@dataclass(frozen=True)
class ImbalanceResult:
    """Two agencies' views of how the other shares with them ("they-share" both ways)."""

    agency_a: str
    agency_b: str
    a_about_b: float  # A's staff: how well B shares with A
    b_about_a: float
    imbalance: float  # a_about_b - b_about_a


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
