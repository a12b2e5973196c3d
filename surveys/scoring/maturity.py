"""From a group's scores to a maturity level, and the rule that marks a split group contested.

Thresholds are fixed and documented (docs/analysis.md): the 1-5 range is cut into five
equal bands of 0.8, one per rubric level, lowest first:

    1.0 <= mean < 1.8   level 1 (Fragmented)
    1.8 <= mean < 2.6   level 2 (Emerging)
    2.6 <= mean < 3.4   level 3 (Developing)
    3.4 <= mean < 4.2   level 4 (Established)
    4.2 <= mean <= 5.0  level 5 (Embedded)

A group is contested when at least a quarter of its members score 2 or below (disagree on
average) and at least a quarter score 4 or above (agree on average): its average would
otherwise pass for a middle level while it really describes two camps.
"""

from __future__ import annotations

from .distribution import ScoreDistribution

LEVEL_UPPER_BOUNDS = (1.8, 2.6, 3.4, 4.2)  # a mean below bound i belongs to level i + 1
CONTESTED_SHARE = 0.25
CONTESTED = "contested"


def maturity_rank(mean: float) -> int:
    """1 (lowest) to 5 (highest) for a mean feature score."""
    if not 1.0 <= mean <= 5.0:
        raise ValueError(f"a mean score must lie between 1 and 5, not {mean}")
    return 1 + sum(1 for bound in LEVEL_UPPER_BOUNDS if mean >= bound)


def is_contested(distribution: ScoreDistribution) -> bool:
    return (
        distribution.n > 0
        and distribution.share_low >= CONTESTED_SHARE
        and distribution.share_high >= CONTESTED_SHARE
    )
