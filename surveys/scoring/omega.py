"""Reliability from every answer given: McDonald's omega, and alpha, from pairwise estimates.

Cronbach's alpha over complete cases (scoring/reliability.py) leaves out everyone who skipped
or said "don't know" to any of a feature's statements: 14-28% of respondents in practice, and
more in some agencies. Here each pair of statements is judged from everyone who answered both
of them (a pairwise-complete covariance and correlation matrix), so everyone who answered at
least two of a feature's statements counts.

Omega comes from one factor fitted to the pairwise correlation matrix by unweighted least
squares (iterated principal axis, which converges to the ULS, or "minres", solution):
omega = (sum of loadings)^2 / ((sum of loadings)^2 + sum of unique variances). Unlike alpha it
does not assume every statement measures the feature equally well. Pure arithmetic on small
matrices (a feature has a handful of statements), so no numerical library is needed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# The least unique variance a statement keeps: the same bound factor_analyzer's minres uses,
# so a statement that all but duplicates another cannot push a loading past 1 (a Heywood case).
MIN_UNIQUENESS = 0.005
_TOLERANCE = 1e-12
_MAX_ROUNDS = 5000


@dataclass(frozen=True)
class PairMoments:
    """Sums over the n respondents who answered both statements of a pair (1-5, as given):
    first = sum of the first's answers, second = of the second's, and the sums of squares
    and of products. For a statement paired with itself, everyone who answered it."""

    n: int
    first: float
    second: float
    first_squares: float
    second_squares: float
    products: float

    def __add__(self, other: PairMoments) -> PairMoments:
        return PairMoments(
            self.n + other.n,
            self.first + other.first,
            self.second + other.second,
            self.first_squares + other.first_squares,
            self.second_squares + other.second_squares,
            self.products + other.products,
        )

    def covariance(self) -> float | None:
        if self.n < 2:
            return None
        return (self.products - self.first * self.second / self.n) / (self.n - 1)

    def correlation(self) -> float | None:
        """Pearson's r over the pair's own respondents (their own means and spreads)."""
        if self.n < 2:
            return None
        spread_first = self.first_squares - self.first**2 / self.n
        spread_second = self.second_squares - self.second**2 / self.n
        if spread_first <= 0 or spread_second <= 0:
            return None
        return (self.products - self.first * self.second / self.n) / math.sqrt(
            spread_first * spread_second
        )


# (first statement, second statement) with first <= second -> their pair's sums
Pairs = Mapping[tuple[str, str], PairMoments]


@dataclass(frozen=True)
class PairwiseReliability:
    alpha: float | None
    omega: float | None
    loadings: Mapping[str, float]  # standardised, on the one factor
    fewest: int  # respondents behind the pair answered by the fewest


def _pair(pairs: Pairs, first: str, second: str) -> PairMoments | None:
    key = (first, second) if first <= second else (second, first)
    return pairs.get(key)


def covariance_matrix(
    items: Sequence[str], pairs: Pairs, reverse: Mapping[str, bool]
) -> list[list[float]] | None:
    """Pairwise-complete covariances of the item scores (reverse-worded statements flipped,
    which only turns the sign of their covariances); None if any pair cannot be estimated."""
    rows: list[list[float]] = []
    for first in items:
        row = []
        for second in items:
            moments = _pair(pairs, first, second)
            value = moments.covariance() if moments else None
            if value is None:
                return None
            flip = -1.0 if reverse.get(first, False) != reverse.get(second, False) else 1.0
            row.append(flip * value)
        rows.append(row)
    return rows


def correlation_matrix(
    items: Sequence[str], pairs: Pairs, reverse: Mapping[str, bool]
) -> list[list[float]] | None:
    rows: list[list[float]] = []
    for first in items:
        row = []
        for second in items:
            if first == second:
                row.append(1.0)
                continue
            moments = _pair(pairs, first, second)
            value = moments.correlation() if moments else None
            if value is None:
                return None
            flip = -1.0 if reverse.get(first, False) != reverse.get(second, False) else 1.0
            row.append(flip * value)
        rows.append(row)
    return rows


def alpha_of(covariances: Sequence[Sequence[float]]) -> float | None:
    """Cronbach's alpha from a covariance matrix (the pairwise one here)."""
    k = len(covariances)
    total = sum(sum(row) for row in covariances)
    if k < 2 or total <= 0:
        return None
    return k / (k - 1) * (1 - sum(covariances[i][i] for i in range(k)) / total)


