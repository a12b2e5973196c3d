"""Security from the first page: CSRF, CSP with a nonce, cookies, headers, secrets, escaping."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from surveys import create_app
from surveys.database import db
from surveys.responses.models import Draft
from tests.helpers import PROJECT_ROOT, Respondent, RoundRef, app_config, count_rows

MakeRound = Callable[..., RoundRef]


def test_every_page_sends_a_strict_content_security_policy(client: FlaskClient) -> None:
    page = client.get("/")
    policy = page.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in policy
    assert "'unsafe-eval'" not in policy
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    nonce = re.search(r"'nonce-([^']+)'", policy)
    assert nonce is not None
    body = page.get_data(as_text=True)
    # Every inline script carries this response's nonce; there is nothing else inline.
    inline_scripts = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", body)
    assert inline_scripts, "govuk-frontend's start-up snippet is expected"
    assert all(f'nonce="{nonce.group(1)}"' in attributes for attributes in inline_scripts)
    assert " style=" not in body
    assert "<style" not in body
    second = client.get("/").headers["Content-Security-Policy"]
    assert second != policy  # a fresh nonce every time


def test_security_headers(client: FlaskClient) -> None:
    headers = client.get("/").headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in headers  # only over HTTPS
    secure = client.get("/", base_url="https://boundary.example")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def test_session_cookie_is_secure_httponly_and_ends_with_the_browser(
    client: FlaskClient, make_round: MakeRound
) -> None:
    page = client.get(f"{make_round().url}/about-you")
    cookie = page.headers["Set-Cookie"]
    assert cookie.startswith("boundary_session=")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Expires" not in cookie and "Max-Age" not in cookie


def test_a_post_without_a_csrf_token_is_refused_and_stores_nothing(
    app: Flask, client: FlaskClient, make_round: MakeRound
) -> None:
    round_ = make_round()
    client.get(f"{round_.url}/about-you")
    page = client.post(
        f"{round_.url}/about-you",
        data={"round": round_.token, "agency": "police", "level": "frontline"},
    )
    assert page.status_code == 400
    assert "this page has expired" in page.get_data(as_text=True)
    assert count_rows(app, Draft) == 0


def test_every_form_carries_a_csrf_token(client: FlaskClient, make_round: MakeRound) -> None:
    person = Respondent(client, make_round())
    for path in ("/about-you", "/section/purpose", "/resume"):
        body = person.get(path).get_data(as_text=True)
        forms = body.count("<form")
        assert forms >= 1
        assert body.count('name="csrf_token"') == forms, path


def test_secret_key_is_generated_into_instance_not_the_repository(
    tmp_path: Path, database_url: str
) -> None:
    config = app_config(database_url)
    del config["SECRET_KEY"]
    app = create_app(config, instance_path=tmp_path / "instance")
    assert app.config["SECRET_KEY"]
    key_file = tmp_path / "instance" / "secret_key"
    assert key_file.exists()
    assert key_file.stat().st_mode & 0o077 == 0  # readable by its owner only
    tracked = subprocess.run(
        ["git", "ls-files", "instance"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    assert tracked in ([], ["instance/.gitkeep"])
    again = create_app(config, instance_path=tmp_path / "instance")
    assert again.config["SECRET_KEY"] == app.config["SECRET_KEY"]  # stable across restarts


def test_user_text_is_escaped_on_the_check_page(client: FlaskClient, make_round: MakeRound) -> None:
    from surveys.library import current_questionnaire
    from tests.helpers import answer_everything, feature_answers

    round_ = make_round()
    person = Respondent(client, round_)
    with client.application.app_context():
        questionnaire = current_questionnaire()
    answer_everything(person, questionnaire)
    person.get("/section/trust?change=1")
    person.post(
        {**feature_answers(questionnaire, "trust"), "comment": '<script>alert("x")</script>'}
    )
    body = person.text()
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in body


def test_survey_requests_are_left_out_of_the_request_log(app: Flask) -> None:
    import logging

    logger = logging.getLogger("werkzeug")
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Keep()
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    line = '%s - - [%s] "%s" %s %s'
    try:
        logger.info(line, "10.0.0.7", "now", "POST /r/abc/submit HTTP/1.1", 302, "-")
        logger.info(line, "10.0.0.7", "now", "POST /w/HT4K9C HTTP/1.1", 302, "-")
        logger.info(line, "10.0.0.7", "now", "GET /w/HT4K9C/status HTTP/1.1", 304, "-")
        logger.info(line, "10.0.0.7", "now", "POST /join HTTP/1.1", 302, "-")
        logger.info(line, "10.0.0.7", "now", "GET /privacy HTTP/1.1", 200, "-")
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    assert [r.getMessage() for r in records] == ['10.0.0.7 - - [now] "GET /privacy HTTP/1.1" 200 -']


def test_the_sqlite_database_is_readable_by_its_owner_only(app: Flask, database_url: str) -> None:
    if not database_url.startswith("sqlite:///"):
        return  # PostgreSQL keeps its own files
    with app.app_context():
        db.session.execute(text("SELECT 1"))
    path = Path(database_url.removeprefix("sqlite:///"))
    assert path.stat().st_mode & 0o077 == 0
