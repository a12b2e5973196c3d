"""Welsh-ready pages (issue 17): every string on the respondent's and the workshop room's
pages goes through Flask-Babel, so a compiled catalogue changes them without touching a
template. Proved three ways: a test catalogue changes a rendered page; the committed
catalogue template (messages.pot) lists every marked string; and no template of those
pages holds text outside _()."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from jinja2 import Environment
from pypdf import PdfReader

from surveys import create_app
from surveys.database import db
from surveys.questionnaire import Questionnaire
from tests.helpers import (
    TEST_PASSWORD,
    Respondent,
    RoundRef,
    WorkshopRef,
    app_config,
    csrf_token_in,
    pdf_structure,
)

PROJECT = Path(__file__).parents[2]
POT = PROJECT / "surveys" / "translations" / "messages.pot"
MakeRound = Callable[..., RoundRef]
MakeWorkshop = Callable[..., WorkshopRef]

# A few strings in a made-up catalogue: one from a template, one from a form's label, one
# from a form's error message, one with a placeholder, one from a workshop phone page; then
# the facilitator's pages: a template, a form's label, a service's refusal, a plural, a
# choice made per request, an action's status, and the workshop report (PDF).
TEST_CATALOGUE: dict[str, str | tuple[str, ...]] = {
    "Save and continue": "Cadw a pharhau",
    "Which agency do you work for?": "I ba asiantaeth ydych chi'n gweithio?",
    "Select the agency you work for": "Dewiswch yr asiantaeth rydych chi'n gweithio iddi",
    "Statement %(number)s of %(total)s": "Datganiad %(number)s o %(total)s",
    "Join a workshop": "Ymuno â gweithdy",
    "Section %(number)s of %(total)s": "Adran %(number)s o %(total)s",
    "Set up a workshop": "Trefnu gweithdy",
    "Features to cover": "Nodweddion i'w trafod",
    "Answers can only count towards a round if a round is linked": (
        "Dim ond os oes rownd wedi'i chysylltu y gall atebion gyfrif tuag ati"
    ),
    "A pulse: one headline statement per feature": "Curiad: un prif ddatganiad i bob nodwedd",
    "Workshops, newest first": "Gweithdai, y mwyaf diweddar yn gyntaf",
    "Waiting": "Yn aros",
    "Agreed": "Cytunwyd",
    "Levels: measured and agreed": "Lefelau: wedi'u mesur ac wedi'u cytuno",
    # Welsh has six plural forms (none, one, two, few, many, other); "one" is the second.
    "%(num)s person": ("%(num)s o bobl", "%(num)s person", *["%(num)s o bobl"] * 4),
    # The charts the projector and the workshop report draw: a legend, an axis word, a
    # placeholder, and a plural in the text alternative.
    "Frontline": "Rheng flaen",
    # The Design System's own words: the hidden "Error" before a field's error, and the date
    # input's boxes.
    "Error": "Gwall",
    "Day": "Diwrnod",
    "stronger": "cryfach",
    "%(subject)s has its own answers:": "Mae gan %(subject)s ei atebion ei hun:",
    "%(num)s gap is marked notable.": (
        "%(num)s bwlch wedi'u nodi",
        "%(num)s bwlch wedi'i nodi",
        *["%(num)s bwlch wedi'u nodi"] * 4,
    ),
}


@pytest.fixture
def welsh_app(tmp_path: Path, app: Flask, database_url: str) -> Iterator[Flask]:
    """An app on the test database whose pages are in a test locale, 'cy'."""
    catalogue = Catalog(locale="cy")
    for english, welsh in TEST_CATALOGUE.items():
        if isinstance(welsh, tuple):  # a plural: its English plural is the second form
            plural = english.replace("person", "people").replace("gap is", "gaps are")
            catalogue.add((english, plural), welsh)
        else:
            catalogue.add(english, welsh)
    folder = tmp_path / "cy" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "messages.mo").open("wb") as compiled:
        write_mo(compiled, catalogue)
    welsh_app = create_app(
        app_config(
            database_url, BABEL_DEFAULT_LOCALE="cy", BABEL_TRANSLATION_DIRECTORIES=str(tmp_path)
        )
    )
    yield welsh_app
    with welsh_app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_a_compiled_catalogue_changes_the_respondents_pages(
    welsh_app: Flask, make_round: MakeRound, questionnaire: Questionnaire
) -> None:
    person = Respondent(welsh_app.test_client(), make_round())
    page = person.get("/about-you").text
    assert '<html lang="cy"' in page
    assert "Adran 1 o 8" in page  # made in Python (surveys/responses/journey.py)
    assert "Cadw a pharhau" in page and "Save and continue" not in page
    assert "I ba asiantaeth ydych chi&#39;n gweithio?" in page
    # Strings not in the catalogue stay English: nothing is lost for want of a translation.
    assert "Save and come back later" in page
    person.post({"level": "frontline"})
    assert "Dewiswch yr asiantaeth rydych chi&#39;n gweithio iddi" in person.text()
    # The hidden word a screen reader says before the error, the Design System's own.
    assert '<span class="govuk-visually-hidden">Gwall:</span>' in person.text()
    assert '<span class="govuk-visually-hidden">Error:</span>' not in person.text()
    person.post({"agency": "police", "level": "frontline"})
    total = len(questionnaire.items)
    assert f"Datganiad 1 o {total}" in person.text()
    assert f"Statement 1 of {total}" not in person.text()


def test_a_compiled_catalogue_changes_the_workshop_phone_pages(welsh_app: Flask) -> None:
    page = welsh_app.test_client().get("/join").text
    assert "Ymuno â gweithdy" in page and "Join a workshop" not in page


def signed_in_facilitator(app: Flask, make_user: Callable[..., str]) -> FlaskClient:
    client = app.test_client()
    token = csrf_token_in(client.get("/sign-in").get_data(as_text=True))
    email = make_user("facilitator")
    response = client.post(
        "/sign-in", data={"csrf_token": token, "email": email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    return client


def test_a_compiled_catalogue_changes_the_facilitators_workshop_pages(
    welsh_app: Flask, make_user: Callable[..., str], make_workshop: MakeWorkshop
) -> None:
    facilitator = signed_in_facilitator(welsh_app, make_user)
    page = facilitator.get("/workshops/new").text
    assert "Trefnu gweithdy" in page and "Set up a workshop" not in page  # the template
    assert "Nodweddion i&#39;w trafod" in page  # a form's label, made once at import
    assert "Curiad: un prif ddatganiad i bob nodwedd" in page  # a choice, made per request
    assert "Diwrnod" in page  # the Design System's date input, its first box
    refused = facilitator.post(
        "/workshops/new",
        data={
            "csrf_token": csrf_token_in(page),
            "title": "North cluster",
            "held_on": ["23", "11", "2026"],
            "round": "",
            "features": ["trust"],
            "mode": "full",
            "counts": "y",
        },
    )
    # Counting towards a round with no round linked: the service refuses, in Welsh.
    assert refused.status_code == 200
    refusal = "Dim ond os oes rownd wedi&#39;i chysylltu y gall atebion gyfrif tuag ati"
    assert refusal in refused.text

    make_workshop(open_answering=False)
    listed = facilitator.get("/workshops").text
    assert "Gweithdai, y mwyaf diweddar yn gyntaf" in listed and "Yn aros" in listed


def test_a_compiled_catalogue_changes_the_workshop_report(
    welsh_app: Flask, make_user: Callable[..., str], make_workshop: MakeWorkshop
) -> None:
    facilitator = signed_in_facilitator(welsh_app, make_user)
    workshop = make_workshop()
    token = csrf_token_in(facilitator.get(workshop.console).text)
    added = facilitator.post(
        f"{workshop.console}/action",
        data={"csrf_token": token, "action-text": "Meet monthly", "action-feature": "trust"},
    )
    assert added.status_code == 302
    response = facilitator.get(f"{workshop.console}/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    text = " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)
    assert "Lefelau: wedi'u mesur ac wedi'u cytuno" in text
    assert "Levels: measured and agreed" not in text
    assert "Cytunwyd" in text  # the action's status, from Python
    assert "o bobl" in text  # a plural: the smallest group shown, in people
    assert pdf_structure(response.data).lang == "cy"  # a screen reader reads it in Welsh


def test_the_error_message_macro_is_the_packages_own_but_for_its_one_word() -> None:
    """templates/govuk_frontend_jinja/.../error-message/macro.html stands in for the
    package's, to put its hidden "Error" through gettext; anything else the package changes
    in it must be taken over, so the two may differ only there."""
    from importlib.resources import files

    name = "components/error-message/macro.html"
    package = files("govuk_frontend_jinja").joinpath("templates", name)
    ours = Path(__file__).parents[2] / "templates" / "govuk_frontend_jinja" / name
    without_comment = ours.read_text().split("-#}\n", 1)[1]
    assert without_comment == package.read_text().replace(
        'default("Error")', 'default(_("Error"))'
    ), f"{package} has changed: make {ours} again from it"


def test_a_compiled_catalogue_changes_the_charts_words(welsh_app: Flask) -> None:
    """The gap and answer charts (on the projector and in the workshop report) draw their
    legends, axis words and text alternatives from the catalogue."""
    from surveys.reporting import charts

    with welsh_app.test_request_context():
        gaps = charts.gap_chart("gaps", [charts.GapRow("Trust", 3.0, 3.6, notable=True)], "Gaps")
        answers = charts.distribution_chart(
            "answers",
            [charts.DistributionRow("Balance", [0.2] * 5, short_label="S7", poles=list("abcde"))],
            ["1", "2", "3", "4", "5"],
            "Don't know",
            "Answers",
            "Not applicable",
        )
    assert "Rheng flaen" in gaps and "Frontline" not in gaps
    assert ">cryfach<" in gaps and ">stronger<" not in gaps  # the axis word, drawn
    assert "1 bwlch wedi&#39;i nodi" in gaps or "1 bwlch wedi'i nodi" in gaps  # the plural
    assert "Mae gan S7 ei atebion ei hun:" in answers


def test_the_workshop_report_is_made_again_in_a_new_language(
    app: Flask, welsh_app: Flask, make_workshop: MakeWorkshop
) -> None:
    from surveys.workshops.models import WorkshopSession
    from surveys.workshops.report import edition

    workshop = make_workshop()
    editions = []
    for each in (app, welsh_app):
        with each.test_request_context():
            found = db.session.get(WorkshopSession, workshop.id)
            assert found is not None
            editions.append(edition(found))
    assert editions[0] != editions[1]  # an English copy is never served to a Welsh reader


def test_without_a_catalogue_the_pages_are_in_english(
    client: FlaskClient, make_round: MakeRound
) -> None:
    person = Respondent(client, make_round())
    page = person.get("/about-you").text
    assert '<html lang="en"' in page and "Save and continue" in page
    assert "Which agency do you work for?" in page
    assert "Join a workshop" in client.get("/join").text


def marked_strings() -> set[str]:
    """Every string marked for translation, as `pybabel extract -F babel.cfg` finds them."""
    method_map = [("surveys/**.py", "python"), ("templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None}
    found = set()

    # Folders starting with "_" (templates/_macros) are read too, as README's command does.
    def wanted(path: str) -> bool:
        name = Path(path).name
        return not name.startswith(".") and name != "__pycache__"

    for _file, _line, message, _comments, _context in extract_from_dir(
        str(PROJECT), method_map, keywords=keywords, directory_filter=wanted
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_the_committed_catalogue_template_lists_every_marked_string() -> None:
    with POT.open("rb") as pot:
        committed = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(pot) if m.id}
    marked = marked_strings()
    assert marked - committed == set(), "run the pybabel extract command in README"
    assert committed - marked == set(), "run the pybabel extract command in README"
    assert "Save and continue" in committed and len(committed) > 150


# --- no text outside _() --------------------------------------------------------------------

TEMPLATES = PROJECT / "templates"
CHECKED = sorted(
    [
        *TEMPLATES.glob("respond/*.html"),
        TEMPLATES / "invitations" / "enter.html",  # a respondent's page, in rounds that ask
        *TEMPLATES.glob("errors/*.html"),  # what a respondent sees when something goes wrong
        TEMPLATES / "base.html",
        TEMPLATES / "pdf" / "workshop.html",  # the workshop report
        TEMPLATES / "pdf" / "_macros.html",  # its numbers and actions table
        TEMPLATES / "_macros" / "journey.html",
        *(
            TEMPLATES / "workshops" / name
            for name in (
                "join.html",
                "participant.html",
                "_participant_status.html",
                "_room.html",
                "projector.html",
                "_projector_live.html",
                "console.html",
                "_console_live.html",
                "end.html",
                # the facilitator's: set up, list and report pages
                "new.html",
                "sessions.html",
                "report.html",
            )
        ),
    ]
)

# Strings that look like words but are not for people to read, each with its reason.
ALLOWED = {
    "Boundary": "the service's own name (the header's logo text): a name, the same in Welsh",
}

PLACEHOLDER = "\x00"
TAG = re.compile(r"<[^<>]*>", re.S)
HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
ENTITY = re.compile(r"&[#\w]+;")
READ_ATTRIBUTE = re.compile(r'\b(aria-label|alt|title|placeholder)="([^"]*)"')
# Classes, ids, endpoints and values; or a macro's camelCase key ("preventDoubleClick").
CODE_WORDS = re.compile(r"[a-z0-9_\-\.!/:#%=]+|[a-z]+(?:[A-Z][a-z]*)+")


def is_prose(text: str) -> bool:
    """Whether a template's string reads as words for people, not a class, id or value."""
    text = " ".join(TAG.sub(" ", text).split())  # '<p class="govuk-body">' holds no words
    if not re.search(r"[A-Za-z]{2,}", text) or text in ALLOWED:
        return False
    return not all(CODE_WORDS.fullmatch(word) for word in text.split())


