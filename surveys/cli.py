"""Every `flask --app app ...` command. Thin: each one parses its input and calls a service."""

from __future__ import annotations

import csv
import hashlib
import json
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import click
from flask import Flask, current_app, url_for
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from .analysis.engine import compare
from .analysis.export import as_csv, as_json
from .analysis.results import ChangeResult
from .audit import record
from .auth.models import Role
from .auth.service import AccountError, create_user
from .database import db, forget_deleted_pages
from .library import current_questionnaire, questionnaire
from .questionnaire import Questionnaire
from .releases.invariance import invariance_of
from .releases.service import (
    Published,
    ReleaseRefused,
    ensure_final_release,
    latest_release,
    publish_release,
    published,
)
from .responses.answers import CompletedResponse
from .responses.importing import ImportFailed, describe, parse_responses, read_csv_text
from .responses.models import Channel, ImportRecord
from .responses.service import forget_unsent_drafts, record_submissions, round_choices, today
from .responses.synthetic import (
    DECLARED_SCORE,
    V2_DEMO_LEVEL_WEIGHTS,
    synthetic_declaration,
    synthetic_responses,
)
from .rounds.calendar import closing_after, end_of_day, start_of_day
from .rounds.declarations import declare
from .rounds.models import Round, RoundState, utc_now
from .rounds.service import RoundError, RoundSpec, create_round, find_round
from .serving import links_base
from .workshops.demo import create_demo_workshop, demo_workshop
from .workshops.models import WorkshopSession

questionnaire_group = AppGroup("questionnaire", help="Look at the questionnaire definition.")

DEMO_SLUG = "demo"
DEMO_LOCALITIES = ("North", "South", "East", "West")
DEMO_RESPONSES = 360
DEMO_DAYS = 365  # long enough that a newcomer never finds the demo closed
# The demo's synthetic answers, and so its figures (pinned by tests/golden/), are made for
# version 1's statements; it keeps that version whatever new rounds use.
DEMO_QUESTIONNAIRE = "cop-maturity-v1"
# A second demo round on version 2, beside it (never instead: the first's figures are pinned),
# so that a newcomer sees its two non-answers, its balance statement and the assurance gap:
# a few agencies' declarations beside what their own staff answered.
DEMO_V2_SLUG = "demo-v2"
DEMO_V2_QUESTIONNAIRE = "cop-maturity-v2"
DEMO_V2_RESPONSES = 300
DEMO_V2_SEED = 2027


@questionnaire_group.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print the canonical JSON definition.")
@click.option(
    "--version", "version", default=None, help="A questionnaire version (default: current)."
)
def show_questionnaire(as_json: bool, version: str | None) -> None:
    """Print the questionnaire: statements, scale, levels and maturity rubric."""
    library = current_app.extensions["questionnaires"]
    if version is not None and version not in library:
        raise click.ClickException(
            f"No questionnaire version {version!r}; known: {sorted(library)}"
        )
    q = questionnaire(version) if version else current_questionnaire()
    if as_json:
        click.echo(json.dumps(q.as_json(), indent=2, ensure_ascii=False))
        return
    click.echo(f"{q.title} ({q.version})")
    for feature in q.features:
        click.echo(f"\n{feature.name} [{feature.id}]")
        for item in feature.items:
            reverse = " (reverse-worded)" if item.reverse else ""
            click.echo(f"  {item.id}: {item.text}{reverse}")


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date like 2026-12-31", param_hint=option
        ) from None


def _headcounts(path: Path | None) -> dict[tuple[str, str], int]:
    """A CSV with columns agency,level,headcount."""
    if path is None:
        return {}
    counts: dict[tuple[str, str], int] = {}
    with path.open(newline="", encoding="utf-8-sig") as file:
        reader = csv.DictReader(file)
        missing = {"agency", "level", "headcount"} - set(reader.fieldnames or [])
        if missing:
            raise click.ClickException(
                f"{path}, row 1: missing column(s) {', '.join(sorted(missing))}"
            )
        for row_number, row in enumerate(reader, start=2):
            try:
                counts[(row["agency"].strip(), row["level"].strip())] = int(row["headcount"])
            except ValueError:
                raise click.ClickException(
                    f"{path}, row {row_number}, column headcount: "
                    f"{row['headcount']!r} is not a whole number"
                ) from None
    return counts


