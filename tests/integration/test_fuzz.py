"""Fuzzing every form through the real test client, and the CSV importer through the CLI.

Hypothesis builds posts from each page's own fields (so most reach the views past the CSRF
check), with values that are right, wrong, repeated, missing, over-long, full of control
characters or sent as a file. Whatever is sent: never a 500, and the database is checked
after every example: drafts hold only answers a page could give, every submission is whole
(a score for every feature), and an import adds all of its rows or none.

Example counts are kept small, so that the whole file adds well under a minute to the suite;
raise FUZZ_EXAMPLES to search longer (`FUZZ_EXAMPLES=500 pytest tests/integration/test_fuzz.py`).
"""

from __future__ import annotations

import csv
import html
import io
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from surveys.database import db
from surveys.library import current_questionnaire
from surveys.questionnaire import Questionnaire
from surveys.responses.answers import COMMENT_MAX_LENGTH, DONT_KNOW, NOT_SAID
from surveys.responses.models import Draft, ImportRecord, Submission
from surveys.responses.tallies import FeatureTally
from surveys.rounds.models import Round
from surveys.workshops.models import RoomResponse, WorkshopAction
from tests.helpers import Respondent, RoundRef, WorkshopRef, answer_everything, csrf_token_in

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # no example database written into the working tree
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
CHEAP = settings(FUZZ, max_examples=3 * EXAMPLES)  # an import of a few rows is quick
COSTLY = settings(FUZZ, max_examples=max(1, EXAMPLES // 2))  # a report or download per example


# Values a form may meet: its own, near misses, and what breaks careless code.
NASTY = [
    "",
    " ",
    "\x00",
    "\r\n",
    "\x0b=1+1",
    "1",
    "3",
    "5",
    "7",
    "0",
    "-1",
    "dk",
    "DK",
    NOT_SAID,
    "none",
    "police",
    "health",
    "frontline",
    "strategic",
    "purpose",
    "trust-2",
    "²",
    "٣",
    "9" * 5000,
    "99999999999999999999",
    "İ" * 200,
    "a" * (COMMENT_MAX_LENGTH + 1),
    "x" * 20_000,
    "<script>alert(1)</script>",
    "'; DROP TABLE submissions; --",
    '=HYPERLINK("http://evil.example")',
    "../../etc/passwd",
    "continue",
    "save",
    "publish",
    "withhold",
    "redact",
    "agreed",
    "done",
    "ABCD-EFGH-JKMN",
    "2027",
    "13",
    "31",
]
value_strategy = st.one_of(
    st.sampled_from(NASTY),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=40),
)


@st.composite
def form_posts(draw: st.DrawFn, names: list[str], offered: dict[str, list[str]]) -> dict[str, Any]:
    """A post built from the page's fields: each mostly given a value the page offers (so
    that posts get past the checks to the code behind them), else dropped, changed or sent
    twice; now and then a field no page has."""
    data: dict[str, Any] = {}
    for name in names:
        choice = draw(st.sampled_from(["keep", "keep", "keep", "keep", "value", "values", "drop"]))
        options = offered.get(name) or [""]
        if choice == "drop" and name != "csrf_token":
            continue
        if choice == "keep" or name == "csrf_token":
            data[name] = draw(st.sampled_from(options))
        elif choice == "values":
            data[name] = draw(
                st.lists(st.one_of(st.sampled_from(options), value_strategy), max_size=3)
            )
        else:
            data[name] = draw(value_strategy)
    if draw(st.integers(0, 5)) == 0:
        data[draw(st.sampled_from(["x", "purpose-1", "trust-2", "agency", "action"]))] = draw(
            value_strategy
        )
    return data


TAG = re.compile(r"<(?:input|button|textarea|select)\b[^>]*>")
NAME = re.compile(r'\bname="([^"]+)"')
VALUE = re.compile(r'\bvalue="([^"]*)"')


def fields_of(page: str) -> tuple[list[str], dict[str, list[str]]]:
    """The page's field names, and for each the values it offers (a hidden field's value,
    each radio's and checkbox's, each button's)."""
    offered: dict[str, list[str]] = {}
    for tag in TAG.findall(page):
        name = NAME.search(tag)
        if name is None:
            continue
        value = VALUE.search(tag)
        values = offered.setdefault(html.unescape(name.group(1)), [])
        if value is not None and html.unescape(value.group(1)) not in values:
            values.append(html.unescape(value.group(1)))
    return list(offered), offered


def send(client: FlaskClient, path: str, data: dict[str, Any], as_file: str | None) -> Any:
    """Post as a browser would, or (as_file) with one field as a multipart file part."""
    if as_file is not None and as_file in data:
        data = {**data, as_file: (io.BytesIO(b"not text"), "part.txt")}
        return client.post(path, data=data, content_type="multipart/form-data")
    return client.post(path, data=data)


def never_a_500(response: Any, what: str) -> None:
    body = response.get_data().decode("utf-8", "replace")  # a download is not text
    assert response.status_code < 500, (what, response.status_code, body[-1500:])
    assert "Traceback" not in body, what


def draft_is_sound(answers: dict[str, Any], q: Questionnaire, agencies: set[str]) -> None:
    """A draft holds only what a page could have given."""
    assert set(answers) <= {"about", "items", "comments", "partners", "ratings"}, answers
    items = {item.id for item in q.items}
    scale = {"1", "2", "3", "4", "5", DONT_KNOW}
    for item, value in answers.get("items", {}).items():
        assert item in items and value in scale, (item, value)
    for feature, text in answers.get("comments", {}).items():
        assert q.feature(feature) is not None
        assert len(text) <= COMMENT_MAX_LENGTH and "\x00" not in text
    about = answers.get("about", {})
    assert about.get("agency") in agencies | {"", None}, about
    assert about.get("level") in {level.id for level in q.levels} | {"", None}, about
    assert set(answers.get("partners", [])) <= agencies | {"none"}
    for value in answers.get("ratings", {}).values():
        assert value in scale


def database_is_sound(app: Flask) -> None:
    """Every draft could have come from the pages; every submission is whole."""
    with app.app_context():
        q = current_questionnaire()
        for draft in db.session.scalars(select(Draft)):
            round_ = db.session.get(Round, draft.round_id)
            assert round_ is not None
            draft_is_sound(dict(draft.answers), q, {a.agency_id for a in round_.agencies})
        submissions = db.session.scalar(select(func.count()).select_from(Submission))
        counted = dict(
            db.session.execute(
                select(FeatureTally.feature_id, func.sum(FeatureTally.respondents)).group_by(
                    FeatureTally.feature_id
                )
            ).all()
        )
        if submissions:
            assert counted == dict.fromkeys((f.id for f in q.features), submissions), (
                "a submission not counted in every feature's tally"
            )
        for submission in db.session.scalars(select(Submission)):
            assert submission.answers, "a submission without answers"
            assert all(a.value is None or 1 <= a.value <= 5 for a in submission.answers)
        for response in db.session.scalars(select(RoomResponse)):
            assert response.agency_id and response.level_id
        db.session.rollback()


def count(app: Flask, model: type[Any]) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


# --- the survey -----------------------------------------------------------------------------

SURVEY_PAGES = [
    "/about-you",
    "/section/purpose",
    "/section/trust",
    "/section/dialogue",
    "/partners",
    "/partners/ratings",
    "/resume",
    "/submit",
    "/new",
]


def journey_at(client: FlaskClient, round_: RoundRef, stage: str, q: Questionnaire) -> None:
    """A respondent part-way through: nothing yet, about-you answered, or at the check page."""
    client.post(round_.url + "/new", data={"csrf_token": token_for(client, round_.url + "/resume")})
    person = Respondent(client, round_)
    if stage == "about":
        person.get("/about-you")
        person.post({"agency": "police", "level": "frontline"})
    if stage == "check":
        answer_everything(person, q)


def token_for(client: FlaskClient, path: str) -> str:
    return csrf_token_in(client.get(path, follow_redirects=True).get_data(as_text=True))


@FUZZ
@given(
    page=st.sampled_from(SURVEY_PAGES),
    stage=st.sampled_from(["fresh", "about", "about", "check"]),
    data=st.data(),
)
def test_fuzz_survey_posts(
    app: Flask,
    client: FlaskClient,
    make_round: Callable[..., RoundRef],
    page: str,
    stage: str,
    data: st.DataObject,
) -> None:
    round_ = round_once(app, make_round, "fuzzed", localities=("North", "South"))
    q = questionnaire_of(app)
    journey_at(client, round_, stage, q)
    shown = client.get(round_.url + ("/check" if page == "/submit" else page))
    names, offered = fields_of(shown.get_data(as_text=True))
    if page in ("/submit", "/new") or not names:
        token = token_for(client, round_.url + "/resume")
        names, offered = ["csrf_token", "round"], {"round": [round_.token], "csrf_token": [token]}
    post = data.draw(form_posts(names, offered))
    as_file = data.draw(st.one_of(st.none(), st.sampled_from(names)))
    submitted = count(app, Submission)
    response = send(client, round_.url + page, post, as_file)
    never_a_500(response, page)
    if response.status_code >= 400:
        assert count(app, Submission) == submitted  # a refused post stores nothing
    database_is_sound(app)


def round_once(app: Flask, make_round: Callable[..., RoundRef], slug: str, **kw: Any) -> RoundRef:
    """One round for all of a test's examples (the fixtures are not re-run per example)."""
    with app.app_context():
        found = db.session.scalar(select(Round).where(Round.slug == slug))
        if found is not None:
            return RoundRef(found.id, found.slug, found.public_token)
    return make_round(slug, **kw)


def questionnaire_of(app: Flask) -> Questionnaire:
    with app.app_context():
        return current_questionnaire()


# --- workshops: joining, the phone's pages, the facilitator's console -----------------------


@FUZZ
@given(data=st.data(), joined=st.booleans(), code=value_strategy)
def test_fuzz_join_and_phone_answers(
    app: Flask,
    client: FlaskClient,
    make_workshop: Callable[..., WorkshopRef],
    data: st.DataObject,
    joined: bool,
    code: str,
) -> None:
    workshop = workshop_once(app, make_workshop)
    token = token_for(client, "/join")
    never_a_500(client.post("/join", data={"csrf_token": token, "code": code}), "/join")
    with client.session_transaction() as session:
        session.pop("workshops", None)  # a phone that has not said who it is
    if joined:
        page = client.get(workshop.room).get_data(as_text=True)
        names, offered = fields_of(page)
        hidden = {name: values[0] for name, values in offered.items() if len(values) == 1}
        client.post(workshop.room, data={**hidden, "agency": "police", "level": "frontline"})
    page = client.get(workshop.room).get_data(as_text=True)
    names, offered = fields_of(page)
    if not names:
        return  # the room is waiting: nothing to post
    post = data.draw(form_posts(names, offered))
    as_file = data.draw(st.one_of(st.none(), st.sampled_from(names)))
    before = count(app, RoomResponse)
    response = send(client, workshop.room, post, as_file)
    never_a_500(response, workshop.room)
    if response.status_code >= 400:
        assert count(app, RoomResponse) == before
    database_is_sound(app)


def workshop_once(app: Flask, make_workshop: Callable[..., WorkshopRef]) -> WorkshopRef:
    from surveys.workshops.models import WorkshopSession

    with app.app_context():
        found = db.session.scalar(select(WorkshopSession))
        if found is not None:
            return WorkshopRef(found.id, found.join_code)
    return make_workshop(mode="full", features=("purpose", "trust"))


CONSOLE_MOVES = [
    "open",
    "close",
    "reveal",
    "hide",
    "focus",
    "revote",
    "stop-revote",
    "agree",
    "action",
    "nonsense",
]


@FUZZ
@given(move=st.sampled_from(CONSOLE_MOVES), data=st.data())
def test_fuzz_facilitator_console(
    app: Flask,
    client: FlaskClient,
    make_user: Callable[..., str],
    sign_in: Callable[[str], None],
    make_workshop: Callable[..., WorkshopRef],
    move: str,
    data: st.DataObject,
) -> None:
    signed_in_once(app, client, make_user, sign_in, "facilitator")
    workshop = workshop_once(app, make_workshop)
    page = client.get(workshop.console).get_data(as_text=True)
    names, offered = fields_of(page)
    names = list(dict.fromkeys([*names, "feature", "item", "level", "action-text", "status"]))
    post = data.draw(form_posts(names, offered))
    as_file = data.draw(st.one_of(st.none(), st.sampled_from(names)))
    actions = count(app, WorkshopAction)
    response = send(client, f"{workshop.console}/{move}", post, as_file)
    never_a_500(response, move)
    if response.status_code >= 400:
        assert count(app, WorkshopAction) == actions
    with app.app_context():
        for action in db.session.scalars(select(WorkshopAction)):
            assert action.text.strip() and len(action.text) <= 1000
    # The new-workshop form and an action's status, fuzzed the same way.
    page = client.get("/workshops/new").get_data(as_text=True)
    names, offered = fields_of(page)
    never_a_500(send(client, "/workshops/new", data.draw(form_posts(names, offered)), None), "new")
    status = data.draw(value_strategy)
    with app.app_context():
        action_id = db.session.scalar(select(WorkshopAction.id))
    if action_id is not None:
        response = client.post(
            f"/workshops/actions/{action_id}/status",
            data={"csrf_token": offered.get("csrf_token", [""])[0], "status": status},
        )
        never_a_500(response, "status")


def signed_in_once(
    app: Flask,
    client: FlaskClient,
    make_user: Callable[..., str],
    sign_in: Callable[[str], None],
    role: str,
) -> None:
    from surveys.auth.models import User

    with client.session_transaction() as session:
        if session.get("_user_id"):
            return
    with app.app_context():
        known = db.session.scalar(select(User.email).where(User.role == role))
    sign_in(known or make_user(role))


# --- staff forms: sign-in, rounds, headcounts, accounts, moderation -------------------------


@FUZZ
@given(data=st.data(), as_file=st.booleans())
def test_fuzz_sign_in(app: Flask, client: FlaskClient, data: st.DataObject, as_file: bool) -> None:
    page = client.get("/sign-in").get_data(as_text=True)
    names, offered = fields_of(page)
    post = data.draw(form_posts(names, offered))
    response = send(client, "/sign-in", post, "email" if as_file else None)
    never_a_500(response, "/sign-in")


ADMIN_PAGES = [
    "/manage/rounds/new",
    "/manage/rounds/fuzzed/edit",
    "/manage/rounds/fuzzed/headcounts",
    "/manage/users/new",
    "/account/password",
    "/moderate/fuzzed",
]


@FUZZ
@given(path=st.sampled_from(ADMIN_PAGES), data=st.data())
def test_fuzz_admin_forms(
    app: Flask,
    client: FlaskClient,
    make_user: Callable[..., str],
    sign_in: Callable[[str], None],
    make_round: Callable[..., RoundRef],
    path: str,
    data: st.DataObject,
) -> None:
    signed_in_once(app, client, make_user, sign_in, "admin")
    published_once(app, make_round)  # comments to moderate, responses to keep
    shown = client.get(path)
    never_a_500(shown, path)
    names, offered = fields_of(shown.get_data(as_text=True))
    if "csrf_token" not in offered:
        names.append("csrf_token")
        offered["csrf_token"] = [token_for(client, "/manage/rounds/new")]
    if path.startswith("/manage/rounds/fuzzed/headcounts"):
        names += ["police--frontline", "health--strategic"]
    target = path
    if path.startswith("/moderate/"):
        forms = re.findall(
            r'action="(/moderate/fuzzed/comments/[^"]+)"', shown.get_data(as_text=True)
        )
        target = data.draw(st.sampled_from(forms)) if forms else "/moderate/fuzzed/comments/nope"
        names = ["action", *names]
    post = data.draw(form_posts(names, offered))
    as_file = data.draw(st.one_of(st.none(), st.sampled_from(names)))
    response = send(client, target, post, as_file)
    never_a_500(response, target)
    with app.app_context():
        for round_ in db.session.scalars(select(Round)):
            assert len(round_.slug) <= 80 and len(round_.name) <= 200
            assert all(len(loc.locality_id) <= 80 for loc in round_.localities)
            assert all(0 <= h.headcount <= 1_000_000 for h in round_.headcounts)


# --- the CSV importer -----------------------------------------------------------------------


@st.composite
def csv_files(draw: st.DrawFn, q: Questionnaire) -> bytes:
    """A file close to a good one: right and wrong columns, cells and encodings."""
    items = [item.id for item in q.items]
    header = ["agency", "level", *items]
    extra = draw(
        st.lists(
            st.sampled_from(
                ["comment-trust", "locality", "co_location", "health/they-share", "agency", "", "x"]
            ),
            max_size=3,
        )
    )
    if draw(st.booleans()):
        header = [*header, *extra]
    if draw(st.integers(0, 4)) == 0:
        header = draw(st.permutations(header))
    good = {"agency": "police", "level": "frontline", "comment-trust": 'Fine, "quoted"\nline'}
    cell = st.one_of(
        st.sampled_from(["1", "2", "3", "4", "5", "dk", "DK", ""]),
        value_strategy,
    )
    rows = []
    for _ in range(draw(st.integers(0, 6))):
        row = []
        for column in header:
            if draw(st.integers(0, 5)) == 0:
                row.append(draw(cell))
            else:
                row.append(good.get(column, "3"))
        if draw(st.integers(0, 8)) == 0:
            row = row[: draw(st.integers(0, len(row)))] + draw(st.lists(cell, max_size=2))
        rows.append(row)
    separator = draw(st.sampled_from([",", ",", ";", "\t"]))
    output = io.StringIO()
    csv.writer(
        output, delimiter=separator, lineterminator=draw(st.sampled_from(["\n", "\r\n"]))
    ).writerows([header, *rows])
    text = output.getvalue()
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "cp1252", "utf-16", "latin-1"]))
    raw = text.encode(encoding, errors="replace")
    if draw(st.integers(0, 6)) == 0:
        at = draw(st.integers(0, len(raw)))
        raw = raw[:at] + draw(st.binary(max_size=8)) + raw[at:]
    return raw


