"""Small, exact statistics: Student's t, Welch's interval for a difference, Hedges' g.

Written out here rather than imported so the method appendix can point at every formula,
and the scoring package keeps no dependency beyond the standard library.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

CONFIDENCE = 0.95


def _continued_fraction(a: float, b: float, x: float) -> float:
    """Continued fraction for the incomplete beta function (Numerical Recipes, betacf)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-15:
            break
    return h


def regularized_incomplete_beta(a: float, b: float, x: float) -> float:
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
    front = math.exp(log_front + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _continued_fraction(a, b, x) / a
    return 1.0 - front * _continued_fraction(b, a, 1.0 - x) / b


def t_cdf(t: float, df: float) -> float:
    """P(T <= t) for Student's t with `df` degrees of freedom (df may be fractional)."""
    tail = 0.5 * regularized_incomplete_beta(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - tail if t >= 0 else tail


def t_pdf(t: float, df: float) -> float:
    log_density = (
        math.lgamma((df + 1) / 2)
        - math.lgamma(df / 2)
        - 0.5 * math.log(df * math.pi)
        - (df + 1) / 2 * math.log1p(t * t / df)
    )
    return math.exp(log_density)


def t_quantile(p: float, df: float) -> float:
    """The t value below which a share p of the distribution lies.

    Newton's method from the normal quantile, falling back to bisection if a step strays.
    """
    if not 0.0 < p < 1.0:
        raise ValueError("p must be between 0 and 1")
    if p < 0.5:
        return -t_quantile(1.0 - p, df)
    low, high = 0.0, 1.0
    while t_cdf(high, df) < p:
        high *= 2.0
    guess = min(max(NormalDist().inv_cdf(p), low), high)
    for _ in range(100):
        error = t_cdf(guess, df) - p
        if abs(error) < 1e-13:
            return guess
        if error < 0:
            low = guess
        else:
            high = guess
        step = guess - error / t_pdf(guess, df)
        guess = step if low < step < high else (low + high) / 2.0
    return guess


@dataclass(frozen=True)
class Summary:
    """What a difference needs to know about one group: size, mean, sample variance."""

    n: int
    mean: float
    variance: float  # sample variance, divisor n - 1


@dataclass(frozen=True)
class Difference:
    estimate: float  # first mean minus second mean
    ci_low: float
    ci_high: float
    df: float

    @property
    def excludes_zero(self) -> bool:
        return self.ci_low > 0 or self.ci_high < 0


def welch_difference(first: Summary, second: Summary, confidence: float = CONFIDENCE) -> Difference:
    """Difference in means with Welch's interval (unequal variances, Satterthwaite's df)."""
    if first.n < 2 or second.n < 2:
        raise ValueError("each group needs at least two members")
    se1, se2 = first.variance / first.n, second.variance / second.n
    estimate = first.mean - second.mean
    standard_error = math.sqrt(se1 + se2)
    if standard_error == 0.0:
        return Difference(estimate, estimate, estimate, float(first.n + second.n - 2))
    df = (se1 + se2) ** 2 / (se1**2 / (first.n - 1) + se2**2 / (second.n - 1))
    margin = t_quantile(0.5 + confidence / 2.0, df) * standard_error
    return Difference(estimate, estimate - margin, estimate + margin, df)


def difference_from_value(
    value: float, group: Summary, confidence: float = CONFIDENCE
) -> Difference:
    """`value` minus a group's mean, with the t interval of that mean (df n - 1): a figure
    known exactly (an agency's declaration) against a sample of people. It is Welch's
    interval with a second group of no variance, so it reads like the gaps beside it."""
    if group.n < 2:
        raise ValueError("the group needs at least two members")
    estimate = value - group.mean
    standard_error = math.sqrt(group.variance / group.n)
    df = float(group.n - 1)
    if standard_error == 0.0:
        return Difference(estimate, estimate, estimate, df)
    margin = t_quantile(0.5 + confidence / 2.0, df) * standard_error
    return Difference(estimate, estimate - margin, estimate + margin, df)


def hedges_g(first: Summary, second: Summary) -> float | None:
    """Standardised difference with the small-sample correction J = 1 - 3 / (4(n1 + n2) - 9)."""
    pooled_df = first.n + second.n - 2
    if pooled_df <= 0:
        return None
    pooled_variance = (
        (first.n - 1) * first.variance + (second.n - 1) * second.variance
    ) / pooled_df
    if pooled_variance == 0.0:
        return None
    correction = 1.0 - 3.0 / (4.0 * (first.n + second.n) - 9.0)
    return correction * (first.mean - second.mean) / math.sqrt(pooled_variance)