def round_links(round_: Round) -> list[tuple[str, str]]:
    """The round's public link and one per agency, as (label, URL)."""
    base = links_base(current_app)  # where the app is served (see surveys/serving.py)
    with current_app.test_request_context(base_url=base):
        links = [("Everyone", url_for("respond.start", token=round_.public_token, _external=True))]
        links += [
            (
                agency.name,
                url_for(
                    "respond.agency_link",
                    token=round_.public_token,
                    agency_id=agency.agency_id,
                    _external=True,
                ),
            )
            for agency in round_.agencies
        ]
    return links


def _echo_links(round_: Round) -> None:
    for label, link in round_links(round_):
        click.echo(f"  {label}: {link}")


@click.command("create-round")
@with_appcontext
@click.argument("name")
@click.option("--slug", required=True, help="Short id for URLs and commands, e.g. autumn-2026.")
@click.option("--opens", help="Opening date, YYYY-MM-DD (default: now).")
@click.option("--closes", help="Closing date, YYYY-MM-DD (default: 30 days after opening).")
@click.option("--agencies", help="Comma-separated agency ids (default: the standard list).")
@click.option("--locality", "localities", multiple=True, help="A locality name; repeat for more.")
@click.option(
    "--headcounts",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV of agency,level,headcount for response rates.",
)
@click.option(
    "--questionnaire",
    "version",
    help="The questionnaire version the round uses (default: the current one). "
    "It cannot be changed once the round is created.",
)
def create_round_command(
    name: str,
    slug: str,
    opens: str | None,
    closes: str | None,
    agencies: str | None,
    localities: tuple[str, ...],
    headcounts: Path | None,
    version: str | None,
) -> None:
    """Create a survey round and print its links."""
    asked = _version_or_fail(version)
    zone = current_app.config["DISPLAY_TIMEZONE"]
    opens_on, closes_on = _day(opens, "--opens"), _day(closes, "--closes")
    # A round opens at the start of its first day and closes at the end of its last.
    closes_at = end_of_day(closes_on, zone) if closes_on else None
    if closes_at is not None and closes_at <= utc_now():
        raise click.ClickException(f"The closing date {closes} has already passed")
    spec = RoundSpec(
        name=name,
        slug=slug,
        opens_at=start_of_day(opens_on, zone) if opens_on else None,
        closes_at=closes_at,
        agency_ids=[a.strip() for a in agencies.split(",") if a.strip()] if agencies else None,
        localities=localities,
        headcounts=_headcounts(headcounts),
    )
    try:
        round_ = create_round(spec, asked, current_app.config["ROUND_LENGTH_DAYS"])
    except RoundError as error:
        raise click.ClickException(str(error)) from None
    record(
        "round created",
        target=round_.slug,
        detail=f"{round_.opens_at:%Y-%m-%d} to {round_.closes_at:%Y-%m-%d}, "
        f"agencies: {', '.join(a.agency_id for a in round_.agencies)}, "
        f"localities: {len(round_.localities)}, headcounts: {len(spec.headcounts)}, "
        f"questionnaire: {round_.questionnaire_version}",
    )
    click.echo(f"Created round '{round_.name}' ({round_.slug}), {round_.state().value}.")
    click.echo(f"It uses questionnaire {round_.questionnaire_version}.")
    _echo_links(round_)


def _version_or_fail(version: str | None) -> Questionnaire:
    library = current_app.extensions["questionnaires"]
    if version is None:
        return current_questionnaire()
    if version not in library:
        raise click.ClickException(
            f"No questionnaire version {version!r}; known: {', '.join(sorted(library))}"
        )
    found: Questionnaire = library[version]
    return found


def _round_or_fail(slug: str) -> Round:
    round_ = find_round(slug)
    if round_ is None:
        raise click.ClickException(f"No round with the slug {slug!r}")
    return round_


def _released_or_fail(round_: Round) -> Published:
    found = published(round_)
    if found is None:
        raise click.ClickException(
            f"'{round_.name}' has no published results yet: they are published when it "
            f"closes, or now with: flask --app app publish-release {round_.slug}"
        )
    return found


@click.command("publish-release")
@with_appcontext
@click.argument("round_slug")
def publish_release_command(round_slug: str) -> None:
    """Publish a round's results as they now are (refused if it would expose someone)."""
    round_ = _round_or_fail(round_slug)
    try:
        release = publish_release(round_)
    except ReleaseRefused as refusal:
        record("release refused", target=round_.slug, detail=str(refusal))
        raise click.ClickException(str(refusal)) from None
    record("release published", target=round_.slug, detail=f"release {release.number}")
    click.echo(
        f"Published release {release.number} ({release.kind}) of '{round_.name}': "
        "readers now see these figures until the next release."
    )


