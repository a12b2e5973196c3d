"""Fixtures for the whole suite: the real app, a real database built by the real migrations.

The suite runs on SQLite by default and, unchanged, on PostgreSQL when TEST_DATABASE_URL
is set (for example postgresql://postgres@127.0.0.1:5432/test).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import make_url, select

from surveys import create_app
from surveys.config import normalise_database_url
from surveys.database import Base, db, migrate_from_nothing
from surveys.library import current_questionnaire
from surveys.library import questionnaire as questionnaire_version
from surveys.questionnaire import Questionnaire
from surveys.rounds.models import utc_now
from surveys.rounds.service import RoundSpec, create_round
from tests.helpers import (
    TEST_PASSWORD,
    Respondent,
    RoundRef,
    WorkshopRef,
    app_config,
    csrf_token_in,
)
from tests.workers import (
    keep_workers_apart,
    one_at_a_time_scheduler,
    slow_files_first,
    worker_name,
)

TEST_SCHEMA = "boundary_test"  # on a shared PostgreSQL, the tests keep to their own schema


def database_url_for(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return str(
            make_url(normalise_database_url(url))
            .update_query_dict({"options": f"-csearch_path={TEST_SCHEMA}"})
            .render_as_string(hide_password=False)
        )
    return f"sqlite:///{tmp_path_factory.mktemp('database') / 'boundary-test.sqlite3'}"


# What the PostgreSQL pass runs: a test meets the database through these fixtures (or says
# so with the `database` marker). The rest (pure scoring, charts, a SQLite file of the test's
# own, the CLI on a fresh folder) cannot behave differently on PostgreSQL, so `make test`
# runs them once, in the SQLite pass, instead of paying for them twice. So do the browser
# tests: what Chromium is sent (markup, CSP, scripts, focus) is the same page on either
# database, and every page they visit is also read by test-client tests in both passes.
DATABASE_FIXTURES = {"database_url"}
ON_POSTGRES = bool(os.environ.get("TEST_DATABASE_URL"))


def meets_the_database(item: pytest.Item) -> bool:
    if item.get_closest_marker("browser") is not None:
        return False
    uses = set(getattr(item, "fixturenames", ()))
    return bool(uses & DATABASE_FIXTURES) or item.get_closest_marker("database") is not None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if worker_name() is not None:
        slow_files_first(items)  # the order pytest-xdist hands the files out in
    if not ON_POSTGRES or config.getoption("--every-test"):
        return
    once = [item for item in items if not meets_the_database(item)]
    if once:
        config.hook.pytest_deselected(items=once)
        items[:] = [item for item in items if meets_the_database(item)]


def pytest_configure(config: pytest.Config) -> None:
    keep_workers_apart()  # under pytest-xdist, a PostgreSQL database per worker


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist's
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    if config.getvalue("dist") == "loadfile":
        return one_at_a_time_scheduler(config, log)  # tests/workers.py says why
    return None


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--every-test",
        action="store_true",
        help="on PostgreSQL, also run the tests that never meet the database",
    )


def pytest_report_header(config: pytest.Config) -> str | None:
    if ON_POSTGRES and not config.getoption("--every-test"):
        return (
            "PostgreSQL pass: only tests that meet the database run; the others ran in the "
            "SQLite pass (--every-test runs them here too)"
        )
    return None


@pytest.fixture(autouse=True, scope="session")
def questionnaires_read_once() -> Iterator[None]:
    """Every app the suite makes reads and validates the same questionnaire files, a tenth
    of a second on a busy machine, two thousand times a run: here each folder's files are
    read once while they are unchanged (a test that writes its own folder gets its own).
    The questionnaires are frozen; each app gets a dict of its own. The loader's own tests
    call it directly."""
    import surveys.library
    from surveys.questionnaire import load_library

    read: dict[tuple[object, ...], dict[str, Questionnaire]] = {}

    def load_once(directory: Path) -> dict[str, Questionnaire]:
        files = sorted(directory.glob("*.toml"))
        key = (
            directory.resolve(),
            *((f.name, f.stat().st_mtime_ns, f.stat().st_size) for f in files),
        )
        if key not in read:
            read[key] = load_library(directory)
        return dict(read[key])

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(surveys.library, "load_library", load_once)
        yield


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database with the schema built by the Alembic migrations, once per test run."""
    url = database_url_for(tmp_path_factory)
    app = create_app(app_config(url))
    with app.app_context():
        migrate_from_nothing(TEST_SCHEMA)  # the migrations themselves run every time
        db.engine.dispose()
    return url


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    app = create_app(app_config(database_url))
    yield app
    with app.app_context():
        db.session.remove()
        for table in reversed(Base.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()
        db.engine.dispose()


@pytest.fixture(scope="module")
def made_once() -> dict[str, Any]:
    """What a module's read-only tests share: something slow to make (a PDF typeset from a
    fixture's round) is made by the first test that asks and read by the others, instead of
    being made again for each. Only plain values go in (bytes, text), never an app, a
    session or a row: every test still starts on an empty database."""
    return {}


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def questionnaire(app: Flask) -> Questionnaire:
    with app.app_context():
        return current_questionnaire()


@pytest.fixture
def make_round(app: Flask) -> Callable[..., RoundRef]:
    counter = iter(range(1, 1000))

    def make(
        slug: str | None = None,
        *,
        opens_in_days: float = -1,
        closes_in_days: float = 30,
        agencies: list[str] | None = None,
        localities: tuple[str, ...] = (),
        headcounts: dict[tuple[str, str], int] | None = None,
        version: str | None = None,
    ) -> RoundRef:
        """A round on `version` of the questionnaire (default: the current one)."""
        now = utc_now()
        spec = RoundSpec(
            name=f"Test round {slug or ''}".strip(),
            slug=slug or f"round-{next(counter)}",
            opens_at=now + timedelta(days=opens_in_days),
            closes_at=now + timedelta(days=closes_in_days),
            agency_ids=agencies,
            localities=localities,
            headcounts=headcounts or {},
        )
        with app.app_context():
            asked = questionnaire_version(version) if version else current_questionnaire()
            round_ = create_round(spec, asked, 30)
            return RoundRef(round_.id, round_.slug, round_.public_token)

    return make


@pytest.fixture
def make_workshop(app: Flask, make_user: Callable[..., str]) -> Callable[..., WorkshopRef]:
    """A workshop set up through the service, as a facilitator's form would: by default by
    the facilitator make_user("facilitator") signs in as (None: set up by no one)."""
    from surveys.rounds.service import find_round
    from surveys.workshops.models import Mode
    from surveys.workshops.service import SessionSpec, create_session

    def make(
        *,
        title: str = "North cluster",
        features: tuple[str, ...] = ("purpose", "trust"),
        mode: str = "pulse",
        round_slug: str | None = None,
        counts: bool = False,
        open_answering: bool = True,
        facilitator: str | None = "facilitator-x@example.org",
    ) -> WorkshopRef:
        from surveys.auth.models import User
        from surveys.workshops.service import open_answering as open_it

        owner = make_user("facilitator", email=facilitator) if facilitator else None
        with app.app_context():
            linked = find_round(round_slug) if round_slug else None
            owner_id = db.session.scalar(select(User.id).where(User.email == owner))
            workshop = create_session(
                SessionSpec(title, utc_now().date(), features, Mode(mode), linked, counts),
                current_questionnaire(),
                owner_id,
            )
            if open_answering:
                open_it(workshop)
            return WorkshopRef(workshop.id, workshop.join_code)

    return make


@pytest.fixture
def respondent_for(client: FlaskClient) -> Callable[[RoundRef], Respondent]:
    return lambda round_: Respondent(client, round_)


@pytest.fixture(scope="session")
def test_password_hash() -> str:
    """TEST_PASSWORD's scrypt hash, made once for the whole run. scrypt is slow on purpose
    (0.1 s, several times that on a busy machine), and hundreds of tests each make an
    account with this same password: hashing it afresh each time added minutes to the suite
    and proved nothing new. Signing in still checks the stored hash with real scrypt."""
    from werkzeug.security import generate_password_hash

    return generate_password_hash(TEST_PASSWORD)


@pytest.fixture
def make_user(app: Flask, test_password_hash: str) -> Callable[..., str]:
    """Create an account (or find the one with that email, of that role); returns its email.
    Every test account has the same password (its hash made once: test_password_hash)."""
    from werkzeug.security import generate_password_hash

    from surveys.auth.models import Role, User
    from surveys.auth.service import create_user

    def hash_once(password: str) -> str:
        return test_password_hash if password == TEST_PASSWORD else generate_password_hash(password)

    def make(role: str, agency: str | None = None, email: str | None = None) -> str:
        with app.app_context(), pytest.MonkeyPatch.context() as patch:
            patch.setattr("surveys.auth.service.generate_password_hash", hash_once)
            address = email or f"{role}-{agency or 'x'}@example.org"
            existing = db.session.scalar(select(User).where(User.email == address))
            if existing is not None and existing.role == role:
                return existing.email
            user = create_user(
                email or f"{role}-{agency or 'x'}@example.org",
                role.title(),
                Role(role),
                TEST_PASSWORD,
                agency,
            )
            return user.email

    return make


@pytest.fixture
def sign_in(client: FlaskClient) -> Callable[[str], None]:
    def go(email: str) -> None:
        token = csrf_token_in(client.get("/sign-in").get_data(as_text=True))
        response = client.post(
            "/sign-in", data={"csrf_token": token, "email": email, "password": TEST_PASSWORD}
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:500]

    return go


@pytest.fixture
def manager(
    client: FlaskClient, make_user: Callable[..., str], sign_in: Callable[[str], None]
) -> FlaskClient:
    """The test client, signed in as a partnership manager."""
    sign_in(make_user("manager"))
    return client


@pytest.fixture
def instance(tmp_path: Path) -> Path:
    """A folder holding nothing but the database files, as instance/ does."""
    folder = tmp_path / "instance"
    folder.mkdir()
    return folder


@pytest.fixture
def own_app(instance: Path) -> Iterator[Flask]:
    """An app on its own SQLite file in `instance`, built by the migrations, whatever
    database the suite runs on: for what only a file on disk can show."""
    app = create_app(app_config(f"sqlite:///{instance / 'boundary.sqlite3'}"))
    with app.app_context():
        migrate_from_nothing("unused on SQLite")
    yield app
    with app.app_context():
        db.engine.dispose()
