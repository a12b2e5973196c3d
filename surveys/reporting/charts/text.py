"""Text in a chart: cleaning, escaping, and measuring and wrapping labels without a font."""

from __future__ import annotations

import re
from collections.abc import Sequence

from markupsafe import escape

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ELLIPSIS = "\u2026"

# Advance widths (in em) of DejaVu Sans, the widest common sans-serif and WeasyPrint's usual
# 'sans-serif', rounded up to 0.05: estimates made with it are safe for narrower fonts too.
_WIDTH_GROUPS = (
    (0.30, "ijlIJ'"),
    (0.35, ",./:;\\| \u2019\u2018"),
    (0.40, "ft()-[]"),
    (0.45, "r!"),
    (0.50, '"*_`\u2013'),
    (0.55, "csz?\u201c\u201d"),
    (0.60, "kvxyFL"),
    (0.65, "abdeghnopquEPSTY0123456789${}"),
    (0.70, "ABCKRVXZ"),
    (0.75, "NU"),
    (0.80, "DGHOQ&"),
    (0.85, "w#+<=>^~\u2212"),
    (0.90, "M"),
    (1.00, "mW%@\u2026"),
)

_CHAR_WIDTHS = {ch: width for width, chars in _WIDTH_GROUPS for ch in chars}
_DEFAULT_CHAR_WIDTH = 0.7
_BOLD_FACTOR = 1.1


def _clean(text: object) -> str:
    """Plain text on one line, without characters XML cannot hold."""
    return " ".join(_XML_INVALID.sub("", str(text)).split())


def _esc(text: object) -> str:
    """Escaped for XML text and attribute values. Markup is escaped too: labels are plain text."""
    return str(escape(_clean(text)))


def _measure(text: str, size: float, *, bold: bool = False) -> float:
    width = sum(_CHAR_WIDTHS.get(ch, _DEFAULT_CHAR_WIDTH) for ch in text) * size
    return width * _BOLD_FACTOR if bold else width


def _wrap_checked(
    text: str, width: float, size: float, max_lines: int, *, bold: bool = False
) -> tuple[list[str], bool]:
    """Greedy word wrap to ``width``; the second item says whether text had to be cut short."""
    words = _clean(text).split(" ")
    if words == [""]:
        return [""], False
    pieces: list[tuple[str, bool]] = []  # (text, must end its line)
    for word in words:  # break a word too long for a line of its own
        while _measure(word, size, bold=bold) > width and len(word) > 1:
            cut = len(word) - 1
            while cut > 1 and _measure(word[:cut] + "-", size, bold=bold) > width:
                cut -= 1
            pieces.append((word[:cut] + "-", True))
            word = word[cut:]
        pieces.append((word, False))
    lines: list[str] = []
    current, closed = "", False
    for piece, ends_line in pieces:
        candidate = f"{current} {piece}" if current else piece
        if not current or (not closed and _measure(candidate, size, bold=bold) <= width):
            current = candidate
        else:
            lines.append(current)
            current = piece
        closed = ends_line
    lines.append(current)
    if len(lines) <= max_lines:
        return lines, False
    kept = lines[:max_lines]
    last = kept[-1].rstrip("-")
    while last and _measure(last + _ELLIPSIS, size, bold=bold) > width:
        last = last[:-1]
    kept[-1] = last.rstrip(" ,;:-") + _ELLIPSIS
    return kept, True


def _wrap(text: str, width: float, size: float, max_lines: int, *, bold: bool = False) -> list[str]:
    return _wrap_checked(text, width, size, max_lines, bold=bold)[0]


def _fit(text: str, width: float, size: float, *, bold: bool = False) -> str:
    """One line, shortened with an ellipsis when it is wider than ``width``."""
    return _wrap(text, width, size, 1, bold=bold)[0]


def _two_line_width(text: str, size: float) -> float:
    """The narrowest width at which ``text`` fits on two lines (split between words)."""
    words = _clean(text).split(" ")
    return min(
        max(_measure(" ".join(words[:k]), size), _measure(" ".join(words[k:]), size))
        for k in range(1, len(words) + 1)
    )


def _first_baseline(centre_y: float, lines: int, size: float, line_height: float) -> float:
    """Baseline of the first of ``lines`` lines whose block is centred on ``centre_y``."""
    return centre_y - (lines - 1) * line_height / 2 + 0.35 * size


def _list_names(names: Sequence[str]) -> str:
    cleaned = [_clean(name) for name in names]
    if len(cleaned) <= 1:
        return "".join(cleaned)
    return ", ".join(cleaned[:-1]) + " and " + cleaned[-1]


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else (plural or word + 's')}"
