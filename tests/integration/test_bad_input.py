"""Bad input that once reached a 500: each is now a 400 page or an error at its field, and
nothing is half-written. Runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL, where
over-long values and failed transactions used to surface."""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from surveys import create_app
from surveys.auth.models import User
from surveys.database import db
from surveys.questionnaire import Questionnaire
from surveys.responses.importing import column_letter
from surveys.responses.models import Draft, ImportRecord, Submission
from surveys.rounds.models import Headcount, Round, RoundLocality
from surveys.workshops.models import RoomResponse, WorkshopAction
from tests.helpers import (
    TEST_SECRET,
    RoundRef,
    WorkshopRef,
    app_config,
    count_rows,
    csrf_token_in,
)

MakeRound = Callable[..., RoundRef]
RespondentFor = Callable[[RoundRef], Any]


def refused(response: Any, status: int = 400) -> str:
    """The page is the service's own error page with this status, never a trace."""
    body = html.unescape(response.get_data(as_text=True))
    assert response.status_code == status, body[-2000:]
    assert "govuk-template" in body and "Traceback" not in body
    return body


def run(app: Flask, *args: str) -> tuple[int, str, str]:
    result = app.test_cli_runner().invoke(args=list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def admin(
    client: FlaskClient, make_user: Callable[..., str], sign_in: Callable[[str], None]
) -> FlaskClient:
    sign_in(make_user("admin"))
    return client


def post_form(client: FlaskClient, path: str, data: dict[str, Any]) -> Any:
    token = csrf_token_in(client.get(path).get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **data})


def date_fields(name: str, day: date) -> dict[str, list[str]]:
    return {name: [str(day.day), str(day.month), str(day.year)]}


# --- a statement sent twice -------------------------------------------------------------------


@pytest.mark.parametrize("values", [["4", ""], ["", "4"], ["4", "4"]])
@pytest.mark.parametrize("action", ["continue", "save"])
def test_a_statement_sent_twice_is_refused_and_nothing_is_kept(
    app: Flask,
    make_round: MakeRound,
    respondent_for: RespondentFor,
    values: list[str],
    action: str,
) -> None:
    person = respondent_for(make_round())
    person.get("/section/trust")
    page = person.post({"trust-2": values}, path="/section/trust", action=action)
    assert "more than one answer to 'trust-2'" in refused(page)
    assert count_rows(app, Draft) == 0 and count_rows(app, Submission) == 0


# --- text sent as a file ----------------------------------------------------------------------


def file_part(content: bytes = b"hello") -> tuple[io.BytesIO, str]:
    return io.BytesIO(content), "field.txt"


def test_survey_text_fields_sent_as_files_get_a_400(
    app: Flask, client: FlaskClient, make_round: MakeRound, respondent_for: RespondentFor
) -> None:
    round_ = make_round()
    person = respondent_for(round_)
    person.get("/section/purpose")
    for field, path in (
        ("comment", "/section/purpose"),
        ("purpose-1", "/section/purpose"),
        ("agency", "/about-you"),
        ("code", "/resume"),
    ):
        fields = person.hidden_fields()
        page = client.post(
            round_.url + path,
            data={**fields, "action": "continue", field: file_part()},
            content_type="multipart/form-data",
        )
        assert "no form here takes one" in refused(page), field
    # The CSRF token itself sent as a file is refused the same way.
    page = client.post(
        round_.url + "/section/purpose",
        data={"csrf_token": file_part(), "round": round_.token},
        content_type="multipart/form-data",
    )
    refused(page)
    assert count_rows(app, Draft) == 0


def test_sign_in_join_and_staff_forms_sent_as_files_get_a_400(
    app: Flask,
    client: FlaskClient,
    make_user: Callable[..., str],
    sign_in: Callable[[str], None],
    make_workshop: Callable[..., WorkshopRef],
) -> None:
    def post_file(path: str, field: str, data: dict[str, Any] | None = None) -> Any:
        token = csrf_token_in(client.get(path).get_data(as_text=True))
        return client.post(
            path,
            data={"csrf_token": token, **(data or {}), field: file_part()},
            content_type="multipart/form-data",
        )

    refused(post_file("/sign-in", "email", {"password": "x"}))
    refused(post_file("/join", "code"))
    workshop = make_workshop()  # and its facilitator's account
    sign_in(make_user("admin"))
    with app.app_context():
        accounts = len(db.session.scalars(select(User)).all())
    refused(post_file("/manage/rounds/new", "name"))
    refused(post_file("/manage/users/new", "email"))
    refused(post_file("/account/password", "new"))
    refused(post_file(workshop.console, "action-text"))  # the console's action form
    with app.app_context():
        assert db.session.scalar(select(Round.id)) is None
        assert db.session.scalar(select(WorkshopAction.id)) is None
        assert len(db.session.scalars(select(User)).all()) == accounts


