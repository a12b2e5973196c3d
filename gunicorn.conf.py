"""gunicorn's settings for Boundary, read by the one production command (see the README):

    .venv/bin/gunicorn --config gunicorn.conf.py 'app:create_app()'

Everything an operator changes comes from the environment (the README's "Running in
production" lists them). Logs are JSON lines on standard error (surveys/logs.py): gunicorn's
access log stays off, because a line pairing a client's address with the moment of a survey
request would undo the anonymity the database keeps.
"""

from __future__ import annotations

import os
import sys
from typing import Any


def _number(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit():
        sys.exit(f"Boundary cannot start: {name} is {value!r}; it must be a whole number")
    return int(value)


def _yes(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


bind = os.environ.get("BOUNDARY_BIND", "127.0.0.1:8000").split(",")
workers = _number("BOUNDARY_WORKERS", _number("WEB_CONCURRENCY", 2))
# Threads: a workshop's screens poll, and a thread waiting on the network is cheap.
worker_class = "gthread"
threads = _number("BOUNDARY_THREADS", 16)
# A worker silent this long is killed and replaced; database statements give up sooner
# (BOUNDARY_DATABASE_STATEMENT_TIMEOUT, 30 s), so a request reaches its 503 page first.
timeout = _number("BOUNDARY_WORKER_TIMEOUT", 60)
graceful_timeout = _number("BOUNDARY_GRACEFUL_TIMEOUT", 30)
keepalive = _number("BOUNDARY_KEEPALIVE", 5)

# The client's address and scheme are taken from X-Forwarded-* only as the app's
# BOUNDARY_PROXY_FIX_* settings say; gunicorn's own (which trusts 127.0.0.1) is off.
forwarded_allow_ips = ""
secure_scheme_headers: dict[str, str] = {}

# gunicorn's control socket (gunicornc) is one path per user: two Boundary instances on one
# host would fight over it, and nothing here needs it.
control_socket_disable = True

accesslog = None
errorlog = "-"
loglevel = os.environ.get("BOUNDARY_LOG_LEVEL", "info")
logconfig_dict: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "surveys.logs.JsonFormatter"}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stderr",
        }
    },
    # Other libraries' chatter (typesetting progress, migrations' plugins) is left out.
    "root": {"level": "WARNING", "handlers": ["stderr"]},
    "loggers": {
        "surveys": {"level": "INFO", "handlers": [], "propagate": True},
        "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
        "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": False},
    },
}


def on_starting(server: Any) -> None:
    """Refuse SQLite with several workers unless the operator says otherwise, before any
    worker starts (so the number given with --workers on the command line counts too)."""
    from surveys.config import ConfigError
    from surveys.deployment import configured_database_url, sqlite_workers_refusal

    try:
        url = configured_database_url()
    except ConfigError as error:
        sys.exit(f"Boundary cannot start: {error}")
    refusal = sqlite_workers_refusal(url, server.cfg.workers, _yes("BOUNDARY_ALLOW_SQLITE_WORKERS"))
    if refusal:
        server.log.error(refusal)
        sys.exit(f"Boundary cannot start: {refusal}")
