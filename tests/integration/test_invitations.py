"""One-use invitation codes per agency (surveys/invitations), through the real test client
and, for the race, real threads on the real database (SQLite, or PostgreSQL when
TEST_DATABASE_URL is set)."""

from __future__ import annotations

import csv
import html
import io
import re
import threading
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from surveys.audit import AuditEvent
from surveys.database import db
from surveys.invitations import service as invitations
from surveys.invitations.models import CodesIssued, InvitationCode
from surveys.invitations.service import CODE_ALPHABET, InvitationRefused
from surveys.questionnaire import Questionnaire
from surveys.responses import service as responses
from surveys.responses.models import Draft, Submission
from surveys.rounds.models import Round
from tests.helpers import (
    Respondent,
    RoundRef,
    answer_everything,
    count_rows,
    csrf_token_in,
    load_round,
)

CODE_SHAPE = re.compile(r"^[A-Z2-9]{4}-[A-Z2-9]{4}$")


def issue(app: Flask, slug: str, agency: str, how_many: int, required: bool = True) -> list[str]:
    with app.app_context():
        round_ = db.session.scalar(select(Round).where(Round.slug == slug))
        assert round_ is not None
        codes = invitations.issue(round_, agency, how_many)
        if required:
            invitations.set_required(round_, True)
        return codes


def enter_code(person: Respondent, code: str) -> str:
    page = person.get("/invitation")
    assert "Enter your invitation code" in person.text()
    token = csrf_token_in(page.get_data(as_text=True))
    person.page = person.client.post(
        person.round.url + "/invitation",
        data={"csrf_token": token, "code": code},
        follow_redirects=True,
    )
    person.path = person.page.request.path
    return person.text()


def this_round(slug: str) -> Round:
    """The round, in the app context the caller is in."""
    round_ = db.session.scalar(select(Round).where(Round.slug == slug))
    assert round_ is not None
    return round_


def send(person: Respondent) -> Any:
    return person.post({}, path="/submit", action=None, follow=False)


def test_codes_are_short_unambiguous_unique_and_kept_only_as_hashes(
    app: Flask, make_round: Callable[..., RoundRef]
) -> None:
    round_ = make_round()
    codes = issue(app, round_.slug, "police", 300, required=False)
    assert len(set(codes)) == 300
    assert all(CODE_SHAPE.match(code) for code in codes)
    assert not set("".join(codes).replace("-", "")) - set(CODE_ALPHABET)
    assert not set("".join(codes)) & set("ILOU01")
    with app.app_context():
        stored = db.session.execute(text("SELECT * FROM invitation_codes")).all()
    dump = repr(stored)
    assert len(stored) == 300
    assert not any(code.replace("-", "") in dump or code in dump for code in codes)


def test_a_round_needing_codes_asks_for_one_and_the_code_fixes_the_agency(
    app: Flask,
    client: FlaskClient,
    make_round: Callable[..., RoundRef],
    questionnaire: Questionnaire,
) -> None:
    round_ = make_round()
    [code] = issue(app, round_.slug, "health", 1)
    person = Respondent(client, round_)
    person.get()
    assert person.path.endswith("/invitation"), "the journey starts with the code"
    assert person.get("/about-you").request.path.endswith("/invitation")

    wrong = enter_code(person, "ABCD-EFGH")
    assert "This code is not recognised, or it has already been used" in wrong
    assert 'class="govuk-error-message"' in wrong and "govuk-error-summary" in wrong

    landed = enter_code(person, code.lower().replace("-", " "))  # typed loosely
    assert person.path == round_.url, landed[:300]
    # The start page says the code chose the agency, not that the next page can change it.
    assert "Your invitation code is for staff of Health" in landed
    assert "you can change this on the next page" not in landed
    about = person.get("/about-you").get_data(as_text=True)
    assert 'value="health"' in about and 'value="police"' not in about
    # Sending another agency anyway is refused like any answer the page did not offer.
    refused = person.post({"agency": "police", "level": "frontline"}, follow=False)
    assert refused.status_code == 400
    assert "is not one of the answers offered for" in refused.get_data(as_text=True)

    answer_everything(person, questionnaire, agency="health", partners=("police",))
    assert send(person).status_code == 302
    with app.app_context():
        # The code's row is gone, in the submission's own transaction: no hash, no key, no
        # "used" row left whose row version would carry the response's transaction id.
        assert db.session.scalars(select(InvitationCode)).all() == []
        assert everything_stored().count(invitations.code_hash(code)) == 0
        [submission] = db.session.scalars(select(Submission)).all()
        assert submission.agency_id == "health"
        columns = set(Submission.__table__.columns.keys())
        assert not any("invitation" in column or "code" in column for column in columns)

    # The same code again, from another browser: a clear error at the field.
    again = Respondent(app.test_client(), round_)
    again.get()
    used = enter_code(again, code)
    assert "This code is not recognised, or it has already been used" in used
    assert again.path.endswith("/invitation")


