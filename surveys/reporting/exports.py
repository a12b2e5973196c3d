"""Spreadsheet downloads: the analysis tables (suppression applied), and, for administrators
only, individual anonymised responses without any free text."""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import select

from ..analysis.export import as_csv, as_json
from ..analysis.results import RoundAnalysis
from ..database import db
from ..questionnaire import Questionnaire
from ..responses.models import Answer, PartnerRating, Submission
from ..rounds.models import Round

SHEETS = (
    "cells",
    "sublevel_cells",
    "locality_cells",
    "items",
    "gaps",
    "locality_gaps",
    "item_gaps",
    "reciprocity",
    "partner_ratings",
    "reciprocity_imbalances",
    "sharing_perceptions",
    "reliability",
    "responses",
)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: str) -> str:
    """Free text that a spreadsheet will not run: a cell starting with =, +, -, @ (a formula
    to Excel) gets a leading apostrophe, which spreadsheets show as text."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def analysis_csv(analysis: RoundAnalysis) -> str:
    return as_csv(analysis)


def _cell(value: Any) -> Any:
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return value


def analysis_xlsx(analysis: RoundAnalysis) -> bytes:
    """One sheet per table, a header row each; suppressed figures are empty cells."""
    data = as_json(analysis)
    book = Workbook()
    about = book.active
    assert about is not None
    about.title = "about"
    about.append(["round", data["round"]["name"]])
    about.append(["responses", data["round"]["responses"]])
    about.append(["minimum group size", data["min_cell_size"]])
    about.append(["note", "Groups smaller than the minimum are suppressed: empty, never zero."])
    for name in SHEETS:
        rows = data[name]
        sheet = book.create_sheet(name[:31])
        if not rows:
            sheet.append(["(none)"])
            continue
        columns = list(rows[0])
        sheet.append(columns)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([_cell(row.get(column)) for column in columns])
        sheet.freeze_panes = "A2"
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def responses_csv(round_: Round, questionnaire: Questionnaire) -> str:
    """One row per response: context, answers (DK for don't know), partner ratings.

    No comments, no date, and a running number instead of the stored id, so a row cannot
    be matched to anything else. Small groups can still stand out in a file like this,
    which is why only administrators may download it.
    """
    item_ids = [item.id for item in questionnaire.items]
    partner_columns = [
        f"{agency.agency_id}/{q.id}"
        for agency in round_.agencies
        for q in questionnaire.partners.questions
    ]
    answers: dict[int, dict[str, str]] = {}
    for submission_id, item_id, value in db.session.execute(
        select(Answer.submission_id, Answer.item_id, Answer.value).where(
            Answer.round_id == round_.id
        )
    ):
        answers.setdefault(submission_id, {})[item_id] = "DK" if value is None else str(value)
    for submission_id, partner, question, value in db.session.execute(
        select(
            PartnerRating.submission_id,
            PartnerRating.partner_agency_id,
            PartnerRating.question_id,
            PartnerRating.value,
        ).where(PartnerRating.round_id == round_.id)
    ):
        answers.setdefault(submission_id, {})[f"{partner}/{question}"] = (
            "DK" if value is None else str(value)
        )
    output = io.StringIO()
    writer = csv.writer(output, lineterminator="\n")
    # No channel: "answered in a workshop" would narrow a row down to the people in one room.
    context = ["agency", "level", "locality", "co_location", "years_in_partnership"]
    writer.writerow(["response", *context, *item_ids, *partner_columns])
    submissions = db.session.scalars(
        select(Submission)
        .where(Submission.round_id == round_.id)
        .order_by(Submission.agency_id, Submission.level_id, Submission.id)
    )
    for number, submission in enumerate(submissions, start=1):
        given = answers.get(submission.id, {})
        writer.writerow(
            [
                number,
                submission.agency_id,
                submission.level_id,
                submission.locality_id or "",
                submission.co_location or "",
                submission.years_in_partnership or "",
                *(given.get(column, "") for column in [*item_ids, *partner_columns]),
            ]
        )
    return output.getvalue()
