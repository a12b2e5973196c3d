"""A do-nothing-much app for benchmarks/journey_load.py's latency baseline (not served anywhere).

Boundary's own app (its settings, templates, session, CSRF, headers and request log), plus
one page that renders the first feature page from its template with no database and no
draft, and takes a POST with nothing to check and no write. Under the same gunicorn settings
and the same clients as the journeys, its latency is what this machine gives any page of
this size: whatever the journeys' p99 has above it is Boundary's own.
"""

from __future__ import annotations

from flask import Flask, g, redirect, render_template
from werkzeug.wrappers.response import Response

import app as boundary
from surveys.library import current_questionnaire
from surveys.responses.forms import feature_form
from surveys.responses.journey import section, statement_numbers
from surveys.security import csrf

PATH = "/bench/bare-page"


def create_app() -> Flask:
    served = boundary.create_app()

    def page() -> str:
        q = current_questionnaire()
        feature = q.features[0]
        g.questionnaire = q
        form = feature_form(feature, q, data={})
        form.round.data = "bare"
        numbers = statement_numbers(q)
        return render_template(
            "respond/feature.html",
            form=form,
            section=section(q, feature.id),
            back=PATH,
            feature=feature,
            numbers=numbers,  # as the survey's feature page passes them
            statement_total=len(numbers),
            questionnaire=q,  # the survey's pages have it from their blueprint's context
        )

    def sent() -> Response:
        return redirect(PATH)

    csrf.exempt(sent)  # nothing is written: the baseline's POST is the cheapest a form can be

    served.add_url_rule(PATH, "bare_page", page, methods=["GET"])
    served.add_url_rule(PATH, "bare_sent", sent, methods=["POST"])
    return served
