"""The charts' colours: GOV.UK colours, colour-blind safe, and text that contrasts with its fill."""

from __future__ import annotations

TEXT_COLOUR = "#0b0c0c"
WHITE = "#ffffff"
SECONDARY_TEXT = "#505a5f"  # 7:1 on white
GRID_COLOUR = "#dee0e2"
BORDER_COLOUR = "#b1b4b6"
SUPPRESSED_FILL = "#f3f2f1"
HATCH_COLOUR = "#b1b4b6"
MANAGEMENT_COLOUR = "#1d70b8"  # GOV.UK blue

# GOV.UK orange (#f47738) is only 2.8:1 against white; this darker orange keeps the hue and
# reaches the 3:1 WCAG asks of graphical objects.
FRONTLINE_COLOUR = "#d45500"
PARTNERSHIP_COLOUR = "#0b0c0c"

# Maturity levels 1 (Fragmented) .. 5 (Embedded): sequential yellow-green-blue, light to dark.
# The one colour scale for levels: the charts read it, and the level tags on the web pages
# use the same fills (static/css/boundary.css, `.boundary-level--*`, mirrors them with the
# text colour `text_colour_for` picks; tests/unit/test_level_colours.py checks they agree).
MATURITY_FILLS: tuple[str, ...] = ("#edf8b1", "#7fcdbb", "#1d91c0", "#225ea8", "#0c2c84")

MATURITY_LEVEL_NAMES: tuple[str, ...] = (
    "Fragmented",
    "Emerging",
    "Developing",
    "Established",
    "Embedded",
)

CONTESTED_FILL = "#d6c9e6"  # light purple: outside the sequential palette on purpose
CONTESTED_NAME = "Contested"
NEUTRAL_FILL = "#f3f2f1"  # a value with no maturity level

# Answers 1..5: disagree in orange on the left, 'neither' grey, agree in blue on the right.
SCALE_FILLS: tuple[str, ...] = ("#b35806", "#fdb863", "#dee0e2", "#92c5de", "#0571b0")
DONT_KNOW_FILL = "#8e979c"
# "Not applicable to my role" (version 2 on): a second non-answer, told from don't know by a
# darker, bluer grey; neither is a view, so neither takes a colour of an answer scale.
NOT_APPLICABLE_FILL = "#4c5a66"

# A bipolar statement's own answers, 1..5, between two opposite imbalances with balance (the
# best answer) in the middle. Purple one way and brown the other, balance in GOV.UK green:
# no fill of the agree scale, so balance never reads as "strongly agree" (its dark blue).
BIPOLAR_FILLS: tuple[str, ...] = ("#762a83", "#c2a5cf", "#00703c", "#dfc27d", "#8c510a")


def _relative_luminance(colour: str) -> float:
    """WCAG 2 relative luminance of '#rgb' or '#rrggbb'."""
    digits = colour.strip().lstrip("#")
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    if len(digits) != 6 or any(d not in "0123456789abcdefABCDEF" for d in digits):
        raise ValueError(f"not a hex colour: {colour!r}")

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(int(digits[i : i + 2], 16)) for i in (0, 2, 4))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: str, b: str) -> float:
    la, lb = sorted((_relative_luminance(a), _relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_colour_for(fill: str) -> str:
    """Near-black or white, whichever contrasts more with ``fill`` (a '#rrggbb' colour)."""
    if _contrast(fill, TEXT_COLOUR) >= _contrast(fill, WHITE):
        return TEXT_COLOUR
    return WHITE


def _maturity_fill(level: int | None) -> str:
    if level is not None and 1 <= level <= len(MATURITY_FILLS):
        return MATURITY_FILLS[level - 1]
    return NEUTRAL_FILL


def level_tag_class(name: str) -> str:
    """The CSS class of a level's tag: the same fill as the level's cells in the charts."""
    if name == CONTESTED_NAME:
        return "boundary-level--contested"
    if name in MATURITY_LEVEL_NAMES:
        return f"boundary-level--{MATURITY_LEVEL_NAMES.index(name) + 1}"
    return "govuk-tag--grey"  # no level (too few answers): no colour of the scale


def level_tag_colours() -> dict[str, tuple[str, str]]:
    """Each level tag class's (fill, text colour), as the stylesheet must declare them."""
    fills = {f"boundary-level--{n}": fill for n, fill in enumerate(MATURITY_FILLS, 1)}
    fills["boundary-level--contested"] = CONTESTED_FILL
    return {name: (fill, text_colour_for(fill)) for name, fill in fills.items()}
