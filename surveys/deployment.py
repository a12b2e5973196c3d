"""How the app meets its server: the reverse proxy in front, and the database behind.

- Behind a proxy, the client's address and scheme arrive in X-Forwarded-* headers, which
  anyone can send. They are believed only when PROXY_FIX_X_FOR etc. say how many proxies set
  them (Werkzeug's ProxyFix); by default none are, so forged headers change nothing.
- A database that never answers would hold a request (and a worker) for minutes: connecting
  gives up after DATABASE_CONNECT_TIMEOUT seconds, and on PostgreSQL a statement after
  DATABASE_STATEMENT_TIMEOUT seconds, and the person sees a 503 page (surveys/outage.py).
- The engine never puts statement parameters (answers, comments) into exception text, so
  a database error cannot carry them into a log.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import make_url
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import ConfigError

PROXY_SETTINGS = {
    "PROXY_FIX_X_FOR": "x_for",
    "PROXY_FIX_X_PROTO": "x_proto",
    "PROXY_FIX_X_HOST": "x_host",
    "PROXY_FIX_X_PORT": "x_port",
    "PROXY_FIX_X_PREFIX": "x_prefix",
}
DEFAULTS: dict[str, Any] = {
    **dict.fromkeys(PROXY_SETTINGS, 0),
    "DATABASE_CONNECT_TIMEOUT": 5,  # seconds; libpq counts anything under 2 as 2
    "DATABASE_STATEMENT_TIMEOUT": 30,  # seconds, PostgreSQL only; 0 for none
}


def _whole_number(app: Flask, name: str) -> int:
    value = app.config[name]
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(f"{name} is {value!r}; it must be a whole number, 0 or more")
    return value


def _seconds(app: Flask, name: str) -> float:
    value = app.config[name]
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ConfigError(f"{name} is {value!r}; it must be a number of seconds, 0 or more")
    return float(value)


def trust_proxy(app: Flask) -> None:
    hops = {keyword: _whole_number(app, name) for name, keyword in PROXY_SETTINGS.items()}
    if any(hops.values()):
        app.wsgi_app = ProxyFix(app.wsgi_app, **hops)  # type: ignore[method-assign]


def engine_options(app: Flask) -> dict[str, Any]:
    """SQLALCHEMY_ENGINE_OPTIONS with parameters hidden and the database timeouts set."""
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    options["hide_parameters"] = True
    connect = _seconds(app, "DATABASE_CONNECT_TIMEOUT")
    statement = _seconds(app, "DATABASE_STATEMENT_TIMEOUT")
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "postgresql":
        connect_args = dict(options.get("connect_args") or {})
        if connect:
            connect_args.setdefault("connect_timeout", max(1, round(connect)))
        if statement:
            # Given to the server at connection; kept beside any options in the URL (the
            # tests' search_path), which connect_args would otherwise replace.
            given = url.query.get("options", "")
            given = " ".join(given) if isinstance(given, tuple) else given
            timeout = f"-c statement_timeout={round(statement * 1000)}"
            connect_args["options"] = f"{given} {timeout}".strip()
        options["connect_args"] = connect_args
    return options


def init_app(app: Flask) -> None:
    """Before the database is set up: it reads the engine options."""
    for name, value in DEFAULTS.items():
        app.config.setdefault(name, value)
    trust_proxy(app)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app)


def configured_database_url() -> str:
    """The database the app will use, read through the same layers as the app's settings
    (gunicorn.conf.py asks before any worker starts)."""
    from . import PROJECT_ROOT
    from .config import load_config

    app = Flask(
        "surveys", instance_path=str(PROJECT_ROOT / "instance"), instance_relative_config=True
    )
    load_config(app, None)
    return str(app.config["SQLALCHEMY_DATABASE_URI"])


def sqlite_workers_refusal(database_url: str, workers: int, allowed: bool) -> str | None:
    """Why gunicorn must not start, or None. Several processes writing one SQLite file wait
    on each other's locks; production means PostgreSQL."""
    if workers <= 1 or allowed or make_url(database_url).get_backend_name() != "sqlite":
        return None
    return (
        f"Boundary will not start {workers} gunicorn workers on SQLite ({database_url}): "
        "several processes writing one SQLite file wait on each other's locks, and under load "
        "some answers fail. Production means PostgreSQL: set DATABASE_URL, e.g. "
        "postgresql://boundary@db.example.org/boundary. To run one worker on SQLite, set "
        "BOUNDARY_WORKERS=1. To run several on SQLite anyway (a trial, a small partnership), "
        "set BOUNDARY_ALLOW_SQLITE_WORKERS=1."
    )
