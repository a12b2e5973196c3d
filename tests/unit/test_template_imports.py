"""Boundary's Template class imports macros the way Jinja does, only cheaper."""

from __future__ import annotations

import re

import jinja2
from flask import g, render_template

from surveys import create_app
from surveys.library import current_questionnaire
from surveys.responses.forms import feature_form
from surveys.responses.journey import section
from surveys.templating import Template

SOURCES = {
    "macros.html": "{% macro shout(text) %}{{ text | upper }}{{ extra or '' }}{% endmacro %}",
    "page.html": "{% from 'macros.html' import shout %}{{ shout(word) }}",
    "whole.html": "{% import 'macros.html' as m %}{{ m.shout(word) }}",
}


def render_with(template_class: type[jinja2.Template], name: str, **globals_: object) -> str:
    environment = jinja2.Environment(loader=jinja2.DictLoader(SOURCES))
    environment.template_class = template_class
    return environment.get_template(name, globals=globals_).render(word="careful")


def test_imports_give_what_jinja_gives_with_and_without_globals_of_the_importer() -> None:
    for name in ("page.html", "whole.html"):
        assert render_with(Template, name) == render_with(jinja2.Template, name) == "CAREFUL"
        # A global only the importing template has reaches the imported macros, as in Jinja.
        shown = render_with(Template, name, extra="!")
        assert shown == render_with(jinja2.Template, name, extra="!") == "CAREFUL!"


def test_a_survey_page_is_the_same_page_with_jinjas_own_template_class() -> None:
    pages = []
    for template_class in (Template, jinja2.Template):
        app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "k" * 32})
        app.jinja_env.template_class = template_class
        with app.test_request_context("/r/token/section/purpose"):
            q = current_questionnaire()
            g.questionnaire = q
            feature = q.features[0]
            form = feature_form(feature, q, data={})
            form.round.data = "token"
            page = render_template(
                "respond/feature.html",
                form=form,
                section=section(q, feature.id),
                back="/r/token/about-you",
                feature=feature,
            )
        # The CSRF token and the CSP nonce differ per request; the rest must not.
        page = page.replace(str(form.csrf_token.current_token), "TOKEN")
        pages.append(re.sub(r'nonce="[^"]*"', 'nonce=""', page))
    ours, jinjas = pages
    assert "govuk-radios" in ours and "TOKEN" in ours and "govuk-footer" in ours
    assert ours == jinjas


def test_the_app_uses_it() -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "k" * 32})
    assert app.jinja_env.template_class is Template
