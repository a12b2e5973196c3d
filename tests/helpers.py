"""Small builders and a test-client respondent shared by the integration tests."""

from __future__ import annotations

import html
import io
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, func, select, update
from werkzeug.test import TestResponse

from surveys.database import Base, db
from surveys.questionnaire import Questionnaire
from surveys.rounds.models import Round

TEST_SECRET = "test-secret-key-not-for-production"
TEST_PASSWORD = "correct horse battery staple"
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def app_config(database_url: str, **overrides: Any) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": TEST_SECRET,
        "PARTNERSHIP_NAME": "Testshire Safeguarding Children Partnership",
        # A PDF report is typeset in the request that asks for it, and not at every publish:
        # tests/integration/test_report_jobs.py tries the background jobs themselves.
        "REPORT_JOBS": "on-request",
        # The suite's fixtures and hand-written answers use version 1's statement ids; the
        # version 2 tests ask for their rounds' version by name.
        "CURRENT_QUESTIONNAIRE": "cop-maturity-v1",
        **overrides,
    }


@dataclass(frozen=True)
class RoundRef:
    """What a test needs to reach a round: its ids, not a live ORM object."""

    id: int
    slug: str
    token: str

    @property
    def url(self) -> str:
        return f"/r/{self.token}"


@dataclass(frozen=True)
class WorkshopRef:
    """A workshop's id and join code."""

    id: int
    code: str

    @property
    def console(self) -> str:
        return f"/workshops/{self.id}"

    @property
    def room(self) -> str:
        return f"/w/{self.code}"


def count_rows(app: Flask, model: type[Base], **where: Any) -> int:
    with app.app_context():
        query = select(func.count()).select_from(model)
        for column, value in where.items():
            query = query.where(getattr(model, column) == value)
        return int(db.session.scalar(query) or 0)


def load_round(app: Flask, slug: str) -> Round:
    with app.app_context():
        round_ = db.session.scalar(select(Round).where(Round.slug == slug))
        assert round_ is not None
        db.session.expunge(round_)
        return round_


def publish(app: Flask, slug: str) -> int:
    """Publish a release of the round as it now is, its comments approved (as a moderator
    would): reports read only releases. Returns the release's number."""
    from surveys.releases.service import publish_release
    from surveys.responses.models import Comment

    with app.app_context():
        round_ = db.session.scalar(select(Round).where(Round.slug == slug))
        assert round_ is not None
        if hasattr(Comment, "status"):
            db.session.execute(
                update(Comment).where(Comment.round_id == round_.id).values(status="published")
            )
            db.session.commit()
        return publish_release(round_).number


HIDDEN = re.compile(r'<input[^>]*name="(csrf_token|round)"[^>]*value="([^"]*)"')


class Respondent:
    """A person answering through the real test client: it reads each page's hidden fields
    (CSRF token, round) and posts back the way the browser would."""

    def __init__(self, client: FlaskClient, round_: RoundRef) -> None:
        self.client = client
        self.round = round_
        self.page: TestResponse | None = None
        self.path = round_.url

    def get(self, path: str = "", follow: bool = True) -> TestResponse:
        self.path = self.round.url + path
        self.page = self.client.get(self.path, follow_redirects=follow)
        if follow:
            self.path = self._landed()
        return self.page

    def _landed(self) -> str:
        """Where the last redirect chain ended, with its query string."""
        assert self.page is not None
        query = self.page.request.query_string.decode()
        return self.page.request.path + (f"?{query}" if query else "")

    def hidden_fields(self) -> dict[str, str]:
        assert self.page is not None, "get a page first"
        return dict(HIDDEN.findall(self.page.get_data(as_text=True)))

    def post(
        self,
        data: dict[str, Any],
        path: str | None = None,
        action: str | None = "continue",
        follow: bool = True,
    ) -> TestResponse:
        form = {**self.hidden_fields(), **({"action": action} if action else {}), **data}
        target = self.round.url + path if path is not None else self.path
        self.page = self.client.post(target, data=form, follow_redirects=follow)
        if follow:
            self.path = self._landed()
        return self.page

    def text(self) -> str:
        assert self.page is not None
        return self.page.get_data(as_text=True)


