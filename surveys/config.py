"""Configuration in layers: defaults, then instance/config.py, then the environment, then tests."""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask

from .instance_folder import FolderNotWritable, check_database_folder, unwritable

MIN_CELL_SIZE_FLOOR = 3  # below three, a published figure can describe one or two people
MIN_SECRET_KEY_LENGTH = 32  # a shorter key can be guessed, and with it every session forged


class ConfigError(Exception):
    """A setting that the app cannot run with."""


class Defaults:
    PARTNERSHIP_NAME = "Safeguarding Children Partnership"
    # Where people report an accessibility problem (the accessibility statement); an email
    # address of the partnership's business unit. None: the statement says to ask whoever
    # sent the survey link.
    ACCESSIBILITY_CONTACT: str | None = None
    # The version new rounds use unless told otherwise (a round keeps the version it was
    # created with). Version 2 fixes the review of version 1: see docs/questionnaire.md.
    CURRENT_QUESTIONNAIRE = "cop-maturity-v2"
    QUESTIONNAIRE_DIR: str | None = None  # None: the definitions shipped in the package
    MIN_CELL_SIZE = 5
    ROUND_LENGTH_DAYS = 30
    DISPLAY_TIMEZONE = "Europe/London"
    # PDF reports are typeset by a background job (surveys/jobs.py): on the RQ queue of this
    # Redis when set (e.g. redis://127.0.0.1:6379/0), else in a thread of the web process.
    REDIS_URL: str | None = None
    REPORT_JOBS = "background"  # or "on-request": typeset in the request (the test suite)
    REPORT_TIME_LIMIT = 180  # seconds one attempt at a report may take before it is killed
    REPORT_ATTEMPTS = 3

    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_NAME = "boundary_session"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=8)
    # A respondent may leave a page open for a long time; the token lives as long as the session.
    WTF_CSRF_TIME_LIMIT: int | None = None
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {"pool_pre_ping": True}


def load_config(app: Flask, test_config: dict[str, Any] | None) -> None:
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    if "DATABASE_URL" in os.environ:
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    if "SECRET_KEY" in os.environ:
        app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
    app.config.from_prefixed_env("BOUNDARY")  # e.g. BOUNDARY_MIN_CELL_SIZE=7
    if test_config:
        app.config.update(test_config)

    app.config.setdefault(
        "SQLALCHEMY_DATABASE_URI", f"sqlite:///{Path(app.instance_path) / 'boundary.sqlite3'}"
    )
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"]
    )
    try:
        if is_production(app):
            check_production_settings(app)
        if not app.config.get("SECRET_KEY"):
            app.config["SECRET_KEY"] = instance_secret_key(Path(app.instance_path))
        check_database_folder(app.config["SQLALCHEMY_DATABASE_URI"])
    except FolderNotWritable as error:
        raise ConfigError(str(error)) from None

    check_report_jobs(app.config)

    min_cell = app.config["MIN_CELL_SIZE"]
    if not isinstance(min_cell, int) or min_cell < MIN_CELL_SIZE_FLOOR:
        raise ConfigError(
            f"MIN_CELL_SIZE is {min_cell!r}; it must be a whole number of at least "
            f"{MIN_CELL_SIZE_FLOOR}, or small groups of staff could be identified"
        )


def check_report_jobs(config: dict[str, Any]) -> None:
    if config["REPORT_JOBS"] not in ("background", "on-request"):
        raise ConfigError(
            f"REPORT_JOBS is {config['REPORT_JOBS']!r}; it must be 'background' or 'on-request'"
        )
    for name in ("REPORT_TIME_LIMIT", "REPORT_ATTEMPTS"):
        value = config[name]
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ConfigError(f"{name} is {value!r}; it must be a whole number, 1 or more")


def normalise_database_url(url: str) -> str:
    """Point PostgreSQL URLs at psycopg 3, the driver we install."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def is_production(app: Flask) -> bool:
    """Production is said, not guessed: BOUNDARY_ENV=production (the documented production
    command sets it). Tests and debugging never count as production."""
    return (
        str(app.config.get("ENV", "")).lower() == "production"
        and not app.config.get("TESTING")
        and not app.debug
    )


def check_production_settings(app: Flask) -> None:
    """Refuse to start in production with a missing or short secret key, or a session
    cookie a browser would send over plain HTTP or to scripts."""
    key = app.config.get("SECRET_KEY")
    how = (
        "Set SECRET_KEY to a long random value, for example the output of "
        "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
    )
    if not key:
        raise ConfigError(f"SECRET_KEY is not set, and this is production (BOUNDARY_ENV). {how}")
    if len(str(key)) < MIN_SECRET_KEY_LENGTH:
        raise ConfigError(
            f"SECRET_KEY is {len(str(key))} characters long; in production it must be at least "
            f"{MIN_SECRET_KEY_LENGTH}, or sessions could be forged. {how}"
        )
    if not app.config["SESSION_COOKIE_SECURE"] or not app.config["SESSION_COOKIE_HTTPONLY"]:
        raise ConfigError(
            "SESSION_COOKIE_SECURE and SESSION_COOKIE_HTTPONLY must stay on in production "
            "(BOUNDARY_ENV=production): serve Boundary over HTTPS"
        )
    if app.config["SESSION_COOKIE_SAMESITE"] not in ("Lax", "Strict"):
        raise ConfigError("SESSION_COOKIE_SAMESITE must be Lax or Strict in production")


def instance_secret_key(instance: Path) -> str:
    """The secret key lives outside the repository: generated once into instance/.

    Several workers may start at once on a fresh instance/: each writes a whole key to a
    file of its own, then links it into place, which only the first can do (os.link never
    replaces a file), and everyone reads back the key that won. No one ever reads a file
    half written."""
    key_file = instance / "secret_key"
    try:
        if not key_file.exists():
            instance.mkdir(parents=True, exist_ok=True)
            descriptor, draft = tempfile.mkstemp(prefix=".secret_key.", dir=instance)
            try:
                with os.fdopen(descriptor, "w") as file:  # mkstemp makes it mode 600
                    file.write(secrets.token_urlsafe(48))
                    file.flush()
                    os.fsync(file.fileno())
                with contextlib.suppress(FileExistsError):
                    os.link(draft, key_file)
            finally:
                os.unlink(draft)
        key = key_file.read_text().strip()
    except OSError as error:
        raise unwritable(instance, "it holds the generated secret key", error) from None
    if not key:
        raise ConfigError(f"{key_file} is empty: delete it and Boundary will make a new key")
    return key
