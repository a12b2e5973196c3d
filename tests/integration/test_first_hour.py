"""A newcomer's first hour: the real `flask` CLI and app on databases and folders as a fresh
clone meets them (not set up, a release behind, an instance folder that cannot be written),
Ctrl+C in the middle of a report, and a machine without Chromium. Never a traceback.

These run the CLI as a new process, as a person does, with its own instance folder."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, make_url, select, text

from surveys import create_app
from surveys.auth.models import User
from surveys.auth.service import change_password
from surveys.config import normalise_database_url
from surveys.database import db
from surveys.first_run import EMAIL as DEMO_ADMIN
from surveys.library import current_questionnaire
from surveys.rounds.models import utc_now
from surveys.rounds.service import RoundSpec, create_round
from surveys.serving import plain_http_problem, reachable_url
from tests.helpers import PROJECT_ROOT, app_config, csrf_token_in

FIRST_HOUR_SCHEMA = "boundary_first_hour"  # on a shared PostgreSQL, these tests' own schema
NOT_SET_UP = "The database is not set up yet. Set it up with: flask --app app db upgrade"

# Every command that reads or writes the database, with what a newcomer would type.
DATABASE_COMMANDS: list[list[str]] = [
    ["create-round", "Autumn", "--slug", "autumn"],
    ["links", "demo"],
    ["export", "demo"],
    ["publish-release", "demo"],
    ["forget-drafts"],
    ["report", "demo", "-o", "report.pdf"],
    ["create-user", "admin@example.org", "--role", "admin"],
]


def cli_env(instance: Path, database_url: str | None, **extra: str) -> dict[str, str]:
    """The environment of a person's shell, pointed at a folder and database of the test's."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("BOUNDARY_") and key not in {"DATABASE_URL", "SECRET_KEY"}
    }
    env["BOUNDARY_INSTANCE_PATH"] = str(instance)
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    return {**env, **extra}


def flask_cli(
    args: list[str], env: dict[str, str], stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=PROJECT_ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )


def no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr + result.stdout, result.stderr[-3000:]


@pytest.fixture
def empty_postgres_url() -> Iterator[str]:
    """An empty schema of its own on the PostgreSQL of TEST_DATABASE_URL."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip("TEST_DATABASE_URL is not set: the PostgreSQL case runs on PostgreSQL only")
    engine = create_engine(normalise_database_url(url))

    def fresh_schema(create: bool) -> None:
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{FIRST_HOUR_SCHEMA}" CASCADE'))
            if create:
                connection.execute(text(f'CREATE SCHEMA "{FIRST_HOUR_SCHEMA}"'))

    fresh_schema(create=True)
    yield (
        make_url(normalise_database_url(url))
        .update_query_dict({"options": f"-csearch_path={FIRST_HOUR_SCHEMA}"})
        .render_as_string(hide_password=False)
    )
    fresh_schema(create=False)
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.database)])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database no one has set up: a new SQLite file, or an empty PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    url: str = request.getfixturevalue("empty_postgres_url")
    return url


# 1. A database that has not been set up, or is behind ---------------------------------


def test_every_command_on_a_database_not_set_up_says_so_and_how(
    empty_database: str, tmp_path: Path
) -> None:
    env = cli_env(tmp_path / "instance", empty_database, SECRET_KEY="test-only")
    for args in DATABASE_COMMANDS:
        result = flask_cli(args, env, stdin="a long enough password\n" * 2)
        no_traceback(result)
        assert result.returncode == 1, (args, result.stdout, result.stderr)
        assert NOT_SET_UP in result.stderr, (args, result.stderr)
        assert "Nothing was done" in result.stderr
    assert not (PROJECT_ROOT / "report.pdf").exists()
    # A command that needs no database still works there.
    shown = flask_cli(["questionnaire", "show"], env)
    # A deployment's current questionnaire is version 2 (the suite's own apps pin version 1).
    assert shown.returncode == 0 and "purpose-same-end" in shown.stdout


def test_demo_sets_up_a_brand_new_sqlite_database_itself(tmp_path: Path) -> None:
    env = cli_env(tmp_path / "instance", None, SECRET_KEY="test-only")
    demo = flask_cli(["demo"], env)
    no_traceback(demo)
    assert demo.returncode == 0, demo.stderr
    database = tmp_path / "instance" / "boundary.sqlite3"
    assert f"Set up the new database ({database})" in demo.stdout
    assert "Created the demo round" in demo.stdout
    links = flask_cli(["links", "demo"], env)
    assert links.returncode == 0 and "/r/" in links.stdout


@pytest.mark.database
def test_demo_leaves_an_empty_postgresql_schema_to_its_owner(
    empty_postgres_url: str, tmp_path: Path
) -> None:
    """Setting up a server's database is for the person who runs it, not a side effect."""
    demo = flask_cli(["demo"], cli_env(tmp_path, empty_postgres_url, SECRET_KEY="test-only"))
    no_traceback(demo)
    assert demo.returncode == 1
    assert NOT_SET_UP in demo.stderr
    engine = create_engine(normalise_database_url(empty_postgres_url))
    with engine.connect() as connection:
        tables = connection.execute(
            text("SELECT count(*) FROM information_schema.tables WHERE table_schema = :s"),
            {"s": FIRST_HOUR_SCHEMA},
        ).scalar_one()
    engine.dispose()
    assert tables == 0