def test_phone_answers_sent_as_files_get_a_400(
    app: Flask, client: FlaskClient, make_workshop: Callable[..., WorkshopRef]
) -> None:
    workshop = make_workshop()
    page = client.get(workshop.room).get_data(as_text=True)
    response = client.post(
        workshop.room,
        data={"csrf_token": csrf_token_in(page), "agency": file_part(), "level": "frontline"},
        content_type="multipart/form-data",
    )
    refused(response)
    assert count_rows(app, RoomResponse) == 0


# --- e-mail addresses longer than their column once lower-cased -------------------------------

# 'İ' (capital I with a dot) lower-cases to two characters: 130 of them pass a 254-character
# check as typed and are 266 characters as stored.
LENGTHENING = "a@" + "İ" * 130 + ".org"


def test_an_email_longer_than_its_column_once_lower_cased_is_a_field_error(
    app: Flask, admin: FlaskClient
) -> None:
    assert len(LENGTHENING) <= 254 < len(LENGTHENING.lower())
    page = post_form(
        admin,
        "/manage/users/new",
        {
            "email": LENGTHENING,
            "name": "Long",
            "role": "manager",
            "agency": "",
            "password": "correct horse battery staple",
        },
    )
    assert page.status_code == 200
    assert "Enter an email address of 254 characters or fewer" in page.get_data(as_text=True)
    assert "Enter an email address of 254" in page.get_data(as_text=True)
    # The request's transaction was not left broken: the next page works.
    assert admin.get("/manage/users").status_code == 200
    with app.app_context():
        assert len(db.session.scalars(select(User)).all()) == 1


@pytest.mark.parametrize("email", [LENGTHENING, "b@" + "x" * 300 + ".org"])
def test_signing_in_with_an_over_long_email_is_a_field_error(
    app: Flask,
    client: FlaskClient,
    make_user: Callable[..., str],
    sign_in: Callable[[str], None],
    email: str,
) -> None:
    page = post_form(client, "/sign-in", {"email": email, "password": "whatever it is"})
    assert page.status_code == 200
    assert "254 characters or fewer" in page.get_data(as_text=True)
    sign_in(make_user("manager"))  # and the same browser can then sign in as normal


def test_create_user_refuses_an_over_long_email_outside_the_form(app: Flask) -> None:
    from surveys.auth.models import Role
    from surveys.auth.service import AccountError, create_user

    with app.app_context(), pytest.raises(AccountError, match="254 characters or fewer"):
        create_user(LENGTHENING, "Long", Role.MANAGER, "correct horse battery staple")


# --- localities and round slugs longer than their columns -------------------------------------


def new_round_fields(**changes: Any) -> dict[str, Any]:
    today = date.today()
    return {
        "name": "Spring",
        "slug": "",
        **date_fields("opens", today),
        **date_fields("closes", today + timedelta(days=20)),
        "agencies": ["police", "health"],
        "localities": "North",
        **changes,
    }


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"localities": "North\n" + "L" * 300}, "Each locality's name must be 80 characters"),
        ({"localities": "İ" * 79}, "Each locality's name must be 80 characters"),
        ({"name": "a b " * 45, "slug": ""}, "The slug must be 80 characters or fewer"),
    ],
)
def test_over_long_localities_and_slugs_are_field_errors(
    app: Flask, admin: FlaskClient, changes: dict[str, Any], message: str
) -> None:
    page = post_form(admin, "/manage/rounds/new", new_round_fields(**changes))
    assert page.status_code == 200
    assert message in html.unescape(page.get_data(as_text=True))
    assert count_rows(app, Round) == 0


