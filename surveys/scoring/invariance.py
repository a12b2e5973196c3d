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
pair over the people who answered both), and the model is fitted to them by diagonally
weighted least squares (DWLS), the estimator lavaan uses for ordinal answers: each
correlation's misfit is weighted by one over its sampling variance (from the curvature of
its likelihood), so a correlation resting on few people or on thin answer categories counts
for less. semopy has the DWLS objective but computes its weights from raw scores as
covariances; `_weighted_model` gives it the polychorics' variances instead. Fit is judged by
CFI, RMSEA and SRMR from T = the weighted sum of squared residual correlations. The weights
leave out the correlations' covariances with one another (lavaan's robust WLSMV statistic
corrects T for them; that needs their full sampling covariance, not estimated here), so T is
not calibrated as a chi-square: the decision rests on the change between the two nested
models, and the absolute CFI and RMSEA are shown for context only.

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
    statistic: float  # T, the weighted (DWLS) sum of squared residual correlations
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
    # How the model was fitted. A check stored before DWLS (releases' JSON without it) was
    # normal-theory maximum likelihood on the same polychoric correlations.
    estimator: str = "ML"


def too_small_reason(managers: int, frontline: int) -> str:
    """Why the check was not run, without either group's size: the sizes are people who
    gave at least one scored answer, a count no other published figure uses, so the exact
    figure beside the published response counts would tell a reader how many people gave no
    scored answer at all, a group that may be one person."""
    short = [
        name
        for name, size in (("managers", managers), ("frontline staff", frontline))
        if size < MIN_GROUP
    ]
    return (
        f"Not checked: the check needs at least {MIN_GROUP} managers and {MIN_GROUP} "
        f"frontline staff who gave scored answers, and this release has fewer "
        f"{' and fewer '.join(short)}. With fewer, the model cannot tell a real difference "
        "in how the groups read the statements from chance."
    )


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
        return Invariance(False, *sizes, reason=too_small_reason(*sizes))
    features = [(f, list(items)) for f, items in features if len(items) >= 2]
    items = [item for _f, ids in features for item in ids]
    estimated = [polychoric_estimates(items, group) for group in (managers, frontline)]
    groups = [matrix for matrix, _variances in estimated]
    variances = [v for _matrix, v in estimated]
    usable = [i for i in range(len(items)) if all(_varies(g, i) for g in groups)]
    if len(usable) < len(items):
        kept = {items[i] for i in usable}
        features = [(f, [i for i in ids if i in kept]) for f, ids in features]
        features = [(f, ids) for f, ids in features if len(ids) >= 2]
        items = [item for _f, ids in features for item in ids]
        groups = [g[usable][:, usable] for g in groups]
        variances = [v[usable][:, usable] for v in variances]
    configural = _fit(features, groups, variances, sizes, equal=set())
    everything = {f for f, _ids in features}
    equal = _fit(features, groups, variances, sizes, equal=everything)
    delta_cfi, delta_rmsea = equal.cfi - configural.cfi, equal.rmsea - configural.rmsea
    holds = not _fails(delta_cfi, delta_rmsea)
    checks: list[FeatureCheck] = []
    differing: tuple[str, ...] = ()
    if not holds:
        for feature, _ids in features:
            alone = _fit(features, groups, variances, sizes, equal={feature})
            d_cfi, d_rmsea = alone.cfi - configural.cfi, alone.rmsea - configural.rmsea
            checks.append(FeatureCheck(feature, d_cfi, d_rmsea, not _fails(d_cfi, d_rmsea)))
        differing = tuple(c.feature for c in checks if not c.holds) or (
            min(checks, key=lambda c: (c.delta_cfi, -c.delta_rmsea)).feature,
        )
    return Invariance(
        True,
        *sizes,
        estimator="DWLS",
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
    return polychoric_with_variance(first, second, first_cuts, second_cuts)[0]


# The step for the likelihood's curvature, in correlation units: small against any
# correlation's standard error (at least ~0.01 with the hundreds of people the check needs).
_STEP = 1e-4
# Where a correlation's curvature cannot be measured (a flat likelihood), it gets this
# variance: as uncertain as a correlation can be, so it carries almost no weight.
_MOST_UNCERTAIN = 1.0


def polychoric_with_variance(
    first: Sequence[int],
    second: Sequence[int],
    first_cuts: Sequence[float],
    second_cuts: Sequence[float],
) -> tuple[float, float]:
    """The polychoric correlation and its sampling variance: one over the curvature (second
    derivative) of the negative log-likelihood at the estimate, the thresholds taken as
    known (the usual two-step approximation)."""
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

    rho = float(minimize_scalar(deviance, bounds=(-0.999, 0.999), method="bounded").x)
    at = min(max(rho, -0.999 + _STEP), 0.999 - _STEP)
    curvature = (deviance(at + _STEP) - 2 * deviance(at) + deviance(at - _STEP)) / _STEP**2
    variance = 1 / curvature if curvature > 1 / _MOST_UNCERTAIN else _MOST_UNCERTAIN
    return rho, variance


def polychoric_matrix(items: Sequence[str], people: Sequence[Respondent]) -> NDArray[np.float64]:
    """Each pair's polychoric correlation over those who answered both; a statement that no
    one's answers vary on gets NaN on its diagonal (it is left out of the model)."""
    return polychoric_estimates(items, people)[0]


def polychoric_estimates(
    items: Sequence[str], people: Sequence[Respondent]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The polychoric matrix (as `polychoric_matrix`) and, beside it, each correlation's
    sampling variance (the diagonal's, which is 1 by definition, is 0)."""
    import numpy as np

    answered = {item: [p[item] for p in people if item in p] for item in items}
    cuts = {item: thresholds(values) for item, values in answered.items() if values}
    matrix = np.eye(len(items))
    variances = np.full((len(items), len(items)), _MOST_UNCERTAIN)
    np.fill_diagonal(variances, 0.0)
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
            r, variance = polychoric_with_variance(
                [a for a, _ in both], [b for _, b in both], cuts[first], cuts[second]
            )
            matrix[i, j] = matrix[j, i] = r
            variances[i, j] = variances[j, i] = variance
    return matrix, variances


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


# The diagonal (each statement with itself, 1) is matched exactly by the residual variances
# whatever its weight; a large weight keeps it so without swamping the solver.
_DIAGONAL_VARIANCE = 1e-3


def _weighted_model(description: str) -> Any:
    """A semopy model whose DWLS objective is weighted by variances we give it.

    semopy's own DWLS (Model.prepare_wls) always builds its weights from raw scores, as the
    fourth moments of covariances (its `custom_w` argument is not used), which is wrong for
    polychoric correlations and impossible from a matrix alone. This model takes the
    weights from `variances` (one per entry of the observed matrix, in semopy's order of
    the observed variables) and leaves the rest of semopy's DWLS (objective, gradient,
    solver) as it is."""
    import numpy as np
    import semopy

    class Weighted(semopy.Model):
        variances: Any = None

        def prepare_wls(self, obj: str, custom_w: Any = None) -> None:
            self.inds_triu_sigma = np.triu_indices_from(self.mx_cov)
            self.mx_vech_s = self.mx_cov[self.inds_triu_sigma]
            self.mx_w_inv = 1 / self.variances[self.inds_triu_sigma]

    return Weighted(description)


def fitted(
    features: Sequence[tuple[str, Sequence[str]]],
    observed: Sequence[NDArray[np.float64]],
    variances: Sequence[NDArray[np.float64]],
    equal: set[str],
) -> NDArray[np.float64]:
    """Fit the two-group model by DWLS to the groups' polychoric matrices, laid on one block
    diagonal (the zero blocks between groups are fitted exactly, so they add nothing), each
    correlation weighted by one over its sampling variance; the correlations it implies, in
    the same layout (managers' statements, then frontline staff's)."""
    import warnings

    import numpy as np
    import pandas as pd

    p = len(observed[0])
    names = [f"{_safe(item)}__{g}" for g in ("m", "f") for _f, ids in features for item in ids]
    stacked = np.zeros((2 * p, 2 * p))
    stacked[:p, :p], stacked[p:, p:] = observed
    spread = np.ones((2 * p, 2 * p))  # between groups: exact zeros, any weight will do
    spread[:p, :p], spread[p:, p:] = variances
    np.fill_diagonal(spread, _DIAGONAL_VARIANCE)
    model = _weighted_model(_description(features, equal))
    order = list(model.vars["observed"])
    index = [names.index(name) for name in order]
    model.variances = spread[np.ix_(index, index)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # semopy warns of its own numerical details
        model.fit(cov=pd.DataFrame(stacked, index=names, columns=names), obj="DWLS")
        sigma, _ = model.calc_sigma()
    back = [order.index(name) for name in names]
    implied: NDArray[np.float64] = np.asarray(sigma)[np.ix_(back, back)]
    return implied


def _fit(
    features: Sequence[tuple[str, Sequence[str]]],
    groups: Sequence[NDArray[np.float64]],
    variances: Sequence[NDArray[np.float64]],
    sizes: Sequence[int],
    equal: set[str],
) -> ModelFit:
    """The two-group model fitted (`fitted`), and its CFI, RMSEA and SRMR. T weights each
    residual correlation as the fit did; the baseline is the model of no correlation."""
    import numpy as np

    items = [item for _f, ids in features for item in ids]
    p, f = len(items), len(features)
    observed = [positive_definite(matrix) for matrix in groups]
    implied = fitted(features, observed, variances, equal)
    statistic = baseline = srmr = 0.0
    lower = np.tril_indices(p)
    pairs = np.triu_indices(p, 1)
    for g, (matrix, spread, n) in enumerate(zip(observed, variances, sizes, strict=True)):
        block = implied[g * p : (g + 1) * p, g * p : (g + 1) * p]
        residual = matrix - block
        statistic += float((residual[pairs] ** 2 / spread[pairs]).sum())
        baseline += float((matrix[pairs] ** 2 / spread[pairs]).sum())
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
