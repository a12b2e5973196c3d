"""Numbers on and behind a chart: coordinates, and figures drawn as they are printed."""

from __future__ import annotations

import math

from ... import figures

_MINUS = "\u2212"
_DASH = "\u2013"


def _n(x: float) -> str:
    """A coordinate: finite, rounded to one decimal place, without a trailing '.0' or '-0'."""
    if not math.isfinite(x):
        raise ValueError(f"a chart coordinate must be finite, not {x}")
    text = f"{round(x, 1):.1f}"
    if text.endswith(".0"):
        text = text[:-2]
    return "0" if text == "-0" else text


def _finite(value: float | None) -> float | None:
    """The value as a float, or None when it is missing, not a number or infinite."""
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


# Charts are drawn from figures as printed (scores to two decimals, shares to whole
# percents), so their geometry says no more than the numbers in the table beside them.
SCORE_PLACES = 2


def _score(value: float | None) -> float | None:
    """A mean score as published, clamped to the 1-5 scale, or None."""
    number = _finite(value)
    return None if number is None else min(5.0, max(1.0, figures.rounded(number, SCORE_PLACES)))


def _share(value: float | None) -> float:
    """A share as published (a whole percent), between 0 and 1."""
    number = _finite(value)
    return 0.0 if number is None else min(1.0, max(0.0, figures.percentage_points(number)))


def _signed(value: float) -> str:
    return figures.signed(value, 1, minus=_MINUS)


def _number(value: float) -> str:
    if abs(value - round(value)) < 1e-9:
        return f"{round(value):,}"
    return f"{value:,.1f}"
