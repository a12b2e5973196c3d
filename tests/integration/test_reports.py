"""Results for managers: dashboard, feature pages, exports and the PDF report, read back."""

from __future__ import annotations

import csv
import html
import io
import re
import shutil
import subprocess
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from surveys.database import db
from surveys.library import current_questionnaire
from surveys.questionnaire import Questionnaire
from surveys.responses.answers import CompletedResponse
from surveys.responses.models import Channel
from surveys.responses.service import record_submissions
from surveys.rounds.models import Round
from tests.helpers import RoundRef, assert_tagged, publish

MakeRound = Callable[..., RoundRef]


def respondent(
    questionnaire: Questionnaire, agency: str, level: str, score: int, **extra: object
) -> CompletedResponse:
    items = {item.id: (6 - score if item.reverse else score) for item in questionnaire.items}
    return CompletedResponse(agency_id=agency, level_id=level, items=items, **extra)  # type: ignore[arg-type]


@pytest.fixture
def board_round(app: Flask, make_round: MakeRound, questionnaire: Questionnaire) -> RoundRef:
    """Police managers warmer than police frontline (a notable gap), social care even,
    and three health practitioners whose figures must never be shown."""
    round_ = make_round("board", agencies=["police", "childrens-social-care", "health"])
    people = [
        respondent(questionnaire, "police", lv, s, comments={"trust": f"Police view {n}"})
        for n, (lv, s) in enumerate(
            [
                ("strategic", 4),
                ("operational", 5),
                ("operational", 4),
                ("strategic", 3),
                ("operational", 4),
                ("operational", 4),
            ]
        )
    ]
    people += [respondent(questionnaire, "police", "frontline", s) for s in (2, 2, 1, 2, 3, 2)]
    people += [
        respondent(questionnaire, "childrens-social-care", lv, 3)
        for lv in ["operational"] * 6 + ["frontline"] * 6
    ]
    people += [
        respondent(
            questionnaire,
            "health",
            "frontline",
            5,
            comments={"trust": "A health practitioner's words"},
        )
        for _ in range(3)
    ]
    with app.app_context():
        live = db.session.scalar(select(Round).where(Round.slug == "board"))
        assert live is not None
        record_submissions(live, current_questionnaire(), people, Channel.IMPORT, date.today())
        db.session.commit()
    publish(app, "board")
    return round_


def text_of(response: object) -> str:
    return html.unescape(response.get_data(as_text=True))  # type: ignore[attr-defined]


def test_dashboard_shows_every_part(manager: FlaskClient, board_round: RoundRef) -> None:
    page = text_of(manager.get("/reports/board"))
    for heading in (
        "Summary",
        "Responses",
        "Maturity by feature",
        "Agencies and features",
        "Management and frontline gaps",
        "How information flows between agencies",
        "How well the statements hang together",
    ):
        assert heading in page
    assert page.count('role="img"') >= 4  # radar, heat map, gaps, reciprocity
    assert "Notable" in page
    assert "suppressed" in page
    # Health's three practitioners are never shown as a number.
    health_row = re.search(r">Health</th>(.*?)</tr>", page, re.S)
    assert health_row is not None and "suppressed" in health_row.group(1)
    assert "Managers and frontline practitioners see the partnership differently" in page


def test_dashboard_filters_by_agency_and_locality(
    app: Flask, manager: FlaskClient, make_round: MakeRound, questionnaire: Questionnaire
) -> None:
    make_round("places", localities=("North", "South"))
    people = [
        respondent(questionnaire, "police", lv, s, locality_id=place)
        for place in ("north", "south")
        for lv, s in [("frontline", 2)] * 6 + [("operational", 4)] * 6
    ]
    with app.app_context():
        live = db.session.scalar(select(Round).where(Round.slug == "places"))
        assert live is not None
        record_submissions(live, current_questionnaire(), people, Channel.IMPORT, date.today())
        db.session.commit()
    publish(app, "places")
    north = text_of(manager.get("/reports/places?locality=north"))
    assert "Results: North" in north
    police = text_of(manager.get("/reports/places?agency=police"))
    assert "Results: Police" in police
    assert manager.get("/reports/places?agency=police&locality=north").status_code == 400
    assert manager.get("/reports/places?locality=mars").status_code == 404
    assert manager.get("/reports/places?agency=mi5").status_code == 404


