"""What the workshop report costs a web request now that a background job typesets it.

    .venv/bin/python -m benchmarks.workshop_report_jobs

Builds the demo round and its demo workshop in a new SQLite database, signs a facilitator
in with the test client, and then, in the same run, several times over:
  baseline     the workshop report typeset directly, as the request used to do
  ask          the request for report.pdf when no copy is stored: it asks for the job (302)
  ready        from that request until the job has stored the PDF (the embedded default)
  download     the request for report.pdf once it is stored: the PDF served
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import flask_migrate
from flask import Flask
from sqlalchemy import delete, select

from surveys import create_app, jobs
from surveys.auth.models import Role
from surveys.auth.service import create_user
from surveys.database import db
from surveys.reporting import documents
from surveys.reporting.models import ReportState, StoredReport
from surveys.rounds.service import find_round
from surveys.workshops.demo import demo_workshop
from surveys.workshops.models import WorkshopSession
from surveys.workshops.report import room_view

REPEATS = 3
EMAIL, PASSWORD = "facilitator@example.org", "a long benchmark password 42"


def state(app: Flask, workshop_id: int) -> str | None:
    with app.app_context():
        return db.session.scalar(
            select(StoredReport.state).where(StoredReport.workshop_id == workshop_id)
        )


def typeset(app: Flask, workshop_id: int) -> None:
    """The workshop report typeset directly, as the request used to."""
    with app.app_context():
        workshop = db.session.get(WorkshopSession, workshop_id)
        assert workshop is not None
        documents.workshop_report(room_view(workshop))


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(folder) / 'jobs.sqlite3'}",
                "SECRET_KEY": "benchmark",
                "REPORT_JOBS": "on-request",
                "WTF_CSRF_ENABLED": False,
                "RATELIMIT_ENABLED": False,
                "SESSION_COOKIE_SECURE": False,  # the test client speaks plain HTTP
            },
            instance_path=Path(folder),
        )
        with app.app_context():
            flask_migrate.upgrade()
            result = app.test_cli_runner().invoke(args=["demo"])
            assert result.exit_code == 0, result.output
            create_user(EMAIL, "Facilitator", Role.FACILITATOR, PASSWORD, None)
            round_ = find_round("demo")
            assert round_ is not None
            found = demo_workshop(round_)
            assert found is not None
            workshop_id = found.id
        app.config["REPORT_JOBS"] = "background"
        app.extensions["jobs"] = jobs.make_runner(app)
        assert isinstance(app.extensions["jobs"], jobs.InThisProcess)
        client = app.test_client()
        signed = client.post("/sign-in", data={"email": EMAIL, "password": PASSWORD})
        assert signed.status_code == 302, signed.status_code
        address = f"/workshops/{workshop_id}/report.pdf"

        baseline, ask, ready, download = [], [], [], []
        # Each step in an app context of its own: a request made inside another context
        # would share its `g` (and whoever it found signed in, nobody).
        typeset(app, workshop_id)  # warm fonts and templates
        for _ in range(REPEATS):
            started = time.perf_counter()
            typeset(app, workshop_id)
            baseline.append(time.perf_counter() - started)

            with app.app_context():
                db.session.execute(delete(StoredReport))  # no copy: the next asks afresh
                db.session.commit()
            started = time.perf_counter()
            response = client.get(address)
            ask.append(time.perf_counter() - started)
            assert response.headers["Location"].endswith("/report"), response.headers["Location"]
            deadline = time.monotonic() + 300
            while (now := state(app, workshop_id)) != ReportState.READY:
                assert now not in (None, ReportState.FAILED), f"the report is {now}"
                assert time.monotonic() < deadline, "the job never finished"
                time.sleep(0.02)
            ready.append(time.perf_counter() - started)

            started = time.perf_counter()
            response = client.get(address)
            download.append(time.perf_counter() - started)
            assert response.status_code == 200 and response.data.startswith(b"%PDF")

    def line(name: str, values: list[float]) -> None:
        spread = f"{min(values) * 1000:.1f}-{max(values) * 1000:.1f} ms"
        print(f"{name:44} {min(values) * 1000:9.1f} ms  ({spread})")

    print(f"demo workshop report; best of {REPEATS} (range)\n")
    line("baseline: typeset in the request (before)", baseline)
    line("request, no copy stored (asks for the job)", ask)
    line("request -> stored by the job", ready)
    line("request, copy stored (the PDF served)", download)
    print(f"\n{'ask / baseline':44} {min(ask) / min(baseline):9.3f}")
    print(f"{'download / baseline':44} {min(download) / min(baseline):9.3f}")


if __name__ == "__main__":
    main()