def unwrapped(source: str) -> list[str]:
    """The text of a template that a translation could not reach."""
    problems: list[str] = []
    page: list[str] = []
    tokens = [(kind, value) for _line, kind, value in Environment().lex(source)]
    significant = [t for t in tokens if t[0] not in ("whitespace",)]
    in_comment = False
    for index, (kind, value) in enumerate(significant):
        if kind == "comment_begin":
            in_comment = True
        elif kind == "comment_end":
            in_comment = False
        elif in_comment:
            continue
        elif kind == "data":
            page.append(value)
        elif kind in ("variable_begin", "block_begin"):
            page.append(PLACEHOLDER)
        elif kind == "string":
            value = value[1:-1]  # as lexed, with its quotes
            before = [v for _k, v in significant[max(0, index - 4) : index]]
            wrapped = before[-2:] in (["_", "("], ["gettext", "("], ["ngettext", "("])
            # ngettext's plural: ngettext("one", "many", n)
            wrapped = wrapped or (before[:2] == ["ngettext", "("] and before[-1:] == [","])
            if not wrapped and is_prose(value):
                problems.append(f"string {value!r}")
    text = HTML_COMMENT.sub("", "".join(page))
    for attribute, value in READ_ATTRIBUTE.findall(text):
        for part in value.split(PLACEHOLDER):
            if is_prose(part.strip()):
                problems.append(f"{attribute}={part.strip()!r}")
    for part in ENTITY.sub(" ", TAG.sub(PLACEHOLDER, text)).split(PLACEHOLDER):
        words = " ".join(part.split())
        if re.search(r"[A-Za-z]{2,}", words) and words not in ALLOWED:
            problems.append(f"text {words!r}")
    return problems


