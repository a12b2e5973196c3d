"""Partnership-wide figures: clustered in agencies, and weighted to headcounts.

Both the weights and the clusters are built only from groups a reader already has: each
agency's published cell (refined into its published level cells), and the agencies kept back
pooled together, whose totals a reader works out as the partnership minus the published
agencies (complementary suppression makes that pool at least k people, or empty). So a
weighted mean, an effective n or a design effect is a function of published figures and
headcounts, and cannot single out a suppressed group: weighting each agency-and-level group
separately would give a second equation beside the unweighted mean, and two equations can
split a block of suppressed groups that one cannot (tests/unit/test_weights.py tries it).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import replace

from ..scoring.cells import CellKey, sublevels_of
from ..scoring.distribution import ScoreDistribution
from ..scoring.levels import mean_interval
from ..scoring.weights import Stratum, design_effect, intraclass_correlation, weighted_interval
from ..scoring.weights import weighted_mean as weigh
from .queries import AgencyLevel
from .results import AgencyFigure, PartnershipFigure

Level = str | None


class Partnership:
    """One feature's partnership-wide cells, their clusters and strata."""

    def __init__(
        self,
        agencies: list[str],
        level_groups: Mapping[str, list[str]],
        totals: Mapping[CellKey, ScoreDistribution],
        shown: Collection[CellKey],
        headcounts: Mapping[AgencyLevel, int],
        respondents: Mapping[AgencyLevel, int],
    ) -> None:
        self.agencies = agencies
        self.level_groups = level_groups
        self.totals = totals
        self.shown = shown
        self.headcounts = headcounts
        self.respondents = respondents

    def scores(self, cell: CellKey) -> ScoreDistribution:
        return self.totals.get(cell, ScoreDistribution())

    def _level_ids(self, level: Level) -> list[str]:
        if level is None:
            return [lv for group in self.level_groups.values() for lv in group]
        return self.level_groups.get(level, [level])

    def _parts(self, level: Level) -> list[str]:
        if level is None:
            return list(self.level_groups)
        return sublevels_of(self.level_groups, level) if level in self.level_groups else []

    def clusters(self, level: Level) -> list[ScoreDistribution]:
        """Each published agency's members at this level, and the kept-back agencies as one."""
        found = [self.scores(CellKey(a, level)) for a in self.agencies if self._shown(a, level)]
        pooled = self._kept_back(level)
        return [*found, pooled] if pooled.n else found

    def _shown(self, agency: str, level: Level) -> bool:
        return CellKey(agency, level) in self.shown

    def _kept_back(self, level: Level) -> ScoreDistribution:
        pooled = ScoreDistribution()
        for agency in self.agencies:
            if not self._shown(agency, level):
                pooled = pooled + self.scores(CellKey(agency, level))
        return pooled

    def _headcount(self, agencies: list[str], level: Level) -> int | None:
        """Staff at this level in these agencies; None if a group that answered has no
        headcount, or 0 (a level nobody answered at and nobody counted is taken as none)."""
        total = 0
        for agency in agencies:
            for level_id in self._level_ids(level):
                count = self.headcounts.get((agency, level_id))
                # No staff counted where people answered: the count is wrong or missing.
                if not count and self.respondents.get((agency, level_id), 0):
                    return None
                total += count or 0
        return total

    def _refined(self, agency: str, level: Level) -> list[Level]:
        """The finest published levels that make up an agency's cell at this level."""
        parts = self._parts(level)
        if parts and all(self._shown(agency, part) for part in parts):
            return [lv for part in parts for lv in self._refined(agency, part)]
        return [level]

    def strata(self, level: Level) -> list[Stratum] | None:
        """None unless every agency and level answering here has a headcount."""
        strata = []
        for agency in self.agencies:
            if not self._shown(agency, level):
                continue
            for part in self._refined(agency, level):
                headcount = self._headcount([agency], part)
                scores = self.scores(CellKey(agency, part))
                if headcount is None:
                    return None
                strata.append(Stratum(headcount or 0, scores))
        kept_back = [a for a in self.agencies if not self._shown(a, level)]
        pooled = self._kept_back(level)
        headcount = self._headcount(kept_back, level)
        if headcount is None:
            return None
        strata.append(Stratum(headcount or 0, pooled))
        return strata

    def design_effect(self, level: Level) -> float:
        return design_effect(self.clusters(level))

    def figure(self, feature: str, level: Level) -> PartnershipFigure:
        cell = CellKey(None, level)
        scores = self.scores(cell)
        if cell not in self.shown:
            return PartnershipFigure(level, feature, suppressed=True)
        clusters = self.clusters(level)
        deff = design_effect(clusters)
        figure = PartnershipFigure(
            level,
            feature,
            False,
            n=scores.n,
            mean=scores.mean,
            intraclass_correlation=intraclass_correlation(clusters),
            design_effect=deff,
        )
        sd = scores.sd
        interval = None
        if scores.mean is not None and sd is not None:
            interval = mean_interval(scores.n, scores.mean, sd, deff)
        if interval is not None:
            figure = replace(figure, ci_low=interval.low, ci_high=interval.high)
        strata = self.strata(level)
        weighted = weigh(strata) if strata else None
        if weighted is None:
            return figure
        around = weighted_interval(weighted, deff)
        return replace(
            figure,
            weighted=True,
            weighted_mean=weighted.mean,
            weighted_sd=weighted.variance**0.5,
            effective_n=weighted.effective_n,
            weighted_ci_low=around.low if around else None,
            weighted_ci_high=around.high if around else None,
        )

    def pools(self, level: Level) -> bool:
        """Whether a cell at this level pools levels of their own (all staff; management)."""
        return bool(self._parts(level))

    def agency_figure(self, agency: str, feature: str, level: Level) -> AgencyFigure:
        """The agency's cell at a pooling level, weighted over its finest published level
        cells by their headcounts (design weight headcount / respondents, as partnership-
        wide); not weighted where fewer than two of its levels that answered are published,
        or one of them has no headcount."""
        cell = CellKey(agency, level)
        if cell not in self.shown:
            return AgencyFigure(agency, level, feature, suppressed=True)
        scores = self.scores(cell)
        figure = AgencyFigure(agency, level, feature, False, n=scores.n, mean=scores.mean)
        # Levels nobody in the agency answered at carry no weight, and leave nothing to weigh.
        parts = [
            part for part in self._refined(agency, level) if self.scores(CellKey(agency, part)).n
        ]
        if len(parts) < 2:
            return figure
        strata = []
        for part in parts:
            headcount = self._headcount([agency], part)
            if not headcount:
                return figure
            strata.append(Stratum(headcount, self.scores(CellKey(agency, part))))
        weighted = weigh(strata)
        if weighted is None:
            return figure
        around = weighted_interval(weighted, 1.0)
        return replace(
            figure,
            weighted=True,
            strata=tuple(str(part) for part in parts),
            weighted_mean=weighted.mean,
            weighted_sd=weighted.variance**0.5,
            effective_n=weighted.effective_n,
            weighted_ci_low=around.low if around else None,
            weighted_ci_high=around.high if around else None,
        )