def everything_stored() -> str:
    """Every value in every table of the database, as text, to search for a trace."""
    return "\n".join(
        repr(db.session.execute(text(f"SELECT * FROM {table.name}")).all())
        for table in db.metadata.sorted_tables
    )


def test_codes_have_no_sequential_id_to_match_them_by() -> None:
    """A copy of the table taken while codes were unused must not hold a key that later
    rows, or the response's rows, could share: the hash itself is the only key."""
    table = InvitationCode.__table__
    assert [column.name for column in table.columns if column.primary_key] == ["code_hash"]
    assert set(table.columns.keys()) == {"code_hash", "round_id", "agency_id"}


def test_a_link_carrying_the_code_fills_the_form_in_and_only_a_post_accepts_it(
    app: Flask, client: FlaskClient, make_round: Callable[..., RoundRef]
) -> None:
    round_ = make_round()
    [code] = issue(app, round_.slug, "police", 1)
    followed = client.get(f"{round_.url}/invitation?code={code}")
    # Straight back to the bare address: the code leaves the address bar and history entry.
    assert followed.status_code == 302
    assert followed.headers["Location"].endswith(f"{round_.url}/invitation")
    form = client.get(f"{round_.url}/invitation")
    body = form.get_data(as_text=True)
    assert f'value="{code}"' in body and "data-from-link" in body
    # Nothing was accepted: the journey still asks for a code, and no agency is fixed.
    assert client.get(f"{round_.url}/about-you").headers["Location"].endswith("/invitation")
    with client.session_transaction() as held:
        assert not held.get("invitations")
    # A forged POST without the CSRF token (another site's form) is refused too.
    forged = client.post(f"{round_.url}/invitation", data={"code": code})
    assert forged.status_code == 400
    assert "govuk-heading-l" in forged.get_data(as_text=True)  # the GOV.UK error page
    with client.session_transaction() as held:
        assert not held.get("invitations")
    # Pressing Continue on the filled-in form is what uses it.
    landed = client.post(
        f"{round_.url}/invitation",
        data={"csrf_token": csrf_token_in(body), "code": code},
        follow_redirects=True,
    )
    assert landed.request.path == round_.url
    assert "Start now" in landed.get_data(as_text=True)
    assert client.get(f"{round_.url}/about-you").status_code == 200
    assert count_rows(app, InvitationCode) == 1  # held, not spent, until the answers are sent


def test_a_link_with_a_junk_code_just_shows_the_empty_form(
    client: FlaskClient, app: Flask, make_round: Callable[..., RoundRef]
) -> None:
    round_ = make_round()
    issue(app, round_.slug, "police", 1)
    for junk in ("", "<script>x</script>", "A" * 5000):
        followed = client.get(f"{round_.url}/invitation", query_string={"code": junk})
        assert followed.status_code == 302
        page = client.get(f"{round_.url}/invitation").get_data(as_text=True)
        assert "<script>x" not in page and "A" * 9 not in page
        assert "Enter your invitation code" in page


def test_rounds_without_codes_are_answered_as_before(
    client: FlaskClient, make_round: Callable[..., RoundRef], questionnaire: Questionnaire
) -> None:
    round_ = make_round()
    person = Respondent(client, round_)
    answer_everything(person, questionnaire)
    assert send(person).status_code == 302