def test_a_database_behind_the_migrations_is_named_with_the_command(
    empty_database: str, tmp_path: Path
) -> None:
    env = cli_env(tmp_path / "instance", empty_database, SECRET_KEY="test-only")
    assert flask_cli(["db", "upgrade", "0008"], env).returncode == 0
    for args in (["links", "demo"], ["demo"]):
        result = flask_cli(args, env)
        no_traceback(result)
        assert result.returncode == 1
        assert "The database is behind this version of Boundary (it is at revision 0008" in (
            result.stderr
        )
        assert "Bring it up to date with: flask --app app db upgrade" in result.stderr
    assert flask_cli(["db", "upgrade"], env).returncode == 0
    assert flask_cli(["demo"], env).returncode == 0


def test_a_database_someone_else_filled_is_not_taken_for_boundarys(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'other.sqlite3'}"
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE invoices (id INTEGER PRIMARY KEY)"))
    engine.dispose()
    result = flask_cli(["demo"], cli_env(tmp_path, url, SECRET_KEY="test-only"))
    no_traceback(result)
    assert result.returncode == 1
    assert "holds tables, but not ones Boundary's migrations made" in result.stderr


def test_the_web_app_on_a_database_not_set_up_is_a_plain_503(empty_database: str) -> None:
    app = create_app(app_config(empty_database))
    client = app.test_client()
    for path in ("/", "/sign-in", "/r/some-token", "/join"):
        response = client.get(path)
        page = response.get_data(as_text=True)
        assert response.status_code == 503, (path, page[:300])
        assert "Sorry, the service is not ready yet" in page
        assert "flask --app app db upgrade" in page
    static = client.get("/static/css/boundary.css")
    assert static.status_code == 200
    static.close()
    # Once the database is set up, the running app serves pages without a restart.
    with app.app_context():
        from surveys.database_setup import upgrade

        upgrade()
        db.engine.dispose()
    assert client.get("/").status_code == 200
    with app.app_context():
        db.engine.dispose()  # close its pooled connections now, not when collected


# 3. Start-up imports what a command needs --------------------------------------------


RENDERING_STACK = ("weasyprint", "pikepdf", "openpyxl")
# Loaded only by the commands that need them (see surveys/database.py, surveys/links.py):
# migrations, QR codes, and the SQL dialect of the database not in use (these tests' is
# SQLite, as a newcomer's is).
# The measurement invariance check's numerical stack loads only inside its job.
ONLY_WHEN_NEEDED = (
    "flask_migrate",
    "alembic",
    "segno",
    "sqlalchemy.dialects.postgresql",
    "semopy",
    "numpy",
)
WATCHED = RENDERING_STACK + ONLY_WHEN_NEEDED
LOADED_AT_EXIT = (
    "import atexit, sys; "
    f"atexit.register(lambda: print('LOADED', [m for m in {WATCHED!r} "
    "if m in sys.modules])); "
    "from flask.cli import main; sys.argv = ['flask', '--app', 'app', *sys.argv[1:]]; main()"
)