def test_editing_a_round_with_an_over_long_locality_is_a_field_error(
    app: Flask, admin: FlaskClient, make_round: MakeRound
) -> None:
    make_round("edited", localities=("North",))
    page = post_form(admin, "/manage/rounds/edited/edit", new_round_fields(localities="N" * 81))
    assert page.status_code == 200
    assert "Each locality's name must be 80 characters" in html.unescape(
        page.get_data(as_text=True)
    )
    with app.app_context():
        assert db.session.scalars(select(RoundLocality.name)).all() == ["North"]


# --- headcounts -----------------------------------------------------------------------------


def headcounts_of(app: Flask) -> list[tuple[str, str, int]]:
    with app.app_context():
        return sorted(
            (h.agency_id, h.level_id, h.headcount) for h in db.session.scalars(select(Headcount))
        )


def test_changing_headcounts_that_are_already_set(
    app: Flask, admin: FlaskClient, make_round: MakeRound
) -> None:
    make_round("counted", agencies=["police", "health"])
    path = "/manage/rounds/counted/headcounts"
    first = post_form(admin, path, {"police--frontline": "120", "health--strategic": "4"})
    assert first.status_code == 302
    # The same groups again, changed, one dropped and one added: once a unique-key error.
    again = post_form(admin, path, {"police--frontline": "121", "police--strategic": "7"})
    assert again.status_code == 302, again.get_data(as_text=True)[-1000:]
    assert headcounts_of(app) == [("police", "frontline", 121), ("police", "strategic", 7)]
    assert post_form(admin, path, {"police--frontline": "121"}).status_code == 302
    assert headcounts_of(app) == [("police", "frontline", 121)]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("²", "enter a whole number"),
        ("٣", "enter a whole number"),  # an Arabic-Indic three: a digit, but not one we take
        ("-3", "enter a whole number"),
        ("99999999999", "no more than 1,000,000"),
        ("9" * 5000, "no more than 1,000,000"),
        ("0" * 4000 + "12", None),  # leading zeros are still twelve
    ],
)
def test_headcounts_that_are_not_sensible_numbers_are_field_errors(
    app: Flask, admin: FlaskClient, make_round: MakeRound, raw: str, message: str | None
) -> None:
    make_round("counted", agencies=["police", "health"])
    page = post_form(admin, "/manage/rounds/counted/headcounts", {"police--frontline": raw})
    if message is None:
        assert page.status_code == 302
        assert headcounts_of(app) == [("police", "frontline", 12)]
        return
    assert page.status_code == 200
    assert message in page.get_data(as_text=True)
    assert headcounts_of(app) == []


# --- staff see the service's own page when the database fails --------------------------------


def test_a_database_error_gives_signed_in_staff_the_service_error_page(
    app: Flask, client: FlaskClient, make_user: Callable[..., str], sign_in: Callable[[str], None]
) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the handler draws the 500

    def broken() -> str:
        # A failed statement (a duplicate key: a bug, not an outage, on both databases): on
        # PostgreSQL the transaction then refuses every statement, including the error
        # page's own look-up of who is signed in.
        db.session.execute(
            text(
                "INSERT INTO alembic_version (version_num) SELECT version_num FROM alembic_version"
            )
        )
        return "unreachable"

    app.add_url_rule("/broken-for-test", view_func=broken)
    sign_in(make_user("admin"))
    body = refused(client.get("/broken-for-test"), 500)
    assert "Sorry, there is a problem with the service" in body
    assert "Sign out" in body  # still the staff member's page, navigation and all


def test_a_database_outage_gives_signed_in_staff_the_service_error_page(
    app: Flask,
    client: FlaskClient,
    make_user: Callable[..., str],
    sign_in: Callable[[str], None],
    tmp_path: Path,
) -> None:
    sign_in(make_user("admin"))
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    # The same service, its database now unreachable (a folder that is not there).
    gone = create_app(
        app_config(f"sqlite:///{tmp_path / 'missing' / 'db.sqlite3'}", PROPAGATE_EXCEPTIONS=False)
    )
    assert gone.config["SECRET_KEY"] == TEST_SECRET
    outage = gone.test_client()
    outage.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie.value)
    for path in ("/manage/rounds", "/reports", "/workshops"):
        response = outage.get(path)
        assert response.status_code in (500, 503), path
        body = response.get_data(as_text=True)
        assert "govuk-template" in body and "Traceback" not in body, path


