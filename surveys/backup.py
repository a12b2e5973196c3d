"""Backups of the embedded SQLite database, and putting one back.

`flask --app app backup [PATH]` copies the database with SQLite's online backup API: a
consistent copy while the app keeps serving (it copies one committed state, never half a
transaction). The write-ahead log is checkpointed first, and the copy is vacuumed and kept
as one file (no -wal beside it), so it holds no deleted text: no free page of it keeps a
draft or a round deleted before the backup. It is readable by its owner only (mode 600),
like the database, and the app turns secure_delete on for every file it opens, a restored
copy included.

`flask --app app restore PATH` (with the app stopped) checks that PATH is a Boundary
database, saves the current one beside the backups, and copies PATH over it with the same
API. On PostgreSQL both commands point to pg_dump and pg_restore, as the README shows.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy.exc import OperationalError

from .audit import record
from .database import db, forget_deleted_pages, is_locked
from .database_setup import schema_state

CHECKPOINT_WAIT_MS = 2_000  # how long a backup waits for readers to leave the log
PG_DUMP = 'pg_dump --format=custom --file=boundary.dump "$DATABASE_URL"'
PG_RESTORE = 'pg_restore --clean --if-exists --no-owner --dbname="$DATABASE_URL" boundary.dump'


class BackupError(Exception):
    """A backup or restore that cannot be done, with the reason in plain words."""


def sqlite_database() -> Path:
    """The SQLite file the app uses, or a BackupError pointing PostgreSQL users to pg_dump."""
    url = db.engine.url
    if url.get_backend_name() != "sqlite":
        raise BackupError(
            f"This database is {url.get_backend_name()}, not SQLite: back it up with "
            f"PostgreSQL's own tools, e.g. {PG_DUMP}, and restore with {PG_RESTORE} "
            "(see the README, 'Backups')."
        )
    if not url.database or url.database == ":memory:":
        raise BackupError("This SQLite database is held in memory: there is no file to copy.")
    return Path(url.database).resolve()


def default_backup_path(prefix: str = "boundary") -> Path:
    """backups/ beside the database (instance/backups/ by default), named by the time."""
    moment = datetime.now(UTC).strftime("%Y-%m-%dT%H%M%S.%fZ")
    return sqlite_database().parent / "backups" / f"{prefix}-{moment}.sqlite3"


def _new_owner_only_file(path: Path) -> None:
    """Create `path` with mode 600 before anything is written to it (never overwrite)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise BackupError(f"{path} already exists: choose a new file name") from None
    except OSError as error:
        raise BackupError(f"{path} cannot be written ({error.strerror})") from None
    os.close(descriptor)


def back_up(target: Path) -> Path:
    """Copy the live SQLite database to `target` (a new file). Returns the copy's path."""
    database = sqlite_database()
    target = target.resolve()
    if target == database:
        raise BackupError(f"{target} is the database itself: choose another file")
    # Empty the -wal into the file (zeroing deleted rows as it goes). If a long request keeps
    # it busy the backup goes on all the same: the copy is vacuumed below, so it holds only
    # the rows that exist, whatever the live file's free pages or log still hold.
    forget_deleted_pages(wait_ms=CHECKPOINT_WAIT_MS)
    _new_owner_only_file(target)
    try:
        source = db.engine.raw_connection()
        try:
            copy = sqlite3.connect(target)
            try:
                copy.execute("PRAGMA secure_delete=ON")
                source.driver_connection.backup(copy)  # type: ignore[union-attr]
                # One self-contained file, and no free pages holding anything deleted.
                copy.execute("PRAGMA journal_mode=DELETE")
                copy.execute("VACUUM")
            finally:
                copy.close()
        finally:
            source.close()
    except (sqlite3.Error, OSError) as error:
        with contextlib.suppress(OSError):
            target.unlink()
        raise BackupError(f"The backup to {target} failed: {error}") from None
    target.chmod(0o600)
    return target


def backup_revision(path: Path) -> str:
    """The migration a backup file is at; a BackupError if it is no Boundary database."""
    if not path.is_file():
        raise BackupError(f"{path} does not exist or is not a file")
    try:
        with contextlib.closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as file:
            if file.execute("PRAGMA quick_check").fetchone() != ("ok",):
                raise BackupError(f"{path} is damaged (SQLite's quick_check failed)")
            tables = {name for (name,) in file.execute("SELECT name FROM sqlite_master")}
            if not {"alembic_version", "rounds"} <= tables:
                raise BackupError(f"{path} is an SQLite file but not a Boundary database")
            row = file.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is not a Boundary backup ({error})") from None
    if row is None:
        raise BackupError(f"{path} has no migration recorded: it is not a Boundary backup")
    return str(row[0])


def restore(backup: Path) -> Path:
    """Replace the live database's contents with `backup`'s. The database as it was is
    first saved as a backup, whose path is returned."""
    database = sqlite_database()
    backup = backup.resolve()
    if backup == database:
        raise BackupError(f"{backup} is the database itself")
    backup_revision(backup)
    saved = back_up(default_backup_path("before-restore"))
    db.session.remove()
    try:
        with contextlib.closing(sqlite3.connect(f"{backup.as_uri()}?mode=ro", uri=True)) as file:
            live = db.engine.raw_connection()
            try:
                file.backup(live.driver_connection)  # type: ignore[arg-type]
            finally:
                live.close()
    except sqlite3.Error as error:
        raise BackupError(
            f"The restore from {backup} failed ({error}); the database as it was is in {saved}"
        ) from None
    db.engine.dispose()
    forget_deleted_pages(wait_ms=CHECKPOINT_WAIT_MS)
    return saved


@click.command("backup")
@with_appcontext
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
def backup_command(path: Path | None) -> None:
    """Copy the SQLite database to PATH (default: backups/ beside it), safe while it runs."""
    try:
        written = back_up(path or default_backup_path())
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    size = f"{written.stat().st_size // 1024} KB"
    click.echo(f"Backed up the database to {written} ({size}).")
    try:
        record("database backed up", target=str(written), detail=size)
    except OperationalError as error:
        # The copy is made whatever a long write is doing meanwhile; its audit line is not.
        if not is_locked(error):
            raise
        db.session.rollback()
        click.echo(
            "Note: a writer kept the database locked, so this backup is not in the audit log.",
            err=True,
        )


@click.command("restore")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--yes-i-typed",
    "typed",
    metavar="restore",
    help="For scripts: the word 'restore', as it would be typed at the prompt.",
)
def restore_command(path: Path, typed: str | None) -> None:
    """Replace everything in the SQLite database with a backup. Stop the app first."""
    try:
        database = sqlite_database()
        revision = backup_revision(path)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    if typed is None:
        click.echo(
            f"This replaces everything in {database} with the backup {path} (at migration "
            f"{revision}). Stop the app first. The database as it is now is saved beside the "
            "backups."
        )
        typed = click.prompt("Type 'restore' to go on", default="", show_default=False)
    if typed.strip() != "restore":
        raise click.ClickException("You did not type 'restore': nothing was changed.")
    try:
        saved = restore(path)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    if schema_state().ready:  # an older backup may have no audit table until `db upgrade`
        record(
            "database restored", target=str(path.resolve()), detail=f"the one replaced is {saved}"
        )
    click.echo(f"Restored {database} from {path}. The database as it was is in {saved}.")
    click.echo("If the backup is from an earlier version, run: flask --app app db upgrade")
