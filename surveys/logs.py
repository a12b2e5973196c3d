"""Request logs that keep the anonymity promise.

The development server logs every request with the client's address and the time to the
second. For survey and workshop pages that would tie a person's address to the moment they
sent their answers, so those lines are dropped. (In production, gunicorn keeps no access log
unless told to; see the README.)
"""

from __future__ import annotations

import logging

from flask import Flask

# A logged request line reads '"POST /r/TOKEN/... HTTP/1.1"': these are the answering pages.
ANSWERING_PATHS = (" /r/", " /w/", " /join")


class SurveyRequestsUnlogged(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not any(path in message for path in ANSWERING_PATHS)


def init_app(app: Flask) -> None:
    logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, SurveyRequestsUnlogged) for f in logger.filters):
        logger.addFilter(SurveyRequestsUnlogged())