def _leading(matrix: Sequence[Sequence[float]]) -> tuple[float, list[float]]:
    """The largest eigenvalue of a symmetric matrix and its unit eigenvector, by power
    iteration on the matrix shifted to be positive definite (its spectrum lies within
    the largest absolute row sum, so the shift keeps the order of the eigenvalues)."""
    k = len(matrix)
    shift = max(sum(abs(v) for v in row) for row in matrix)
    vector = [1.0 / math.sqrt(k)] * k
    value = 0.0
    for _ in range(_MAX_ROUNDS):
        product = [
            sum(matrix[i][j] * vector[j] for j in range(k)) + shift * vector[i] for i in range(k)
        ]
        norm = math.sqrt(sum(v * v for v in product))
        if norm == 0:
            break
        following = [v / norm for v in product]
        moved = max(abs(a - b) for a, b in zip(following, vector, strict=True))
        vector, value = following, norm - shift
        if moved < _TOLERANCE:
            break
    return value, vector


def one_factor_loadings(correlations: Sequence[Sequence[float]]) -> list[float] | None:
    """Standardised loadings of one factor fitted by unweighted least squares.

    Iterated principal axis: put the communalities on the diagonal, take the leading
    eigenvector, and repeat with the communalities it implies until they settle. Its fixed
    point minimises the squared off-diagonal residuals, which is the ULS (minres) solution."""
    k = len(correlations)
    if k < 3:
        return None  # one factor on two statements is not identified
    communalities = [
        min(1 - MIN_UNIQUENESS, max(abs(v) for j, v in enumerate(row) if j != i))
        for i, row in enumerate(correlations)
    ]
    loadings: list[float] = []
    for _ in range(_MAX_ROUNDS):
        loadings = _loadings(correlations, communalities)
        following = [min(1 - MIN_UNIQUENESS, x * x) for x in loadings]
        moved = max(abs(a - b) for a, b in zip(following, communalities, strict=True))
        communalities = following
        if moved < _TOLERANCE:
            break
    # From the settled communalities, as factor_analyzer reports them: where one was held at
    # its bound, the loading may pass 1 slightly, and omega says so rather than hiding it.
    loadings = _loadings(correlations, communalities)
    if not loadings:
        return None
    # An eigenvector's sign is arbitrary: the factor runs the way most statements do.
    return [-x for x in loadings] if sum(loadings) < 0 else loadings


def _loadings(
    correlations: Sequence[Sequence[float]], communalities: Sequence[float]
) -> list[float]:
    """Loadings on the leading axis of the correlations with communalities on the diagonal."""
    k = len(correlations)
    reduced = [
        [communalities[i] if i == j else correlations[i][j] for j in range(k)] for i in range(k)
    ]
    value, vector = _leading(reduced)
    return [math.sqrt(value) * v for v in vector] if value > 0 else [0.0] * k


def omega_of(loadings: Sequence[float]) -> float | None:
    common = sum(loadings) ** 2
    unique = sum(1 - x * x for x in loadings)
    if common + unique <= 0:
        return None
    return common / (common + unique)


def pairwise_reliability(
    items: Sequence[str], pairs: Pairs, reverse: Mapping[str, bool]
) -> PairwiseReliability:
    fewest = min(
        (m.n for a in items for b in items if (m := _pair(pairs, a, b)) is not None),
        default=0,
    )
    covariances = covariance_matrix(items, pairs, reverse)
    correlations = correlation_matrix(items, pairs, reverse)
    loadings = one_factor_loadings(correlations) if correlations else None
    return PairwiseReliability(
        alpha=alpha_of(covariances) if covariances and fewest >= 3 else None,
        omega=omega_of(loadings) if loadings and fewest >= 3 else None,
        loadings=dict(zip(items, loadings, strict=True)) if loadings else {},
        fewest=fewest,
    )
