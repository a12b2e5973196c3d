"""Request logs that keep the anonymity promise.

The development server logs every request with the client's address and the time to the
second. For survey and workshop pages that would tie a person's address to the moment they
sent their answers, so those lines are dropped.

Boundary's own log is JSON, one object a line, on standard error (gunicorn's error log in
production; gunicorn's access log stays off). Each request gets one line: a request id (the
proxy's X-Request-ID if it is well formed, else a new one, echoed in the response), method,
path, status and duration. On answering pages (/r/, /w/, /join) the line has no client
address and no time, and the survey link's token or the workshop's join code in the path is
replaced by "…". Query strings and bodies are never logged, and an exception's text is
logged without the values it carries (see `safe_exception_text`): database errors quote the
answers and comments they were given, which must not reach a log.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import traceback
import uuid
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, TextIO

from flask import Flask, Response, g, has_request_context, request, request_started

# A logged request line reads '"POST /r/TOKEN/... HTTP/1.1"': these are the answering pages.
ANSWERING_PATHS = (" /r/", " /w/", " /join", " /static/")
REQUEST_LOGGER = "surveys.requests"
# The proxy's request id is taken only if it looks like one: no spaces, quotes or markup.
WELL_FORMED_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@+=/-]{0,127}")
# Probes call these every few seconds: a line each time would drown everything else.
QUIET_WHEN_OK = ("/healthz", "/readyz")

_SECRET_IN_PATH = re.compile(r"/(r|w)/[^\s\"'?#]*")
# Quoted text in an error message is a value, unless it names a table, a constraint and so on.
_QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'")
_NAMES_FOLLOW = re.compile(
    r"\b(relation|constraint|table|column|index|type|schema|function|database|role)\s*$"
)
_MESSAGE_LIMIT = 500


class SurveyRequestsUnlogged(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not any(path in message for path in ANSWERING_PATHS)


def is_answering(path: str) -> bool:
    """Survey and workshop pages, and the files they fetch just after (found in review: a
    stylesheet's line paired the respondent's address with the moment they answered):
    whoever loads them may be answering."""
    return (
        path.startswith(("/r/", "/w/", "/static/")) or path == "/join" or path.startswith("/join/")
    )


def redact_path(path: str) -> str:
    """/r/<token>/section/trust -> /r/…, /w/<code> -> /w/…: the secret and where in the
    journey someone was stay out of the log."""
    return _SECRET_IN_PATH.sub(lambda match: f"/{match.group(1)}/…", path)


def scrub(message: str) -> str:
    """An exception message without the values it quotes: its first line only (PostgreSQL
    adds 'DETAIL: Failing row contains (...)' below), quoted literals replaced by '…'."""
    first = message.strip().splitlines()[0] if message.strip() else ""
    first = _QUOTED.sub(
        lambda quoted: quoted.group(0) if _NAMES_FOLLOW.search(first[: quoted.start()]) else "'…'",
        first,
    )
    return redact_path(first)[:_MESSAGE_LIMIT]


def _exception_lines(error: BaseException) -> str:
    from sqlalchemy.exc import StatementError

    name = type(error).__qualname__
    if isinstance(error, StatementError):
        # Never str(error): that holds the driver's message and, unless hidden, parameters.
        orig = error.orig
        text = f"{name}: ({type(orig).__module__}.{type(orig).__qualname__}) {scrub(str(orig))}"
        statement = " ".join((error.statement or "").split())[:_MESSAGE_LIMIT]
        return f"{text} [SQL: {statement}]" if statement else text
    return f"{name}: {scrub(str(error))}"


def safe_exception_text(
    exc_info: tuple[type[BaseException], BaseException, TracebackType | None],
) -> str:
    """A traceback that says where and what, never with what values: frames (file, line,
    function, source line), then each exception's type and scrubbed message."""
    parts: list[str] = []
    error: BaseException | None = exc_info[1]
    seen: set[int] = set()
    chain: list[BaseException] = []
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        chain.append(error)
        error = error.__cause__ or error.__context__
    for index, link in enumerate(reversed(chain)):
        if index:
            parts.append("During handling of the above exception, another exception occurred:")
        parts.append("Traceback (most recent call last):")
        for frame in traceback.extract_tb(link.__traceback__):
            parts.append(f'  File "{frame.filename}", line {frame.lineno}, in {frame.name}')
            if frame.line:
                parts.append(f"    {frame.line.strip()}")
        parts.append(_exception_lines(link))
    return "\n".join(parts)


