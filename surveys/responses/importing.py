"""Paper and spreadsheet responses from a CSV file: all rows good, or none imported.

Columns: `agency`, `level`, then one per statement (its item id). Optional columns:
`locality`, `co_location`, `years_in_partnership`, `comment-<feature id>`, and
`<partner agency id>/<partner question id>` for partner ratings. Statement and rating
values are 1-5, DK, or empty (not answered). Errors name the row as a spreadsheet shows
it (the header is row 1), the column by name and letter, and the reason.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from ..questionnaire import Questionnaire
from .answers import (
    COMMENT_MAX_LENGTH,
    CompletedResponse,
    InvalidAnswer,
    RoundChoices,
    agency_id,
    comment_text,
    context_option,
    level_id,
    locality_id,
    scale_value,
    statement_value,
)

REQUIRED_COLUMNS = ("agency", "level")
CONTEXT_COLUMNS = ("locality", "co_location", "years_in_partnership")
COMMENT_PREFIX = "comment-"

T = TypeVar("T")
# What scale_value accepts, looked up directly: a 100,000-row file has millions of these.
SCALE_CELLS: dict[str, int | None] = {
    **{str(n): n for n in range(1, 6)},
    **dict.fromkeys(("dk", "DK", "Dk", "dK")),
}


@dataclass(frozen=True)
class ImportProblem:
    row: int  # as a spreadsheet numbers it: the header is row 1
    column: str | None  # the column's name, or None for the whole row
    letter: str | None  # the spreadsheet's column letter (A, B, ... AA)
    reason: str

    def __str__(self) -> str:
        where = f"row {self.row}"
        if self.letter is not None:
            where += f", column {self.letter}"
            if self.column is not None:
                where += f" ({_shortened(self.column)})"
        elif self.column is not None:
            where += f", column {_shortened(self.column)}"
        return f"{where}: {self.reason}"


def _shortened(name: str) -> str:
    """A header cell can be anything, however long: enough of it to recognise."""
    return name if len(name) <= 60 else name[:60] + "…"


class ImportFailed(Exception):
    """The file cannot be imported; every problem found is listed."""

    def __init__(self, problems: list[ImportProblem]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s)")


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA, as a spreadsheet labels its columns."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


SAVE_AS_UTF8 = "in Excel, choose File > Save As > 'CSV UTF-8 (Comma delimited)'"
UTF16_MARKS = (b"\xff\xfe", b"\xfe\xff")  # Excel's "Unicode Text" starts with one
# No answer is longer than a comment; a cell far longer is not an answer, and is named as
# such before the csv module's own limit (131,072 characters) can stop the reading unnamed.
CELL_MAX_LENGTH = 10 * COMMENT_MAX_LENGTH


def read_csv_text(raw: bytes) -> str:
    if raw.startswith(UTF16_MARKS):
        raise ImportFailed(
            [
                ImportProblem(
                    1, None, None, f"the file is saved as UTF-16 ('Unicode Text'); {SAVE_AS_UTF8}"
                )
            ]
        )
    try:
        return raw.decode("utf-8-sig")  # spreadsheets often save a byte-order mark
    except UnicodeDecodeError:
        pass
    # Say where, as a spreadsheet would: the row and column of the first cell holding a byte
    # that is not UTF-8, found by reading the file as CSV (a quoted cell may hold commas and
    # line breaks, so counting separators or lines would name the wrong cell).
    text = raw.removeprefix(b"\xef\xbb\xbf").decode("utf-8", "surrogateescape")
    for number, row in enumerate(_rows(text), start=1):
        for index, cell in enumerate(row):
            if any("\udc80" <= ch <= "\udcff" for ch in cell):
                # undecodable bytes were kept as U+DC80..U+DCFF (surrogateescape)
                raise ImportFailed(
                    [
                        ImportProblem(
                            number,
                            None,
                            None,
                            f"column {column_letter(index)} has a character that is "
                            f"not UTF-8 text, so the file was not saved as UTF-8; {SAVE_AS_UTF8}",
                        )
                    ]
                )
    raise ImportFailed(
        [ImportProblem(1, None, None, f"the file is not UTF-8 text; {SAVE_AS_UTF8}")]
    )


def _rows(text: str) -> list[list[str]]:
    """The file's records, as a spreadsheet reads them (a quoted cell may span lines)."""
    first_line = text.split("\n", 1)[0]
    # Every cell is read whole and then judged by its length, with its row and column named.
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_separator(first_line))
    rows: list[list[str]] = []
    try:
        for row in reader:
            rows.append(row)
    except csv.Error as error:
        raise ImportFailed(
            [ImportProblem(len(rows) + 1, None, None, f"cannot be read as CSV ({error})")]
        ) from None
    return rows