@CHEAP
@given(data=st.data())
def test_fuzz_csv_import_is_all_or_nothing(
    app: Flask, make_round: Callable[..., RoundRef], tmp_path: Path, data: st.DataObject
) -> None:
    round_once(app, make_round, "fuzzed", localities=("North",))
    raw = data.draw(csv_files(questionnaire_of(app)))
    path = tmp_path / "fuzzed.csv"
    path.write_bytes(raw)
    before = count(app, Submission), count(app, ImportRecord)
    result = app.test_cli_runner().invoke(args=["import-responses", "fuzzed", str(path), "--again"])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # a traceback, not a message
    after = count(app, Submission), count(app, ImportRecord)
    if result.exit_code == 0:
        imported = re.search(r"Imported (\d+) responses", result.stdout)
        assert imported is not None
        assert after[0] == before[0] + int(imported.group(1))
    else:
        assert after == before, result.stderr  # nothing written
        assert "row " in result.stderr or "cannot be read" in result.stderr, result.stderr
    database_is_sound(app)


def test_the_fuzz_checks_can_fail(questionnaire: Questionnaire) -> None:
    """The invariant checks would catch a draft holding something no page offers."""
    with pytest.raises(AssertionError):
        draft_is_sound({"items": {"purpose-1": "7"}}, questionnaire, {"police"})
    with pytest.raises(AssertionError):
        draft_is_sound({"about": {"agency": "nobody"}}, questionnaire, {"police"})
    with pytest.raises(AssertionError):
        draft_is_sound({"comments": {"trust": "x" * 2001}}, questionnaire, {"police"})


