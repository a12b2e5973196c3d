"""PDF reports typeset by a background job and stored with their release.

When a release is published, a job is asked for the partnership's report and each agency's;
a reader who asks for one that is not stored yet (or no longer: its comments were moderated,
its workshops' actions changed, or Boundary was upgraded) asks for it too. The web request
never typesets: it serves the stored PDF, or says the report is being prepared.

A job that fails is tried again (see surveys/jobs.py); when every attempt has failed, or the
report has waited longer than every attempt could take, the reader is told so and may ask
again.

A workshop's report is made the same way (surveys/workshops/report.py): the generic steps
here (asking for a job once, noticing one given up, trying again, typesetting and keeping
the PDF) take the stored row and the job to run, whatever the report is of.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from flask import Flask, current_app, has_request_context
from sqlalchemy import ColumnElement, delete, select, update
from sqlalchemy.exc import IntegrityError

from .. import jobs
from ..database import db
from ..languages import gettext
from ..releases.models import Release
from ..releases.service import comments_taken_down, release_published
from ..rounds.models import Round, utc_now
from . import documents
from .models import ReportState, StoredReport
from .reports import since_last_time

PARTNERSHIP = ""  # the agency column of the partnership's report
JOB = f"{__name__}.prepare"


def edition(round_: Round, agency: str | None) -> str:
    """What the report shows besides its release's figures, as a short key: the comments'
    moderation, the workshops' actions, the release of the round it is compared with, and
    the report's own format."""
    fingerprint = documents.report_format(
        str(current_app.template_folder), str(current_app.static_folder)
    )
    actions = documents.round_actions(round_, agency).fingerprint
    earlier = since_last_time(round_)
    compared = f"-e{earlier.id}.{earlier.latest_release}" if earlier is not None else ""
    return f"c{round_.comments_revision}-a{actions}{compared}-{fingerprint}"


def job_id(release_id: int, agency: str | None, made_as: str) -> str:
    return f"report-{release_id}-{agency or 'partnership'}-{made_as}"


def job_of(row: StoredReport) -> str:
    """The id of the job that makes this stored report: the same each time it is asked for."""
    if row.workshop_id is not None:
        return f"workshop-report-{row.workshop_id}-{row.edition}"
    assert row.release_id is not None
    return job_id(row.release_id, row.agency, row.edition)


def _find(release_id: int, agency: str | None, made_as: str) -> StoredReport | None:
    return db.session.scalar(
        select(StoredReport).where(
            StoredReport.workshop_id.is_(None),
            StoredReport.release_id == release_id,
            StoredReport.agency == (agency or PARTNERSHIP),
            StoredReport.edition == made_as,
        )
    )


def _latest(round_: Round) -> Release:
    release = db.session.scalar(
        select(Release).where(
            Release.round_id == round_.id, Release.number == round_.latest_release
        )
    )
    if release is None:
        raise documents.NotPublished(f"'{round_.name}' has no published results yet")
    return release


def ask_for(round_: Round, agency: str | None) -> StoredReport:
    """The stored report of the round's latest release, as it stands: ready, being
    prepared (a job has been asked for it), or failed."""
    release = _latest(round_)
    made_as = edition(round_, agency)
    found = _find(release.id, agency, made_as)
    if found is None:
        return created(
            _row(round_, release, agency, made_as, attempts=0),
            lambda: _find(release.id, agency, made_as),
            JOB,
        )
    return as_it_stands(found)


def as_it_stands(found: StoredReport) -> StoredReport:
    """The stored report, failed if nothing will finish it any more."""
    if found.state == ReportState.PENDING and _given_up(found):
        found.state, found.finished_at = ReportState.FAILED, utc_now()
        found.problem = found.problem or gettext(
            "It was not ready after %(seconds)s seconds: the job that typesets it stopped, or "
            "took longer than it is allowed.",
            seconds=_patience(found),
        )
        db.session.commit()
    return found


