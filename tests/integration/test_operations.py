"""Running in production: real gunicorn with gunicorn.conf.py, the health and readiness
probes, the reverse proxy's headers, and database timeouts that end a request quickly."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import make_url, text
from sqlalchemy.exc import OperationalError

from surveys import create_app
from surveys.config import ConfigError
from surveys.database import db, migrate_from_nothing
from tests.helpers import PROJECT_ROOT, RoundRef, app_config

GUNICORN = str(Path(sys.executable).parent / "gunicorn")
LISTENING = re.compile(r"Listening at: http://127\.0\.0\.1:(\d+)")


def is_postgres(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def closed_port() -> int:
    """A port nothing listens on: bound, then let go."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def silent_database() -> Iterator[int]:
    """A server that accepts connections and never says a word, as a hung database does."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                continue
            held.append(connection)  # kept open, never answered

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        stop.set()
        thread.join(timeout=5)
        for connection in held:
            connection.close()
        listener.close()


# gunicorn, for real ------------------------------------------------------------------------


def gunicorn_environment(database_url: str, **extra: str) -> dict[str, str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("BOUNDARY_") and key not in {"DATABASE_URL", "WEB_CONCURRENCY"}
    }
    environment.update(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "gunicorn-test-secret-key",
            "BOUNDARY_BIND": "127.0.0.1:0",  # an ephemeral port, read back from the log
            "BOUNDARY_SESSION_COOKIE_SECURE": "false",
            **extra,
        }
    )
    return environment


class Gunicorn:
    def __init__(self, process: subprocess.Popen[bytes], log: Path) -> None:
        self.process = process
        self.log = log
        self.port = 0

    def lines(self) -> list[str]:
        return self.log.read_text(errors="replace").splitlines()

    def entries(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.lines() if line.strip()]

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, Any, bytes]:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}", headers=headers or {}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()


@contextmanager
def gunicorn(tmp_path: Path, environment: dict[str, str]) -> Iterator[Gunicorn]:
    log = tmp_path / f"gunicorn-{time.monotonic_ns()}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [GUNICORN, "--config", "gunicorn.conf.py", "app:create_app()"],
            cwd=PROJECT_ROOT,
            env=environment,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Gunicorn(process, log)
    try:
        deadline = time.monotonic() + 60
        while not server.port:
            found = LISTENING.search(log.read_text(errors="replace"))
            if found:
                server.port = int(found.group(1))
            elif process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"gunicorn did not start:\n{log.read_text()}")
            else:
                time.sleep(0.1)
        while server.get("/healthz")[0] != 200:  # a worker is up
            if time.monotonic() > deadline:
                raise AssertionError(f"no worker answered:\n{log.read_text()}")
            time.sleep(0.1)
        yield server
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def test_gunicorn_refuses_sqlite_with_several_workers(tmp_path: Path) -> None:
    database = tmp_path / "boundary.sqlite3"
    result = subprocess.run(
        [GUNICORN, "--config", "gunicorn.conf.py", "app:create_app()"],
        cwd=PROJECT_ROOT,
        env=gunicorn_environment(f"sqlite:///{database}", BOUNDARY_WORKERS="3"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "Boundary cannot start: Boundary will not start 3 gunicorn workers on SQLite" in (
        result.stderr
    )
    assert "BOUNDARY_ALLOW_SQLITE_WORKERS=1" in result.stderr
    assert "Traceback" not in result.stderr
    assert "Booting worker" not in result.stderr  # refused before any worker started


def test_the_command_line_workers_count_too(tmp_path: Path) -> None:
    """`--workers 2` given after the config file is what gunicorn runs, so it is checked."""
    result = subprocess.run(
        [GUNICORN, "--config", "gunicorn.conf.py", "--workers", "2", "app:create_app()"],
        cwd=PROJECT_ROOT,
        env=gunicorn_environment(f"sqlite:///{tmp_path / 'b.sqlite3'}", BOUNDARY_WORKERS="1"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "will not start 2 gunicorn workers on SQLite" in result.stderr


def test_gunicorn_serves_with_json_logs_and_no_address_on_survey_pages(
    tmp_path: Path, database_url: str, make_round: Callable[..., RoundRef]
) -> None:
    round_ = make_round()
    extra = {} if is_postgres(database_url) else {"BOUNDARY_ALLOW_SQLITE_WORKERS": "1"}
    with gunicorn(tmp_path, gunicorn_environment(database_url, BOUNDARY_WORKERS="2", **extra)) as (
        server
    ):
        status, _, body = server.get("/readyz")
        assert (status, json.loads(body)["status"]) == (200, "ready")
        status, headers, body = server.get(f"{round_.url}/about-you", {"X-Request-ID": "lb-4242-a"})
        assert status == 200 and headers["X-Request-ID"] == "lb-4242-a"
        assert round_.token.encode() in body  # the page itself knows its link
        # A client on the server itself claims https: gunicorn's own forwarding is off.
        status, headers, _ = server.get("/", {"X-Forwarded-Proto": "https"})
        assert status == 200 and "Strict-Transport-Security" not in headers
        server.get("/sign-in", {"X-Forwarded-For": "203.0.113.9"})
    entries = server.entries()  # every line is one JSON object, gunicorn's own included
    assert any(e["logger"] == "gunicorn.error" for e in entries)
    survey = [e for e in entries if e.get("request_id") == "lb-4242-a"]
    assert survey == [
        {
            "level": "INFO",
            "logger": "surveys.requests",
            "message": "GET /r/… 200",
            "request_id": "lb-4242-a",
            "method": "GET",
            "path": "/r/…",
            "status": 200,
            "duration_ms": survey[0]["duration_ms"],
            "event": "request",
        }
    ]
    staff = next(e for e in entries if e.get("path") == "/sign-in")
    assert staff["client"] == "127.0.0.1"  # the forged X-Forwarded-For was not believed
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", staff["time"])
    assert not any(e.get("path") == "/readyz" for e in entries)  # probes are quiet when well
    log = server.log.read_text()
    assert round_.token not in log
    assert "/r/" + round_.token[:8] not in log


def test_gunicorn_on_postgresql_starts_several_workers(tmp_path: Path, database_url: str) -> None:
    if not is_postgres(database_url):
        pytest.skip("needs TEST_DATABASE_URL on PostgreSQL")
    with gunicorn(tmp_path, gunicorn_environment(database_url, BOUNDARY_WORKERS="2")) as server:
        assert server.get("/readyz")[0] == 200
    booted = [e for e in server.entries() if "Booting worker" in e["message"]]
    assert len(booted) == 2


# health and readiness ----------------------------------------------------------------------


def test_healthz_answers_without_a_database(tmp_path: Path) -> None:
    app = create_app(
        app_config(
            f"postgresql://nobody@127.0.0.1:{closed_port()}/none", DATABASE_CONNECT_TIMEOUT=2
        )
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "reason": "The process is up"}


def test_readyz_when_the_database_answers_and_is_migrated(client: Any) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["status"] == "ready"
    assert response.headers["Cache-Control"] == "no-store"


@pytest.fixture
def unmigrated_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the kind the suite runs on."""
    if not is_postgres(database_url):
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    schema = "boundary_test_unmigrated"
    url = make_url(database_url).update_query_dict({"options": f"-csearch_path={schema}"})
    rendered = url.render_as_string(hide_password=False)
    app = create_app(app_config(database_url))
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield rendered
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    with app.app_context():
        db.engine.dispose()