@click.command("links")
@with_appcontext
@click.argument("round_slug")
def links_command(round_slug: str) -> None:
    """Print a round's public link and its per-agency links."""
    _echo_links(_round_or_fail(round_slug))


@click.command("import-responses")
@with_appcontext
@click.argument("round_slug")
@click.argument("csv_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--again", is_flag=True, help="Import a file that was imported before.")
def import_responses_command(round_slug: str, csv_file: Path, again: bool) -> None:
    """Import paper or spreadsheet responses from a CSV file: every row, or none."""
    round_ = _round_or_fail(round_slug)
    try:
        raw = csv_file.read_bytes()
    except OSError as error:
        raise click.ClickException(f"{csv_file}: cannot be read ({error.strerror})") from None
    content_hash = hashlib.sha256(raw).hexdigest()
    earlier = db.session.scalar(
        select(ImportRecord).where(
            ImportRecord.round_id == round_.id, ImportRecord.content_hash == content_hash
        )
    )
    if earlier is not None and not again:
        raise click.ClickException(
            f"{csv_file} was already imported into '{round_.name}' on "
            f"{earlier.imported_on:%d %B %Y} ({earlier.responses} responses); nothing was "
            "imported. To import the same file again, add --again"
        )
    elsewhere = db.session.scalar(
        select(Round)
        .join(ImportRecord, ImportRecord.round_id == Round.id)
        .where(ImportRecord.content_hash == content_hash, Round.id != round_.id)
    )
    if elsewhere is not None and not again:
        # Two rounds sharing all but a few responses: comparing them singles those few out.
        raise click.ClickException(
            f"{csv_file} was already imported into another round, '{elsewhere.name}'. The "
            "same responses in two rounds would let a comparison of the rounds show what "
            "anyone who differs between them answered. Nothing was imported. To import it "
            "anyway, add --again"
        )
    q = questionnaire(round_.questionnaire_version)
    try:
        responses = parse_responses(read_csv_text(raw), q, round_choices(round_))
    except ImportFailed as failure:
        click.echo(describe(failure.problems, str(csv_file)), err=True)
        raise click.ClickException(
            f"Nothing was imported: {len(failure.problems)} problem(s) in {csv_file}"
        ) from None
    record_submissions(round_, q, responses, Channel.IMPORT, today())
    if earlier is None:
        db.session.add(
            ImportRecord(
                round_id=round_.id,
                content_hash=content_hash,
                imported_on=today(),
                responses=len(responses),
            )
        )
    db.session.commit()
    record(
        "responses imported",
        target=round_.slug,
        detail=f"{len(responses)} responses from {csv_file.name}{' (again)' if again else ''}",
    )
    click.echo(f"Imported {len(responses)} responses into '{round_.name}'.")
    state = round_.state()
    if round_.is_demo or state is not RoundState.OPEN:
        # Said once they are in, so that a failed import never claims they were added.
        kind = "a demo round" if round_.is_demo else f"{state.value}"
        click.echo(
            f"Note: '{round_.name}' is {kind}; the responses were added to it anyway.", err=True
        )


@click.command("export")
@with_appcontext
@click.argument("round_slug")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["json", "csv"]),
    default="json",
    show_default=True,
)
@click.option("--compare", "earlier_slug", help="An earlier round to show change against.")
def export_command(round_slug: str, output_format: str, earlier_slug: str | None) -> None:
    """Print a round's whole analysis, with small groups suppressed."""
    round_ = _round_or_fail(round_slug)
    shown = _released_or_fail(round_)
    analysis = shown.analysis
    changes: tuple[ChangeResult, ...] = ()
    compared = ""
    if earlier_slug:
        earlier = _round_or_fail(earlier_slug)
        try:
            changes = compare(_released_or_fail(earlier).analysis, analysis)
        except ValueError as error:
            raise click.ClickException(str(error)) from None
        compared = f", compared with round {earlier.slug}"
    record(
        "export",
        target=f"analysis ({output_format.upper()})",
        detail=f"round {round_.slug}, release {shown.release.number}{compared}",
    )
    asked = questionnaire(round_.questionnaire_version)
    checked = invariance_of(shown.release.id)
    if output_format == "json":
        data = as_json(analysis, asked, changes, invariance=checked)
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        click.echo(as_csv(analysis, asked, changes, invariance=checked), nl=False)


