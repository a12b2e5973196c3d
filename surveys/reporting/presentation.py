"""From a round's analysis to what a reader sees: tables, charts and words.

One `Report` object feeds the dashboard and the PDF alike. It also decides what a reader
may see: an agency lead gets the partnership overview and their own agency's detail, and
nothing about another agency.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup

from ..analysis.results import (
    FRONTLINE,
    MANAGEMENT,
    CellResult,
    ChangeResult,
    DeclarationResult,
    GapResult,
    ImbalanceResult,
    ItemResult,
    PartnershipFigure,
    ReliabilityResult,
    ResponseResult,
    RoundAnalysis,
    WithinAgencyGapResult,
)
from ..questionnaire import Feature, Questionnaire
from ..scoring.maturity import CONTESTED
from . import charts

LEVEL_NAMES = {None: "All levels", MANAGEMENT: "Management", FRONTLINE: "Frontline"}
SUPPRESSED = "suppressed"


@dataclass(frozen=True)
class Scope:
    """Whose figures a report is about, and which agencies its reader may see in detail."""

    agency: str | None = None  # a filter: one agency (None: the partnership)
    locality: str | None = None  # a filter: one locality
    visible_agencies: frozenset[str] | None = None  # None: every agency

    def may_see(self, agency: str | None) -> bool:
        return agency is None or self.visible_agencies is None or agency in self.visible_agencies


@dataclass(frozen=True)
class FeatureSummary:
    feature: Feature
    cell: CellResult
    level_name: str  # a rubric level's name, "Contested", or "Not enough answers"
    possibly: str | None  # "possibly Established": other levels the mean's interval allows
    descriptor: str | None
    next_step: str | None
    next_level: str | None  # the name of the level above, if any
    next_level_descriptor: str | None
    management: CellResult
    frontline: CellResult


@dataclass(frozen=True)
class DeclarationRow:
    """One feature of an agency's declaration, beside its managers and its frontline."""

    feature: str  # the feature's name
    declared: float | None
    management: DeclarationResult
    frontline: DeclarationResult