def test_readyz_on_a_database_that_was_never_set_up(unmigrated_url: str) -> None:
    app = create_app(app_config(unmigrated_url))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json == {
        "status": "unavailable",
        "reason": "The database has not been set up: run flask --app app db upgrade",
    }
    with app.app_context():
        db.engine.dispose()


def test_readyz_on_a_database_behind_the_migrations(unmigrated_url: str) -> None:
    app = create_app(app_config(unmigrated_url))
    with app.app_context():
        migrate_from_nothing("unused: the fixture made the schema")
        db.session.execute(text("UPDATE alembic_version SET version_num = '0009'"))
        db.session.commit()
    response = app.test_client().get("/readyz")
    assert response.status_code == 503 and response.json is not None
    assert "at migration 0009 but this version of Boundary needs" in response.json["reason"]
    assert "run flask --app app db upgrade" in response.json["reason"]
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("kind", ["postgresql", "sqlite"])
def test_readyz_on_a_database_that_cannot_be_reached(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a-folder.sqlite3").mkdir()  # where the file should be: cannot be opened
    url = (
        f"postgresql://nobody@127.0.0.1:{closed_port()}/none"
        if kind == "postgresql"
        else f"sqlite:///{tmp_path / 'a-folder.sqlite3'}"
    )
    app = create_app(app_config(url))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503 and response.json is not None
    assert response.json["status"] == "unavailable"
    assert response.json["reason"] == "The database cannot be reached (the log says why)"
    assert "Traceback" not in response.get_data(as_text=True)
    # The public probe names no host, port or user; the operator's log says what failed.
    assert "127.0.0.1" not in response.get_data(as_text=True)
    assert "Not ready: the database cannot be reached: " in capsys.readouterr().err


# the reverse proxy -------------------------------------------------------------------------


def test_forwarded_headers_are_ignored_unless_a_proxy_is_configured(
    app: Flask, capsys: pytest.CaptureFixture[str]
) -> None:
    forged = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.7"}
    response = app.test_client().get("/sign-in", headers=forged)
    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response.headers
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert line["client"] == "127.0.0.1"


def test_a_configured_proxy_is_believed(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    app = create_app(app_config(database_url, PROXY_FIX_X_FOR=1, PROXY_FIX_X_PROTO=1))
    seen: dict[str, Any] = {}

    @app.get("/test-only/scheme")
    def scheme() -> str:
        from flask import request

        seen["secure"] = request.is_secure
        return "ok"

    client = app.test_client()
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.7"}
    response = client.get("/sign-in", headers=forwarded)
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert line["client"] == "198.51.100.7"
    client.get("/test-only/scheme", headers=forwarded)
    assert seen["secure"] is True
    client.get("/test-only/scheme")
    assert seen["secure"] is False
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize(
    "setting, value",
    [
        ("PROXY_FIX_X_FOR", -1),
        ("PROXY_FIX_X_PROTO", "yes"),
        ("DATABASE_CONNECT_TIMEOUT", "soon"),
        ("DATABASE_STATEMENT_TIMEOUT", -5),
    ],
)
def test_bad_operations_settings_are_refused_by_name(
    database_url: str, setting: str, value: object
) -> None:
    with pytest.raises(ConfigError, match=setting):
        create_app(app_config(database_url, **{setting: value}))


# database timeouts -------------------------------------------------------------------------


def test_a_database_that_never_answers_gives_a_503_page_quickly(
    make_round: Callable[..., RoundRef],
) -> None:
    with silent_database() as port:
        app = create_app(
            app_config(f"postgresql://nobody@127.0.0.1:{port}/hung", DATABASE_CONNECT_TIMEOUT=2)
        )
        started = time.monotonic()
        response = app.test_client().get("/r/some-survey-link/about-you")
        waited = time.monotonic() - started
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "Sorry, the service is unavailable" in page
    assert "could not reach the place where answers are stored" in page
    assert int(response.headers["Retry-After"]) > 0
    assert "Traceback" not in page and "psycopg" not in page
    # Without the connect timeout the probe measured about 130 s; with it, about 2 s.
    assert waited < 20, waited


def test_postgresql_statements_have_a_time_limit(database_url: str) -> None:
    if not is_postgres(database_url):
        pytest.skip("statement timeouts are PostgreSQL's")
    app = create_app(app_config(database_url, DATABASE_STATEMENT_TIMEOUT=1))
    with app.app_context():
        assert db.session.execute(text("SHOW statement_timeout")).scalar_one() == "1s"
        # The URL's own options (the tests' schema) are kept beside the timeout.
        assert db.session.execute(text("SHOW search_path")).scalar_one() == "boundary_test"
        with pytest.raises(OperationalError, match="statement timeout"):
            db.session.execute(text("SELECT pg_sleep(3)"))
        db.session.rollback()
        db.engine.dispose()


def test_the_default_statement_time_limit(app: Flask) -> None:
    with app.app_context():
        options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
        assert options["hide_parameters"] is True
        if db.engine.dialect.name == "postgresql":
            assert db.session.execute(text("SHOW statement_timeout")).scalar_one() == "30s"
            assert options["connect_args"]["connect_timeout"] == 5


def test_signed_in_staff_also_get_the_503_page_when_the_database_is_gone() -> None:
    """The page's header asks who is signed in, which needs the database: it must not turn
    the 503 page into a bare 500."""
    app = create_app(
        app_config(
            f"postgresql://nobody@127.0.0.1:{closed_port()}/gone", DATABASE_CONNECT_TIMEOUT=2
        )
    )
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "1.0"  # "<user id>.<session generation>"
        session["_fresh"] = True
    response = client.get("/manage/rounds")
    assert response.status_code == 503
    assert response.mimetype == "text/html"  # the GOV.UK page, not the plain-words fallback
    assert '<h1 class="govuk-heading-l">Sorry, the service is unavailable</h1>' in (
        response.get_data(as_text=True)
    )