@click.command("demo")
@with_appcontext
@click.option("--reset", is_flag=True, help="Delete and rebuild the demo rounds.")
def demo_command(reset: bool) -> None:
    """Create the demo rounds filled with synthetic responses (clearly labelled as demo data):
    one on questionnaire version 1 with a workshop, one on version 2 with declarations."""
    if reset:
        # Both go before either is rebuilt, version 1 first: it must open before version 2,
        # or its report would follow up the other demo's actions and its figures would move.
        for slug in (DEMO_SLUG, DEMO_V2_SLUG):
            _delete_demo(slug)
    _ensure_demo()
    _ensure_demo_v2()


def _delete_demo(slug: str) -> None:
    existing = find_round(slug)
    if existing is None:
        return
    old_workshop = demo_workshop(existing)
    if old_workshop is not None:
        db.session.delete(old_workshop)  # its answers, levels and actions go with it
    db.session.delete(existing)
    db.session.commit()
    forget_deleted_pages()  # the old demo's answers go from the write-ahead log too


def _kept_open(existing: Round, zone: str) -> None:
    if not existing.is_open:
        # A newcomer months later should still be able to try the questionnaire.
        existing.open(until=closing_after(utc_now(), DEMO_DAYS, zone))
        db.session.commit()
        click.echo(f"Reopened the demo round ({existing.name}).")
    else:
        click.echo(f"The demo round already exists ({existing.name}).")


def _demo_spec(
    name: str, slug: str, q: Questionnaire, responses: list[CompletedResponse]
) -> RoundSpec:
    answered = Counter((r.agency_id, r.level_id) for r in responses)
    return RoundSpec(
        name=name,
        slug=slug,
        localities=DEMO_LOCALITIES,
        # Made-up staff numbers giving response rates of roughly 60%.
        headcounts={
            (agency.id, level.id): round(answered[(agency.id, level.id)] / 0.6) + 2
            for agency in q.agencies
            for level in q.levels
        },
        is_demo=True,
    )


def _ensure_demo() -> None:
    existing = find_round(DEMO_SLUG)
    zone = current_app.config["DISPLAY_TIMEZONE"]
    if existing is not None:
        _kept_open(existing, zone)
        if demo_workshop(existing) is None:
            _echo_workshop(
                create_demo_workshop(
                    existing,
                    questionnaire(existing.questionnaire_version),
                    current_app.config["MIN_CELL_SIZE"],
                )
            )
        _publish_demo(existing)
        _echo_links(existing)
        return
    q = questionnaire(DEMO_QUESTIONNAIRE)
    responses = synthetic_responses(
        q, DEMO_RESPONSES, localities=[s.lower() for s in DEMO_LOCALITIES]
    )
    spec = _demo_spec("Demo: Autumn 2026 baseline", DEMO_SLUG, q, responses)
    round_ = create_round(spec, q, DEMO_DAYS, zone)
    record_submissions(round_, q, responses, Channel.DEMO, today())
    db.session.commit()
    click.echo(f"Created the demo round '{round_.name}' with {len(responses)} synthetic responses.")
    _echo_workshop(create_demo_workshop(round_, q, current_app.config["MIN_CELL_SIZE"]))
    _publish_demo(round_)
    _echo_links(round_)


def _ensure_demo_v2() -> None:
    """The version 2 demo: 'don't know' and 'not applicable' answered apart, the balance
    statement, and three agencies' declarations (police's more positive than its frontline)
    published in its release."""
    existing = find_round(DEMO_V2_SLUG)
    zone = current_app.config["DISPLAY_TIMEZONE"]
    if existing is not None:
        _kept_open(existing, zone)
        _publish_demo(existing)
        _echo_links(existing)
        return
    q = questionnaire(DEMO_V2_QUESTIONNAIRE)
    responses = synthetic_responses(
        q,
        DEMO_V2_RESPONSES,
        seed=DEMO_V2_SEED,
        localities=[s.lower() for s in DEMO_LOCALITIES],
        level_weights=V2_DEMO_LEVEL_WEIGHTS,
    )
    spec = _demo_spec("Demo: Spring 2027, questionnaire version 2", DEMO_V2_SLUG, q, responses)
    round_ = create_round(spec, q, DEMO_DAYS, zone)
    record_submissions(round_, q, responses, Channel.DEMO, today())
    for agency in DECLARED_SCORE:
        declare(round_, agency, synthetic_declaration(q, agency), q)
    db.session.commit()
    click.echo(
        f"Created the demo round '{round_.name}' with {len(responses)} synthetic responses "
        f"and declarations from {len(DECLARED_SCORE)} agencies."
    )
    _publish_demo(round_)
    _echo_links(round_)


