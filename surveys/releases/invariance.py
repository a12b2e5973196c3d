"""A release's measurement invariance check: worked out by a background job once the
release is stored, never in a web request (it fits several five-factor models, tens of
seconds), and kept with the release.

The check reads the answers already stored (each respondent's level and item scores, nothing
else) and publishes only model-fit figures over whole level groups of at least
scoring.invariance.MIN_GROUP people, far above the minimum group size, and never a figure
about an agency, locality or any smaller group.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict
from typing import Any

import click
from flask import Flask, has_request_context
from flask.cli import with_appcontext
from sqlalchemy import select

from ..analysis.raw_answers import load_item_scores
from ..database import db
from ..library import questionnaire
from ..rounds.models import Round
from ..scoring.invariance import FeatureCheck, Invariance, ModelFit, check_invariance
from .models import Release
from .service import release_published

FUNCTION = "surveys.releases.invariance.check_release"
log = logging.getLogger(__name__)


def job_id(release_id: int) -> str:
    return f"invariance-{release_id}"


def check_release(release_id: int) -> None:
    """The job: run the check for a stored release and keep its outcome with it (once)."""
    release = db.session.get(Release, release_id)
    if release is None or release.invariance is not None:
        return  # deleted with its round since, or already done
    round_ = db.session.get(Round, release.round_id)
    if round_ is None:
        return
    q = questionnaire(round_.questionnaire_version)
    group_of = {level.id: level.group for level in q.levels}
    managers, frontline = [], []
    for level, scores in load_item_scores(round_.id, q):
        group = group_of.get(level)
        if group == "management":
            managers.append(scores)
        elif group == "frontline":
            frontline.append(scores)
    features = [(f.id, [item.id for item in f.items]) for f in q.features]
    outcome = check_invariance(features, managers, frontline)
    release.invariance = json.dumps(asdict(outcome))
    db.session.commit()


def invariance_of(release_id: int) -> Invariance | None:
    """The check's outcome for a release, or None while it is still being worked out."""
    text = db.session.scalar(db.select(Release.invariance).where(Release.id == release_id))
    return load(text) if text else None


def load(text: str) -> Invariance:
    plain: dict[str, Any] = json.loads(text)
    for name in ("configural", "equal_loadings"):
        if plain.get(name) is not None:
            plain[name] = ModelFit(**plain[name])
    plain["features"] = tuple(FeatureCheck(**check) for check in plain.get("features", ()))
    plain["differing"] = tuple(plain.get("differing", ()))
    return Invariance(**plain)


def _on_published(app: Flask, round_: Round, release: Release) -> None:
    if app.config["REPORT_JOBS"] == "on-request":
        return  # the test suite: tests run the check themselves, where they mean to
    if not app.config.get("REDIS_URL") and not has_request_context():
        # Published from the command line with no worker: the command does it, after the
        # release is stored, rather than a thread the command would not wait for.
        check_release(release.id)
        return
    from ..jobs import JobsUnavailable, runner

    try:
        runner().submit(job_id(release.id), FUNCTION, release.id)
    except JobsUnavailable as error:
        # The release stands without it: readers are told the check is still to come, and
        # `flask check-invariance` runs it by hand once the queue is back.
        log.warning("release %s: the invariance check was not queued (%s)", release.id, error)


@click.command("check-invariance")
@with_appcontext
@click.argument("round_slug")
def check_invariance_command(round_slug: str) -> None:
    """Run the measurement invariance check for a round's latest release, if not yet run."""
    round_ = db.session.scalar(select(Round).where(Round.slug == round_slug))
    if round_ is None:
        raise click.ClickException(f"There is no round called {round_slug!r}.")
    release = db.session.scalar(
        select(Release).where(Release.round_id == round_.id).order_by(Release.number.desc())
    )
    if release is None:
        raise click.ClickException(f"Round {round_slug!r} has no release yet.")
    check_release(release.id)
    outcome = invariance_of(release.id)
    said = "not run" if outcome is None or not outcome.ran else "done"
    click.echo(f"Release {release.number} of {round_slug}: invariance check {said}.")


def init_app(app: Flask) -> None:
    release_published.connect(_on_published, app)
    app.cli.add_command(check_invariance_command)
