"""Do managers and frontline staff read the statements the same way? Measurement invariance
of the five-feature model across the two level groups.

A management-frontline gap on a feature means what it seems to only if the feature's
statements relate to it in the same way in both groups. The check fits the five-factor model
(each statement on its own feature, features free to correlate) twice, to both groups at once:

1. configural: the same pattern in both groups, every loading free in each;
2. equal loadings: each statement's loading held the same in both groups (the first statement
   of each feature fixed at 1 in both, so a feature's variance may still differ).

The answers are ordinal (1-5), so each group's statements are correlated with polychoric
correlations (the correlation of the continuous leanings the answers cut into bands; each
pair over the people who answered both), and the model is fitted to them by maximum
likelihood with semopy ("normal-theory ML on polychoric correlations"). Fit is judged by CFI,
RMSEA and SRMR from T = sum over groups of n * F_ML. The robust, weighted least-squares
statistics that lavaan reports for ordinal data (WLSMV) need the correlations' sampling
covariance, which is not estimated here; an unscaled least-squares statistic was tried first
and could not tell a planted difference from none (it sits below its degrees of freedom
whatever the data). ML on polychorics is known to overstate misfit somewhat for ordinal
data, so the decision rests on the change between the two nested models, in which much of
that cancels, and the absolute CFI and RMSEA are shown for context only.

Rule (Chen 2007; Cheung and Rensvold 2002): loadings cannot be held equal when CFI falls by
more than 0.01 or RMSEA rises by more than 0.015. Then each feature is checked alone (its
loadings held equal, all others free) against the configural model by the same rule, and the
features that fail are named; if none fails alone, the one whose equality costs most is.

numpy, scipy and semopy are imported inside the functions: the CLI and the web processes
import this module (through the results' types) and must not pay for them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

# Releases with fewer people than this in either group do not get the check: with fewer,
# polychoric correlations and a five-factor model in each group are too unstable to tell a
# real difference in reading from noise.
MIN_GROUP = 100
CFI_DROP = 0.01
RMSEA_RISE = 0.015
SCALE = (1, 2, 3, 4, 5)
_EDGE = 8.0  # stands for infinity among thresholds: the normal's mass beyond is negligible


@dataclass(frozen=True)
class ModelFit:
    cfi: float
    rmsea: float
    srmr: float
    statistic: float  # T, the unscaled least-squares statistic
    df: int


@dataclass(frozen=True)
class FeatureCheck:
    feature: str
    delta_cfi: float
    delta_rmsea: float
    holds: bool


@dataclass(frozen=True)
class Invariance:
    """The check's outcome for a release; `reason` says why it was not run, if it was not."""

    ran: bool
    managers: int
    frontline: int
    reason: str | None = None
    configural: ModelFit | None = None
    equal_loadings: ModelFit | None = None
    delta_cfi: float | None = None
    delta_rmsea: float | None = None
    holds: bool | None = None
    features: tuple[FeatureCheck, ...] = ()  # only when loadings could not be held equal
    differing: tuple[str, ...] = ()  # the features read differently


def _fails(delta_cfi: float, delta_rmsea: float) -> bool:
    return delta_cfi < -CFI_DROP or delta_rmsea > RMSEA_RISE


# One respondent's item scores (statement id -> 1-5 with reverse-worded ones flipped).
Respondent = Mapping[str, int]


def check_invariance(
    features: Sequence[tuple[str, Sequence[str]]],
    managers: Sequence[Respondent],
    frontline: Sequence[Respondent],
) -> Invariance:
    """The check for `features` (feature id, its statement ids) over two groups' answers."""
    sizes = len(managers), len(frontline)
    if min(sizes) < MIN_GROUP:
        return Invariance(
            False,
            *sizes,
            reason=(
                f"Not checked: the check needs at least {MIN_GROUP} managers and "
                f"{MIN_GROUP} frontline staff, and this release has {sizes[0]} and "
                f"{sizes[1]}. With fewer, the model cannot tell a real difference in how the "
                "groups read the statements from chance."
            ),
        )
    features = [(f, list(items)) for f, items in features if len(items) >= 2]
    items = [item for _f, ids in features for item in ids]
    groups = [polychoric_matrix(items, group) for group in (managers, frontline)]
    usable = [i for i in range(len(items)) if all(_varies(g, i) for g in groups)]
    if len(usable) < len(items):
        kept = {items[i] for i in usable}
        features = [(f, [i for i in ids if i in kept]) for f, ids in features]
        features = [(f, ids) for f, ids in features if len(ids) >= 2]
        items = [item for _f, ids in features for item in ids]
        groups = [g[usable][:, usable] for g in groups]
    configural = _fit(features, groups, sizes, equal=set())
    everything = {f for f, _ids in features}
    equal = _fit(features, groups, sizes, equal=everything)
    delta_cfi, delta_rmsea = equal.cfi - configural.cfi, equal.rmsea - configural.rmsea
    holds = not _fails(delta_cfi, delta_rmsea)
    checks: list[FeatureCheck] = []
    differing: tuple[str, ...] = ()
    if not holds:
        for feature, _ids in features:
            alone = _fit(features, groups, sizes, equal={feature})
            d_cfi, d_rmsea = alone.cfi - configural.cfi, alone.rmsea - configural.rmsea
            checks.append(FeatureCheck(feature, d_cfi, d_rmsea, not _fails(d_cfi, d_rmsea)))
        differing = tuple(c.feature for c in checks if not c.holds) or (
            min(checks, key=lambda c: (c.delta_cfi, -c.delta_rmsea)).feature,
        )
    return Invariance(
        True,
        *sizes,
        configural=configural,
        equal_loadings=equal,
        delta_cfi=delta_cfi,
        delta_rmsea=delta_rmsea,
        holds=holds,
        features=tuple(checks),
        differing=differing,
    )