def test_feature_page_has_statements_comments_and_prompts(
    manager: FlaskClient, board_round: RoundRef
) -> None:
    page = text_of(manager.get("/reports/board/features/trust"))
    assert "How people answered each statement" in page
    assert "Police view 1" in page
    # Health's three practitioners are too few to name: their words appear, if at all,
    # under a group of at least five (frontline staff of the whole partnership).
    label = re.search(r"A health practitioner's words</p>\s*<p[^>]*>([^<]*)</p>", page)
    assert label is not None and "Health" not in label.group(1)
    assert "Questions to discuss" in page
    assert manager.get("/reports/board/features/nothing").status_code == 404


def test_comparison_with_an_earlier_round(
    manager: FlaskClient, board_round: RoundRef, make_round: MakeRound
) -> None:
    make_round("earlier")
    assert manager.get("/reports/board?compare=earlier").status_code == 404  # not published
    make_round("earliest", opens_in_days=-60, closes_in_days=-30)  # closed: released on sight
    page = text_of(manager.get("/reports/board?compare=earliest"))
    assert "Change since Test round earliest" in page
    assert manager.get("/reports/board?compare=board").status_code == 404


def test_exports_apply_suppression(manager: FlaskClient, board_round: RoundRef) -> None:
    response = manager.get("/reports/board/analysis.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    health = [
        r
        for r in rows
        if r["table"] == "cells"
        and r["agency"] == "health"
        and r["level"] == "frontline"
        and r["statistic"] == "mean"
    ]
    assert health and all(r["value"] == "" and r["suppressed"] == "True" for r in health)
    workbook = load_workbook(io.BytesIO(manager.get("/reports/board/analysis.xlsx").data))
    assert {"cells", "gaps", "reliability", "responses"} <= set(workbook.sheetnames)
    sheet = workbook["cells"]
    header = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2, values_only=True):
        record = dict(zip(header, row, strict=True))
        if record["suppressed"]:
            assert record["n"] is None and record["mean"] is None


def test_no_download_of_individual_responses(
    client: FlaskClient,
    board_round: RoundRef,
    make_user: Callable[..., str],
    sign_in: Callable[[str], None],
) -> None:
    """The old record-level download made a lone strategic lead's row unique: it is gone."""
    sign_in(make_user("admin"))
    assert client.get("/reports/board/responses.csv").status_code == 404