def complete_answers(questionnaire: Questionnaire, agency: str) -> dict[str, Any]:
    return {
        "about": {"agency": agency, "level": "frontline"},
        "items": {item.id: "4" for item in questionnaire.items},
        "partners": ["none"],
    }


def test_one_code_sent_twice_at_once_stores_one_response(
    app: Flask, make_round: Callable[..., RoundRef], questionnaire: Questionnaire
) -> None:
    """Two browsers holding the same code send at the same moment, on real connections."""
    round_ = make_round()
    [code] = issue(app, round_.slug, "police", 1)
    with app.app_context():
        round_row = this_round(round_.slug)
        drafts = [
            responses.save_draft(round_row, None, complete_answers(questionnaire, "police"))
            for _ in range(2)
        ]
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def send_with_code(draft_code: str) -> None:
        with app.app_context():
            round_here = db.session.get(Round, round_.id)
            assert round_here is not None
            start.wait()
            try:
                result = responses.submit_draft(round_here, questionnaire, draft_code, code)
                outcomes.append(result.value)
            except InvitationRefused:
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=send_with_code, args=(d,)) for d in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["refused", "submitted"]
    assert count_rows(app, Submission) == 1
    assert count_rows(app, Draft) == 1  # the refused answers wait for another code
    assert count_rows(app, InvitationCode) == 0
    assert count_rows(app, CodesIssued, issued=1) == 1  # made once, still counted as made


def test_no_code_row_shares_the_submission_s_transaction(
    app: Flask, make_round: Callable[..., RoundRef], questionnaire: Questionnaire
) -> None:
    """The review's route from a code to its answers: the spent row, kept with its id, had
    the submission's transaction id (on PostgreSQL, `xmin`). Now no row is kept at all; the
    codes still unused carry only the transaction that made them."""
    round_ = make_round()
    [spent, *unused] = issue(app, round_.slug, "police", 3)
    with app.app_context():
        round_row = this_round(round_.slug)
        draft = responses.save_draft(round_row, None, complete_answers(questionnaire, "police"))
        assert responses.submit_draft(round_row, questionnaire, draft, spent).value == "submitted"
        left = set(db.session.scalars(select(InvitationCode.code_hash)))
        assert left == {invitations.code_hash(code) for code in unused}
        if db.engine.dialect.name == "postgresql":
            submitted = db.session.scalar(text("SELECT xmin::text FROM submissions"))
            codes = set(db.session.scalars(text("SELECT xmin::text FROM invitation_codes")))
            assert submitted not in codes and len(codes) == 1


def test_codes_made_at_once_by_two_managers_are_all_counted(
    app: Flask, make_round: Callable[..., RoundRef]
) -> None:
    """The first codes for an agency, made from two sessions at the same moment: the count
    of codes made is one upsert, so neither batch is lost or refused."""
    round_ = make_round()
    start = threading.Barrier(2)
    made: list[int] = []

    def make(how_many: int) -> None:
        with app.app_context():
            round_here = db.session.get(Round, round_.id)
            assert round_here is not None
            start.wait()
            try:
                made.append(len(invitations.issue(round_here, "health", how_many)))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=make, args=(n,)) for n in (7, 9)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(made) == [7, 9]
    assert count_rows(app, CodesIssued, agency_id="health", issued=16) == 1
    assert count_rows(app, InvitationCode) == 16


def test_a_code_spent_meanwhile_sends_the_respondent_back_with_answers_kept(
    app: Flask,
    client: FlaskClient,
    make_round: Callable[..., RoundRef],
    questionnaire: Questionnaire,
) -> None:
    round_ = make_round()
    [code, spare] = issue(app, round_.slug, "police", 2)
    person = Respondent(client, round_)
    person.get()
    enter_code(person, code)
    answer_everything(person, questionnaire)
    with app.app_context():  # another device sends with the same code first
        round_row = this_round(round_.slug)
        other = responses.save_draft(round_row, None, complete_answers(questionnaire, "police"))
        responses.submit_draft(round_row, questionnaire, other, code)
    refused = person.client.post(
        round_.url + "/submit",
        data={**person.hidden_fields()},
        follow_redirects=True,
    )
    body = refused.get_data(as_text=True)
    assert refused.request.path.endswith("/invitation")
    assert "This code has just been used to send a response" in body
    assert count_rows(app, Submission) == 1 and count_rows(app, Draft) == 1
    enter_code(person, spare)
    person.get("/check")
    assert send(person).status_code == 302
    assert count_rows(app, Submission) == 2