def _varies(matrix: NDArray[np.float64], index: int) -> bool:
    return not math.isnan(matrix[index, index])


def thresholds(values: Sequence[int]) -> list[float]:
    """Where the latent leaning is cut into the answers 1-5: the normal quantiles of the
    cumulative shares (an answer no one gave shares its neighbour's cut)."""
    from scipy.stats import norm

    n = len(values)
    cuts = [-_EDGE]
    below = 0
    for answer in SCALE[:-1]:
        below += sum(1 for v in values if v == answer)
        share = below / n
        cuts.append(-_EDGE if share <= 0 else _EDGE if share >= 1 else float(norm.ppf(share)))
    return [*cuts, _EDGE]


def _bivariate_cdf(h: NDArray[np.float64], k: NDArray[np.float64], rho: float) -> Any:
    """P(X <= h, Y <= k) for standard normals with correlation rho, by Owen's T function."""
    import numpy as np
    from scipy.special import owens_t
    from scipy.stats import norm

    h = np.where(h == 0, 1e-12, h)
    k = np.where(k == 0, 1e-12, k)
    root = math.sqrt(1 - rho * rho)
    a_h = (k - rho * h) / (h * root)
    a_k = (h - rho * k) / (k * root)
    correction = np.where(h * k < 0, 0.5, 0.0)
    return 0.5 * norm.cdf(h) + 0.5 * norm.cdf(k) - owens_t(h, a_h) - owens_t(k, a_k) - correction


def polychoric(
    first: Sequence[int],
    second: Sequence[int],
    first_cuts: Sequence[float],
    second_cuts: Sequence[float],
) -> float:
    """The polychoric correlation of two 1-5 answers (paired), thresholds given: the maximum
    likelihood correlation of the bivariate normal whose rectangles give their cross-table."""
    import numpy as np
    from scipy.optimize import minimize_scalar

    table = np.zeros((5, 5))
    for a, b in zip(first, second, strict=True):
        table[a - 1, b - 1] += 1
    rows, cols = np.nonzero(table)
    counts = table[rows, cols]
    x, y = np.asarray(first_cuts), np.asarray(second_cuts)
    corners = [(x[rows + 1], y[cols + 1], 1), (x[rows], y[cols + 1], -1)]
    corners += [(x[rows + 1], y[cols], -1), (x[rows], y[cols], 1)]

    def deviance(rho: float) -> float:
        p = sum(sign * _bivariate_cdf(h, k, rho) for h, k, sign in corners)
        return float(-(counts * np.log(np.clip(p, 1e-300, None))).sum())

    return float(minimize_scalar(deviance, bounds=(-0.999, 0.999), method="bounded").x)


def polychoric_matrix(items: Sequence[str], people: Sequence[Respondent]) -> NDArray[np.float64]:
    """Each pair's polychoric correlation over those who answered both; a statement that no
    one's answers vary on gets NaN on its diagonal (it is left out of the model)."""
    import numpy as np

    answered = {item: [p[item] for p in people if item in p] for item in items}
    cuts = {item: thresholds(values) for item, values in answered.items() if values}
    matrix = np.eye(len(items))
    for i, item in enumerate(items):
        if len(set(answered[item])) < 2:
            matrix[i, i] = math.nan
    for i, first in enumerate(items):
        for j in range(i + 1, len(items)):
            second = items[j]
            if math.isnan(matrix[i, i]) or math.isnan(matrix[j, j]):
                continue
            both = [(p[first], p[second]) for p in people if first in p and second in p]
            if len(both) < 2:
                continue
            r = polychoric([a for a, _ in both], [b for _, b in both], cuts[first], cuts[second])
            matrix[i, j] = matrix[j, i] = r
    return matrix