def loaded_by(args: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "-c", LOADED_AT_EXIT, *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.strip().splitlines()[-1]


def test_commands_that_render_nothing_do_not_import_the_rendering_stack(tmp_path: Path) -> None:
    env = cli_env(tmp_path / "instance", None, SECRET_KEY="test-only")
    # The first command on a new SQLite database sets it up: that one runs the migrations.
    set_up = loaded_by(["demo"], env)
    assert "'alembic'" in set_up and not any(f"'{m}'" in set_up for m in RENDERING_STACK)
    for command in (
        ["questionnaire", "show"],
        ["--help"],
        ["links", "demo"],
        ["export", "demo", "--format", "csv"],
        ["forget-drafts"],
    ):
        assert loaded_by(command, env) == "LOADED []", command
    # The checks can fail: a PDF does load WeasyPrint, migrations load Alembic. A report is
    # one WeasyPrint render: nothing joins PDFs any more, so pikepdf is not loaded even then.
    rendered = loaded_by(["report", "demo", "-o", str(tmp_path / "demo.pdf")], env)
    assert "'weasyprint'" in rendered and "'pikepdf'" not in rendered
    assert "'alembic'" in loaded_by(["db", "current"], env)


# 6. An instance folder that cannot be written ------------------------------------------


def one_plain_line(result: subprocess.CompletedProcess[str], folder: Path) -> None:
    no_traceback(result)
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"Boundary cannot start: the folder {folder} must be writable")


def test_an_instance_folder_that_cannot_be_made_is_named_in_one_line(tmp_path: Path) -> None:
    """Tests run as root, who may write anywhere chmod forbids; a folder path that runs
    through a file cannot be made by anyone, root included (ENOTDIR)."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder should be")
    instance = blocker / "instance"
    for env in (
        cli_env(instance, None),  # the secret key would be generated here
        cli_env(instance, None, SECRET_KEY="test-only"),  # the SQLite database would be here
    ):
        one_plain_line(flask_cli(["links", "demo"], env), instance)
    # The web start (gunicorn 'app:create_app()', flask run) says the same.
    web = subprocess.run(
        [sys.executable, "-c", "import app; app.create_app()"],
        cwd=PROJECT_ROOT,
        env=cli_env(instance, None),
        capture_output=True,
        text=True,
        timeout=120,
    )
    one_plain_line(web, instance)


def test_a_read_only_instance_folder_is_named_in_one_line(tmp_path: Path) -> None:
    """A read-only bind mount in a mount namespace of its own: read-only even for root."""
    instance = tmp_path / "instance"
    instance.mkdir()
    probe = subprocess.run(
        ["unshare", "--mount", "sh", "-c", f"mount --bind -o ro {instance} {instance}"],
        capture_output=True,
    )
    if probe.returncode != 0:
        pytest.skip("this machine cannot make a read-only mount (needs unshare and root)")
    command = f"mount --bind -o ro {instance} {instance} && exec {sys.executable} -m flask"
    result = subprocess.run(
        ["unshare", "--mount", "sh", "-c", f"{command} --app app links demo"],
        cwd=PROJECT_ROOT,
        env=cli_env(instance, None),
        capture_output=True,
        text=True,
        timeout=120,
    )
    one_plain_line(result, instance)
    assert "Read-only file system" in result.stderr


# 7. Ctrl+C ----------------------------------------------------------------------------------


def typesetting(pid: int) -> bool:
    """The command has loaded WeasyPrint (and so Pango), which it does only to typeset."""
    try:
        return "libpango" in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


def python_children_of(pid: int) -> list[int]:
    """Processes of Python's multiprocessing the command started (as the report's two
    typesetting processes were), not a moment's helper such as ldconfig finding a library."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in children:
            try:
                command = Path(f"/proc/{child}/cmdline").read_bytes()
            except OSError:
                continue
            if b"multiprocessing" in command:
                found.append(int(child))
    return found


def test_ctrl_c_during_a_report_prints_one_plain_line(tmp_path: Path) -> None:
    env = cli_env(tmp_path / "instance", None, SECRET_KEY="test-only")
    assert flask_cli(["demo"], env).returncode == 0
    report = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "report", "demo", "-o", "x.pdf"],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(PROJECT_ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # a process group of its own, as a terminal's job is
    )
    # Wait until the report is being typeset, then press Ctrl+C: the terminal sends SIGINT
    # to every process in the group.
    deadline = time.monotonic() + 120
    while not typesetting(report.pid) and report.poll() is None:
        assert time.monotonic() < deadline, "the report was never typeset"
        time.sleep(0.05)
    assert report.poll() is None, "the report finished before it could be interrupted"
    # It is typeset in the command's own process: nothing is left to stop or to orphan.
    assert python_children_of(report.pid) == []

    os.killpg(report.pid, signal.SIGINT)
    stdout, stderr = report.communicate(timeout=120)
    assert "Traceback" not in stderr, stderr
    assert [line for line in stderr.splitlines() if line.strip()] == [
        "Interrupted: report stopped before it finished."
    ]
    assert report.returncode == 130
    assert not (tmp_path / "x.pdf").exists()


