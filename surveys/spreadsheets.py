"""Cells for CSV and XLSX downloads, made safe to open in a spreadsheet: the one place every
export writes its cells through.

Text a person typed (a round's name, a locality, a workshop's action, a comment) can start
with `=`, `+`, `-` or `@`, which Excel, LibreOffice and Google Sheets run as a formula
(`=HYPERLINK(...)` sends the reader's data elsewhere), or with a tab or carriage return,
which some of them strip before doing the same. Such text gets a leading apostrophe, which
spreadsheets show as text. Only text is changed: a number, negative or not, stays a number.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from typing import Any

# The control characters an XLSX file cannot hold (openpyxl's own ILLEGAL_CHARACTERS_RE,
# written out so that importing this module does not import openpyxl at every start-up).
ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(text: str) -> str:
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def safe_cell(value: Any) -> Any:
    """The value as a cell may hold it: text neutralised, anything else as it is."""
    return safe_text(value) if isinstance(value, str) else value


def safe_xlsx_cell(value: Any) -> Any:
    """As `safe_cell`, without the control characters an XLSX file cannot hold (openpyxl
    refuses the whole workbook for one of them)."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)  # first: "\x01=..." is a formula after
    return safe_cell(value)


def csv_text(rows: Iterable[Iterable[Any]]) -> str:
    """Rows as CSV, every text cell made safe."""
    output = io.StringIO()
    writer = csv.writer(output, lineterminator="\n")
    writer.writerows([safe_cell(value) for value in row] for row in rows)
    return output.getvalue()
