"""Boundary's entry point: `flask --app app ...`, or gunicorn 'app:create_app()'."""

from __future__ import annotations

from typing import Any

from flask import Flask

from surveys import StartupError
from surveys import create_app as build_app


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    try:
        return build_app(test_config)
    except StartupError as error:
        # A broken questionnaire file or setting is the operator's to fix: say what, not a trace.
        raise SystemExit(f"Boundary cannot start: {error}") from None
