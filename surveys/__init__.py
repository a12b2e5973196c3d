"""Boundary: a partnership maturity self-assessment for multi-agency safeguarding."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

from .config import ConfigError, load_config
from .questionnaire import QuestionnaireError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
StartupError = (QuestionnaireError, ConfigError)


def create_app(
    test_config: dict[str, Any] | None = None, instance_path: Path | None = None
) -> Flask:
    app = Flask(
        __name__,
        # BOUNDARY_INSTANCE_PATH: another folder for the local database and secret key.
        instance_path=str(
            instance_path or os.environ.get("BOUNDARY_INSTANCE_PATH") or PROJECT_ROOT / "instance"
        ),
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    load_config(app, test_config)

    from . import (
        cli,
        database,
        delivery,
        errors,
        form_input,
        jobs,
        languages,
        library,
        logs,
        models,  # noqa: F401  (every table on Base.metadata; database/ sits below them)
        security,
        templating,
    )
    from .admin import declarations, deletion
    from .admin import moderation as moderate
    from .admin import views as manage
    from .auth import access
    from .auth import views as auth
    from .database_setup import init_app as refuse_until_set_up
    from .deployment import init_app as proxy_and_database_settings
    from .first_run import init_app as offer_demo_admin
    from .health import blueprint as health_checks
    from .releases import service as releases
    from .reporting import documents, stored
    from .reporting import views as reports
    from .responses import short_links
    from .responses import views as respond
    from .serving import init_app as check_where_served
    from .site import views as site
    from .workshops import views as workshops

    delivery.init_app(app)  # first, so its after-request steps see the finished response
    logs.init_app(app)
    library.init_app(app)
    proxy_and_database_settings(app)  # read by the database's set-up, so before it
    database.init_app(app)
    releases.init_app(app)
    security.init_app(app)
    form_input.init_app(app)
    templating.init_app(app)
    languages.init_app(app)
    errors.init_app(app)
    access.init_app(app)
    app.register_blueprint(health_checks)
    app.register_blueprint(site.blueprint)
    app.register_blueprint(respond.blueprint)
    app.register_blueprint(short_links.blueprint)
    app.register_blueprint(auth.blueprint)
    app.register_blueprint(manage.blueprint)
    app.register_blueprint(deletion.blueprint)
    app.register_blueprint(declarations.blueprint)
    app.register_blueprint(reports.blueprint)
    app.register_blueprint(moderate.blueprint)
    app.register_blueprint(workshops.facilitate)
    app.register_blueprint(workshops.join)
    from .invitations import views as invitations

    invitations.init_app(app)
    documents.init_app(app)
    jobs.init_app(app)
    from .releases import invariance

    # The invariance check's job is asked for before the release's PDFs, so a worker taking
    # jobs in turn finishes it before typesetting them (a PDF typeset before it says that the
    # check is still to come).
    invariance.init_app(app)
    stored.init_app(app)
    from . import limits  # after the blueprints: it wraps their views

    limits.init_app(app, has_draft=respond.has_draft)
    cli.init_app(app)
    offer_demo_admin(app)
    check_where_served(app)
    refuse_until_set_up(app)  # after every command and page is registered: guards them
    return app
