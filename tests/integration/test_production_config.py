"""Production (BOUNDARY_ENV=production) refuses to start without a long secret key or with
session cookies a browser would send insecurely; the key generated into instance/ for the
embedded default is made once, whole, however many workers start at once."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from flask import Flask

from surveys import create_app
from surveys.config import ConfigError
from surveys.database import db
from tests.helpers import PROJECT_ROOT, app_config

GOOD_KEY = "k" * 48
PROCESSES = 8
ROUNDS = 6


def production(database_url: str, **settings: object) -> dict[str, object]:
    config = app_config(database_url, TESTING=False, ENV="production", **settings)
    return config


def test_production_refuses_to_start_without_a_secret_key(
    database_url: str, tmp_path: Path
) -> None:
    config = production(database_url)
    del config["SECRET_KEY"]
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        create_app(config, instance_path=tmp_path)
    assert not (tmp_path / "secret_key").exists()  # nor does it quietly make one


def test_production_refuses_a_short_secret_key(database_url: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="1 characters long; in production it must be at"):
        create_app(production(database_url, SECRET_KEY="x"), instance_path=tmp_path)
    with pytest.raises(ConfigError, match="at least 32"):
        create_app(production(database_url, SECRET_KEY="y" * 31), instance_path=tmp_path)
    app = create_app(production(database_url, SECRET_KEY="z" * 32), instance_path=tmp_path)
    assert app.config["SECRET_KEY"] == "z" * 32
    close_connections(app)


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("SESSION_COOKIE_SECURE", False),
        ("SESSION_COOKIE_HTTPONLY", False),
        ("SESSION_COOKIE_SAMESITE", None),
    ],
)
def test_production_keeps_session_cookies_secure(
    database_url: str, tmp_path: Path, setting: str, value: object
) -> None:
    with pytest.raises(ConfigError, match=setting):
        create_app(
            production(database_url, SECRET_KEY=GOOD_KEY, **{setting: value}),
            instance_path=tmp_path,
        )


def test_the_production_cookie_is_secure_httponly_and_samesite(
    database_url: str, tmp_path: Path
) -> None:
    app = create_app(production(database_url, SECRET_KEY=GOOD_KEY), instance_path=tmp_path)
    client = app.test_client()
    client.get("/sign-in")  # the sign-in form puts a CSRF token in the session
    cookie = client.get_cookie("boundary_session")
    assert cookie is not None
    assert cookie.secure and cookie.http_only and cookie.same_site == "Lax"
    close_connections(app)


def close_connections(app: Flask) -> None:
    """The request checked the database is set up: give its connection back and close it."""
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_the_command_line_says_what_to_set_without_a_traceback(tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if k != "SECRET_KEY"},
        "BOUNDARY_ENV": "production",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'boundary.sqlite3'}",
    }
    for key in ("", "too-short"):
        if key:
            env["SECRET_KEY"] = key
        result = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "app", "routes"],
            cwd=PROJECT_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode != 0
        assert "Boundary cannot start: SECRET_KEY" in result.stderr
        assert "secrets.token_urlsafe" in result.stderr
        assert "Traceback" not in result.stderr


MAKE_KEY = """
import sys, time
from pathlib import Path
from surveys.config import instance_secret_key
start = float(sys.argv[2])
while time.time() < start:
    pass
print(instance_secret_key(Path(sys.argv[1])))
"""


def test_workers_starting_together_agree_on_one_whole_key(tmp_path: Path) -> None:
    """Eight processes released at the same instant on a fresh instance/, six times over:
    every one starts, and every one reads the same key (the old code crashed about 1 in 8
    on first boot, or read a half-written file)."""
    for attempt in range(ROUNDS):
        instance = tmp_path / f"instance-{attempt}"
        start = time.time() + 1.5  # after every interpreter has started
        workers = [
            subprocess.Popen(
                [sys.executable, "-c", MAKE_KEY, str(instance), str(start)],
                cwd=PROJECT_ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(PROCESSES)
        ]
        results = [worker.communicate(timeout=120) for worker in workers]
        assert [worker.returncode for worker in workers] == [0] * PROCESSES, results
        keys = {out.strip() for out, _err in results}
        assert len(keys) == 1 and len(keys.pop()) >= 48
        key_file = instance / "secret_key"
        assert key_file.stat().st_mode & 0o077 == 0  # readable by its owner only
        assert [p.name for p in instance.iterdir()] == ["secret_key"]  # no drafts left


def test_an_empty_key_file_is_named_not_used(tmp_path: Path) -> None:
    from surveys.config import instance_secret_key

    (tmp_path / "secret_key").write_text("")
    with pytest.raises(ConfigError, match="secret_key is empty"):
        instance_secret_key(tmp_path)