def _row(
    round_: Round, release: Release, agency: str | None, made_as: str, attempts: int
) -> StoredReport:
    """A report asked for now, not yet made."""
    return StoredReport(
        release_id=release.id,
        round_id=round_.id,
        agency=agency or PARTNERSHIP,
        edition=made_as,
        state=ReportState.PENDING,
        attempts=attempts,
        requested_at=utc_now(),
    )


def created(
    row: StoredReport, find: Callable[[], StoredReport | None], function: str
) -> StoredReport:
    """A report asked for now, stored as pending, and the job `function` asked to make it;
    or the one another request stored a moment before (`find`), whose job is asked for."""
    db.session.add(row)
    try:
        db.session.commit()  # before the job is asked for, so the job finds it
    except IntegrityError:  # another request asked for it at the same moment
        db.session.rollback()
        found = find()
        assert found is not None
        return found
    _submit(row, function)
    db.session.refresh(row)  # the job may already have made it (REPORT_JOBS = "on-request")
    return row


def _patience(row: StoredReport) -> int:
    """How long a report may be waited for: every attempt at its longest, and a minute for
    the queue."""
    config = current_app.config
    return int(config["REPORT_TIME_LIMIT"]) * int(config["REPORT_ATTEMPTS"]) + 60


def _given_up(row: StoredReport) -> bool:
    if utc_now() - row.requested_at > timedelta(seconds=_patience(row)):
        return True
    return jobs.runner().gave_up(job_of(row))


def try_again(round_: Round, agency: str | None) -> None:
    """A reader asks again for a report whose every attempt failed."""
    release = _latest(round_)
    made_as = edition(round_, agency)
    found = _find(release.id, agency, made_as)
    if found is None or found.state != ReportState.FAILED:
        ask_for(round_, agency)
        return
    ask_again(found, JOB)


def ask_again(found: StoredReport, function: str) -> None:
    """A failed report pending again, and its job `function` asked for."""
    # Only the request that moves it from failed to pending asks for the job: one render.
    moved = db.session.execute(
        update(StoredReport)
        .where(StoredReport.id == found.id, StoredReport.state == ReportState.FAILED)
        .values(state=ReportState.PENDING, attempts=0, problem=None, requested_at=utc_now())
    )
    db.session.commit()
    if moved.rowcount == 1:  # type: ignore[attr-defined]
        _submit(found, function)


def _submit(row: StoredReport, function: str) -> None:
    """Ask for the job that makes the report; if the queue cannot be reached, the report
    has failed, and says so."""
    try:
        jobs.runner().submit(job_of(row), function, row.id)
    except jobs.JobsUnavailable as error:
        db.session.execute(
            update(StoredReport)
            .where(StoredReport.id == row.id)
            .values(
                state=ReportState.FAILED,
                finished_at=utc_now(),
                problem=gettext(
                    "Boundary's job queue could not be reached: %(error)s.", error=str(error)
                ),
            )
        )
        db.session.commit()


def pdf_of(row: StoredReport) -> bytes:
    pdf = db.session.scalar(select(StoredReport.pdf).where(StoredReport.id == row.id))
    assert pdf is not None, "only a ready report has a PDF"
    return pdf


def prepare(report_id: int) -> None:
    """The job: typeset one stored report and keep it. Done once: a report already made, or
    no longer wanted (its release or edition superseded), is left alone."""
    row = db.session.get(StoredReport, report_id)
    if row is None or row.state == ReportState.READY or row.workshop_id is not None:
        return
    round_ = db.session.get(Round, row.round_id)
    release = db.session.get(Release, row.release_id)
    agency = row.agency or None
    if (
        round_ is None
        or release is None
        or release.number != round_.latest_release
        or edition(round_, agency) != row.edition
    ):
        out_of_date(row)
        return
    pdf = typeset(row, lambda: documents.render_report(round_, agency))
    _keep(row, pdf)


def out_of_date(row: StoredReport) -> None:
    """A report out of date before it was made: nobody would be sent it."""
    db.session.delete(row)
    db.session.commit()


