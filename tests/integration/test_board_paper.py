"""The summary a board reads first (dashboard and PDF), and the PDF report as a board paper:
counts where there are no headcounts, no headers run together, no near-empty page, body text
at 11pt or more, every published comment in the PDF, and the statistics at the end.

Every PDF here is read back with pypdf, as a reader's software would read it.
"""

from __future__ import annotations

import io
import math
import re
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select

from surveys.database import db
from surveys.library import current_questionnaire
from surveys.questionnaire import Questionnaire
from surveys.responses.answers import CompletedResponse
from surveys.responses.models import Channel
from surveys.responses.service import record_submissions
from surveys.rounds.actions import ActionStatus, WorkshopAction
from surveys.rounds.models import Round
from tests.helpers import RoundRef, WorkshopRef, pdf_text, publish

MakeRound = Callable[..., RoundRef]

# Words of table headers that were set into each other ("ManagersFrontline") when the
# columns were too narrow: pypdf puts a space between words that do not touch.
GLUED_HEADERS = re.compile(
    r"(Managers|Frontline|Gap|Level|Responses|Rate|Answered|Agree|Before|Now)"
    r"(Managers|Frontline|Gap|Rate|‘Don't|95%|Effect|Agree|Score|Now|Change)"
)
NEAR_EMPTY = 500  # characters: a page with less is mostly white (a full page holds ~3,000)
BODY_SIZE = 11.0  # points


def respondent(
    questionnaire: Questionnaire, agency: str, level: str, score: int, **extra: object
) -> CompletedResponse:
    items = {item.id: (6 - score if item.reverse else score) for item in questionnaire.items}
    return CompletedResponse(agency_id=agency, level_id=level, items=items, **extra)  # type: ignore[arg-type]


def record(app: Flask, slug: str, people: list[CompletedResponse]) -> None:
    with app.app_context():
        live = db.session.scalar(select(Round).where(Round.slug == slug))
        assert live is not None
        record_submissions(live, current_questionnaire(), people, Channel.IMPORT, date.today())
        db.session.commit()


def people(
    questionnaire: Questionnaire, managers: int, frontline: int, comment: str | None = None
) -> list[CompletedResponse]:
    """Police managers scoring `managers`, police frontline `frontline`, and an even social
    care; each police respondent leaves a comment on trust of their own, if asked to."""
    found = [
        respondent(
            questionnaire,
            "police",
            level,
            score,
            comments={"trust": f"{comment} {n}"} if comment else {},
        )
        for n, (level, score) in enumerate(
            [("operational", managers)] * 6 + [("frontline", frontline)] * 6
        )
    ]
    found += [
        respondent(questionnaire, "childrens-social-care", level, 3)
        for level in ["operational"] * 6 + ["frontline"] * 6
    ]
    return found


@pytest.fixture
def board(
    app: Flask, make_round: MakeRound, questionnaire: Questionnaire, make_workshop: Any
) -> RoundRef:
    """A round without headcounts, a notable police gap, a dozen comments on trust (more
    than the five the report once printed), and two actions agreed at a workshop."""
    made = make_round("paper", agencies=["police", "childrens-social-care"])
    record(app, "paper", people(questionnaire, 5, 2, comment="Police trust remark"))
    workshop: WorkshopRef = make_workshop(title="Board room", round_slug="paper")
    with app.app_context():
        for text, status in (
            ("Meet the police inspector every month", ActionStatus.AGREED),
            ("Share the referral form with schools", ActionStatus.DONE),
        ):
            db.session.add(
                WorkshopAction(
                    session_id=workshop.id, round_id=made.id, text=text, status=status.value
                )
            )
        db.session.commit()
    publish(app, "paper")
    return made


def text_of(response: Any) -> str:
    import html

    return html.unescape(response.get_data(as_text=True))


def glance_of(page: str) -> str:
    found = re.search(r'<section class="boundary-glance".*?</section>', page, re.S)
    assert found is not None, "the dashboard opens with its summary"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", found.group(0)))