# 2. A machine without Chromium (and so without HarfBuzz-Subset) -------------------------

# Debian's libharfbuzz-subset0 comes with chromium: without chromium, WeasyPrint cannot load
# it and warns at import, which `filterwarnings = error` made a collection error. Hidden here
# the way it is missing there: loading it fails, as cffi's dlopen does when it is absent.
HIDE_HARFBUZZ_SUBSET = """\
import cffi.api
_dlopen = cffi.api.FFI.dlopen
def dlopen(self, name, flags=0):
    if "harfbuzz-subset" in str(name):
        raise OSError(f"cannot load library {name!r}: not installed")
    return _dlopen(self, name, flags)
cffi.api.FFI.dlopen = dlopen
"""


def test_the_suite_runs_where_chromium_and_harfbuzz_subset_are_missing(tmp_path: Path) -> None:
    (tmp_path / "sitecustomize.py").write_text(HIDE_HARFBUZZ_SUBSET)
    env = {
        # A run of its own, not one of pytest-xdist's workers even when this test runs in one.
        **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST_")},
        "PYTHONPATH": str(tmp_path),
        "PATH": str(Path(sys.executable).parent),  # the virtual environment, no chromium
    }
    missing = subprocess.run(
        [
            *(sys.executable, "-W", "default::DeprecationWarning", "-c"),
            "import weasyprint.text.ffi as f; print(f.harfbuzz_subset)",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert missing.stdout.strip() == "None", missing.stderr  # it really is missing there
    assert "HarfBuzz-Subset will be required" in missing.stderr
    said = subprocess.run(
        [sys.executable, "-m", "tests.needs"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "No Chromium: the browser tests" in said.stdout
    assert "No HarfBuzz-Subset (libharfbuzz-subset0)" in said.stdout

    def pytest_run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rs", *args],
            cwd=PROJECT_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )

    collected = pytest_run("--collect-only")
    assert collected.returncode == 0, collected.stdout[-3000:]
    assert "error" not in collected.stdout.lower().splitlines()[-1]
    browser = pytest_run("tests/integration/test_browser.py", "tests/unit/test_documents.py")
    assert browser.returncode == 0, browser.stdout[-3000:]
    assert "Chromium is not installed (apt-get install chromium); browser tests skipped" in (
        browser.stdout
    )


# 5. Signing in to the demo -----------------------------------------------------------------


@pytest.fixture
def demo_app(app: Flask, tmp_path: Path) -> Iterator[Flask]:
    """The app on the test database (cleaned by `app`) with an instance folder of its own,
    where the demo admin's record is kept; and a demo round, as `make run` makes."""
    own = create_app(app_config(app.config["SQLALCHEMY_DATABASE_URI"]), instance_path=tmp_path)
    with own.app_context():
        create_round(
            RoundSpec(name="Demo: test", slug="demo", is_demo=True), current_questionnaire(), 30
        )
    yield own
    with own.app_context():
        db.session.remove()
        db.engine.dispose()  # close its pooled connections now, not when collected


def issued_password(app: Flask, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=["demo-admin", *args])
    assert result.exit_code == 0, result.output
    found = re.search(r"one-time password: (\S+)", result.output)
    assert found, result.output
    return found.group(1)


def sign_in_as_demo_admin(app: Flask, password: str) -> int:
    client = app.test_client()
    token = csrf_token_in(client.get("/sign-in").get_data(as_text=True))
    return client.post(
        "/sign-in", data={"csrf_token": token, "email": DEMO_ADMIN, "password": password}
    ).status_code


def test_make_run_prints_a_one_time_password_for_the_demo_admin(demo_app: Flask) -> None:
    first = issued_password(demo_app)
    assert len(first) >= 12
    assert sign_in_as_demo_admin(demo_app, first) == 302
    assert sign_in_as_demo_admin(demo_app, "not-the-password") == 200
    # Running it again (the next `make run`) issues a new one; the old one stops working.
    second = issued_password(demo_app)
    assert second != first
    assert sign_in_as_demo_admin(demo_app, first) == 200
    assert sign_in_as_demo_admin(demo_app, second) == 302
    # Never in a file: only its hash is kept, to tell whether it was changed.
    record = (Path(demo_app.instance_path) / "demo_admin.json").read_text()
    assert second not in record and first not in record


def test_the_one_time_password_expires_unless_changed(demo_app: Flask) -> None:
    password = issued_password(demo_app)
    record_file = Path(demo_app.instance_path) / "demo_admin.json"
    record = json.loads(record_file.read_text())
    record["expires"] = (utc_now() - timedelta(minutes=1)).isoformat()
    record_file.write_text(json.dumps(record))
    assert sign_in_as_demo_admin(demo_app, password) == 200  # expired: refused
    with demo_app.app_context():
        user = db.session.scalar(select(User).where(User.email == DEMO_ADMIN))
        assert user is not None and not user.active
    # A changed password is the person's own: it does not expire, and is not replaced.
    password = issued_password(demo_app)
    with demo_app.app_context():
        user = db.session.scalar(select(User).where(User.email == DEMO_ADMIN))
        assert user is not None
        change_password(user, password, "a password of my own choosing")
    record = json.loads(record_file.read_text())
    record["expires"] = (utc_now() - timedelta(minutes=1)).isoformat()
    record_file.write_text(json.dumps(record))
    assert sign_in_as_demo_admin(demo_app, "a password of my own choosing") == 302
    result = demo_app.test_cli_runner().invoke(args=["demo-admin"])
    assert "with the password you chose" in result.output
    assert sign_in_as_demo_admin(demo_app, "a password of my own choosing") == 302


def test_no_demo_admin_where_there_is_no_demo(app: Flask, tmp_path: Path) -> None:
    own = create_app(app_config(app.config["SQLALCHEMY_DATABASE_URI"]), instance_path=tmp_path)
    result = own.test_cli_runner().invoke(args=["demo-admin"])
    assert result.exit_code == 1
    assert "There is no demo round here, so no demo administrator is made" in result.output
    with own.app_context():
        assert db.session.scalar(select(User).where(User.email == DEMO_ADMIN)) is None
        db.session.remove()
        db.engine.dispose()


def test_the_home_page_links_to_sign_in(client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)
    assert '<a class="govuk-link" href="/sign-in">sign in</a>' in page


# 4. Served on a network address --------------------------------------------------------


def test_every_address_is_shown_as_this_machines_own() -> None:
    url = reachable_url("0.0.0.0", 8080)
    assert "0.0.0.0" not in url and url.endswith(":8080")
    host = url.split("//")[1].rsplit(":", 1)[0]
    with socket.socket() as server:  # an address of this machine: a server can listen on it
        server.bind((host, 0))
    assert reachable_url("127.0.0.1", 5000) == "http://127.0.0.1:5000"
    assert reachable_url("::1", 5000) == "http://[::1]:5000"


def test_plain_http_on_a_network_address_is_a_problem_named_with_its_fixes() -> None:
    problem = plain_http_problem("http://192.168.1.20:8080", cookie_secure=True)
    assert problem is not None
    assert "BOUNDARY_SESSION_COOKIE_SECURE=false" in problem and "HTTPS" in problem
    for fine in (
        ("http://127.0.0.1:5000", True),
        ("http://localhost:5000", True),
        ("https://boundary.example.org", True),
        ("http://192.168.1.20:8080", False),
    ):
        assert plain_http_problem(*fine) is None, fine


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_flask_run_on_every_address_warns_and_later_commands_print_its_links(
    tmp_path: Path,
) -> None:
    env = cli_env(tmp_path / "instance", None, SECRET_KEY="test-only")
    assert flask_cli(["demo"], env).returncode == 0
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "run", "--host", "0.0.0.0"]
        + ["--port", str(port)],
        cwd=PROJECT_ROOT,
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert server.stderr is not None
        said = ""
        deadline = time.monotonic() + 120
        while "Running on" not in said and time.monotonic() < deadline:
            said += server.stderr.readline()
        assert "Warning: Boundary is served over plain HTTP at http://" in said
        assert "BOUNDARY_SESSION_COOKIE_SECURE=false" in said
        assert "0.0.0.0" not in said.split("Warning:")[1].split("\n")[0]
    finally:
        server.terminate()
        server.communicate(timeout=60)
    links = flask_cli(["links", "demo"], env)
    assert links.returncode == 0
    assert f":{port}/r/" in links.stdout and "0.0.0.0" not in links.stdout
    assert reachable_url("0.0.0.0", port) in links.stdout