def table_cells(page: str) -> dict[str, list[str]]:
    """The codes table's rows: the row's agency (or "total") -> the figures in its cells."""
    table = page.split('<table class="govuk-table">')[1].split("</table>")[0]
    rows = {}
    for row in table.split("<tr")[2:]:
        agency = re.search(r'data-agency="([^"]+)"', row)
        cells = re.findall(r'<td class="govuk-table__cell[^"]*">([^<]*)</td>', row)
        rows[agency.group(1) if agency else "total"] = [cell.strip() for cell in cells]
    return rows


def test_the_codes_page_shows_codes_made_and_no_count_of_codes_used(
    app: Flask,
    manager: FlaskClient,
    make_round: Callable[..., RoundRef],
    questionnaire: Questionnaire,
) -> None:
    """The review's example: with per-agency used counts hidden below k and a total shown,
    a hidden agency was worked out by subtraction; and any count watched over time showed
    single arrivals. Now no count of used (or unused) codes is shown at all."""
    round_ = make_round()
    police = issue(app, round_.slug, "police", 8)
    issue(app, round_.slug, "health", 3)
    issue(app, round_.slug, "police", 4)  # a second batch adds to the first
    before = manager.get(f"/rounds/{round_.slug}/invitations").get_data(as_text=True)
    k = app.config["MIN_CELL_SIZE"]
    with app.app_context():
        round_row = this_round(round_.slug)
        for code in police[: k + 1]:  # more than k used: not shown even then
            draft = responses.save_draft(round_row, None, complete_answers(questionnaire, "police"))
            responses.submit_draft(round_row, questionnaire, draft, code)
    assert count_rows(app, InvitationCode, agency_id="police") == 12 - (k + 1)
    after = manager.get(f"/rounds/{round_.slug}/invitations").get_data(as_text=True)
    rows = table_cells(after)
    assert rows["police"] == ["12"] and rows["health"] == ["3"] and rows["total"] == ["15"]
    assert all(len(cells) == 1 for cells in rows.values()), "one figure a row: codes made"
    assert "Used" not in after.split("<table")[1].split("</table>")[0]
    assert "data-no-used-counts" in after
    # Answers arriving change nothing on the page: watching it shows no arrival.
    assert table_cells(before) == rows


