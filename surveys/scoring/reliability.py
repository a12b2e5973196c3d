"""Internal consistency of each feature's statements: Cronbach's alpha and item-total checks.

Computed from sums over respondents who answered every statement of the feature (1-5, no
"don't know"): their count, each statement's sum, and each pair's sum of products. Those
sums add across groups, so management's and frontline staff's alphas come from the same
tallies as everyone's.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# An item whose removal would raise alpha by at least this much weakens its scale.
WEAKENING_MARGIN = 0.01


@dataclass(frozen=True)
class ItemMoments:
    """n complete respondents; sums[i] = sum of x_i; products[(i, j)] = sum of x_i * x_j."""

    n: int
    sums: Mapping[str, float]
    products: Mapping[tuple[str, str], float]

    def covariance(self, first: str, second: str) -> float:
        key = (first, second) if (first, second) in self.products else (second, first)
        product = self.products.get(key, 0.0)
        return (product - self.sums[first] * self.sums[second] / self.n) / (self.n - 1)


@dataclass(frozen=True)
class Reliability:
    n: int
    alpha: float | None
    item_total: Mapping[str, float | None]  # corrected item-total correlation
    alpha_if_deleted: Mapping[str, float | None]

    @property
    def weakening_items(self) -> tuple[str, ...]:
        if self.alpha is None:
            return ()
        return tuple(
            item
            for item, without in self.alpha_if_deleted.items()
            if without is not None and without >= self.alpha + WEAKENING_MARGIN
        )


def cronbach_alpha(items: Sequence[str], moments: ItemMoments) -> float | None:
    k = len(items)
    if k < 2 or moments.n < 3:
        return None
    item_variances = sum(moments.covariance(i, i) for i in items)
    total_variance = sum(moments.covariance(i, j) for i in items for j in items)
    if total_variance <= 0:
        return None
    return k / (k - 1) * (1 - item_variances / total_variance)


def reliability(items: Sequence[str], moments: ItemMoments) -> Reliability:
    alpha = cronbach_alpha(items, moments)
    item_total: dict[str, float | None] = {}
    without: dict[str, float | None] = {}
    for item in items:
        rest = [other for other in items if other != item]
        without[item] = cronbach_alpha(rest, moments)
        if moments.n < 3:
            item_total[item] = None
            continue
        variance = moments.covariance(item, item)
        rest_variance = sum(moments.covariance(a, b) for a in rest for b in rest)
        covariance = sum(moments.covariance(item, other) for other in rest)
        denominator = (
            math.sqrt(variance * rest_variance) if variance > 0 and rest_variance > 0 else 0
        )
        item_total[item] = covariance / denominator if denominator else None
    return Reliability(moments.n, alpha, item_total, without)
