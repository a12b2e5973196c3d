"""The assurance gap: what each agency declares beside what its own staff report.

Built from a release's published figures only: the staff side of every row is a level
group's published score (its mean, spread and size, all in the release already), so the
comparison can show nothing the release's suppression kept back. A staff group that is
suppressed or withheld has no figure and no difference beside the declaration.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace

from ..questionnaire import Questionnaire
from ..scoring.respondent import feature_result
from ..scoring.statistics import Summary, difference_from_value
from .multiplicity import benjamini_hochberg, is_notable, two_sided_p
from .results import FRONTLINE, MANAGEMENT, CellResult, DeclarationResult, RoundAnalysis


def declared_scores(
    questionnaire: Questionnaire, answers: Mapping[str, int | None]
) -> dict[str, float | None]:
    """A declaration's score on each feature, by the rules a respondent's is scored by
    (reverse-worded statements flipped; scored when enough statements have a 1-5 answer)."""
    return {
        feature.id: feature_result(feature, answers).score for feature in questionnaire.features
    }


def beside_staff(
    analysis: RoundAnalysis,
    questionnaire: Questionnaire,
    declarations: Mapping[str, Mapping[str, int | None]],
) -> tuple[DeclarationResult, ...]:
    """Each declaring agency's score on each feature beside its managers and its frontline
    staff, in the round's agency order.

    Flagged by the gaps' rule: half a point, and q of 0.05 or less, the p-values adjusted
    (Benjamini-Hochberg) across the release's declarations. They are a family of their own,
    as a comparison's changes are: declarations come and go between releases, and the gaps'
    q-values must not move with them."""
    results: list[DeclarationResult] = []
    for agency, _name in analysis.agencies:
        if agency not in declarations:
            continue
        scores = declared_scores(questionnaire, declarations[agency])
        for feature in questionnaire.features:
            for level in (MANAGEMENT, FRONTLINE):
                cell = analysis.cell(feature.id, agency, level)
                results.append(_beside(agency, feature.id, level, scores[feature.id], cell))
    tested = [i for i, r in enumerate(results) if r.p_value is not None]
    adjusted = benjamini_hochberg([results[i].p_value or 0.0 for i in tested])
    for i, q in zip(tested, adjusted, strict=True):
        estimate = results[i].difference or 0.0
        notable = is_notable(estimate, q)
        results[i] = replace(
            results[i], q_value=q, notable=notable, more_positive=notable and estimate > 0
        )
    return tuple(results)


def _beside(
    agency: str, feature: str, level: str, declared: float | None, cell: CellResult
) -> DeclarationResult:
    staff = _published_summary(cell)
    if staff is None:
        return DeclarationResult(agency, feature, level, declared, suppressed=True)
    if declared is None:
        return DeclarationResult(
            agency, feature, level, None, suppressed=False, n=staff.n, staff_mean=staff.mean
        )
    difference = difference_from_value(declared, staff)
    standard_error = math.sqrt(staff.variance / staff.n)
    if standard_error == 0.0:  # everyone answered alike: any difference at all is certain
        p_value = 1.0 if difference.estimate == 0.0 else 0.0
    else:
        p_value = two_sided_p(difference.estimate / standard_error, float(staff.n - 1))
    return DeclarationResult(
        agency,
        feature,
        level,
        declared,
        suppressed=False,
        n=staff.n,
        staff_mean=staff.mean,
        difference=difference.estimate,
        ci_low=difference.ci_low,
        ci_high=difference.ci_high,
        p_value=p_value,  # flagged once every declaration of the release is known
    )


def _published_summary(cell: CellResult) -> Summary | None:
    """A staff group's score as the release publishes it, or None if it does not."""
    if cell.suppressed or cell.withheld or cell.n is None or cell.n < 2:
        return None
    if cell.mean is None or cell.sd is None:
        return None
    return Summary(cell.n, cell.mean, cell.sd**2)