def feature_answers(
    questionnaire: Questionnaire, feature_id: str, value: str = "4"
) -> dict[str, str]:
    feature = questionnaire.feature(feature_id)
    assert feature is not None
    return {item.id: value for item in feature.items}


def answer_everything(
    person: Respondent,
    questionnaire: Questionnaire,
    *,
    agency: str = "police",
    level: str = "frontline",
    partners: tuple[str, ...] = ("health",),
    value: str = "4",
) -> TestResponse:
    """Walk the whole journey up to the check page."""
    person.get("/about-you")
    person.post({"agency": agency, "level": level})
    for feature in questionnaire.features:
        person.post(feature_answers(questionnaire, feature.id, value))
    person.post({"partners": list(partners) or ["none"]})
    if partners:
        ratings = {
            f"{partner}--{question.id}": "3"
            for partner in partners
            for question in questionnaire.partners.questions
        }
        person.post(ratings)
    assert person.path.endswith("/check"), person.path
    return person.page  # type: ignore[return-value]


CSRF_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*>')


def csrf_token_in(page: str) -> str:
    """The CSRF token of the first form on a page, whatever the attribute order."""
    field = CSRF_INPUT.search(page)
    assert field is not None, "the page has no form with a CSRF token"
    value = re.search(r'value="([^"]*)"', field.group(0))
    assert value is not None
    return value.group(1)


@dataclass(frozen=True)
class StoredScore:
    agency: str
    level: str
    locality: str | None
    score: float | None  # None: too few statements answered


def feature_scores_from_answers(questionnaire: Questionnaire, feature_id: str) -> list[StoredScore]:
    """Each stored response's score on a feature, worked out here from its stored answers (in
    an app context): reverse items flipped, scored when 60% of the statements have a 1-5
    answer. Written out again on purpose, so the tallies are checked against the raw answers
    by rules that do not come from surveys/scoring."""
    from surveys.responses.models import Answer, Submission

    feature = questionnaire.feature(feature_id)
    assert feature is not None
    reverse = {item.id: item.reverse for item in feature.items}
    by_submission: dict[int, list[int]] = {}
    for submission_id, item_id, value in db.session.execute(
        select(Answer.submission_id, Answer.item_id, Answer.value).where(
            Answer.item_id.in_(list(reverse))
        )
    ):
        if value is not None:
            by_submission.setdefault(submission_id, []).append(
                6 - value if reverse[item_id] else value
            )
    scores = []
    for submission in db.session.scalars(select(Submission)):
        given = by_submission.get(submission.id, [])
        enough = len(given) * 5 >= len(reverse) * 3 and given
        scores.append(
            StoredScore(
                submission.agency_id,
                submission.level_id,
                submission.locality_id,
                sum(given) / len(given) if enough else None,
            )
        )
    return scores


def pdf_text(data: bytes) -> str:
    """A PDF's text as pypdf reads it back, white space folded."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", " ", "\n".join(page.extract_text() or "" for page in reader.pages))


def without_redis(reason: str) -> NoReturn:
    """Skip a test that needs Redis where none answers, unless the run requires Redis
    (TEST_REQUIRE_REDIS=1, as CI sets it): then a Redis test that cannot run fails."""
    import pytest

    if os.environ.get("TEST_REQUIRE_REDIS") == "1":
        pytest.fail(f"{reason}, and TEST_REQUIRE_REDIS=1 says this run must have it")
    pytest.skip(reason)


def field_error(page: str, field: str) -> str:
    """The error message shown at a field (govuk-frontend's error message above the input)."""
    found = re.search(
        rf'<p id="{field}-error" class="govuk-error-message">(.*?)</p>', page, re.DOTALL
    )
    assert found is not None, f"no error at {field}"
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).strip()


