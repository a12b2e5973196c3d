"""Comparisons made within groups and then combined, so that differences between the groups
do not pass for the difference being measured.

- The partnership's management-frontline gap, compared inside each agency and combined by
  the agencies' weights: pooling every manager against every frontline worker mixes the
  gap with agencies' different shares of managers and different scores.
- One agency's view of another, less how generously its staff rate every partner.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..scoring.statistics import Summary
from .multiplicity import Contrast, Term, contrast

# Scale points: a within-agency gap this far from the pooled one is shown and explained.
DIFFERS_BY = 0.1


@dataclass(frozen=True)
class Stratum:
    """One agency's two sides of a gap and its weight (its headcount or its respondents)."""

    agency: str
    management: Summary
    frontline: Summary
    weight: float


def within_agency_gap(strata: Sequence[Stratum]) -> Contrast:
    """Σ w·(management mean − frontline mean) over agencies, weights summing to one."""
    total = sum(stratum.weight for stratum in strata)
    if not strata or total <= 0:
        raise ValueError("a combined gap needs at least one agency with a positive weight")
    terms = []
    for stratum in strata:
        share = stratum.weight / total
        first, second = stratum.management, stratum.frontline
        terms.append(Term(share, first.n, first.mean, first.variance))
        terms.append(Term(-share, second.n, second.mean, second.variance))
    return contrast(terms)


@dataclass(frozen=True)
class Rating:
    """How one agency's staff rate one partner: n, mean and sample variance."""

    partner: str
    n: int
    mean: float
    variance: float


def _centred(ratings: Sequence[Rating], partner: str, sign: float) -> list[Term]:
    """The rating of `partner` less the raters' mean over all their ratings (n-weighted), as
    terms of the group means it is made of."""
    total = sum(r.n for r in ratings)
    return [
        Term(sign * ((1.0 if r.partner == partner else 0.0) - r.n / total), r.n, r.mean, r.variance)
        for r in ratings
    ]


def adjusted_imbalance(
    a_rates: Sequence[Rating], b_rates: Sequence[Rating], a: str, b: str
) -> Contrast | None:
    """(A's rating of B − A's mean rating) − (B's rating of A − B's mean rating).

    None when either agency rated a single partner: its own mean is then that one rating,
    and nothing would be left to compare. Ratings of different partners are treated as
    independent groups, although one person may rate several: the interval is approximate.
    """
    if len(a_rates) < 2 or len(b_rates) < 2:
        return None
    return contrast([*_centred(a_rates, b, 1.0), *_centred(b_rates, a, -1.0)])
