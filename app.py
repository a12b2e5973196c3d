"""Boundary's entry point: `flask --app app ...`, or gunicorn 'app:create_app()'."""

from __future__ import annotations

import gc

# Start-up (importing SQLAlchemy and Boundary's models, views and forms, then building the
# app) makes a few hundred thousand objects and frees almost none, so the cyclic garbage
# collector's passes over them find nothing: about a tenth of every command's start-up
# (benchmarks/cli_startup.py). It is off while this module imports and while create_app
# runs, and on again for whatever the command or the web process does next.
gc.disable()

from typing import Any  # noqa: E402

from flask import Flask  # noqa: E402

from surveys import StartupError  # noqa: E402
from surveys import create_app as build_app  # noqa: E402

gc.enable()


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    gc.disable()
    try:
        return build_app(test_config)
    except StartupError as error:
        # A broken questionnaire file or setting is the operator's to fix: say what, not a trace.
        raise SystemExit(f"Boundary cannot start: {error}") from None
    finally:
        gc.enable()