def typeset(row: StoredReport, render: Callable[[], bytes]) -> bytes:
    """One attempt at a stored report, counted; if it fails, why is recorded for the reader
    (failed, if this was the last attempt) and the error raised for the job runner."""
    report_id = row.id
    row.attempts += 1
    db.session.commit()
    try:
        return render()
    except Exception as error:
        db.session.rollback()
        last = jobs.last_attempt()
        db.session.execute(
            update(StoredReport)
            .where(StoredReport.id == report_id)
            .values(
                state=ReportState.FAILED if last else ReportState.PENDING,
                problem=_problem(error),
                finished_at=utc_now() if last else None,
            )
        )
        db.session.commit()
        raise


def _keep(row: StoredReport, pdf: bytes) -> None:
    # Earlier releases' and editions' copies of this report are never served again, and may
    # hold a comment since withdrawn: they go.
    keep(
        row,
        pdf,
        StoredReport.workshop_id.is_(None)
        & (StoredReport.round_id == row.round_id)
        & (StoredReport.agency == row.agency)
        & (
            (StoredReport.release_id != row.release_id)
            | (StoredReport.state != ReportState.PENDING)
        ),
    )


def keep(row: StoredReport, pdf: bytes, superseded: ColumnElement[bool]) -> None:
    """The report made: its PDF stored, and the copies it supersedes deleted."""
    row.pdf, row.state, row.problem, row.finished_at = pdf, ReportState.READY, None, utc_now()
    db.session.flush()  # a new row gets its id, which the next statement keeps
    db.session.execute(delete(StoredReport).where(superseded, StoredReport.id != row.id))
    db.session.commit()


def _problem(error: Exception) -> str:
    """What went wrong, for the reader: the kind of fault, never the document's text. Written
    in the app's language when it is stored (the language is the app's, not a reader's)."""
    if type(error).__name__ == "JobTimeoutException":
        limit = current_app.config["REPORT_TIME_LIMIT"]
        return gettext(
            "Typesetting took longer than the %(limit)s seconds it is allowed, and was stopped.",
            limit=limit,
        )
    return gettext("Typesetting stopped with an error (%(kind)s).", kind=type(error).__name__)


def report_now(round_: Round, agency: str | None) -> bytes:
    """The report at once, for the command line: the stored copy, or typeset here and
    stored."""
    release = _latest(round_)
    made_as = edition(round_, agency)
    found = _find(release.id, agency, made_as)
    if found is not None and found.state == ReportState.READY:
        return pdf_of(found)
    pdf = documents.render_report(round_, agency)
    if found is None:
        found = _row(round_, release, agency, made_as, attempts=1)
        db.session.add(found)
    _keep(found, pdf)
    return pdf


def prepare_all(round_: Round) -> None:
    """Ask for every report of the round's latest release: the partnership's first."""
    for agency in [None, *sorted(a.agency_id for a in round_.agencies)]:
        ask_for(round_, agency)


def _on_published(app: Flask, round_: Round, release: Release) -> None:
    if app.config["REPORT_JOBS"] == "on-request":
        return  # the test suite: a report is made when a test asks for it
    if not app.config.get("REDIS_URL") and not has_request_context():
        # Published from the command line with no worker to hand the reports to: a report
        # is prepared when it is first asked for, rather than keeping the command waiting.
        return
    prepare_all(round_)


def _forget_reports(app: Flask, round_: Round) -> None:
    """A comment taken down: every stored PDF of the round's releases may hold it. They go
    in the take-down's own commit and are typeset again when next asked for. (A workshop's
    report shows no comments: it stays.)"""
    db.session.execute(
        delete(StoredReport).where(
            StoredReport.round_id == round_.id, StoredReport.workshop_id.is_(None)
        )
    )


def init_app(app: Flask) -> None:
    release_published.connect(_on_published, app)
    comments_taken_down.connect(_forget_reports, app)