def _separator(header_line: str) -> str:
    """Commas, or what spreadsheets in many European settings write instead."""
    if "," not in header_line:
        for candidate in (";", "\t"):
            if candidate in header_line:
                return candidate
    return ","


def parse_responses(
    text: str, questionnaire: Questionnaire, choices: RoundChoices
) -> list[CompletedResponse]:
    """Validate every row; return the responses, or raise ImportFailed listing every problem."""
    rows = _rows(text)
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise ImportFailed([ImportProblem(1, None, None, "the file has no header row")])
    header = [cell.strip() for cell in rows[0]]
    columns = _check_header(header, questionnaire, choices)
    problems: list[ImportProblem] = []
    responses: list[CompletedResponse] = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue  # blank lines at the end of a sheet are not responses
        extra = [i for i in range(len(header), len(row)) if row[i].strip()]
        if extra:  # empty cells past the last column are how spreadsheets often end a row
            problems.append(
                ImportProblem(
                    number,
                    None,
                    None,
                    f"has a value in column {column_letter(extra[0])}, but the header has "
                    f"only {len(header)} columns (A to {column_letter(len(header) - 1)})",
                )
            )
            continue
        row = row[: len(header)]
        too_long = [
            ImportProblem(
                number,
                header[index],
                column_letter(index),
                f"holds {len(cell):,} characters; no answer is longer than "
                f"{COMMENT_MAX_LENGTH:,} (a comment)",
            )
            for index, cell in enumerate(row)
            if len(cell) > CELL_MAX_LENGTH
        ]
        if too_long:
            problems.extend(too_long)
            continue
        cells = dict(zip(header, [*row, *[""] * (len(header) - len(row))], strict=True))
        response = _parse_row(number, cells, columns, questionnaire, choices, problems)
        if response is not None:
            responses.append(response)
    if problems:
        raise ImportFailed(problems)
    if not responses:
        raise ImportFailed(
            [ImportProblem(2, None, None, "the file has no responses below the header")]
        )
    return responses


@dataclass(frozen=True)
class _Columns:
    letters: dict[str, str]
    items: list[str]
    comments: dict[str, str]  # column -> feature id
    ratings: dict[str, tuple[str, str]]  # column -> (partner agency id, question id)
    context: list[str]


def _check_header(
    header: list[str], questionnaire: Questionnaire, choices: RoundChoices
) -> _Columns:
    letters = {name: column_letter(i) for i, name in enumerate(header)}
    problems = []
    seen: set[str] = set()
    item_ids = [item.id for item in questionnaire.items]
    question_ids = {q.id for q in questionnaire.partners.questions}
    comments: dict[str, str] = {}
    ratings: dict[str, tuple[str, str]] = {}
    for index, name in enumerate(header):
        letter = column_letter(index)
        if name in seen:
            problems.append(ImportProblem(1, name, letter, "this column appears twice"))
            continue
        seen.add(name)
        if name in REQUIRED_COLUMNS or name in item_ids or name in CONTEXT_COLUMNS:
            continue
        if name.startswith(COMMENT_PREFIX) and questionnaire.feature(name[len(COMMENT_PREFIX) :]):
            comments[name] = name[len(COMMENT_PREFIX) :]
            continue
        partner, _, question = name.partition("/")
        if partner in choices.agencies and question in question_ids:
            ratings[name] = (partner, question)
            continue
        problems.append(ImportProblem(1, name or "(empty)", letter, "unknown column"))
    for required in [*REQUIRED_COLUMNS, *item_ids]:
        if required not in seen:
            problems.append(ImportProblem(1, required, None, "this column is missing"))
    if problems:
        raise ImportFailed(problems)
    return _Columns(letters, item_ids, comments, ratings, [c for c in CONTEXT_COLUMNS if c in seen])


