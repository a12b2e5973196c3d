"""The summary a board member reads first, in about a minute, on one screen or page.

Five things, each from figures the report already publishes (so suppression has already
been applied to every one of them): how many answered, each feature's level, the few
largest management-frontline gaps that pass the significance rule (the analysis's
`notable` flag), what moved clearly since the round compared with, and the actions the
round's workshops agreed. The dashboard and the PDF show the same object.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from ..analysis.multiplicity import FALSE_DISCOVERY_RATE
from ..analysis.results import FRONTLINE, MANAGEMENT, ChangeResult, GapResult, ResponseResult
from ..rounds.actions import ActionStatus, WorkshopAction
from . import charts
from .presentation import FeatureSummary, Report, gap_row

LARGEST_GAPS = 3  # a board can act on a few; the full list is further down
ACTIONS_LISTED = 3


@dataclass(frozen=True)
class Turnout:
    """How many answered; the rate only where the staff asked were counted (headcounts)."""

    respondents: int
    headcount: int | None
    rate: float | None
    managers: int | None  # None where suppressed
    frontline: int | None


@dataclass(frozen=True)
class Movement:
    feature: str
    change: ChangeResult

    @property
    def up(self) -> bool:
        return (self.change.change or 0) > 0


@dataclass(frozen=True)
class AtAGlance:
    report: Report
    turnout: Turnout | None  # None when too few answered to show even the total
    features: list[FeatureSummary]
    gaps: list[tuple[str, str, GapResult]]  # (group, feature, gap): the largest notable ones
    notable_count: int  # how many notable gaps there are in all
    compared_with: str | None
    moved: list[Movement]  # features that changed beyond chance since `compared_with`
    actions: list[WorkshopAction]

    @property
    def action_counts(self) -> list[tuple[str, int]]:
        """How many actions stand at each status, in the order work moves through them."""
        counts = Counter(a.status for a in self.actions)
        return [(s.label, counts[s.value]) for s in ActionStatus if counts[s.value]]

    @property
    def listed_actions(self) -> list[WorkshopAction]:
        """The few to name: those still open first (done and dropped ones need no decision)."""
        open_first = sorted(
            self.actions,
            key=lambda a: a.status in (ActionStatus.DONE.value, ActionStatus.DROPPED.value),
        )
        return open_first[:ACTIONS_LISTED]

    def level_chart(self) -> Markup:
        return charts.level_strip(
            "glance-levels",
            [
                charts.LevelRow(
                    s.feature.name,
                    level_rank(self.report, s),
                    s.level_name,
                    s.cell.mean,
                    contested=s.cell.contested,
                    suppressed=s.cell.suppressed or s.cell.withheld,
                )
                for s in self.features
            ],
            f"Each feature's maturity level: {self.report.scope_label}",
        )

    def gap_chart(self) -> Markup:
        return charts.gap_chart(
            "glance-gaps",
            # Numbered by group only: a feature's long name beside its group would be cut
            # short in this narrow chart; the numbered list under it names both.
            [
                gap_row(f"{number}. {group}", gap)
                for number, (group, _feature, gap) in enumerate(self.gaps, 1)
            ],
            "The largest notable gaps between managers and frontline staff",
            numbers=False,  # the list beside the chart gives each gap in words
            width=charts.STRIP_WIDTH,
        )


def level_rank(report: Report, summary: FeatureSummary) -> int | None:
    return next(
        (
            m.rank
            for m in report.questionnaire.maturity_levels
            if m.id == summary.cell.maturity_level
        ),
        None,
    )


def turnout(report: Report) -> Turnout | None:
    responses = {(r.agency, r.level, r.locality): r for r in report.analysis.responses}
    agency, locality = report.scope.agency, report.scope.locality
    everyone = responses.get((agency, None, locality))
    if everyone is None or everyone.suppressed or not everyone.respondents:
        return None
    managers = responses.get((agency, MANAGEMENT, locality))
    frontline = responses.get((agency, FRONTLINE, locality))

    def shown(group: ResponseResult | None) -> int | None:
        return None if group is None or group.suppressed else group.respondents

    return Turnout(
        everyone.respondents,
        everyone.headcount,
        everyone.rate,
        shown(managers),
        shown(frontline),
    )


def clear_changes(report: Report) -> list[Movement]:
    """The scope's features whose mean moved beyond chance, largest first: by the same rule
    as the summary in words (narrative._change), q across the comparison's changes."""
    names = {f.id: f.name for f in report.questionnaire.features}
    moved = [
        Movement(names[c.feature], c)
        for c in report.changes
        if c.agency == report.scope.agency
        and c.level is None
        and report.scope.locality is None
        and not c.suppressed
        and c.q_value is not None
        and c.q_value <= FALSE_DISCOVERY_RATE
    ]
    return sorted(moved, key=lambda m: -abs(m.change.change or 0))


def at_a_glance(report: Report, actions: Sequence[WorkshopAction]) -> AtAGlance:
    notable = [
        (group, feature, gap)
        for group, feature, gap in report.gaps()
        if gap.notable and not gap.suppressed and gap.gap is not None
    ]
    notable.sort(key=lambda found: -abs(found[2].gap or 0))
    return AtAGlance(
        report=report,
        turnout=turnout(report),
        features=report.feature_summaries(),
        gaps=notable[:LARGEST_GAPS],
        notable_count=len(notable),
        compared_with=report.compared_with,
        moved=clear_changes(report),
        actions=list(actions),
    )
