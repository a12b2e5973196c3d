"""Significance across everything a release tests: Welch p-values, adjusted together by
Benjamini and Hochberg's step-up rule, and the rule that makes a difference "notable".

A round tests a hundred or more differences at once (every gap of the partnership, each
agency and each locality on each feature, every statement gap, every pair of agencies'
views of each other). Tested one by one at 95%, about one in twenty true-null differences
would look real: most rounds would flag something by chance. The adjusted value q of a
difference is the smallest false discovery rate at which it would still be flagged.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from ..scoring.statistics import CONFIDENCE, regularized_incomplete_beta, t_quantile

FALSE_DISCOVERY_RATE = 0.05  # the share of flagged differences allowed to be chance, on average
# Scale points: smaller gaps are not worth a board's action even when they are certainly real.
NOTABLE_SIZE = 0.5


def two_sided_p(t: float, df: float) -> float:
    """P(|T| >= |t|) for Student's t: the regularised incomplete beta at df / (df + t^2),
    computed directly so that tiny p-values keep their precision."""
    if math.isinf(t):
        return 0.0
    return regularized_incomplete_beta(df / 2.0, 0.5, df / (df + t * t))


@dataclass(frozen=True)
class Term:
    """One group's mean in a linear combination: coefficient x mean, from n members whose
    sample variance is `variance`."""

    coefficient: float
    n: int
    mean: float
    variance: float

    @property
    def share_of_variance(self) -> float:
        return self.coefficient**2 * self.variance / self.n


@dataclass(frozen=True)
class Contrast:
    """A linear combination of independent group means, with its interval and p-value."""

    estimate: float
    standard_error: float
    df: float
    ci_low: float
    ci_high: float
    p_value: float


def contrast(terms: Sequence[Term], confidence: float = CONFIDENCE) -> Contrast:
    """Σ c·mean with variance Σ c²·s²/n and Satterthwaite's degrees of freedom: Welch's
    difference is the two-term case (c = 1 and -1); a gap combined over agencies is the sum
    of each agency's Welch difference times its weight."""
    if not terms or any(term.n < 2 for term in terms):
        raise ValueError("each group needs at least two members")
    estimate = sum(term.coefficient * term.mean for term in terms)
    variance = sum(term.share_of_variance for term in terms)
    if variance == 0.0:
        df = float(sum(term.n - 1 for term in terms))
        return Contrast(estimate, 0.0, df, estimate, estimate, 1.0 if estimate == 0 else 0.0)
    df = variance**2 / sum(term.share_of_variance**2 / (term.n - 1) for term in terms)
    standard_error = math.sqrt(variance)
    margin = t_quantile(0.5 + confidence / 2.0, df) * standard_error
    return Contrast(
        estimate,
        standard_error,
        df,
        estimate - margin,
        estimate + margin,
        two_sided_p(estimate / standard_error, df),
    )


def welch(first: Term, second: Term) -> Contrast:
    """First mean minus second mean (coefficients are set here)."""
    return contrast(
        [
            Term(1.0, first.n, first.mean, first.variance),
            Term(-1.0, second.n, second.mean, second.variance),
        ]
    )


def benjamini_hochberg(p_values: Sequence[float]) -> list[float]:
    """Adjusted values q in the order given: q_(i) = min over j >= i of p_(j)·m/j, capped at 1
    (the step-up rule: flag every difference with q at or below the chosen rate)."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [1.0] * m
    running = 1.0
    for rank in range(m, 0, -1):
        index = order[rank - 1]
        running = min(running, p_values[index] * m / rank)
        adjusted[index] = running
    return adjusted


def is_notable(estimate: float, q: float) -> bool:
    """Notable: at least half a point, and still flagged when the release's false discovery
    rate is held at 5%."""
    return abs(estimate) >= NOTABLE_SIZE and q <= FALSE_DISCOVERY_RATE


def is_notable_unadjusted(estimate: float, ci_low: float, ci_high: float) -> bool:
    """The rule before adjustment (half a point, 95% interval excluding zero), kept for the
    simulation benchmark's same-run comparison."""
    return abs(estimate) >= NOTABLE_SIZE and (ci_low > 0 or ci_high < 0)