@pytest.fixture
def board_pdf(manager: FlaskClient, board_round: RoundRef) -> bytes:
    response = manager.get("/reports/board/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    return bytes(response.data)


@pytest.fixture
def board_pdf_once(request: pytest.FixtureRequest, made_once: dict[str, Any]) -> bytes:
    """board_pdf, typeset once for the tests that only read the file (the others need the
    round in their own database beside it, or watch it being typeset)."""
    if "board.pdf" not in made_once:
        made_once["board.pdf"] = request.getfixturevalue("board_pdf")
    pdf: bytes = made_once["board.pdf"]
    return pdf


CHAPTERS = [
    "Summary",
    "Who answered",
    "Maturity by feature",
    "Managers and frontline practitioners",
    "What agencies declare, beside their staff",
    "Shared commitment and purpose",
    "Relations of trust",
    "Balanced exchange of information and resources",
    "Mutual respect for difference",
    "Open and mature dialogue over conflicts",
    "How information flows between agencies",
    "Method and anonymity",
]


def test_pdf_has_its_sections_and_names_every_notable_gap(
    app: Flask, board_pdf: bytes, board_round: RoundRef
) -> None:
    reader = PdfReader(io.BytesIO(board_pdf))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    flat = re.sub(r"\s+", " ", text)
    for section in ("Partnership maturity report", "Contents", *CHAPTERS):
        assert section in flat, section
    assert "Release 1 (interim), published" in flat  # the cover names its release
    assert len(reader.pages) >= 10
    assert reader.metadata is not None and "Test round board" in (reader.metadata.title or "")
    with app.app_context():
        from surveys.releases.service import released_analysis

        live = db.session.scalar(select(Round).where(Round.slug == "board"))
        assert live is not None
        analysis = released_analysis(live)
        assert analysis is not None
        notable = analysis.notable_gaps
    assert notable, "the fixture has notable gaps"
    names = {"police": "Police", None: "Whole partnership"}
    for gap in notable:
        assert names.get(gap.agency, gap.agency or "") in flat
        assert f"{gap.gap:+.2f}" in flat  # the gap itself is printed
    assert "(notable)" in flat
    # A chart of managers beside frontline staff by agency opens every feature's section,
    # as well as the one for the whole partnership (each reads 'weaker ... stronger').
    feature_pages = [
        page.extract_text() or ""
        for page in reader.pages
        if "These questions are about" in (page.extract_text() or "")
    ]
    assert len(feature_pages) == 5
    assert all("weaker" in page and "stronger" in page for page in feature_pages)


def test_pdf_pages_are_a4_with_running_header_and_numbers(board_pdf_once: bytes) -> None:
    reader = PdfReader(io.BytesIO(board_pdf_once))
    total = len(reader.pages)
    for number, page in enumerate(reader.pages, start=1):
        assert (round(page.mediabox.width), round(page.mediabox.height)) == (595, 842)
        text = re.sub(r"\s+", " ", page.extract_text() or "")
        if number == 1:  # the cover has neither
            assert "Page 1" not in text and "Boundary: partnership maturity" not in text
            continue
        assert f"Page {number} of {total}" in text, f"page {number} is not numbered"
        assert "Boundary: partnership maturity" in text
        assert "Test round board" in text, f"page {number} has no running header"


def test_contents_links_and_bookmarks_lead_to_each_chapters_first_page(
    board_pdf_once: bytes,
) -> None:
    """The contents' numbers (the stylesheet's target-counter), its links and the PDF's
    bookmarks (from the headings) all lead to the page each chapter starts on."""
    reader = PdfReader(io.BytesIO(board_pdf_once))
    starts = [(page.extract_text() or "").split("\n", 1)[0] for page in reader.pages]
    contents = reader.pages[1].extract_text(extraction_mode="layout")
    entries = [
        (match[1], int(match[2]))
        for match in re.finditer(r"^\s*\d+\. (.+?)\s+(?:\.\s+)+(\d+)$", contents, re.M)
    ]
    assert [title for title, _ in entries] == CHAPTERS
    for title, number in entries:
        assert starts[number - 1] == title, f"contents says {title} starts on page {number}"
        assert starts.count(title) == 1

    places = reader.named_destinations
    linked = []
    for annotation in reader.pages[1]["/Annots"]:  # type: ignore[attr-defined]
        target = str(annotation.get_object()["/Dest"])
        if target not in linked:
            linked.append(target)
    assert len(linked) == len(entries)
    for target, (title, number) in zip(linked, entries, strict=True):
        assert reader.get_destination_page_number(places[target]) == number - 1, title

    bookmarks = [
        (item.title, (reader.get_destination_page_number(item) or 0) + 1)
        for item in reader.outline
        if not isinstance(item, list)  # a list holds the bookmarks under the one before it
    ]
    assert bookmarks == [("Contents", 2), *entries]


def test_the_partnership_pdf_is_tagged_for_screen_readers(
    board_pdf: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    """Headings, tables with their headers and charts with their text alternatives, in
    reading order, as PDF/UA-1 (the checks are tests.helpers.assert_tagged)."""
    found = assert_tagged(board_pdf, "Partnership maturity report: Test round board")
    # WeasyPrint names what a tagged PDF lacks (an image without alt, no language) as errors,
    # logged while the fixture had the report typeset.
    said = [r.getMessage() for r in caplog.get_records("setup") if r.name.startswith("weasy")]
    assert said == []
    contents = PdfReader(io.BytesIO(board_pdf)).pages[1].extract_text() or ""
    starts = [int(n) for n in re.findall(r"\.\s+(\d+)\s*$", contents, re.M)]  # the leaders
    # Every chapter heading is an H2 on the page the contents gives for it; the contents'
    # own heading is the first.
    assert [page + 1 for _, page, _ in found.of_kind("H2")] == [2, *starts]
    alts = [alt for _, _, alt in found.of_kind("Figure")]
    # the summary's two pictures (levels, largest gaps); responses, radar, heat map, gaps; two
    # a feature; flows
    assert len(alts) == 2 + 4 + 2 * 5 + 1
    assert any("Radar chart" in (alt or "") for alt in alts)


def test_an_agencys_pdf_is_tagged_for_screen_readers(
    client: FlaskClient,
    board_round: RoundRef,
    make_user: Callable[..., str],
    sign_in: Callable[[str], None],
) -> None:
    sign_in(make_user("agency-lead", "police"))
    response = client.get("/reports/board/report.pdf?agency=police")
    assert response.status_code == 200
    assert_tagged(response.data, "Partnership maturity report: Test round board (Police)")


def test_pdf_never_shows_a_small_groups_figures(board_pdf_once: bytes) -> None:
    reader = PdfReader(io.BytesIO(board_pdf_once))
    text = re.sub(r"\s+", " ", "\n".join(page.extract_text() or "" for page in reader.pages))
    # Health's three all scored 5 on every feature; no other group did.
    assert "5.0" not in text
    assert "A health practitioner's words Health" not in text
    assert re.search(r"Health (suppressed ){3}", text), "Health's row reads 'suppressed'"
    # In each feature's table of agencies, suppressed agencies are named once, together.
    assert len(re.findall(r"Suppressed to protect small groups: [^.]*Health", text)) == 5


def test_pdf_pages_render_as_pictures(board_pdf_once: bytes, tmp_path: Path) -> None:
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm is not installed (apt-get install poppler-utils)")
    (tmp_path / "report.pdf").write_bytes(board_pdf_once)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "40",
            "-f",
            "1",
            "-l",
            "6",
            str(tmp_path / "report.pdf"),
            str(tmp_path / "page"),
        ],
        check=True,
    )
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == 6
    for page in pages:
        image = Image.open(page).convert("L")
        dark = sum(image.histogram()[:200])  # pixels darker than light grey
        assert dark > 0.01 * image.width * image.height, f"{page.name} looks blank"


