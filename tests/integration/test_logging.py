"""The log keeps the anonymity promise: a request id on every line, nothing identifying on
answering pages, and never what a respondent wrote, even when the database fails mid-send."""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import text

from surveys.database import db
from surveys.logs import redact_path, safe_exception_text, scrub
from surveys.questionnaire import Questionnaire
from surveys.responses.models import Submission
from tests.helpers import Respondent, RoundRef, answer_everything, count_rows, feature_answers

COMMENT = "Our manager QUOKKA-ZEBRA-9031 shouts at the duty desk"
GENERATED = re.compile(r"[0-9a-f]{32}")


def log_lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    err = capsys.readouterr().err
    return [json.loads(line) for line in err.splitlines() if line.startswith("{")]


def test_every_request_gets_an_id_and_the_proxys_is_kept_if_well_formed(
    app: Flask, capsys: pytest.CaptureFixture[str]
) -> None:
    client = app.test_client()
    given = client.get("/", headers={"X-Request-ID": "7f3c9a2e-proxy-1"})
    assert given.headers["X-Request-ID"] == "7f3c9a2e-proxy-1"
    ids = {client.get("/").headers["X-Request-ID"] for _ in range(3)}
    assert len(ids) == 3 and all(GENERATED.fullmatch(i) for i in ids)
    for bad in ("has space", '"><script>', "x" * 200, "", "-starts-with-dash", "a\u00e9b"):
        echoed = client.get("/", headers={"X-Request-ID": bad}).headers["X-Request-ID"]
        assert GENERATED.fullmatch(echoed), bad
    lines = log_lines(capsys)
    assert [line["request_id"] for line in lines][0] == "7f3c9a2e-proxy-1"
    assert all(line["event"] == "request" for line in lines)


def test_answering_pages_are_logged_without_address_time_or_token(
    app: Flask,
    make_round: Callable[..., RoundRef],
    questionnaire: Questionnaire,
    capsys: pytest.CaptureFixture[str],
) -> None:
    round_ = make_round()
    person = Respondent(app.test_client(), round_)
    person.get("/about-you")
    person.post({"agency": "police", "level": "frontline"})
    app.test_client().get("/join")
    app.test_client().get("/w/ABC123")
    # What a survey page fetches next (found in review: these lines carried the address).
    with app.test_client().get("/static/dist/boundary.css") as stylesheet:
        assert stylesheet.status_code == 200
    assert app.test_client().get("/static/no-such-file.css").status_code == 404
    staff = app.test_client().get("/sign-in")
    assert staff.status_code == 200
    lines = log_lines(capsys)
    answering = [line for line in lines if line["path"] != "/sign-in"]
    assert {line["path"] for line in answering} == {
        "/r/…",
        "/join",
        "/w/…",
        "/static/no-such-file.css",  # a fetched file is logged only when it fails
    }
    for line in answering:
        assert "time" not in line and "client" not in line, line
        assert set(line) == {
            "level",
            "logger",
            "message",
            "request_id",
            "method",
            "path",
            "status",
            "duration_ms",
            "event",
        }
    (signing_in,) = [line for line in lines if line["path"] == "/sign-in"]
    assert signing_in["client"] == "127.0.0.1" and "time" in signing_in
    everything = json.dumps(lines)
    assert round_.token not in everything and "ABC123" not in everything
    assert "police" not in everything and "frontline" not in everything  # no form content


@pytest.fixture
def failing_comments(app: Flask) -> Iterator[None]:
    """Make the database refuse this comment as it is stored, the way a real fault would:
    on SQLite a trigger, on PostgreSQL a check constraint (whose error quotes the row)."""
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            db.session.execute(
                text(
                    "CREATE TRIGGER refuse_comment BEFORE INSERT ON comments "
                    "BEGIN SELECT RAISE(ABORT, 'comment refused'); END"
                )
            )
            undo = "DROP TRIGGER refuse_comment"
        else:
            db.session.execute(
                text(
                    "ALTER TABLE comments ADD CONSTRAINT refuse_comment "
                    "CHECK (text NOT LIKE '%QUOKKA%') NOT VALID"
                )
            )
            undo = "ALTER TABLE comments DROP CONSTRAINT refuse_comment"
        db.session.commit()
    yield
    with app.app_context():
        db.session.execute(text(undo))
        db.session.commit()


def test_a_database_error_while_sending_logs_no_answers_or_comments(
    app: Flask,
    make_round: Callable[..., RoundRef],
    questionnaire: Questionnaire,
    failing_comments: None,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: a 500 page, and a log
    # A plain handler of the operator's own on the app's logger sees the same records.
    logging.getLogger("surveys").addHandler(caplog.handler)
    round_ = make_round()
    person = Respondent(app.test_client(), round_)
    answer_everything(person, questionnaire)
    first = questionnaire.features[0].id
    person.post({**feature_answers(questionnaire, first), "comment": COMMENT}, f"/section/{first}")
    capsys.readouterr()
    page = person.post({}, path="/submit", action=None, follow=False)
    assert page.status_code == 500
    assert "Traceback" not in page.get_data(as_text=True)
    assert count_rows(app, Submission) == 0  # nothing half-written
    written = capsys.readouterr().err
    lines = [json.loads(line) for line in written.splitlines()]
    (failure,) = [line for line in lines if line["level"] == "ERROR"]
    # What an operator needs: which request, which statement failed, and where.
    assert failure["message"] == "Exception on /r/… [POST]"
    assert "time" not in failure
    assert failure["request_id"] == page.headers["X-Request-ID"]
    assert "IntegrityError" in failure["exception"]
    assert "INSERT INTO comments" in failure["exception"]
    assert "submit_draft" in failure["exception"]
    logging.getLogger("surveys").removeHandler(caplog.handler)
    # What must not be there, in the line or anywhere else anyone captured.
    # Python's own formatter, as a handler an operator adds would use, included.
    plain = "\n".join(logging.Formatter().format(record) for record in caplog.records)
    assert "INSERT INTO comments" in plain
    for secret in ("QUOKKA", "duty desk", round_.token):
        assert secret not in written
        assert secret not in plain


def test_exception_text_keeps_the_kind_and_drops_the_values() -> None:
    detail = (
        'new row for relation "comments" violates check constraint "refuse_comment"\n'
        "DETAIL:  Failing row contains (1, trust, QUOKKA secret, pending)."
    )
    assert scrub(detail) == (
        'new row for relation "comments" violates check constraint "refuse_comment"'
    )
    assert scrub('invalid input syntax for type integer: "my secret"') == (
        "invalid input syntax for type integer: '…'"
    )
    assert scrub("invalid literal for int() with base 10: 'QUOKKA'") == (
        "invalid literal for int() with base 10: '…'"
    )
    answer = "QUOKKA"  # as a value reaches code: the traceback's source lines hold no values
    try:
        int(answer)
    except ValueError:
        exc_info = sys.exc_info()
        assert exc_info[0] is not None and exc_info[1] is not None
        logged = safe_exception_text((exc_info[0], exc_info[1], exc_info[2]))
    assert "QUOKKA" not in logged
    assert "int(answer)" in logged and "ValueError: invalid literal" in logged


def test_paths_with_secrets_are_redacted() -> None:
    assert redact_path("/r/abcDEF123_-x/section/trust") == "/r/…"
    assert redact_path("/r/abc/agency/police") == "/r/…"
    assert redact_path("/w/K4T9QX/status") == "/w/…"
    assert redact_path("/reports/autumn-2026") == "/reports/autumn-2026"
    assert redact_path("Exception on /r/tok/submit [POST]") == "Exception on /r/… [POST]"
