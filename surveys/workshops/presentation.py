"""From the room's figures to what the console, the projector and the workshop report show.

The charts come from the same module as the dashboard and the round report, so a gap or an
answer distribution looks the same on the big screen as on paper. Every figure here has
already passed the room's small-group rule (room.py); this module only decides how to show it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from markupsafe import Markup

from ..analysis.results import CellResult, RoundAnalysis
from ..languages import gettext, lazy_gettext
from ..questionnaire import Feature, Item, MaturityLevel, Questionnaire
from ..reporting import charts
from ..reporting.presentation import gap_row
from ..scoring.distribution import ItemDistribution
from ..scoring.maturity import maturity_rank
from . import wall_charts
from .models import WorkshopSession
from .room import FRONTLINE, MANAGEMENT, SIDES, RoomFeature, RoomFigures

GROUP_NAMES = {
    MANAGEMENT: lazy_gettext("managers"),
    FRONTLINE: lazy_gettext("frontline practitioners"),
}


def whose(sides: tuple[str, ...]) -> str:
    """Who a room figure is about, so a figure from one level group is never called the room's."""
    if set(sides) >= set(SIDES):
        return gettext("the room")
    if not sides:
        return gettext("nobody yet")
    # Short of the whole room is one group of the two, so no list needs joining with 'and'.
    return ", ".join(str(GROUP_NAMES[s]) for s in sides)


def _of_groups(sides: tuple[str, ...]) -> str:
    """A label's ending naming the level groups, unless they are the whole room (or none)."""
    return "" if not sides or set(sides) >= set(SIDES) else f" ({whose(sides)})"


def shares(distribution: ItemDistribution) -> tuple[list[float], float, float]:
    """Shares of everyone asked answering 1..5, don't know, and not applicable (version 2):
    of everyone asked, so the three add up to the whole room as the survey's do."""
    asked = distribution.asked
    if not asked:
        return [0.0] * 5, 0.0, 0.0
    return (
        [count / asked for count in distribution.counts],
        distribution.dont_know / asked,
        distribution.not_applicable / asked,
    )


def _mean(value: float | None) -> str:
    return gettext("not shown") if value is None else f"{value:.1f}"