def test_a_second_download_comes_from_the_cache(
    manager: FlaskClient,
    board_round: RoundRef,
    board_pdf: bytes,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from surveys.reporting import documents

    def no_rendering(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("the cached report should have been used")

    monkeypatch.setattr(documents, "render_report", no_rendering)
    again = manager.get("/reports/board/report.pdf")
    assert again.data == board_pdf


def test_an_agencys_report_sets_it_beside_the_partnership(
    client: FlaskClient,
    board_round: RoundRef,
    make_user: Callable[..., str],
    sign_in: Callable[[str], None],
) -> None:
    sign_in(make_user("agency-lead", "police"))
    response = client.get("/reports/board/report.pdf?agency=police")
    text = re.sub(
        r"\s+",
        " ",
        "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(response.data)).pages),
    )
    assert "Police beside the whole partnership" in text
    assert "Children's social care" not in text  # another agency's detail


def test_report_command_writes_a_pdf(app: Flask, board_round: RoundRef, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    target = tmp_path / "report.pdf"
    result = runner.invoke(args=["report", "board", "-o", str(target), "--agency", "police"])
    assert result.exit_code == 0, result.output
    assert target.read_bytes().startswith(b"%PDF")
    result = runner.invoke(args=["report", "board", "-o", str(target), "--agency", "mi5"])
    assert result.exit_code != 0 and "'mi5' is not an agency" in result.output