@dataclass(frozen=True)
class PdfStructure:
    """What a tagged PDF tells a screen reader, read back with pikepdf: its structure
    elements in reading order (depth first), each as (type, page index, alt text)."""

    tagged: bool
    marked: bool
    lang: str
    title: str
    shows_title: bool
    pdf_ua_part: str | None
    bookmarks: int
    elements: list[tuple[str, int, str | None]]
    table_cells_without_headers: int

    def kinds(self) -> set[str]:
        return {kind for kind, _, _ in self.elements}

    def of_kind(self, kind: str) -> list[tuple[str, int, str | None]]:
        return [element for element in self.elements if element[0] == kind]


def pdf_structure(data: bytes) -> PdfStructure:
    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as pdf:
        pages = {page.obj.objgen: number for number, page in enumerate(pdf.pages)}
        elements: list[tuple[str, int, str | None]] = []
        unheaded = 0

        def walk(node: Any) -> None:
            nonlocal unheaded
            if isinstance(node, pikepdf.Array):
                for child in node:
                    walk(child)
                return
            # A kid is a structure element, or marked content (a number, or an MCR or
            # OBJR dictionary), which has no /S.
            if not isinstance(node, pikepdf.Dictionary) or "/S" not in node:
                return
            kind = str(node.S)[1:]
            page = pages.get(node.Pg.objgen, -1) if "/Pg" in node else -1
            alt = str(node.Alt) if "/Alt" in node else None
            elements.append((kind, page, alt))
            if kind == "TD" and not len(
                node.get("/A", pikepdf.Dictionary()).get("/Headers", pikepdf.Array())
            ):
                unheaded += 1
            if "/K" in node:
                walk(node.K)

        root = pdf.Root
        tagged = "/StructTreeRoot" in root
        if tagged:
            walk(root.StructTreeRoot.K)
        with pdf.open_metadata() as metadata:
            part = metadata.get("pdfuaid:part")
        with pdf.open_outline() as outline:
            bookmarks = len(outline.root)
        return PdfStructure(
            tagged=tagged,
            marked=bool(root.get("/MarkInfo", pikepdf.Dictionary()).get("/Marked", False)),
            lang=str(root.get("/Lang", "")),
            title=str(pdf.docinfo.get("/Title", "")),
            shows_title=bool(
                root.get("/ViewerPreferences", pikepdf.Dictionary()).get("/DisplayDocTitle", False)
            ),
            pdf_ua_part=str(part) if part is not None else None,
            bookmarks=bookmarks,
            elements=elements,
            table_cells_without_headers=unheaded,
        )


def assert_tagged(data: bytes, title: str) -> PdfStructure:
    """The checks every Boundary PDF passes: tagged as PDF/UA-1, in British English, its
    title shown, real headings and table headers, and a text alternative on every figure."""
    found = pdf_structure(data)
    assert found.tagged, "the PDF has no structure tree"
    assert found.marked, "the PDF is not marked as tagged (/MarkInfo /Marked)"
    assert found.pdf_ua_part == "1", "the PDF does not say it is PDF/UA-1"
    assert found.lang == "en-GB"
    assert title in found.title and found.shows_title, found.title
    assert {"Document", "H1", "H2", "Table", "TH", "TD", "Figure"} <= found.kinds()
    assert [page for _, page, _ in found.of_kind("H1")] == [0], "one H1: the cover's title"
    figures = found.of_kind("Figure")
    assert all(alt and alt.strip() for _, _, alt in figures), figures
    assert found.table_cells_without_headers == 0, "a table cell has no header"
    # Reading order is the page order: no element is read before one on an earlier page.
    on_pages = [page for _, page, _ in found.elements if page >= 0]
    assert on_pages == sorted(on_pages)
    assert found.bookmarks > 0
    return found


@contextmanager
def statements_of(app: Flask) -> Iterator[list[str]]:
    """Every SQL statement the app's engine sends while the block runs, in order."""
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)