class RecordsWithoutSecrets(logging.Filter):
    """On the app's logger, before any handler sees the record (a plain one an operator adds,
    pytest's): the message's paths redacted and the exception reduced to safe text. Flask
    logs an unhandled exception here as 'Exception on /r/<token>/submit [POST]'."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact_path(record.getMessage())
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = safe_exception_text(record.exc_info)
            record.exc_info = None
            record.safe_exception = True
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line. Used for the app's log and, from gunicorn.conf.py, gunicorn's."""

    FIELDS = ("request_id", "method", "path", "status", "duration_ms", "client", "event")

    def format(self, record: logging.LogRecord) -> str:
        answering = bool(getattr(record, "answering", False))
        if not answering and has_request_context():
            answering = is_answering(request.path)
        entry: dict[str, Any] = {}
        if not answering:
            moment = datetime.fromtimestamp(record.created, UTC)
            entry["time"] = moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        entry["level"] = record.levelname
        entry["logger"] = record.name
        entry["message"] = redact_path(record.getMessage())
        for field in self.FIELDS:
            value = getattr(record, field, None)
            if value is not None and not (answering and field == "client"):
                entry[field] = value
        if "request_id" not in entry and has_request_context() and "request_id" in g:
            entry["request_id"] = g.request_id
        for key, value in getattr(record, "fields", {}).items():
            entry.setdefault(key, value)
        if record.exc_info and record.exc_info[1] is not None:
            entry["exception"] = safe_exception_text(record.exc_info)
        elif record.exc_text:
            safe = getattr(record, "safe_exception", False)
            entry["exception"] = record.exc_text if safe else scrub(record.exc_text)
        return json.dumps(entry, ensure_ascii=False, default=str)


class StandardErrorHandler(logging.StreamHandler[TextIO]):
    """Writes to whatever sys.stderr is when a line is written (so a test capturing it, or
    gunicorn redirecting it, gets the line)."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


def _begin_request(_sender: Flask, **_extra: Any) -> None:
    g.request_started = time.perf_counter()
    offered = request.headers.get("X-Request-ID", "")
    g.request_id = offered if WELL_FORMED_REQUEST_ID.fullmatch(offered) else uuid.uuid4().hex


def _log_request(response: Response) -> Response:
    request_id = g.get("request_id") or uuid.uuid4().hex
    response.headers["X-Request-ID"] = request_id
    if request.path in QUIET_WHEN_OK and response.status_code < 400:
        return response
    if request.path.startswith("/static/") and response.status_code < 400:
        return response  # a file fetched by a page already logged: noise
    started = g.get("request_started")
    duration = round((time.perf_counter() - started) * 1000, 1) if started else None
    answering = is_answering(request.path)
    logging.getLogger(REQUEST_LOGGER).info(
        "%s %s %s",
        request.method,
        redact_path(request.path),
        response.status_code,
        extra={
            "event": "request",
            "request_id": request_id,
            "method": request.method,
            "path": redact_path(request.path),
            "status": response.status_code,
            "duration_ms": duration,
            "client": None if answering else request.remote_addr,
            "answering": answering,
        },
    )
    return response


def _json_to_standard_error(app: Flask) -> None:
    """The app's logger ('surveys', and 'surveys.requests' beneath it) writes JSON lines."""
    logger = logging.getLogger(app.import_name)
    # Under gunicorn.conf.py the root logger already writes JSON: the lines propagate there.
    root_writes_json = any(isinstance(h.formatter, JsonFormatter) for h in logging.root.handlers)
    if not root_writes_json and not any(
        isinstance(h, StandardErrorHandler) for h in logger.handlers
    ):
        handler = StandardErrorHandler()
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)  # Flask then adds no plain handler of its own
        # Written once, as JSON, even where something else gave the root logger a handler
        # (Alembic's logging set-up does, when migrations run in the same process).
        logger.propagate = False
    if not any(isinstance(f, RecordsWithoutSecrets) for f in logger.filters):
        logger.addFilter(RecordsWithoutSecrets())
    if logger.level == logging.NOTSET or logger.level > logging.INFO:
        logger.setLevel(logging.INFO)


def init_app(app: Flask) -> None:
    logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, SurveyRequestsUnlogged) for f in logger.filters):
        logger.addFilter(SurveyRequestsUnlogged())
    _json_to_standard_error(app)
    # Sent before any request hook (even a blueprint's URL processors, which may already
    # need the database), so every line about the request carries its id.
    request_started.connect(_begin_request, app)
    app.after_request(_log_request)
