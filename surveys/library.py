"""The questionnaire versions this deployment knows, loaded and validated at start-up."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app

from .questionnaire import DEFINITIONS, Questionnaire, QuestionnaireError, load_library


def init_app(app: Flask) -> None:
    directory = Path(app.config["QUESTIONNAIRE_DIR"] or DEFINITIONS)
    library = load_library(directory)
    current = app.config["CURRENT_QUESTIONNAIRE"]
    if current not in library:
        raise QuestionnaireError(
            directory, "", f"CURRENT_QUESTIONNAIRE {current!r} is not among {sorted(library)}"
        )
    app.extensions["questionnaires"] = library


def questionnaire(version: str) -> Questionnaire:
    library: dict[str, Questionnaire] = current_app.extensions["questionnaires"]
    return library[version]


def current_questionnaire() -> Questionnaire:
    return questionnaire(current_app.config["CURRENT_QUESTIONNAIRE"])