def _parse_row(
    number: int,
    cells: dict[str, str],
    columns: _Columns,
    questionnaire: Questionnaire,
    choices: RoundChoices,
    problems: list[ImportProblem],
) -> CompletedResponse | None:
    before = len(problems)

    def check(column: str, parse: Callable[[str], T]) -> T | None:
        try:
            return parse(cells[column].strip())
        except InvalidAnswer as error:
            problems.append(ImportProblem(number, column, columns.letters[column], str(error)))
            return None

    def required(column: str, parse: Callable[[str], str]) -> str | None:
        if not cells[column].strip():
            problems.append(ImportProblem(number, column, columns.letters[column], "is empty"))
            return None
        return check(column, parse)

    agency = required("agency", partial(agency_id, choices=choices))
    level = required("level", partial(level_id, questionnaire=questionnaire))
    locality = (
        check("locality", partial(locality_id, choices=choices)) if "locality" in cells else None
    )
    context = {
        question: check(
            question, partial(context_option, question_id=question, questionnaire=questionnaire)
        )
        for question in ("co_location", "years_in_partnership")
        if question in cells
    }

    items: dict[str, int | None] = {}
    for item_id in columns.items:
        raw = cells[item_id].strip()
        if raw in SCALE_CELLS:  # the common case, without building a checker per cell
            items[item_id] = SCALE_CELLS[raw]
        elif raw:
            items[item_id] = check(
                item_id, partial(statement_value, what=item_id, questionnaire=questionnaire)
            )
    if not items:
        problems.append(ImportProblem(number, None, None, "no statement is answered"))

    ratings: dict[str, dict[str, int | None]] = {}
    for column, (partner, question) in columns.ratings.items():
        if cells[column].strip():
            value = check(column, partial(scale_value, what=question))
            ratings.setdefault(partner, {})[question] = value
    if agency in ratings:
        problems.append(
            ImportProblem(
                number, None, None, f"rates the respondent's own agency ({agency}) as a partner"
            )
        )
    if len(ratings) > questionnaire.partners.max_choices:
        problems.append(
            ImportProblem(
                number,
                None,
                None,
                f"rates {len(ratings)} partner agencies; "
                f"at most {questionnaire.partners.max_choices} are allowed",
            )
        )

    comments = {
        feature_id: text
        for column, feature_id in columns.comments.items()
        if (text := check(column, comment_text))
    }
    if len(problems) > before or agency is None or level is None:
        return None
    return CompletedResponse(
        agency_id=agency,
        level_id=level,
        locality_id=locality,
        co_location=context.get("co_location"),
        years_in_partnership=context.get("years_in_partnership"),
        items=items,
        comments=comments,
        partner_ratings=ratings,
    )


PROBLEMS_LISTED = 50  # a file wrong on every row would otherwise print a line per row


def describe(problems: Sequence[ImportProblem], file_name: str) -> str:
    lines = [f"{file_name}, {problem}" for problem in problems[:PROBLEMS_LISTED]]
    if len(problems) > PROBLEMS_LISTED:
        lines.append(
            f"{file_name}: and {len(problems) - PROBLEMS_LISTED:,} more problems like these"
        )
    return "\n".join(lines)