@dataclass(frozen=True)
class RoomView:
    workshop: WorkshopSession
    questionnaire: Questionnaire
    figures: RoomFigures
    survey: RoundAnalysis | None = None  # the linked round's results, if a round is linked

    @property
    def features(self) -> list[Feature]:
        found = (self.questionnaire.feature(f) for f in self.workshop.feature_ids)
        return [f for f in found if f is not None]

    def room(self, feature: Feature) -> RoomFeature:
        return self.figures.features[feature.id]

    @staticmethod
    def whose(sides: tuple[str, ...]) -> str:
        return whose(sides)

    @staticmethod
    def whole_room(sides: tuple[str, ...]) -> bool:
        """Whether a figure is from both level groups: asked of the sides, not of the words
        whose() gives, which a catalogue translates."""
        return set(sides) >= set(SIDES)

    def not_in(self, sides: tuple[str, ...]) -> list[tuple[str, bool]]:
        """Level groups with people in the room whose answers a figure leaves out, each with
        whether enough of them have answered at all (else: too many answered don't know)."""
        return [
            (GROUP_NAMES[side], self.figures.by_level.get(side, 0) >= self.figures.k)
            for side in SIDES
            if side not in sides and self.figures.by_level.get(side)
        ]

    # --- levels: measured in the room, in the survey, and agreed after discussion -------------

    def level(self, rank: int | None) -> MaturityLevel | None:
        return next((m for m in self.questionnaire.maturity_levels if m.rank == rank), None)

    def room_level(self, feature: Feature) -> MaturityLevel | None:
        mean = self.room(feature).everyone.mean
        return None if mean is None else self.level(maturity_rank(mean))

    def survey_cell(self, feature: Feature, level: str | None = None) -> CellResult | None:
        if self.survey is None:
            return None
        return self.survey.cell(feature.id, None, level)

    def survey_level(self, feature: Feature) -> MaturityLevel | None:
        cell = self.survey_cell(feature)
        if cell is None or cell.suppressed or cell.mean is None:
            return None
        # The release's level (band and share agreeing), as the report gives it; a contested
        # group has none.
        return next(
            (m for m in self.questionnaire.maturity_levels if m.id == cell.maturity_level), None
        )

    def agreed_level(self, feature: Feature) -> MaturityLevel | None:
        agreed = {a.feature_id: a.level_id for a in self.workshop.agreed_levels}
        return next(
            (m for m in self.questionnaire.maturity_levels if m.id == agreed.get(feature.id)), None
        )

    # --- charts --------------------------------------------------------------------------------

    def focus_rows(self, feature: Feature) -> list[charts.GapRow]:
        """Managers beside frontline staff on one feature: the room, and the survey."""
        room = self.room(feature)
        rows = [
            charts.GapRow(
                gettext("This room"),
                room.management.mean if room.split_shown else None,
                room.frontline.mean if room.split_shown else None,
                suppressed=not room.split_shown,
            )
        ]
        survey = self.survey_gap_row(feature)
        if survey is not None:
            rows.append(survey)
        return rows

    # --- the projector's own charts (wall_charts): one row each, text legible on a wall ----------

    @staticmethod
    def wall_gap(row: charts.GapRow) -> Markup:
        label = gettext(
            "%(row)s: managers %(managers)s, frontline %(frontline)s, on a scale from 1 (weaker) "
            "to 5 (stronger)",
            row=row.label,
            managers=_mean(row.management),
            frontline=_mean(row.frontline),
        )
        return wall_charts.dumbbell(row.management, row.frontline, label)

    def wall_shares(self, row: charts.DistributionRow) -> Markup:
        not_applicable = self.questionnaire.not_applicable
        return wall_charts.shares_bar(
            row.counts,
            row.dont_know,
            list(row.poles) or [p.label for p in self.questionnaire.scale],
            self.questionnaire.dont_know,
            not_applicable=None
            if not_applicable is None
            else (row.not_applicable, not_applicable.label),
            fills=row.fills,
        )

    def answer_key(self, item: Item) -> list[tuple[str, str]]:
        """The projector's legend for a statement: (swatch class, words) for each answer it
        offers, a bipolar statement's own answers in their own colours, and the non-answers."""
        if item.bipolar:
            key = [(f"bipolar-{p.value}", p.label) for p in item.poles]
        else:
            key = [(str(p.value), p.label) for p in self.questionnaire.scale]
        key.append(("dont-know", self.questionnaire.dont_know))
        if self.questionnaire.not_applicable is not None:
            key.append(("not-applicable", self.questionnaire.not_applicable.label))
        return key

    def survey_gap_row(self, feature: Feature) -> charts.GapRow | None:
        if self.survey is None:
            return None
        return gap_row(gettext("Survey"), self.survey.gap(feature.id))

    def gaps_chart(self, chart_id: str = "room-gaps") -> Markup:
        """The room's management-frontline gap on every feature covered."""
        rows = []
        for feature in self.features:
            room = self.room(feature)
            rows.append(
                charts.GapRow(
                    feature.name,
                    room.management.mean,
                    room.frontline.mean,
                    suppressed=not room.split_shown,
                )
            )
        return charts.gap_chart(chart_id, rows, gettext("Managers and frontline staff in the room"))

    def statement_rows(self, item: Item) -> list[charts.DistributionRow]:
        """First answers, answers after discussion (if asked again) and the survey's; a
        bipolar statement's rows carry its own answers."""
        return [replace(row, poles=self.poles(item)) for row in self._statement_rows(item)]

    @staticmethod
    def poles(item: Item) -> list[str]:
        return [p.label for p in item.poles] if item.bipolar else []

    def _statement_rows(self, item: Item) -> list[charts.DistributionRow]:
        result = self.figures.statements.get(item.id)
        rows = []
        if result is not None and result.second is not None:
            # Before and after from the same level groups, named when not the whole room.
            of = _of_groups(result.second_sides)
            first, after = gettext("First answers"), gettext("After discussion")
            rows.append(self.distribution_row(first + of, result.first_of_second))
            rows.append(self.distribution_row(after + of, result.second))
        elif result is not None:
            of = _of_groups(result.first_sides)
            rows.append(self.distribution_row(gettext("First answers") + of, result.first))
            if self.figures.asked_again.get(item.id):
                rows.append(self.distribution_row(gettext("After discussion"), None))
        if self.survey is not None:
            survey = next(
                (
                    i
                    for i in self.survey.items
                    if i.item == item.id and (i.agency, i.level, i.locality) == (None, None, None)
                ),
                None,
            )
            if survey is not None:
                # The release's shares, as its report gives them: both non-answers included.
                answered = survey.distribution or (0.0,) * 6
                rows.append(
                    charts.DistributionRow(
                        gettext("Survey"),
                        list(answered[:5]),
                        answered[5],
                        survey.suppressed or survey.withheld,
                        not_applicable=survey.share_not_applicable or 0.0,
                    )
                )
        return rows

    @staticmethod
    def distribution_row(label: str, result: ItemDistribution | None) -> charts.DistributionRow:
        if result is None:
            return charts.DistributionRow(label, [0.0] * 5, 0.0, suppressed=True)
        answered, dont_know, not_applicable = shares(result)
        return charts.DistributionRow(label, answered, dont_know, not_applicable=not_applicable)

    def statement_chart(self, item: Item, chart_id: str = "room-statement") -> Markup:
        not_applicable = self.questionnaire.not_applicable
        return charts.distribution_chart(
            chart_id,
            self.statement_rows(item),
            [p.label for p in self.questionnaire.scale],
            self.questionnaire.dont_know,
            gettext("How the room answered: %(statement)s", statement=item.text),
            None if not_applicable is None else not_applicable.label,
        )

    def asked_again(self) -> list[Item]:
        """Statements put to the room a second time, in questionnaire order."""
        return [
            item
            for feature in self.features
            for item in feature.items
            if self.figures.asked_again.get(item.id)
        ]
