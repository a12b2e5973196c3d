"""What the measurement invariance check means, in plain words, for the dashboard and PDF."""

from __future__ import annotations

from collections.abc import Mapping

from ..scoring.invariance import CFI_DROP, RMSEA_RISE, Invariance

PENDING = (
    "Whether managers and frontline staff read the statements in the same way is still "
    "being worked out for this release; it is shown here once it is done."
)


def invariance_words(check: Invariance | None, feature_names: Mapping[str, str]) -> list[str]:
    """Paragraphs saying what the check found (or why it was not run)."""
    if check is None:
        return [PENDING]
    if not check.ran:
        return [check.reason or "Not checked."]
    change = (
        f"Holding each statement's weight equal in both groups changed CFI by "
        f"{check.delta_cfi:+.3f} and RMSEA by {check.delta_rmsea:+.3f}; the rule treats a "
        f"fall in CFI of more than {CFI_DROP} or a rise in RMSEA of more than {RMSEA_RISE} "
        "as a sign that the groups read the statements differently."
    )
    if check.holds:
        return [
            "Managers and frontline staff appear to read the statements in the same way: each "
            "statement relates to its feature about equally strongly in both groups. " + change,
            "So a gap between managers and frontline staff can be taken as a difference in "
            "how they see the partnership, not in how they understood the questions.",
        ]
    words = [
        "Managers and frontline staff do not seem to read every statement in the same way. "
        + change
    ]
    for feature in check.differing:
        name = feature_names.get(feature, feature)
        words.append(
            f"{name}: its statements do not carry the same weight for managers as for "
            "frontline staff, so a gap between the two groups on this feature may partly "
            "reflect the groups reading the statements differently, not only seeing the "
            "partnership differently."
        )
    return words
