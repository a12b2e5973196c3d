"""How long after a release is published its PDF reports are ready, with the embedded
default's background jobs (a thread of the web process, no Redis).

    .venv/bin/python -m benchmarks.report_jobs

Builds the demo round (360 synthetic responses) in a new SQLite database, then, in the same
run, several times over:
  publish      publishing a release, which asks for every report (the request's own cost)
  first ready  from publishing until the partnership's report is stored and served
  all ready    from publishing until every report (partnership and each agency) is stored
and beside them the baseline: the partnership's report typeset directly, in turn, in this
process, as the job does. "all ready" over (reports x baseline) shows what the queue costs.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import delete, func, select, update

from surveys import create_app, jobs
from surveys.database import db, upgrade
from surveys.releases.models import Release
from surveys.releases.service import publish_release
from surveys.reporting.documents import render_report
from surveys.reporting.models import ReportState, StoredReport
from surveys.rounds.models import Round
from surveys.rounds.service import find_round

REPEATS = 3


def ready(round_id: int) -> tuple[int, bool]:
    """How many reports are stored, and whether the partnership's is among them."""
    db.session.rollback()  # see what the job thread has committed since
    rows = db.session.execute(
        select(StoredReport.agency, StoredReport.state).where(StoredReport.round_id == round_id)
    ).all()
    assert all(state != ReportState.FAILED for _, state in rows), "a report failed"
    done = [agency for agency, state in rows if state == ReportState.READY]
    return len(done), "" in done


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(folder) / 'jobs.sqlite3'}",
                "SECRET_KEY": "benchmark",
                "REPORT_JOBS": "on-request",  # nothing typeset while the demo is built
            },
            instance_path=Path(folder),
        )
        with app.app_context():
            upgrade()
            result = app.test_cli_runner().invoke(args=["demo"])
            assert result.exit_code == 0, result.output
        app.config["REPORT_JOBS"] = "background"
        app.extensions["jobs"] = jobs.make_runner(app)
        assert isinstance(app.extensions["jobs"], jobs.InThisProcess)

        baseline, publishing, first, whole = [], [], [], []
        with app.app_context(), app.test_request_context():
            round_ = find_round("demo")
            assert round_ is not None
            reports = 1 + len(round_.agencies)
            render_report(round_)  # warm fonts, templates and the analysis
            for _ in range(REPEATS):
                started = time.perf_counter()
                render_report(round_)
                baseline.append(time.perf_counter() - started)

                # Publish afresh: the earlier release and its reports are taken away first.
                db.session.execute(delete(Release).where(Release.round_id == round_.id))
                db.session.execute(delete(StoredReport))
                db.session.execute(update(Round).values(latest_release=0))
                db.session.commit()
                live = find_round("demo")
                assert live is not None
                started = time.perf_counter()
                publish_release(live)
                publishing.append(time.perf_counter() - started)
                first_seen = None
                while True:
                    count, partnership = ready(live.id)
                    if partnership and first_seen is None:
                        first_seen = time.perf_counter() - started
                    if count == reports:
                        break
                    time.sleep(0.02)
                assert first_seen is not None
                first.append(first_seen)
                whole.append(time.perf_counter() - started)
                stored = db.session.scalar(select(func.count()).select_from(StoredReport))
                assert stored == reports

    def line(name: str, values: list[float]) -> None:
        print(f"{name:34} {min(values):7.2f} s  (median {statistics.median(values):.2f})")

    print(f"demo round, 360 responses, {reports} reports; best of {REPEATS}\n")
    line("baseline: one report typeset", baseline)
    line("publish (the request)", publishing)
    line("publish -> partnership report ready", first)
    line("publish -> every report ready", whole)
    ratio = min(whole) / (reports * min(baseline))
    print(f"{'every report / (reports x baseline)':34} {ratio:7.2f}")


if __name__ == "__main__":
    main()