# --- the importer: the right cell named, only true things said, large cells --------------------


def write_rows(tmp_path: Path, header: list[str], rows: list[list[str]]) -> Path:
    path = tmp_path / "responses.csv"
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def header_for(questionnaire: Questionnaire, *extra: str) -> list[str]:
    return ["agency", "level", *[item.id for item in questionnaire.items], *extra]


def good_row(questionnaire: Questionnaire, *extra: str) -> list[str]:
    return ["police", "frontline", *["3" for _ in questionnaire.items], *extra]


def test_a_byte_that_is_not_utf8_is_named_at_its_own_cell_after_quoted_commas(
    app: Flask, make_round: MakeRound, questionnaire: Questionnaire, tmp_path: Path
) -> None:
    make_round("paper")
    header = header_for(questionnaire, "comment-purpose", "comment-dialogue", "comment-trust")
    path = write_rows(
        tmp_path,
        header,
        [
            good_row(questionnaire, "one, two, three", "a\nline, broken", "fine"),
            good_row(questionnaire, "four, five, six", "more, commas", "Café £5"),
        ],
    )
    path.write_bytes(path.read_text(encoding="utf-8").encode("cp1252"))
    code, _, err = run(app, "import-responses", "paper", str(path))
    letter = column_letter(header.index("comment-trust"))
    assert code != 0
    # The second response, though the first's quoted cell holds a line break.
    assert f"row 3: column {letter} has a character that is not UTF-8 text" in err
    assert "Nothing was imported" in err
    assert count_rows(app, Submission) == 0


def test_a_utf16_file_is_named_as_such(
    app: Flask, make_round: MakeRound, questionnaire: Questionnaire, tmp_path: Path
) -> None:
    make_round("paper")
    path = write_rows(tmp_path, header_for(questionnaire), [good_row(questionnaire)])
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16"))
    code, _, err = run(app, "import-responses", "paper", str(path))
    assert code != 0 and "saved as UTF-16" in err and "CSV UTF-8" in err
    assert count_rows(app, Submission) == 0


def test_a_failed_import_into_a_scheduled_round_says_only_that_nothing_was_imported(
    app: Flask, make_round: MakeRound, questionnaire: Questionnaire, tmp_path: Path
) -> None:
    make_round("later", opens_in_days=5, closes_in_days=30)
    bad = write_rows(tmp_path, header_for(questionnaire), [good_row(questionnaire)[:1] + ["x"]])
    code, out, err = run(app, "import-responses", "later", str(bad))
    assert code != 0
    assert "Nothing was imported" in err
    assert "added to it" not in out + err
    good = write_rows(tmp_path, header_for(questionnaire), [good_row(questionnaire)])
    code, out, err = run(app, "import-responses", "later", str(good))
    assert code == 0 and "Imported 1 responses" in out
    assert "is scheduled; the responses were added to it anyway" in err


@pytest.mark.parametrize("column", ["comment-trust", "agency", "purpose-1"])
def test_a_cell_longer_than_the_csv_modules_limit_is_named(
    app: Flask,
    make_round: MakeRound,
    questionnaire: Questionnaire,
    tmp_path: Path,
    column: str,
) -> None:
    make_round("paper")
    header = header_for(questionnaire, "comment-trust")
    row = good_row(questionnaire, "")
    row[header.index(column)] = "x" * 200_000  # over csv's own 131,072-character limit
    path = write_rows(tmp_path, header, [good_row(questionnaire, "short"), row])
    code, _, err = run(app, "import-responses", "paper", str(path))
    assert code != 0
    letter = column_letter(header.index(column))
    assert f"row 3, column {letter} ({column}): holds 200,000 characters" in err
    assert len(err) < 5_000  # named, not repeated back
    assert count_rows(app, Submission) == 0 and count_rows(app, ImportRecord) == 0


