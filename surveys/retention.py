"""Keeping data no longer than needed: deleting a round and all it holds, and forgetting
drafts that were never sent.

Deleting a round removes, in one transaction, its responses (answers, scores, partner
ratings, comments and their moderation), drafts, tallies, releases, imports, agencies,
localities and headcounts, the workshops linked to it (their answers, ballots, agreed
levels and actions), the records of its downloads, and any other row that belongs to the
round (a table whose rows cascade with their round, such as invitation codes). Then, on
SQLite, the write-ahead log is emptied so no deleted text is left in any file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import ColumnElement, ForeignKey, Table, delete, func, select

from .audit import Download, record
from .config import ConfigError
from .database import Base, db, forget_deleted_pages
from .releases.models import Release
from .responses.models import Draft, Submission
from .responses.service import today
from .rounds.models import Round
from .workshops.models import WorkshopSession

DEFAULT_DRAFT_RETENTION_DAYS = 90


@dataclass(frozen=True)
class RoundContents:
    responses: int
    drafts: int
    releases: int
    workshops: int
    downloads: int

    def describe(self) -> str:
        parts = [
            (self.responses, "response", "responses"),
            (self.drafts, "unsent draft", "unsent drafts"),
            (self.releases, "published release", "published releases"),
            (self.workshops, "workshop", "workshops"),
            (self.downloads, "download record", "download records"),
        ]
        return ", ".join(f"{n} {one if n == 1 else many}" for n, one, many in parts)


def _count(model: type[Base], where: ColumnElement[bool]) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model).where(where)) or 0)


def round_contents(round_: Round) -> RoundContents:
    return RoundContents(
        responses=_count(Submission, Submission.round_id == round_.id),
        drafts=_count(Draft, Draft.round_id == round_.id),
        releases=_count(Release, Release.round_id == round_.id),
        workshops=_count(WorkshopSession, WorkshopSession.round_id == round_.id),
        downloads=_count(Download, Download.round_id == round_.id),
    )


# Rows that point at their round but are kept by the database when it goes (SET NULL): these
# belong to the round all the same. Other such rows (an action another workshop agreed about
# this round) lose only the link.
OWNED_THOUGH_NOT_CASCADED = {"workshop_sessions", "downloads"}


def _belongs(table: Table, key: ForeignKey, parent: str) -> bool:
    if key.column.table.name != parent:
        return False
    return (
        parent != "rounds" or key.ondelete == "CASCADE" or table.name in OWNED_THOUGH_NOT_CASCADED
    )


def delete_round(round_: Round, by: str = "") -> RoundContents:
    """Delete the round and everything it holds; audit-logged. Returns what was deleted."""
    contents = round_contents(round_)
    round_id, slug, name = round_.id, round_.slug, round_.name
    sessions = list(
        db.session.scalars(select(WorkshopSession.id).where(WorkshopSession.round_id == round_id))
    )
    db.session.expunge_all()  # rows go by SQL below: no stale object may be flushed back
    # Children before parents, so it holds whether or not the database cascades itself.
    for table in reversed(Base.metadata.sorted_tables):
        for key in table.foreign_keys:
            if sessions and _belongs(table, key, "workshop_sessions"):
                db.session.execute(delete(table).where(key.parent.in_(sessions)))
            elif _belongs(table, key, "rounds"):
                db.session.execute(delete(table).where(key.parent == round_id))
    db.session.execute(delete(Round).where(Round.id == round_id))
    db.session.commit()
    forget_deleted_pages(wait_ms=10_000)
    record(
        "round.delete",
        target=slug,
        detail=f"'{name}' deleted{f' by {by}' if by else ''}: {contents.describe()}",
    )
    return contents


def draft_retention_days() -> int | None:
    """DRAFT_RETENTION_DAYS: unsent drafts untouched this long are deleted (None or 0: no
    limit but the round's closing)."""
    days = current_app.config.get("DRAFT_RETENTION_DAYS", DEFAULT_DRAFT_RETENTION_DAYS)
    if days in (None, 0):
        return None
    if isinstance(days, bool) or not isinstance(days, int) or days < 0:
        raise ConfigError(f"DRAFT_RETENTION_DAYS is {days!r}; it must be a whole number of days")
    return days


def forget_old_drafts(older_than_days: int) -> int:
    """Delete drafts last saved more than `older_than_days` days ago, in any round."""
    cutoff = today() - timedelta(days=older_than_days)
    deleted = db.session.execute(delete(Draft).where(Draft.updated_on < cutoff))
    db.session.commit()
    count = int(getattr(deleted, "rowcount", 0) or 0)
    if count:
        forget_deleted_pages(wait_ms=10_000)
    record(
        "drafts.forget",
        target=f"older than {older_than_days} days",
        detail=f"{count} unsent drafts last saved before {cutoff:%Y-%m-%d} deleted",
    )
    return count


@click.command("delete-round")
@with_appcontext
@click.argument("slug")
@click.option(
    "--yes-i-typed",
    "typed",
    metavar="SLUG",
    help="For scripts: the round's slug again, as it would be typed at the prompt.",
)
def delete_round_command(slug: str, typed: str | None) -> None:
    """Delete a round and everything it holds: responses, drafts, releases, workshops."""
    round_ = db.session.scalar(select(Round).where(Round.slug == slug))
    if round_ is None:
        raise click.ClickException(f"No round with the slug {slug!r}: nothing was deleted.")
    contents = round_contents(round_)
    if typed is None:
        click.echo(
            f"This deletes the round '{round_.name}' ({slug}) and everything it holds: "
            f"{contents.describe()}. It cannot be undone (except from a backup)."
        )
        typed = click.prompt("Type the round's slug to delete it", default="", show_default=False)
    if typed.strip() != slug:
        raise click.ClickException(
            f"What was typed is not the round's slug ({slug}): nothing was deleted."
        )
    deleted = delete_round(round_, by="the command line")
    click.echo(f"Deleted the round '{slug}': {deleted.describe()}.")
