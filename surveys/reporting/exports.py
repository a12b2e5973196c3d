"""Spreadsheet downloads of a release's analysis tables (suppression applied).

There is no download of individual responses: however anonymised, a lone strategic lead's
or a lone locality's row is unique in such a file."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..analysis.export import TABLES, as_csv, as_json
from ..analysis.results import ChangeResult, RoundAnalysis
from ..questionnaire import Questionnaire
from ..scoring.invariance import Invariance
from ..spreadsheets import safe_xlsx_cell

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

SHEETS = TABLES  # one sheet per table of the JSON and CSV exports


def analysis_csv(
    analysis: RoundAnalysis, questionnaire: Questionnaire, *, invariance: Invariance | None
) -> str:
    return as_csv(analysis, questionnaire, invariance=invariance)


def _cell(value: Any) -> Any:
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return value


def append(sheet: Worksheet, row: list[Any]) -> None:
    """Every row goes in through here, each cell made safe to open (see spreadsheets.py)."""
    sheet.append([safe_xlsx_cell(value) for value in row])


def analysis_xlsx(
    analysis: RoundAnalysis,
    questionnaire: Questionnaire,
    changes: Sequence[ChangeResult] = (),
    *,
    invariance: Invariance | None,
) -> bytes:
    """One sheet per table, a header row each; suppressed figures are empty cells."""
    data = as_json(analysis, questionnaire, changes, invariance=invariance)
    # openpyxl is imported here, by the one function that uses it, to keep start-up quick.
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    about = book.active
    assert about is not None
    about.title = "about"
    append(about, ["round", data["round"]["name"]])
    append(about, ["responses", data["round"]["responses"]])
    append(about, ["minimum group size", data["min_cell_size"]])
    append(about, ["note", "Groups smaller than the minimum are suppressed: empty, never zero."])
    for name in SHEETS:
        rows = data[name]
        sheet = book.create_sheet(name[:31])
        if not rows:
            append(sheet, ["(none)"])
            continue
        columns = list(rows[0])
        append(sheet, columns)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            append(sheet, [_cell(row.get(column)) for column in columns])
        sheet.freeze_panes = "A2"
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()