def test_ragged_rows_and_duplicate_headers_are_named(
    app: Flask, make_round: MakeRound, questionnaire: Questionnaire, tmp_path: Path
) -> None:
    make_round("paper")
    header = header_for(questionnaire)
    width = len(header)
    path = write_rows(
        tmp_path,
        header,
        [
            good_row(questionnaire) + ["", ""],  # empty cells past the end: how sheets end rows
            good_row(questionnaire) + ["", "stray"],
            good_row(questionnaire)[:3],  # short: the missing statements are unanswered
        ],
    )
    code, _, err = run(app, "import-responses", "paper", str(path))
    assert code != 0
    assert f"row 3: has a value in column {column_letter(width + 1)}" in err
    assert "row 2" not in err and "row 4" not in err
    assert count_rows(app, Submission) == 0
    twice = write_rows(tmp_path, [*header, "agency"], [good_row(questionnaire) + ["police"]])
    code, _, err = run(app, "import-responses", "paper", str(twice))
    assert code != 0
    assert f"row 1, column {column_letter(width)} (agency): this column appears twice" in err
    assert count_rows(app, Submission) == 0


def test_a_100000_row_file_with_one_bad_row_imports_nothing_and_names_it(
    app: Flask, make_round: MakeRound, questionnaire: Questionnaire, tmp_path: Path
) -> None:
    make_round("paper")
    rows = [good_row(questionnaire) for _ in range(100_000)]
    rows[-1][1] = "chief"  # the very last row
    path = write_rows(tmp_path, header_for(questionnaire), rows)
    code, _, err = run(app, "import-responses", "paper", str(path))
    assert code != 0
    assert "row 100001, column B (level): 'chief' is not a level" in err
    assert count_rows(app, Submission) == 0


def test_a_file_wrong_on_every_row_lists_the_first_problems_and_counts_the_rest(
    app: Flask, make_round: MakeRound, questionnaire: Questionnaire, tmp_path: Path
) -> None:
    make_round("paper")
    rows = [["nobody", *good_row(questionnaire)[1:]] for _ in range(500)]
    path = write_rows(tmp_path, header_for(questionnaire), rows)
    code, _, err = run(app, "import-responses", "paper", str(path))
    assert code != 0
    assert "row 2, column A (agency)" in err and "and 450 more problems like these" in err
    assert "row 501," not in err
    assert count_rows(app, Submission) == 0


# --- NUL characters and numbers too large for the database ----------------------------------
# PostgreSQL refuses any statement carrying a NUL, and an integer past 2**31 - 1: each was a
# 500 on PostgreSQL, from a survey link, a sign-in, a round's page or a workshop's address.


def test_addresses_holding_a_nul_or_a_huge_number_name_nothing(
    client: FlaskClient,
    make_round: MakeRound,
    make_user: Callable[..., str],
    sign_in: Callable[[str], None],
    make_workshop: Callable[..., WorkshopRef],
) -> None:
    round_ = make_round("probe")
    make_workshop()
    for path in ("/r/%00", f"{round_.url}/agency/%00", "/w/AB%00CD", f"{round_.url}/section/%00"):
        refused(client.get(path), 404)
    sign_in(make_user("admin"))
    for path in (
        "/manage/rounds/%00",
        "/reports/%00",
        "/moderate/%00",
        "/reports/probe/features/%00",
        "/workshops/99999999999999999999",
        "/workshops/2147483648/projector",
    ):
        refused(client.get(path), 404)
    refused(client.get("/reports/probe?agency=%00"), 400)


def test_nul_characters_in_form_values_are_taken_out(
    app: Flask, client: FlaskClient, make_user: Callable[..., str], make_round: MakeRound
) -> None:
    email = make_user("manager")
    make_round("probe")
    page = post_form(client, "/sign-in", {"email": "nobody\x00@example.org", "password": "x"})
    assert page.status_code == 200
    assert "Enter a correct email address and password" in page.get_data(as_text=True)
    page = post_form(
        client,
        "/sign-in",
        {"email": email.replace("@", "\x00@"), "password": "correct horse battery staple"},
    )
    assert page.status_code == 302  # the same address, once its NUL is gone
    client.post("/sign-out", data={"csrf_token": csrf_token_in(client.get("/").get_data(True))})


def test_a_round_named_with_a_nul_is_stored_without_it(app: Flask, admin: FlaskClient) -> None:
    page = post_form(
        admin, "/manage/rounds/new", new_round_fields(name="Spr\x00ing", localities="No\x00rth")
    )
    assert page.status_code == 302, page.get_data(as_text=True)[-1500:]
    with app.app_context():
        assert db.session.scalars(select(Round.name)).all() == ["Spring"]
        assert db.session.scalars(select(RoundLocality.name)).all() == ["North"]