def _publish_demo(round_: Round) -> None:
    """The demo round stays open for a year, so its results are an interim release: made
    when it is built, and again when `demo` finds answers that came in since."""
    latest = latest_release(round_)
    if latest is not None and latest.data_version == round_.data_version:
        return
    try:
        release = publish_release(round_)
    except ReleaseRefused as refusal:
        click.echo(f"The demo's results were not published again: {refusal}")
        return
    click.echo(f"Published the demo's results as release {release.number}.")


def _echo_workshop(workshop: WorkshopSession) -> None:
    click.echo(
        f"Created the demo workshop '{workshop.title}' (join code {workshop.join_code}); "
        "facilitators and administrators find it under Workshops."
    )


@click.command("create-user")
@with_appcontext
@click.argument("email")
@click.option(
    "--role",
    type=click.Choice([r.value for r in Role]),
    required=True,
    help="admin, manager, agency-lead or facilitator.",
)
@click.option("--name", default="", help="Their name (default: the email address).")
@click.option("--agency", "agency_id", help="The agency of an agency lead.")
def create_user_command(email: str, role: str, name: str, agency_id: str | None) -> None:
    """Create an account. The password is asked for, never given on the command line."""
    password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(
            email,
            name,
            Role(role),
            password,
            agency_id,
            frozenset(a.id for a in current_questionnaire().agencies),
        )
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    record("account created", target=user.email, detail=user.role_enum.label)
    click.echo(f"Created the {user.role_enum.label.lower()} account {user.email}.")


@click.command("report")
@with_appcontext
@click.argument("round_slug")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Where to write the PDF.",
)
@click.option("--agency", "agency_id", help="An agency's report, beside the partnership.")
def report_command(round_slug: str, output: Path, agency_id: str | None) -> None:
    """Write a round's PDF maturity report."""
    round_ = _round_or_fail(round_slug)
    if agency_id and round_.agency(agency_id) is None:
        raise click.ClickException(f"{agency_id!r} is not an agency in '{round_.name}'")
    shown = _released_or_fail(round_)  # before its first release there is no report
    from .reporting.stored import report_now  # WeasyPrint: only for a PDF

    pdf = report_now(round_, agency_id)  # typeset here, now, unless already stored
    try:
        output.write_bytes(pdf)
    except OSError as error:
        raise click.ClickException(f"{output}: cannot be written ({error.strerror})") from None
    record(
        "report written",
        target=f"{f'{agency_id} ' if agency_id else ''}report (PDF)",
        detail=f"round {round_.slug}, release {shown.release.number}, to {output.resolve()}",
    )
    click.echo(f"Wrote {output} ({len(pdf) // 1024} KB).")


@click.command("forget-drafts")
@with_appcontext
@click.option(
    "--older-than",
    "older_than",
    type=click.IntRange(min=1),
    help="Also delete drafts, in any round, last saved more than this many days ago "
    "(default: the DRAFT_RETENTION_DAYS setting, 90).",
)
def forget_drafts_command(older_than: int | None) -> None:
    """Delete saved but unsent answers of every closed round (run it daily, e.g. from cron)."""
    from .retention import draft_retention_days, forget_old_drafts

    closed = [r for r in db.session.scalars(select(Round)) if r.state() is RoundState.CLOSED]
    for round_ in closed:
        before = latest_release(round_)
        final = ensure_final_release(round_)  # a closed round's results are published once
        if final is not None and (before is None or final.id != before.id):
            record("release published", target=round_.slug, detail=f"release {final.number}, final")
    deleted = sum(forget_unsent_drafts(round_) for round_ in closed)
    if deleted:
        record(
            "drafts.forget",
            target="closed rounds",
            detail=f"{deleted} unsent drafts of {len(closed)} closed rounds deleted",
        )
    click.echo(f"Deleted {deleted} unsent drafts from {len(closed)} closed rounds.")
    days = older_than or draft_retention_days()
    if days:
        old = forget_old_drafts(days)
        click.echo(f"Deleted {old} unsent drafts last saved more than {days} days ago.")
    # Also empties what a busy request had to leave in the write-ahead log since yesterday.
    if not forget_deleted_pages(wait_ms=60_000):
        raise click.ClickException("Readers kept the database's write-ahead log busy: run again.")


def init_app(app: Flask) -> None:
    app.cli.add_command(questionnaire_group)
    for command in (
        create_round_command,
        links_command,
        import_responses_command,
        export_command,
        publish_release_command,
        demo_command,
        forget_drafts_command,
        create_user_command,
        report_command,
    ):
        app.cli.add_command(command)
    from .backup import backup_command, restore_command
    from .retention import delete_round_command

    for command in (backup_command, restore_command, delete_round_command):
        app.cli.add_command(command)
