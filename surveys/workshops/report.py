"""A workshop's PDF report, typeset by a background job and stored, like a release's report.

The web request never typesets it (several seconds of WeasyPrint): it serves the stored PDF,
or says the report is being prepared and asks for the job (surveys/reporting/stored.py does
the asking, the trying again and the keeping, for both kinds of report; surveys/jobs.py runs
the job). A stored copy is served only while nothing it shows has changed: its *edition*
names all of it (see `edition`), so a copy made before an answer, an action, a new release
of the linked round or an upgrade of Boundary is never sent, and it is deleted once a newer
copy is stored. It goes with its workshop (a foreign key that cascades), and so with its
round when that is deleted. It shows no comments, so a comment taken down leaves it be.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from ..database import db
from ..languages import catalogue_edition
from ..library import questionnaire
from ..releases.service import Published, published
from ..reporting import documents, stored
from ..reporting.models import ReportState, StoredReport
from ..rounds.models import utc_now
from . import room, service
from .models import WorkshopSession
from .presentation import RoomView

JOB = f"{__name__}.prepare"


def min_cell_size() -> int:
    return int(current_app.config["MIN_CELL_SIZE"])


def survey_release(workshop: WorkshopSession) -> Published | None:
    """The linked round's latest release, shown beside the room's figures. It never moves
    with a response, nor with the room's own answers when they count towards the round:
    those enter the round's figures at its next release."""
    return published(workshop.round) if workshop.round is not None else None


def room_view(workshop: WorkshopSession) -> RoomView:
    """The room's figures, beside the linked round's published results where allowed."""
    q = questionnaire(workshop.questionnaire_version)
    release = survey_release(workshop)
    survey = release.analysis if release else None
    figures = room.figures(workshop, service.statements(workshop, q), q, min_cell_size())
    return RoomView(workshop, q, figures, survey)


@functools.cache
def _format(templates: str, static: str) -> str:
    """The workshop report's own templates and code, beside the round report's format (its
    stylesheet, macros and charts): a copy made by an older Boundary is never served."""
    digest = hashlib.sha256(documents.report_format(templates, static).encode())
    for path in (
        Path(templates) / "pdf" / "workshop.html",
        Path(templates) / "workshops" / "_room.html",
        Path(__file__).with_name("presentation.py"),
        Path(__file__).with_name("room.py"),
    ):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def edition(workshop: WorkshopSession) -> str:
    """Everything the report shows, as a short key: the room (its version rises with every
    answer and move), what the workshop is, its actions as they stand (their statuses change
    after the day), the release of the linked round it draws on, the small-group rule, the
    partnership's name, the language and its catalogue, and the report's format."""
    release = survey_release(workshop)
    linked = workshop.round
    shown = [
        workshop.version,
        workshop.published,
        workshop.title,
        workshop.held_on.isoformat(),
        workshop.mode,
        workshop.features,
        workshop.counts_towards_round,
        workshop.ended_at.isoformat() if workshop.ended_at else "",
        linked.name if linked else "",
        bool(linked and linked.is_demo),
        release.release.id if release else 0,
        min_cell_size(),
        current_app.config["PARTNERSHIP_NAME"],
        catalogue_edition(),
        sorted((a.feature_id, a.level_id) for a in workshop.agreed_levels),
        [
            (a.id, a.text, a.feature_id, a.owner_agency, str(a.due_on), a.status)
            for a in workshop.actions
        ],
    ]
    digest = hashlib.sha256(repr(shown).encode()).hexdigest()[:20]
    made_as = _format(str(current_app.template_folder), str(current_app.static_folder))
    return f"w{digest}-{made_as}"


def _find(workshop_id: int, made_as: str) -> StoredReport | None:
    return db.session.scalar(
        select(StoredReport).where(
            StoredReport.workshop_id == workshop_id, StoredReport.edition == made_as
        )
    )


def ask_for(workshop: WorkshopSession) -> StoredReport:
    """The workshop's stored report as it stands now: ready, being prepared (a job has been
    asked for it), or failed."""
    made_as = edition(workshop)
    found = _find(workshop.id, made_as)
    if found is None:
        row = StoredReport(
            workshop_id=workshop.id,
            agency=stored.PARTNERSHIP,
            edition=made_as,
            state=ReportState.PENDING,
            attempts=0,
            requested_at=utc_now(),
        )
        return stored.created(row, lambda: _find(workshop.id, made_as), JOB)
    return stored.as_it_stands(found)


def try_again(workshop: WorkshopSession) -> None:
    """A reader asks again for a report whose every attempt failed."""
    found = _find(workshop.id, edition(workshop))
    if found is None or found.state != ReportState.FAILED:
        ask_for(workshop)
        return
    stored.ask_again(found, JOB)


def prepare(report_id: int) -> None:
    """The job: typeset one workshop's stored report and keep it. A report already made is
    left alone; one no longer wanted (the workshop changed, or went) is deleted."""
    row = db.session.get(StoredReport, report_id)
    if row is None or row.state == ReportState.READY or row.workshop_id is None:
        return
    workshop = db.session.get(WorkshopSession, row.workshop_id)
    if workshop is None or edition(workshop) != row.edition:
        stored.out_of_date(row)
        return
    pdf = stored.typeset(row, lambda: documents.workshop_report(room_view(workshop)))
    # Earlier editions are never served again: they go, as do copies asked for before this
    # one whose jobs were lost. A newer edition being made meanwhile stays.
    stored.keep(
        row,
        pdf,
        (StoredReport.workshop_id == row.workshop_id)
        & (
            (StoredReport.state != ReportState.PENDING)
            | (StoredReport.requested_at < row.requested_at)
        ),
    )
