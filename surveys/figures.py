"""How every published figure is written: one rounding rule for pages, PDFs and charts.

A board member reads a chart and the table under it side by side, so the same share must
never print as 13% in one and 12% in the other. Python's round() and "%.1f" round half to
even, and on the binary value (2.675 is stored as 2.67499...), which is not how a reader
rounds; so every figure is rounded here, half away from zero, on its shortest decimal form
(repr), the digits the analysis produced. Nothing here knows Flask: templates reach these
functions as filters (surveys/templating.py).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

DASH = "–"  # a figure that does not exist (no answers), as against one withheld


def rounded(value: float, places: int = 0) -> float:
    """`value` rounded half away from zero to `places` decimal places, as a reader would."""
    return float(_decimal(value, places))


def fixed(value: float | None, places: int = 1) -> str:
    """A number with exactly `places` decimals: 3.25 -> '3.3' (one place)."""
    if value is None:
        return DASH
    text = f"{_decimal(value, places):f}"
    return _unsigned_zero(text)


def signed(value: float | None, places: int = 2, minus: str = "-") -> str:
    """A difference with its sign: +0.25, -0.13, and 0.00 without one."""
    if value is None:
        return DASH
    text = fixed(value, places)
    if text.startswith("-"):
        return minus + text[1:]
    return text if float(text) == 0 else "+" + text


def adjusted(q: float | None) -> str:
    """An adjusted p-value (q): three decimals, and "<0.001" rather than a misleading 0.000."""
    if q is None:
        return DASH
    return "<0.001" if q < 0.0005 else fixed(q, 3)


def percent(share: float | None) -> str:
    """A share of 0-1 as a whole percent: 0.125 -> '13%'."""
    if share is None:
        return DASH
    # Moved two places in decimal, not multiplied by 100 in binary: 0.285 * 100 is 28.4999...
    return _unsigned_zero(f"{_decimal(share, 0, scale=2):f}") + "%"


def percentage_points(share: float) -> float:
    """A share rounded to the whole percent it is published as, still as a share (0-1)."""
    return float(_decimal(share, 0, scale=2).scaleb(-2))


def _decimal(value: float, places: int, scale: int = 0) -> Decimal:
    """`value`'s decimal digits (repr), moved `scale` places left, rounded half away from
    zero to `places` decimals."""
    digits = Decimal(repr(float(value))).scaleb(scale)
    return digits.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _unsigned_zero(text: str) -> str:
    """'-0.0' reads as a difference that is not there: a rounded zero has no sign."""
    return text[1:] if text.startswith("-") and float(text) == 0 else text