def test_the_dashboard_opens_with_the_summary_a_board_reads_first(
    manager: FlaskClient, board: RoundRef, questionnaire: Questionnaire
) -> None:
    page = text_of(manager.get("/reports/paper"))
    # The summary comes before everything else on the page.
    assert page.index("boundary-glance") < page.index('id="summary"') < page.index("Responses")
    glance = glance_of(page)
    # No headcounts: the number who answered, and no response rate.
    assert "24 people answered: 12 managers and 12 frontline practitioners." in glance
    assert "staff asked" not in glance
    # Each feature's level, as a picture with its words.
    assert 'id="glance-levels-title"' in page
    for feature in questionnaire.features:
        assert feature.name in glance
    # The one notable gap (police), in the chart and in words; social care's is not notable.
    assert 'id="glance-gaps-title"' in page
    assert "(Police): managers" in glance and "Children's social care" not in glance
    assert "No earlier round of this questionnaire to compare with." in glance
    # The actions, open ones first, with how many stand at each status.
    assert "1 agreed, 1 done." in glance
    assert glance.index("Meet the police inspector") < glance.index("Share the referral form")


def test_the_summary_never_names_a_suppressed_gap(
    app: Flask, manager: FlaskClient, make_round: MakeRound, questionnaire: Questionnaire
) -> None:
    """Three health managers far above three health practitioners: too few on each side for
    Health's own gap to be shown, though it moves the partnership's (which is shown)."""
    make_round("small", agencies=["police", "health"])
    found = people(questionnaire, 3, 3)
    found += [respondent(questionnaire, "health", "operational", 5) for _ in range(3)]
    found += [respondent(questionnaire, "health", "frontline", 1) for _ in range(3)]
    record(app, "small", found)
    publish(app, "small")
    glance = glance_of(text_of(manager.get("/reports/small")))
    assert "(Whole partnership): managers" in glance
    assert "Health" not in glance


def test_an_agency_leads_summary_names_no_other_agencys_gap(
    client: FlaskClient, board: RoundRef, make_user: Any, sign_in: Any
) -> None:
    """Police's notable gap is in the partnership's summary; social care's lead, who may see
    their own agency's detail only, is not shown it."""
    sign_in(make_user("agency-lead", agency="childrens-social-care"))
    glance = glance_of(text_of(client.get("/reports/paper")))
    assert "Police" not in glance
    assert "people answered" in glance


def test_what_moved_since_the_last_round_is_compared_by_default(
    app: Flask, manager: FlaskClient, make_round: MakeRound, questionnaire: Questionnaire
) -> None:
    """Trust rose clearly from an earlier round of the same questionnaire: the summary says
    so without anyone choosing the comparison; choosing "No earlier round" takes it away."""
    make_round("before", opens_in_days=-90, closes_in_days=-60)
    record(app, "before", people(questionnaire, 2, 2))
    publish(app, "before")
    make_round("after")
    record(app, "after", people(questionnaire, 4, 4))
    publish(app, "after")
    page = text_of(manager.get("/reports/after"))
    glance = glance_of(page)
    assert "What moved since Test round before" in glance
    assert "Relations of trust rose from" in glance
    assert "Change since Test round before" in page  # the full table, further down
    chosen = glance_of(text_of(manager.get("/reports/after?compare=")))
    assert "rose from" not in chosen and "Not compared with an earlier round" in chosen
    # The earlier round's own summary has no round before it (a later one may be chosen),
    # and no gap: managers and frontline answered alike.
    before = glance_of(text_of(manager.get("/reports/before")))
    assert "rose from" not in before and "Not compared with an earlier round" in before
    assert "is large and certain enough to count as notable" in before
    assert 'id="glance-gaps-title"' not in before