@dataclass(frozen=True)
class Report:
    analysis: RoundAnalysis
    questionnaire: Questionnaire
    scope: Scope
    agency_names: dict[str, str]
    locality_names: dict[str, str]
    changes: tuple[ChangeResult, ...] = ()
    compared_with: str | None = None
    features: list[FeatureSummary] = field(default_factory=list)

    # --- whose figures ---------------------------------------------------------------------

    @property
    def scope_label(self) -> str:
        if self.scope.agency:
            return self.agency_names.get(self.scope.agency, self.scope.agency)
        if self.scope.locality:
            return self.locality_names.get(self.scope.locality, self.scope.locality)
        return "The whole partnership"

    def cell(self, feature: str, level: str | None = None) -> CellResult:
        return self.analysis.cell(feature, self.scope.agency, level, self.scope.locality)

    @property
    def visible_agencies(self) -> list[tuple[str, str]]:
        return [(a, n) for a, n in self.analysis.agencies if self.scope.may_see(a)]

    # --- responses ---------------------------------------------------------------------------

    def response_rows(self) -> list[tuple[str, ResponseResult]]:
        by_key = {(r.agency, r.level, r.locality): r for r in self.analysis.responses}
        rows = []
        if self.scope.locality:
            for level in (None, MANAGEMENT, FRONTLINE):
                rows.append((LEVEL_NAMES[level], by_key[(None, level, self.scope.locality)]))
            return rows
        for level in (None, MANAGEMENT, FRONTLINE):
            label = "Whole partnership" if level is None else f"All agencies: {LEVEL_NAMES[level]}"
            rows.append((label, by_key[(None, level, None)]))
        for agency, name in self.visible_agencies:
            for level in (None, MANAGEMENT, FRONTLINE):
                label = name if level is None else f"{name}: {LEVEL_NAMES[level]}"
                rows.append((label, by_key[(agency, level, None)]))
        return rows

    def response_table(self) -> list[tuple[str, ResponseResult, ResponseResult, ResponseResult]]:
        """One row per group: everyone, managers and frontline side by side."""
        by_key = {(r.agency, r.level, r.locality): r for r in self.analysis.responses}
        groups: list[tuple[str, str | None]] = [("Whole partnership", None)]
        groups += [(name, agency) for agency, name in self.visible_agencies]
        return [
            (
                label,
                by_key[(agency, None, None)],
                by_key[(agency, MANAGEMENT, None)],
                by_key[(agency, FRONTLINE, None)],
            )
            for label, agency in groups
        ]

    def response_chart(self) -> Markup:
        """Response rates by agency; where no headcounts were given (so there are no rates),
        the numbers who answered instead of a row of "no data" per agency."""
        rows = [(label, r) for label, r in self.response_rows() if ":" not in label]
        if not any(r.rate is not None for _label, r in rows if not r.suppressed):
            counts = [r.respondents or 0 for _label, r in rows if not r.suppressed]
            return charts.bar_chart(
                "response-counts",
                [
                    charts.Bar(label, None if r.suppressed else r.respondents or 0, r.suppressed)
                    for label, r in rows
                ],
                "People who answered, by agency",
                maximum=max([*counts, 1]),
                percent=False,
            )
        return charts.bar_chart(
            "response-rates",
            [
                charts.Bar(
                    label,
                    None if r.suppressed else r.rate,
                    suppressed=r.suppressed,
                    note=None
                    if r.suppressed or r.headcount is None
                    else f"{r.respondents} of {r.headcount}",
                )
                for label, r in rows
            ],
            "Response rate by agency",
        )

    # --- features -----------------------------------------------------------------------------

    def feature_summaries(self) -> list[FeatureSummary]:
        summaries = []
        levels = self.questionnaire.maturity_levels
        for feature in self.questionnaire.features:
            cell = self.cell(feature.id)
            level = next((m for m in levels if m.id == cell.maturity_level), None)
            upper = levels[level.rank] if level is not None and level.rank < len(levels) else None
            if cell.maturity_level == CONTESTED:
                name = "Contested"
            elif level is not None:
                name = level.name
            else:
                name = "Not enough answers"
            summaries.append(
                FeatureSummary(
                    feature=feature,
                    cell=cell,
                    level_name=name,
                    possibly=self.possibly(cell),
                    descriptor=feature.rubric_for(level.id).descriptor if level else None,
                    next_step=feature.rubric_for(level.id).next_step if level else None,
                    next_level=upper.name if upper else None,
                    next_level_descriptor=feature.rubric_for(upper.id).descriptor
                    if upper
                    else None,
                    management=self.cell(feature.id, MANAGEMENT),
                    frontline=self.cell(feature.id, FRONTLINE),
                )
            )
        return summaries

    def possibly(self, cell: CellResult) -> str | None:
        """The other levels a cell's mean could be at, in words: "possibly Emerging or
        Established"; None when its interval stays inside one level."""
        names = {m.id: m.name for m in self.questionnaire.maturity_levels}
        others = [names[level] for level in cell.possible_levels if level in names]
        if not others:
            return None
        words = others[0] if len(others) == 1 else f"{', '.join(others[:-1])} or {others[-1]}"
        return f"possibly {words}"

    def partnership_figures(self) -> list[tuple[str, str, PartnershipFigure]]:
        """(feature name, level group label, figure): the partnership-wide means with their
        design effect and, where the round has headcounts, weighted to them. Shown only on
        the whole partnership's report."""
        if self.scope.agency or self.scope.locality:
            return []
        names = {f.id: f.name for f in self.questionnaire.features}
        return [
            (names[f.feature], LEVEL_NAMES.get(f.level, f.level or ""), f)
            for f in self.analysis.partnership
            if f.feature in names
        ]

    @property
    def weighted(self) -> bool:
        return any(f.weighted for f in self.analysis.partnership)

    def radar_chart(self) -> Markup:
        axes = [(f.id, f.name) for f in self.questionnaire.features]
        series = [
            charts.Series(
                "Management",
                {f.id: self.cell(f.id, MANAGEMENT).mean for f in self.questionnaire.features},
                "management",
            ),
            charts.Series(
                "Frontline",
                {f.id: self.cell(f.id, FRONTLINE).mean for f in self.questionnaire.features},
                "frontline",
            ),
        ]
        return charts.radar(
            "radar", axes, series, f"Management and frontline: {self.scope_label.lower()}"
        )

    def heat_cell(self, cell: CellResult) -> charts.HeatCell:
        rank = next(
            (m.rank for m in self.questionnaire.maturity_levels if m.id == cell.maturity_level),
            None,
        )
        return charts.HeatCell(
            value=cell.mean,
            level=rank,
            contested=cell.contested,
            suppressed=cell.suppressed or cell.withheld,
        )

    def heatmap(self) -> Markup:
        """Agencies by features (the reader's agencies only), with the partnership first."""
        rows = [("all", "All agencies"), *self.visible_agencies]
        columns = [(f.id, f.name) for f in self.questionnaire.features]
        cells = {}
        for row_id, _name in rows:
            agency = None if row_id == "all" else row_id
            for feature in self.questionnaire.features:
                cell = self.analysis.cell(feature.id, agency)
                if cell.suppressed or cell.withheld or cell.n:
                    cells[(row_id, feature.id)] = self.heat_cell(cell)
        return charts.heatmap("heatmap", rows, columns, cells, "Maturity by agency and feature")

    # --- gaps -----------------------------------------------------------------------------------

    def gaps(self) -> list[tuple[str, str, GapResult]]:
        """(group label, feature name, gap), notable first, then by size."""
        names = {f.id: f.name for f in self.questionnaire.features}
        if self.scope.locality:
            chosen = [g for g in self.analysis.gaps if g.locality == self.scope.locality]
        elif self.scope.agency:
            chosen = [
                g for g in self.analysis.gaps if g.agency == self.scope.agency and not g.locality
            ]
        else:
            chosen = [
                g for g in self.analysis.gaps if not g.locality and self.scope.may_see(g.agency)
            ]
        chosen.sort(key=lambda g: (not g.notable, g.suppressed, -abs(g.gap or 0)))
        return [(self.group_label(g.agency, g.locality), names[g.feature], g) for g in chosen]

    def group_label(self, agency: str | None, locality: str | None = None) -> str:
        if locality:
            return self.locality_names.get(locality, locality)
        if agency:
            return self.agency_names.get(agency, agency)
        return "Whole partnership"

    def gap_chart(self) -> Markup:
        rows = [
            gap_row(
                feature.name, self.analysis.gap(feature.id, self.scope.agency, self.scope.locality)
            )
            for feature in self.questionnaire.features
        ]
        return charts.gap_chart(
            "gaps", rows, f"Management and frontline, feature by feature: {self.scope_label}"
        )

    def agency_gaps(self, feature: Feature) -> tuple[list[tuple[str, GapResult]], list[str]]:
        """One feature's gaps for the partnership and each agency shown, and the names of the
        agencies whose gaps are suppressed (listed once in the report, not row by row)."""
        shown, hidden = [], []
        for agency_id, name in [(None, "Whole partnership"), *self.visible_agencies]:
            gap = self.analysis.gap(feature.id, agency_id)
            if gap.suppressed and agency_id is not None:
                hidden.append(name)
            else:
                shown.append((name, gap))
        return shown, hidden

    def agency_gap_chart(self, feature: Feature) -> Markup:
        """One feature's management-frontline gap for the partnership and each agency with
        figures: the chart above the report's table of the same figures."""
        # Agencies whose gaps are suppressed are named under the table, not drawn as rows.
        rows = [gap_row(name, gap) for name, gap in self.agency_gaps(feature)[0]]
        return charts.gap_chart(
            f"gaps-{feature.id}",
            rows,
            f"Management and frontline by agency: {feature.name}",
            numbers=False,  # the table under the chart gives the gaps and their intervals
        )

    # --- what agencies declare ---------------------------------------------------------------

    def declarations(self) -> list[tuple[str, list[DeclarationRow]]]:
        """Each agency in the report's scope that declared, with its rows: the partnership's
        report (for a reader who may see every agency) or the one agency's. None for a
        locality: a declaration is an agency's."""
        if self.scope.locality:
            return []
        found = {(d.agency, d.feature, d.level): d for d in self.analysis.declarations}
        shown = []
        for agency, name in self.visible_agencies:
            if self.scope.agency not in (None, agency):
                continue
            rows = [
                DeclarationRow(
                    feature.name,
                    found[(agency, feature.id, MANAGEMENT)].declared,
                    found[(agency, feature.id, MANAGEMENT)],
                    found[(agency, feature.id, FRONTLINE)],
                )
                for feature in self.questionnaire.features
                if (agency, feature.id, MANAGEMENT) in found
            ]
            if rows:
                shown.append((name, rows))
        return shown

    def undeclared(self) -> list[str]:
        """The agencies in scope whose declaration this release does not hold."""
        if self.scope.locality:
            return []
        declared = {d.agency for d in self.analysis.declarations}
        return [
            name
            for agency, name in self.visible_agencies
            if self.scope.agency in (None, agency) and agency not in declared
        ]

    # --- statements ---------------------------------------------------------------------------

    def items(self, feature: Feature) -> list[tuple[int, str, ItemResult]]:
        by_id = {
            i.item: i
            for i in self.analysis.items
            if (i.agency, i.level, i.locality) == (self.scope.agency, None, self.scope.locality)
        }
        return [(n, item.text, by_id[item.id]) for n, item in enumerate(feature.items, 1)]

    def distribution_chart(self, feature: Feature, numbers_only: bool = False) -> Markup:
        """Stacked answers per statement; `numbers_only` labels rows "Statement 3" where a
        table beside the chart gives the statements in full (the PDF). Both non-answers come
        from the release's own shares, under the same protection as the table's."""
        rows = []
        for (number, text, result), item in zip(self.items(feature), feature.items, strict=True):
            shares = result.distribution or (0.0,) * 6
            label = f"Statement {number}" if numbers_only else f"{number}. {text}"
            rows.append(
                charts.DistributionRow(
                    label,
                    list(shares[:5]),
                    shares[5],
                    result.suppressed or result.withheld,
                    not_applicable=result.share_not_applicable or 0.0,
                    poles=[p.label for p in item.poles] if item.bipolar else (),
                    short_label=f"Statement {number}",
                )
            )
        not_applicable = self.questionnaire.not_applicable
        return charts.distribution_chart(
            f"items-{feature.id}",
            rows,
            [p.label for p in self.questionnaire.scale],
            self.questionnaire.dont_know,
            f"How people answered: {feature.name}",
            None if not_applicable is None else not_applicable.label,
        )

    # --- agencies' views of each other ------------------------------------------------------

    def reciprocity_heatmap(self) -> Markup:
        agencies = self.visible_agencies if self.scope.visible_agencies else self.analysis.agencies
        names = dict(self.analysis.agencies)
        raters = sorted(
            {p.from_agency for p in self.analysis.partners if p.from_agency},
            key=lambda a: names.get(a, a),
        )
        rated = sorted({p.to_agency for p in self.analysis.partners}, key=lambda a: names.get(a, a))
        visible = {a for a, _n in agencies}
        received = self.questionnaire.partners.sharing_question("received")
        cells = {}
        for p in self.analysis.partners:
            if p.question != received or p.from_agency is None:
                continue
            if self.scope.visible_agencies and not ({p.from_agency, p.to_agency} & visible):
                continue
            cells[(p.from_agency, p.to_agency)] = charts.HeatCell(
                value=p.mean,
                level=None if p.mean is None else max(1, min(5, round(p.mean))),
                suppressed=p.suppressed or p.withheld,
            )
        return charts.heatmap(
            "reciprocity",
            [(a, names.get(a, a)) for a in raters],
            [(a, names.get(a, a)) for a in rated],
            cells,
            "How well each agency's staff (rows) say partners (columns) share information "
            "with them",
        )

    def imbalances(self) -> list[tuple[str, str, ImbalanceResult]]:
        """(first agency's name, second's, the pair's views of each other's sharing)."""
        names = dict(self.analysis.agencies)
        return [
            (names.get(i.agency_a, i.agency_a), names.get(i.agency_b, i.agency_b), i)
            for i in self.analysis.imbalances
            if self.scope.may_see(i.agency_a) or self.scope.may_see(i.agency_b)
        ]

    def within_agency_gaps(self) -> list[tuple[str, WithinAgencyGapResult]]:
        """(feature name, the partnership's gap compared within agencies): a figure about
        the whole partnership, so shown only where the partnership's gaps are."""
        if self.scope.agency or self.scope.locality:
            return []
        names = {f.id: f.name for f in self.questionnaire.features}
        return [(names[w.feature], w) for w in self.analysis.within_agency_gaps]

    def reliability(self) -> list[tuple[str, ReliabilityResult]]:
        names = {f.id: f.name for f in self.questionnaire.features}
        return [(names[r.feature], r) for r in self.analysis.reliability]

    def changes_for_scope(self) -> list[tuple[str, str, ChangeResult]]:
        names = {f.id: f.name for f in self.questionnaire.features}
        return [
            (
                self.group_label(c.agency)
                + ("" if c.level is None else f": {LEVEL_NAMES[c.level]}"),
                names[c.feature],
                c,
            )
            for c in self.changes
            if (
                c.agency == self.scope.agency
                or (self.scope.agency is None and self.scope.may_see(c.agency))
            )
        ]


def gap_row(label: str, gap: GapResult) -> charts.GapRow:
    """A row of a gap chart from an analysis gap (suppressed ones stay suppressed)."""
    return charts.GapRow(
        label,
        gap.management_mean,
        gap.frontline_mean,
        gap.ci_low,
        gap.ci_high,
        gap.notable,
        gap.suppressed,
    )