@pytest.mark.parametrize("template", CHECKED, ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_respondent_and_workshop_templates_hold_no_text_outside_gettext(template: Path) -> None:
    assert unwrapped(template.read_text()) == []


def test_the_scan_finds_text_left_outside_gettext() -> None:
    assert unwrapped("<p>Hello</p>") == ["text 'Hello'"]
    assert unwrapped('{{ button({"text": "Send my answers"}) }}') == ["string 'Send my answers'"]
    assert unwrapped('<span aria-label="Close this">x</span>') == ["aria-label='Close this'"]
    assert unwrapped('<p>{{ _("Hello") }}</p>{# A note #}') == []
    assert unwrapped('{{ ngettext("%(num)s phone", "%(num)s phones", n) }}') == []
    assert unwrapped('{{ f("%(num)s phone", "%(num)s phones", n) }}') == [
        "string '%(num)s phone'",
        "string '%(num)s phones'",
    ]
    assert unwrapped('<p class="govuk-body">{{ x }}</p>{{ f("govuk-tag--grey") }}') == []


def test_flask_babel_is_set_up_on_the_first_page_that_translates(
    database_url: str, app: Flask
) -> None:
    fresh = create_app(app_config(database_url))
    try:
        assert "babel" not in fresh.extensions  # start-up (and the CLI) leave it alone
        assert fresh.test_client().get("/join").status_code == 200
        assert "babel" in fresh.extensions
    finally:
        with fresh.app_context():
            db.session.remove()
            db.engine.dispose()