@pytest.fixture
def paper_pdf(request: pytest.FixtureRequest, made_once: dict[str, Any]) -> bytes:
    """The board round's PDF, typeset once for the tests below, which only read it."""
    if "paper.pdf" not in made_once:
        request.getfixturevalue("board")
        manager: FlaskClient = request.getfixturevalue("manager")
        response = manager.get("/reports/paper/report.pdf")
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        made_once["paper.pdf"] = bytes(response.data)
    pdf: bytes = made_once["paper.pdf"]
    return pdf


def test_the_pdf_opens_with_the_summary_and_keeps_the_statistics_for_the_end(
    paper_pdf: bytes,
) -> None:
    reader = PdfReader(io.BytesIO(paper_pdf))
    summary = re.sub(r"\s+", " ", reader.pages[2].extract_text() or "")
    assert summary.startswith("Summary") or "Summary" in summary[:200]
    assert "24 people answered: 12 managers and 12 frontline practitioners." in summary
    assert "Where each feature stands" in summary
    assert "(Police): managers" in summary
    assert "What moved" in summary and "Actions agreed at workshops" in summary
    assert "Meet the police inspector every month" in summary
    text = pdf_text(paper_pdf)
    method = text.index("Method and anonymity", text.index("Method and anonymity") + 1)
    for statistic in ("95% interval", "Effect (g)", "Alpha, every answer", "Omega"):
        assert statistic in text[method:], statistic
        assert statistic not in text[:method], f"{statistic} before the method chapter"
    assert not GLUED_HEADERS.search(text), GLUED_HEADERS.search(text)


def test_without_headcounts_the_pdf_counts_who_answered(paper_pdf: bytes) -> None:
    text = pdf_text(paper_pdf)
    who = text[text.index("Who answered", text.index("Who answered") + 1) :]
    who = who[: who.index("Maturity by feature")]
    assert "No headcounts were given" in who
    assert "no data" not in who and "Rate" not in who
    assert re.search(r"Police 12 6 6", who), "police: 12 people, 6 managers, 6 frontline"


def test_every_published_comment_is_in_the_pdf(paper_pdf: bytes) -> None:
    text = pdf_text(paper_pdf)
    for n in range(12):
        assert f"Police trust remark {n}" in text, n
    assert "more comments are on the dashboard" not in text


def body_sizes(page: Any) -> Counter[float]:
    """Characters by the size (in points) they are set at on one page."""
    sizes: Counter[float] = Counter()

    def visit(text: str, cm: list[float], tm: list[float], _font: Any, size: float) -> None:
        scale = math.hypot(tm[0], tm[1]) * math.hypot(cm[0], cm[1])
        if text.strip():
            sizes[round(size * scale, 1)] += len(text.strip())

    page.extract_text(visitor_text=visit)
    return sizes


def test_the_demo_report_reads_as_a_board_paper(app: Flask, tmp_path: Path) -> None:
    """The demo round's PDF: no near-empty page, body text at 11pt or more, no headers run
    together."""
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo"]).exit_code == 0
    target = tmp_path / "demo.pdf"
    result = runner.invoke(args=["report", "demo", "-o", str(target)])
    assert result.exit_code == 0, result.output
    reader = PdfReader(io.BytesIO(target.read_bytes()))
    thin = {
        number: len((page.extract_text() or "").strip())
        for number, page in enumerate(reader.pages, 1)
        if len((page.extract_text() or "").strip()) < NEAR_EMPTY
    }
    assert thin == {}, f"pages with little on them (characters): {thin}"
    # The summary in words is body text: most of its page is set at 11pt or more.
    words = next(
        page for page in reader.pages if "The summary in words" in (page.extract_text() or "")
    )
    sizes = body_sizes(words)
    body = sum(count for size, count in sizes.items() if size >= BODY_SIZE)
    assert body > 0.6 * sum(sizes.values()), sizes
    assert min(sizes) >= 8.5, sizes  # not even the running header is smaller
    assert not GLUED_HEADERS.search(pdf_text(target.read_bytes()))
