"""Configuration in layers: defaults, then instance/config.py, then the environment, then tests."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask

from .instance_folder import FolderNotWritable, check_database_folder, unwritable

MIN_CELL_SIZE_FLOOR = 3  # below three, a published figure can describe one or two people


class ConfigError(Exception):
    """A setting that the app cannot run with."""


class Defaults:
    PARTNERSHIP_NAME = "Safeguarding Children Partnership"
    CURRENT_QUESTIONNAIRE = "cop-maturity-v1"
    QUESTIONNAIRE_DIR: str | None = None  # None: the definitions shipped in the package
    MIN_CELL_SIZE = 5
    ROUND_LENGTH_DAYS = 30
    DISPLAY_TIMEZONE = "Europe/London"
    # A PDF report's two halves are typeset side by side in this many processes (started on
    # the first download, then kept); 1 typesets them in turn in the web process.
    REPORT_PROCESSES = 2

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
        if not app.config.get("SECRET_KEY"):
            app.config["SECRET_KEY"] = instance_secret_key(Path(app.instance_path))
        check_database_folder(app.config["SQLALCHEMY_DATABASE_URI"])
    except FolderNotWritable as error:
        raise ConfigError(str(error)) from None

    processes = app.config["REPORT_PROCESSES"]
    if not isinstance(processes, int) or isinstance(processes, bool) or processes < 1:
        raise ConfigError(
            f"REPORT_PROCESSES is {processes!r}; it must be a whole number, 1 or more"
        )

    min_cell = app.config["MIN_CELL_SIZE"]
    if not isinstance(min_cell, int) or min_cell < MIN_CELL_SIZE_FLOOR:
        raise ConfigError(
            f"MIN_CELL_SIZE is {min_cell!r}; it must be a whole number of at least "
            f"{MIN_CELL_SIZE_FLOOR}, or small groups of staff could be identified"
        )


def normalise_database_url(url: str) -> str:
    """Point PostgreSQL URLs at psycopg 3, the driver we install."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def instance_secret_key(instance: Path) -> str:
    """The secret key lives outside the repository: generated once into instance/."""
    key_file = instance / "secret_key"
    try:
        if key_file.exists():
            return key_file.read_text().strip()
        instance.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(key)
    except OSError as error:
        raise unwritable(instance, "it holds the generated secret key", error) from None
    return key
