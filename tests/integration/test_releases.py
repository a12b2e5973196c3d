"""Results are released, not streamed: each attack a determined reader tried on the landed
build, kept as a test, and the rules releases follow.

Every attack is written the way a reader would run it (download, wait, download again and
subtract; read a chart; compare labels) and asserts that it now learns nothing."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from surveys.audit import Download
from surveys.database import db
from surveys.library import current_questionnaire
from surveys.questionnaire import Questionnaire
from surveys.releases.models import Release
from surveys.releases.service import ReleaseRefused, publish_release, released_analysis
from surveys.responses.answers import CompletedResponse
from surveys.responses.models import Channel
from surveys.responses.service import record_submissions
from surveys.rounds.models import Round, utc_now
from tests.disclosure import between_releases
from tests.helpers import (
    Respondent,
    RoundRef,
    WorkshopRef,
    answer_everything,
    count_rows,
    csrf_token_in,
    publish,
)

MakeRound = Callable[..., RoundRef]
AGENCIES = ["police", "childrens-social-care", "health", "education"]


def person(
    questionnaire: Questionnaire,
    agency: str,
    level: str,
    score: int | None,
    **extra: object,
) -> CompletedResponse:
    """Everyone answers every statement alike: `score` (None: don't know)."""
    items = {
        item.id: (None if score is None else 6 - score if item.reverse else score)
        for item in questionnaire.items
    }
    return CompletedResponse(agency_id=agency, level_id=level, items=items, **extra)  # type: ignore[arg-type]


def store(app: Flask, slug: str, people: list[CompletedResponse]) -> None:
    with app.app_context():
        round_ = db.session.scalar(select(Round).where(Round.slug == slug))
        assert round_ is not None
        record_submissions(round_, current_questionnaire(), people, Channel.ONLINE, date.today())
        db.session.commit()


def ten_each(
    questionnaire: Questionnaire, agencies: list[str] = AGENCIES
) -> list[CompletedResponse]:
    """Ten managers and ten frontline staff in each agency, managers the warmer."""
    return [
        person(questionnaire, agency, level, score)
        for agency in agencies
        for level, score in [("operational", 4)] * 10 + [("frontline", 2)] * 10
    ]


@pytest.fixture
def released(app: Flask, make_round: MakeRound, questionnaire: Questionnaire) -> RoundRef:
    """An open round of 80 responses with one interim release."""
    round_ = make_round("released", agencies=AGENCIES)
    store(app, "released", ten_each(questionnaire))
    publish(app, "released")
    return round_


# --- attack 1: differencing over time ------------------------------------------------------


def test_two_downloads_around_one_submission_differ_in_nothing(
    app: Flask,
    manager: FlaskClient,
    released: RoundRef,
    respondent_for: Callable[[RoundRef], Respondent],
    questionnaire: Questionnaire,
) -> None:
    """The attack: download, wait for one person to send their answers through the real
    survey, download again and subtract. On the landed build the difference was that
    person's 32 answers, agency, level and locality."""
    before = manager.get("/reports/released/analysis.csv").get_data(as_text=True)
    json_before = export_json(app, "released")
    someone = respondent_for(released)
    answer_everything(someone, questionnaire)
    someone.post({}, path="/submit", action=None)
    with app.app_context():
        round_ = db.session.scalar(select(Round).where(Round.slug == "released"))
        assert round_ is not None and round_.data_version == 2  # the answers were stored ...
    after = manager.get("/reports/released/analysis.csv").get_data(as_text=True)
    assert before == after, "the two downloads differ: one person's answers by subtraction"
    assert export_json(app, "released") == json_before
    # ... and nothing per response is published to tell a reader one arrived.
    assert "data_version" not in before and "data_version" not in json_before
    assert json.loads(json_before)["release"]["number"] == 1


def export_json(app: Flask, slug: str) -> str:
    result = app.test_cli_runner().invoke(args=["export", slug, "--format", "json"])
    assert result.exit_code == 0, result.output
    return str(result.stdout)


def test_an_agency_leads_chart_geometry_does_not_move_with_a_response(
    app: Flask,
    client: FlaskClient,
    released: RoundRef,
    make_user: Callable[..., str],
    sign_in: Callable[[str], None],
    questionnaire: Questionnaire,
) -> None:
    """The attack: read the feature page's SVG bar widths (drawn to 0.1 px, so counts were
    exact) before and after one response."""
    sign_in(make_user("agency-lead", agency="police"))
    page = "/reports/released/features/trust?agency=police"
    bars = re.compile(r"<svg.*?</svg>", re.S)
    before = bars.findall(client.get(page).get_data(as_text=True))
    assert before, "the feature page draws its charts"
    store(app, "released", [person(questionnaire, "police", "frontline", 5)])
    assert bars.findall(client.get(page).get_data(as_text=True)) == before


# --- attack 3: suppression on the wrong count ----------------------------------------------


@pytest.mark.parametrize("size", [1, 2, 4])
def test_a_group_that_only_said_dont_know_is_not_published(
    app: Flask, make_round: MakeRound, questionnaire: Questionnaire, size: int
) -> None:
    """The landed build suppressed a statement on the number answering 1-5, so a group whose
    members all said "don't know" counted as empty and was published: n = 0, 100% don't
    know, for a lone strategic lead."""
    make_round("dk", agencies=AGENCIES)
    people = ten_each(questionnaire)
    people += [person(questionnaire, "education", "strategic", None) for _ in range(size)]
    store(app, "dk", people)
    publish(app, "dk")
    data = json.loads(export_json(app, "dk"))
    published_groups = {
        (r["agency"], r["level"], r["locality"]): r["respondents"]
        for r in data["responses"]
        if not r["suppressed"]
    }
    for item in data["items"]:
        if item["suppressed"] or item["share_dont_know"] is None:
            continue  # suppressed, or a group with nobody in it
        members = published_groups.get((item["agency"], item["level"], item["locality"]))
        assert members is not None and members >= 5, (
            f"{item['item']} is published for a group of {members}: "
            f"{item['share_dont_know']} don't know"
        )
        if (item["agency"], item["level"]) == ("education", "strategic"):
            pytest.fail("the strategic lead's statements are published")


def test_no_suppressed_group_size_follows_from_combining_tables(
    app: Flask, make_round: MakeRound, questionnaire: Questionnaire
) -> None:
    """The attack: the responses table suppresses police frontline (4) and police strategic
    (1), but each statement's n and don't-know share give its asked count, n / (1 - share),
    and the reliability table's n gives another difference. One suppression pattern for every
    table, decided on membership, leaves nothing to combine; the exact solver over all the
    release's tables together finds nothing."""
    from tests.disclosure import findings

    make_round("tables", agencies=AGENCIES)
    people = ten_each(questionnaire, AGENCIES[1:])
    people += [person(questionnaire, "police", "frontline", 2) for _ in range(4)]
    people += [person(questionnaire, "police", "strategic", 5)]
    people += [person(questionnaire, "police", "operational", 4) for _ in range(9)]
    # Some don't knows, so asked counts and answered counts differ.
    people += [person(questionnaire, "health", "frontline", None) for _ in range(3)]
    store(app, "tables", people)
    publish(app, "tables")
    with app.app_context():
        round_ = db.session.scalar(select(Round).where(Round.slug == "tables"))
        assert round_ is not None
        analysis = released_analysis(round_)
        assert analysis is not None
    levels = {"management": ["strategic", "operational"], "frontline": ["frontline"]}
    assert findings(analysis, levels, 5) == []
    # The reader's own arithmetic, spelled out: asked counts of published statements never
    # give the police frontline's 4 or the strategic lead's 1.
    asked = {
        (i.agency, i.level): round(i.n / (1 - i.share_dont_know))
        for i in analysis.items
        if not i.suppressed and i.n and i.share_dont_know is not None and i.share_dont_know < 1
    }
    assert ("police", "frontline") not in asked and ("police", "strategic") not in asked
    police = [r for r in analysis.responses if r.agency == "police" and r.locality is None]
    assert all(r.suppressed for r in police if r.level in ("frontline", "strategic"))


# --- attack 4: comment labels narrowed by elimination ---------------------------------------


def test_a_comment_label_never_narrows_its_writer_to_a_small_agency(
    app: Flask, make_round: MakeRound, questionnaire: Questionnaire
) -> None:
    """With one small agency suppressed and every other agency labelled, the landed build's
    "Partnership, frontline" could only come from the small agency."""
    make_round("labels", agencies=AGENCIES + ["housing"])
    people = [
        person(questionnaire, agency, level, 3, comments={"trust": f"From {agency} {level} {n}"})
        for agency in AGENCIES
        for n, level in enumerate(["operational"] * 6 + ["frontline"] * 6)
    ]
    people += [
        person(questionnaire, "housing", "frontline", 3, comments={"trust": f"Housing {n}"})
        for n in range(2)
    ]
    store(app, "labels", people)
    publish(app, "labels")
    with app.app_context():
        round_ = db.session.scalar(select(Round).where(Round.slug == "labels"))
        assert round_ is not None
        release = db.session.scalar(select(Release).where(Release.round_id == round_.id))
        assert release is not None
        comments = json.loads(release.comments)
    housing = [c for c in comments if c["text"].startswith("Housing")]
    assert housing, "the small agency's comments are published under a large enough group"
    labels = {(c["agency"], c["level"]) for c in comments}
    # One scheme for all: nobody is labelled by agency while an agency is suppressed, so the
    # housing writers' label is shared by every other frontline writer.
    assert all(agency is None for agency, _level in labels)
    others = [
        c for c in comments if c["level"] == "frontline" and not c["text"].startswith("Housing")
    ]
    assert len(others) >= 5


def test_comments_wait_for_moderation_before_a_release_shows_them(
    app: Flask, make_round: MakeRound, questionnaire: Questionnaire
) -> None:
    make_round("queue", agencies=AGENCIES)
    people = ten_each(questionnaire)
    people[0] = person(
        questionnaire,
        "police",
        "operational",
        4,
        comments={"trust": "As the police strategic lead I sign off"},
    )
    store(app, "queue", people)
    with app.app_context():
        round_ = db.session.scalar(select(Round).where(Round.slug == "queue"))
        assert round_ is not None
        release = publish_release(round_)
        assert json.loads(release.comments) == []  # pending: not published word for word


# --- releases ------------------------------------------------------------------------------


def refusal(app: Flask, slug: str) -> str | None:
    with app.app_context():
        round_ = db.session.scalar(select(Round).where(Round.slug == slug))
        assert round_ is not None
        try:
            publish_release(round_)
        except ReleaseRefused as refused:
            return str(refused)
        return None


def test_an_interim_release_is_refused_while_a_group_moved_by_fewer_than_k(
    app: Flask, released: RoundRef, questionnaire: Questionnaire
) -> None:
    store(app, "released", [person(questionnaire, "police", "frontline", 5)])
    reason = refusal(app, "released")
    assert reason is not None and "since release 1: Police, Frontline practitioner" in reason
    assert "+1" not in reason  # how far a group moved is not for the refusal to tell
    store(app, "released", [person(questionnaire, "police", "frontline", 5) for _ in range(3)])
    assert refusal(app, "released") is not None  # moved by 4
    store(app, "released", [person(questionnaire, "police", "frontline", 5)])
    assert refusal(app, "released") is None  # moved by 5 = k: release 2
    # Health managers moved by 0, education frontline by 5: accepted.
    store(app, "released", [person(questionnaire, "education", "frontline", 1) for _ in range(5)])
    assert refusal(app, "released") is None
    reason = refusal(app, "released")
    assert reason is not None and "Nothing has changed since release 3" in reason


def test_a_released_figure_stays_what_it_was(
    app: Flask, released: RoundRef, questionnaire: Questionnaire
) -> None:
    with app.app_context():
        round_ = db.session.scalar(select(Round).where(Round.slug == "released"))
        assert round_ is not None
        first = released_analysis(round_)
    store(app, "released", [person(questionnaire, "police", "frontline", 5) for _ in range(10)])
    with app.app_context():
        round_ = db.session.scalar(select(Round).where(Round.slug == "released"))
        assert round_ is not None
        assert released_analysis(round_) == first
        publish_release(round_)
        second = released_analysis(round_)
        assert second is not None and first is not None
        assert second.cell("trust", "police", "frontline") != first.cell(
            "trust", "police", "frontline"
        )
        stored = db.session.scalars(select(Release).where(Release.round_id == round_.id)).all()
        assert [r.number for r in stored] == [1, 2]


def test_a_closed_round_is_released_once_and_keeps_small_moves_back(
    app: Flask, released: RoundRef, questionnaire: Questionnaire, manager: FlaskClient
) -> None:
    """The final release cannot be refused, so a group that moved by fewer than k since the
    interim release is suppressed in it instead, with whatever would give it away."""
    store(app, "released", [person(questionnaire, "police", "frontline", 5) for _ in range(2)])
    with app.app_context():
        round_ = db.session.scalar(select(Round).where(Round.slug == "released"))
        assert round_ is not None
        round_.closes_at = utc_now() - timedelta(minutes=1)
        db.session.commit()
    assert manager.get("/reports/released").status_code == 200
    with app.app_context():
        round_ = db.session.scalar(select(Round).where(Round.slug == "released"))
        assert round_ is not None
        stored = db.session.scalars(select(Release).where(Release.round_id == round_.id)).all()
        assert [(r.number, r.kind) for r in stored] == [(1, "interim"), (2, "final")]
        final = released_analysis(round_)
        assert final is not None
    police_frontline = [
        r
        for r in final.responses
        if (r.agency, r.level, r.locality) == ("police", "frontline", None)
    ]
    assert police_frontline[0].suppressed
    assert final.cell("trust", "police", "frontline").suppressed
    assert manager.get("/reports/released").status_code == 200
    with app.app_context():
        assert count_rows(app, Release) == 2  # looked at again: no third release


def test_publish_release_from_the_command_line_and_the_round_page(
    app: Flask,
    client: FlaskClient,
    make_round: MakeRound,
    make_user: Callable[..., str],
    sign_in: Callable[[str], None],
    questionnaire: Questionnaire,
) -> None:
    make_round("by-hand", agencies=AGENCIES)
    runner = app.test_cli_runner()
    empty = runner.invoke(args=["publish-release", "by-hand"])
    assert empty.exit_code == 1 and "There are no responses to publish yet" in empty.output
    assert "Traceback" not in empty.output
    store(app, "by-hand", ten_each(questionnaire))
    sign_in(make_user("manager"))
    awaiting = client.get("/reports/by-hand").get_data(as_text=True)
    assert "Results are not published yet" in awaiting and "Responses so far" in awaiting
    assert client.get("/reports/by-hand/analysis.csv").status_code == 404
    assert client.get("/reports/by-hand/report.pdf").status_code == 404
    client.post("/sign-out", data={"csrf_token": csrf_token_in(awaiting)})
    sign_in(make_user("admin"))
    page = client.get("/manage/rounds/by-hand").get_data(as_text=True)
    assert "Nothing is published yet" in page
    assert client.post("/manage/rounds/by-hand/release").status_code == 400  # no CSRF token
    done = client.post(
        "/manage/rounds/by-hand/release",
        data={"csrf_token": csrf_token_in(page)},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Release 1 is published" in done
    store(app, "by-hand", [person(questionnaire, "health", "frontline", 1)])
    again = client.post(
        "/manage/rounds/by-hand/release",
        data={"csrf_token": csrf_token_in(done)},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Not published" in again and "since release 1: Health, Frontline practitioner" in again
    refused = runner.invoke(args=["publish-release", "by-hand"])
    assert refused.exit_code == 1 and "Not published" in refused.output
    assert "Health" in refused.output and "Traceback" not in refused.output


def test_every_download_is_recorded(
    app: Flask, released: RoundRef, manager: FlaskClient, make_user: Callable[..., str]
) -> None:
    manager.get("/reports/released/analysis.csv")
    manager.get("/reports/released/analysis.xlsx")
    pdf = manager.get("/reports/released/report.pdf")
    assert "release-1" in pdf.headers["Content-Disposition"]
    with app.app_context():
        rows = db.session.scalars(select(Download).order_by(Download.id)).all()
        assert [(d.what, d.release, d.email) for d in rows] == [
            ("analysis (CSV)", 1, "manager-x@example.org"),
            ("analysis (XLSX)", 1, "manager-x@example.org"),
            ("report (PDF)", 1, "manager-x@example.org"),
        ]
    assert manager.get("/manage/downloads").status_code == 403  # managers do not audit


# --- attack 6: two rounds that share all but one response ----------------------------------


def test_the_same_file_is_not_imported_into_two_rounds(
    app: Flask, make_round: MakeRound, questionnaire: Questionnaire, tmp_path: Path
) -> None:
    """The attack: import one paper file into two rounds, add one response to the second,
    and compare the rounds: the change is that one person's scores."""
    make_round("first", agencies=AGENCIES)
    make_round("second", agencies=AGENCIES)
    path = tmp_path / "paper.csv"
    items = [item.id for item in questionnaire.items]
    with path.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["agency", "level", *items])
        for n in range(12):
            writer.writerow(
                ["police", "frontline" if n % 2 else "operational", *["3"] * len(items)]
            )
    runner = app.test_cli_runner()
    assert runner.invoke(args=["import-responses", "first", str(path)]).exit_code == 0
    second = runner.invoke(args=["import-responses", "second", str(path)])
    assert second.exit_code == 1
    assert "already imported into another round, 'Test round first'" in second.output
    assert "Nothing was imported" in second.output
    forced = runner.invoke(args=["import-responses", "second", str(path), "--again"])
    assert forced.exit_code == 0
    assert io.StringIO(forced.output).read().startswith("Imported 12")


def test_a_statement_answered_by_fewer_than_k_in_a_published_group_is_withheld(
    app: Flask, make_round: MakeRound, questionnaire: Questionnaire, manager: FlaskClient
) -> None:
    """Six police managers (a published group), but only three gave an answer: how those
    three answered is withheld; that half of the group said "don't know" may show."""
    make_round("withheld", agencies=AGENCIES)
    people = ten_each(questionnaire, AGENCIES[1:])
    people += [person(questionnaire, "police", "frontline", 2) for _ in range(10)]
    people += [person(questionnaire, "police", "operational", 4) for _ in range(3)]
    people += [person(questionnaire, "police", "operational", None) for _ in range(3)]
    store(app, "withheld", people)
    publish(app, "withheld")
    with app.app_context():
        round_ = db.session.scalar(select(Round).where(Round.slug == "withheld"))
        assert round_ is not None
        analysis = released_analysis(round_)
        assert analysis is not None
    managers = [
        i
        for i in analysis.items
        if (i.agency, i.level, i.locality) == ("police", "management", None)
    ]
    assert managers and all(i.withheld and not i.suppressed for i in managers)
    assert all(
        i.n is None and i.distribution is None and i.share_dont_know == 0.5 for i in managers
    )
    assert analysis.cell("trust", "police", "management").withheld
    page = manager.get("/reports/withheld/features/trust?agency=police").get_data(as_text=True)
    assert "fewer than 5" not in page  # the agency's own row: thirteen answered
    levels = {"management": ["strategic", "operational"], "frontline": ["frontline"]}
    from tests.disclosure import findings

    assert findings(analysis, levels, 5) == []


def test_workshop_downloads_are_recorded_too(
    app: Flask,
    client: FlaskClient,
    released: RoundRef,
    make_workshop: Callable[..., WorkshopRef],
    make_user: Callable[..., str],
    sign_in: Callable[[str], None],
) -> None:
    workshop_id = make_workshop(round_slug="released", features=("trust",)).id
    sign_in(make_user("facilitator"))
    assert client.get(f"/workshops/{workshop_id}/actions.csv").status_code == 200
    assert client.get(f"/workshops/{workshop_id}/report.pdf").status_code == 200
    with app.app_context():
        rows = db.session.scalars(select(Download).order_by(Download.id)).all()
        assert [(d.what.split(":")[0], d.release, d.email) for d in rows] == [
            ("workshop actions (CSV)", None, "facilitator-x@example.org"),
            ("workshop report (PDF)", 1, "facilitator-x@example.org"),
        ]


def test_a_group_kept_back_stays_kept_back_while_it_has_not_changed(
    app: Flask, make_round: MakeRound, questionnaire: Questionnaire
) -> None:
    """The reviewer's attack on two releases: housing (8) is published in release 1 with
    its frontline (7) kept back to protect one housing manager. Five police managers answer,
    the round closes; frontline staff across the partnership are unchanged, so a reader knows
    housing frontline is too. Published in the final release, it would give release 1's
    figure, and housing minus housing frontline is the one manager. A second housing manager
    arriving keeps housing itself back in the final release, so housing frontline would no
    longer be needed there as a complement."""
    make_round("grow", agencies=AGENCIES + ["housing"])
    people = ten_each(questionnaire)
    people += [person(questionnaire, "housing", "frontline", 2) for _ in range(7)]
    people += [person(questionnaire, "housing", "operational", 5)]
    store(app, "grow", people)
    publish(app, "grow")
    later = [person(questionnaire, "police", "operational", 3) for _ in range(5)]
    store(app, "grow", [*later, person(questionnaire, "housing", "strategic", 1)])
    with app.app_context():
        round_ = db.session.scalar(select(Round).where(Round.slug == "grow"))
        assert round_ is not None
        first = released_analysis(round_)
        round_.closes_at = utc_now() - timedelta(seconds=1)
        db.session.commit()
        final = released_analysis(round_)
        assert first is not None and final is not None and final != first
    assert not first.cell("trust", "housing").suppressed
    assert first.cell("trust", "housing", "frontline").suppressed
    Group = tuple[str, str, str | None]
    members: Counter[Group] = Counter((p.agency_id, p.level_id, None) for p in people)
    arrived: Counter[Group] = Counter({("police", "operational", None): 5})
    arrived[("housing", "strategic", None)] = 1
    grown = members + arrived
    assert between_releases(first, final, members, grown, 5) == []
    assert final.cell("trust", "housing", "frontline").suppressed
    assert final.round.responses is None or final.round.responses == 94


def test_comment_labels_do_not_cross_between_releases(
    app: Flask, make_round: MakeRound, questionnaire: Questionnaire
) -> None:
    """Labelled "Police" in one release and "Partnership, frontline" in the next, a comment
    would point to police frontline staff, who may be three."""
    make_round("cross", agencies=["police", "education", "health"])
    people = [person(questionnaire, "police", "operational", 4) for _ in range(10)]
    people += [person(questionnaire, "police", "frontline", 2) for _ in range(2)]
    people += [person(questionnaire, "police", "frontline", 2, comments={"trust": "Mine."})]
    people += [
        person(questionnaire, agency, "operational", 3)
        for agency in ("education", "health")
        for _ in range(6)
    ]
    store(app, "cross", people)
    publish(app, "cross")
    store(
        app,
        "cross",
        [person(questionnaire, "education", "frontline", 3) for _ in range(3)]
        + [person(questionnaire, "health", "frontline", 3) for _ in range(2)],
    )
    with app.app_context():
        round_ = db.session.scalar(select(Round).where(Round.slug == "cross"))
        assert round_ is not None
        round_.closes_at = utc_now() - timedelta(seconds=1)
        db.session.commit()
        assert released_analysis(round_) is not None
        stored = db.session.scalars(
            select(Release).where(Release.round_id == round_.id).order_by(Release.number)
        ).all()
        labels = [{(c["agency"], c["level"]) for c in json.loads(r.comments)} for r in stored]
    assert len(labels) == 2
    agency_labelled = any(agency for release in labels for agency, _level in release)
    level_labelled = any(level for release in labels for _agency, level in release)
    assert not (agency_labelled and level_labelled), labels