# --- what staff pages read from the address -------------------------------------------------

REPORT_PATHS = [
    "/reports/fuzzed",
    "/reports/fuzzed/features/trust",
    "/reports/fuzzed/analysis.csv",
    "/reports/fuzzed/analysis.xlsx",
    "/moderate/fuzzed",
    "/manage/rounds/fuzzed",
    "/manage/downloads",
]


@COSTLY
@given(
    path=st.sampled_from(REPORT_PATHS),
    query=st.dictionaries(
        st.sampled_from(["agency", "locality", "compare", "page", "next", "x"]),
        value_strategy.filter(lambda v: "\x00" not in v),
        max_size=3,
    ),
)
def test_fuzz_report_addresses(
    app: Flask,
    client: FlaskClient,
    make_user: Callable[..., str],
    sign_in: Callable[[str], None],
    make_round: Callable[..., RoundRef],
    path: str,
    query: dict[str, str],
) -> None:
    signed_in_once(app, client, make_user, sign_in, "admin")
    published_once(app, make_round)
    never_a_500(client.get(path, query_string=query), f"{path} {query!r}")


def published_once(app: Flask, make_round: Callable[..., RoundRef]) -> None:
    """The fuzzed round with a release to read: six answers a group, with comments."""
    from datetime import date

    from surveys.responses.answers import CompletedResponse
    from surveys.responses.models import Channel
    from surveys.responses.service import record_submissions
    from tests.helpers import publish

    if count(app, Submission):
        return
    round_once(app, make_round, "fuzzed", localities=("North",))
    with app.app_context():
        live = db.session.scalar(select(Round).where(Round.slug == "fuzzed"))
        assert live is not None
        q = current_questionnaire()
        people = [
            CompletedResponse(
                agency_id=agency,
                level_id=level,
                locality_id="north",
                items={item.id: 1 + n % 5 for item in q.items},
                comments={"trust": f"Said {n}"},
            )
            for agency in ("police", "health")
            for level in ("strategic", "frontline")
            for n in range(6)
        ]
        record_submissions(live, q, people, Channel.IMPORT, date.today())
        db.session.commit()
    publish(app, "fuzzed")