def positive_definite(matrix: NDArray[np.float64]) -> NDArray[np.float64]:
    """Pairwise polychoric correlations need not make a positive definite matrix; the
    nearest one with eigenvalues at least 0.001, rescaled to a unit diagonal, stands in."""
    import numpy as np

    values, vectors = np.linalg.eigh(matrix)
    if values.min() >= 1e-3:
        return matrix
    mended = vectors @ np.diag(np.clip(values, 1e-3, None)) @ vectors.T
    scale = np.sqrt(np.diag(mended))
    result: NDArray[np.float64] = mended / np.outer(scale, scale)
    return result


def _description(features: Sequence[tuple[str, Sequence[str]]], equal: set[str]) -> str:
    """The two groups' models side by side in semopy's syntax: group g's copy of statement s
    is `s__g`; a loading named in both groups is held equal; no feature of one group
    relates to any of the other's (they are different people)."""
    lines = []
    for group in ("m", "f"):
        for number, (feature, items) in enumerate(features):
            terms = []
            for position, item in enumerate(items):
                name = f"{_safe(item)}__{group}"
                if position and feature in equal:
                    name = f"l{number}_{position}*{name}"
                terms.append(name)
            lines.append(f"F{number}__{group} =~ " + " + ".join(terms))
    for a in range(len(features)):
        for b in range(len(features)):
            lines.append(f"F{a}__m ~~ 0*F{b}__f")
    return "\n".join(lines)


def _safe(item: str) -> str:
    return "s_" + "".join(c if c.isalnum() else "_" for c in item)


def _fit(
    features: Sequence[tuple[str, Sequence[str]]],
    groups: Sequence[NDArray[np.float64]],
    sizes: Sequence[int],
    equal: set[str],
) -> ModelFit:
    """Fit the two-group model by ULS to the groups' polychoric matrices, laid on one block
    diagonal (the zero blocks between groups are fitted exactly, so they add nothing)."""
    import warnings

    import numpy as np
    import pandas as pd
    import semopy

    items = [item for _f, ids in features for item in ids]
    p, f = len(items), len(features)
    names = [f"{_safe(item)}__{g}" for g in ("m", "f") for item in items]
    observed = [positive_definite(matrix) for matrix in groups]
    stacked = np.zeros((2 * p, 2 * p))
    stacked[:p, :p], stacked[p:, p:] = observed
    sample = pd.DataFrame(stacked, index=names, columns=names)
    model = semopy.Model(_description(features, equal))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # semopy warns of its own numerical details
        model.fit(cov=sample, obj="MLW", n_samples=sum(sizes))
        sigma, _ = model.calc_sigma()
    order = list(model.vars["observed"])
    index = [order.index(name) for name in names]
    implied = np.asarray(sigma)[np.ix_(index, index)]
    statistic = baseline = srmr = 0.0
    lower = np.tril_indices(p)
    for g, (matrix, n) in enumerate(zip(observed, sizes, strict=True)):
        block = implied[g * p : (g + 1) * p, g * p : (g + 1) * p]
        _sign, log_sample = np.linalg.slogdet(matrix)
        _sign, log_model = np.linalg.slogdet(block)
        discrepancy = log_model - log_sample + np.trace(matrix @ np.linalg.inv(block)) - p
        statistic += n * float(discrepancy)
        baseline += n * float(-log_sample)  # the model of no correlation at all
        residual = matrix - block
        srmr += n / sum(sizes) * math.sqrt(float((residual[lower] ** 2).mean()))
    moments = 2 * p * (p + 1) // 2
    shared = sum(len(ids) - 1 for feature, ids in features if feature in equal)
    free = sum(len(ids) - 1 for feature, ids in features if feature not in equal)
    parameters = shared + 2 * (free + f + f * (f - 1) // 2 + p)
    df = moments - parameters
    baseline_df = 2 * p * (p - 1) // 2
    excess = max(statistic - df, 0.0)
    cfi = 1 - excess / max(baseline - baseline_df, excess, 1e-12)
    n = sum(sizes)
    rmsea = math.sqrt(excess / (df * n)) * math.sqrt(2) if df > 0 else 0.0
    return ModelFit(cfi=cfi, rmsea=rmsea, srmr=srmr, statistic=statistic, df=df)
