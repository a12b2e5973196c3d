"""The plain words the report gives for each outcome of the invariance check."""

from __future__ import annotations

from surveys.reporting.invariance_words import PENDING, invariance_words
from surveys.scoring.invariance import FeatureCheck, Invariance, ModelFit

NAMES = {"trust": "Relations of trust", "exchange": "Balanced exchange"}
FIT = ModelFit(cfi=0.95, rmsea=0.05, srmr=0.04, statistic=500.0, df=400)


def test_not_yet_run_not_run_and_run() -> None:
    assert invariance_words(None, NAMES) == [PENDING]
    below = Invariance(False, 40, 300, reason="Not checked: too few.")
    assert invariance_words(below, NAMES) == ["Not checked: too few."]
    holds = Invariance(True, 120, 300, None, FIT, FIT, -0.002, 0.001, True)
    words = " ".join(invariance_words(holds, NAMES))
    assert "appear to read the statements in the same way" in words
    assert "-0.002" in words and "+0.001" in words and "may partly reflect" not in words


def test_a_feature_read_differently_is_named_with_what_it_means_for_its_gap() -> None:
    fails = Invariance(
        True, 120, 300, None, FIT, FIT, -0.03, 0.02, False,
        (FeatureCheck("trust", 0.0, 0.0, True), FeatureCheck("exchange", -0.03, 0.02, False)),
        ("exchange",),
    )  # fmt: skip
    words = invariance_words(fails, NAMES)
    assert words[0].startswith("Managers and frontline staff do not seem")
    assert "120" not in words[0] and "300" not in words[0]  # see too_small_reason
    assert words[1].startswith("Balanced exchange: ")
    assert "a gap between the two groups on this feature may partly reflect" in words[1]
    assert not any("Relations of trust" in w for w in words)