def test_a_manager_makes_codes_to_print_or_download_and_turns_them_on(
    app: Flask, manager: FlaskClient, make_round: Callable[..., RoundRef]
) -> None:
    round_ = make_round()
    page = manager.get(f"/rounds/{round_.slug}/invitations")
    assert page.status_code == 200
    # A manager cannot open the round's admin page: the back link goes to Results instead.
    assert '<a href="/reports" class="govuk-back-link">' in page.get_data(as_text=True)
    token = csrf_token_in(page.get_data(as_text=True))
    shown = manager.post(
        f"/rounds/{round_.slug}/invitations",
        data={"csrf_token": token, "agency": "police", "how_many": "12", "output": "page"},
    )
    body = shown.get_data(as_text=True)
    printed = re.findall(r"\b[A-Z2-9]{4}-[A-Z2-9]{4}\b", body)
    assert shown.status_code == 200 and len(set(printed)) == 12
    assert "shown once" in body
    # Printed alone (no header, banners or footer), with the long link free to wrap on a phone.
    assert "boundary-poster-page" in body and 'class="boundary-break-anywhere"' in body

    sheet = manager.post(
        f"/rounds/{round_.slug}/invitations",
        data={"csrf_token": token, "agency": "health", "how_many": "5", "output": "csv"},
    )
    assert sheet.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(sheet.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 5 and all(CODE_SHAPE.match(r["code"]) for r in rows)
    assert all(r["link"].endswith(f"/invitation?code={r['code']}") for r in rows)

    for bad, says in (
        ({"agency": "police", "how_many": "0"}, "Enter a number from 1 to 5,000"),
        ({"agency": "police", "how_many": "lots"}, "as a whole number"),
        ({"agency": "police", "how_many": "²"}, "as a whole number"),
        ({"agency": "police", "how_many": "9" * 5000}, "Enter a number from 1 to 5,000"),
        ({"agency": "nobody", "how_many": "3"}, "Not a valid choice"),
        ({"agency": "police", "how_many": "99999"}, "Enter a number from 1 to 5,000"),
    ):
        refused = manager.post(
            f"/rounds/{round_.slug}/invitations",
            data={"csrf_token": token, "output": "page", **bad},
        )
        # The form again, with the problem at its field (and nothing made or logged).
        assert refused.status_code == 200 and says in refused.get_data(as_text=True), bad
        assert "govuk-error-summary" in refused.get_data(as_text=True)
    assert count_rows(app, InvitationCode) == 17

    turned = manager.post(
        f"/rounds/{round_.slug}/invitations/required",
        data={"csrf_token": token, "required": "yes"},
        follow_redirects=True,
    )
    assert 'data-required="yes"' in turned.get_data(as_text=True)
    # Codes exist for police and health only: the others' staff are now locked out, so it says so.
    warned = html.unescape(turned.get_data(as_text=True))
    assert "No codes have been made yet for: Children's social care," in warned
    assert "Police," not in warned.split("No codes have been made yet for:")[1][:300]
    assert load_round(app, round_.slug).invitations_required
    manager.post(
        f"/rounds/{round_.slug}/invitations/required",
        data={"csrf_token": token, "required": "no"},
    )
    assert not load_round(app, round_.slug).invitations_required

    # Each change is in the audit log, with who did it; never a code.
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action.like("invitation codes%"))
            .order_by(AuditEvent.id)
        ).all()
        logged = [(e.action, e.target, e.detail, e.actor) for e in events]
    assert [(action, target, detail) for action, target, detail, _ in logged] == [
        ("invitation codes issued", round_.slug, "12 for police, shown on a page"),
        ("invitation codes issued", round_.slug, "5 for health, downloaded as CSV"),
        ("invitation codes required", round_.slug, ""),
        ("invitation codes not required", round_.slug, ""),
    ]
    assert all("@" in actor for *_, actor in logged)
    dump = repr(logged)
    codes = printed + [r["code"] for r in rows]
    assert not any(code in dump or code.replace("-", "") in dump for code in codes)


@pytest.mark.parametrize("role", ["agency-lead", "facilitator"])
def test_only_admins_and_managers_reach_the_codes(
    role: str,
    client: FlaskClient,
    make_user: Callable[..., str],
    sign_in: Callable[[str], None],
    make_round: Callable[..., RoundRef],
) -> None:
    round_ = make_round()
    sign_in(make_user(role, "police" if role == "agency-lead" else None))
    assert client.get(f"/rounds/{round_.slug}/invitations").status_code == 403


def test_wrong_codes_from_one_address_are_limited(
    app: Flask, database_url: str, make_round: Callable[..., RoundRef]
) -> None:
    from surveys import create_app
    from tests.helpers import app_config

    round_ = make_round()
    issue(app, round_.slug, "police", 1)
    limited = create_app(
        app_config(database_url, RATELIMIT_ENABLED=True, LIMIT_INVITATION_MISSES="2 per minute")
    )
    person = Respondent(limited.test_client(), round_)
    person.get()
    for guess in ("AAAA-AAAA", "BBBB-BBBB"):
        assert "not recognised" in enter_code(person, guess)
    token = csrf_token_in(person.get("/invitation").get_data(as_text=True))
    third = person.client.post(
        round_.url + "/invitation", data={"csrf_token": token, "code": "CCCC-CCCC"}
    )
    assert third.status_code == 429
    assert "too many wrong invitation codes" in third.get_data(as_text=True)
    with limited.app_context():
        db.engine.dispose()
