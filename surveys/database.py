"""The declarative base with a constraint naming convention, and the Flask-SQLAlchemy handle."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
from flask import Flask, current_app
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import Pool

if TYPE_CHECKING:
    from sqlalchemy.dialects import postgresql, sqlite

# Named constraints keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


MIGRATIONS = Path(__file__).parent / "migrations"
BUSY_TIMEOUT_MS = 5_000  # how long SQLite waits for another connection's lock
LOCKED_ATTEMPTS = 3  # a locked write is tried again, so a respondent waits at most ~15 s
DURABLE = "boundary_durable"  # marks a pooled SQLite connection whose commits fsync
T = TypeVar("T")
# A request waits this long for readers still using the write-ahead log; if they outlast it,
# the next checkpoint empties it, at the latest the daily forget-drafts, which waits longer.
CHECKPOINT_WAIT_MS = 200


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """SQLite: enforce foreign keys, and let several workers read while one writes."""
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    # A commit holds the one write lock while it waits for the disk: with FULL, every saved
    # page waited about 5 ms for an fsync, and a burst of respondents queued behind it until
    # some gave up ("database is locked"). NORMAL in WAL mode survives any crash of the
    # process; a power cut could lose the last drafts, but never a sent response (see
    # `durable`), and never corrupts the file.
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Deleted drafts are overwritten, not left readable in free pages of the file.
    cursor.execute("PRAGMA secure_delete=ON")
    for _seq, name, path in cursor.execute("PRAGMA database_list").fetchall():
        if name == "main" and path:
            _owner_only(Path(path))
    cursor.close()


@event.listens_for(Pool, "checkin")
def _back_to_normal(dbapi_connection: Any, record: Any) -> None:
    if record.info.pop(DURABLE, False) and dbapi_connection is not None:
        dbapi_connection.execute("PRAGMA synchronous=NORMAL")


def durable() -> None:
    """The session's next commit reaches the disk before it returns (SQLite: an fsync).

    For a sent response: the confirmation page promises it is kept, even through a power cut.
    Call before the transaction's first write; the connection goes back to NORMAL when the
    session lets it go. PostgreSQL commits durably anyway."""
    if db.session.get_bind().dialect.name != "sqlite":
        return
    connection = db.session.connection()
    connection.exec_driver_sql("PRAGMA synchronous=FULL")
    connection.connection.info[DURABLE] = True  # kept with the pooled connection


def upsert(table: Any) -> postgresql.Insert | sqlite.Insert:
    """INSERT ... ON CONFLICT for the database in use (both spell it the same way).

    The dialect's module is imported here, when the statement is made: importing the
    PostgreSQL one at start-up cost every command about 40 ms on SQLite, for nothing."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert(table)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table)


def is_locked(error: OperationalError) -> bool:
    """SQLite's other writer held the lock for longer than the busy timeout."""
    return "database is locked" in str(error.orig)


def retry_when_locked(write: Callable[[], T], attempts: int = LOCKED_ATTEMPTS) -> T:
    """Run a write transaction again when SQLite stayed locked for the whole busy timeout.

    Only for writes that are safe to repeat: each attempt starts from a rolled-back session,
    and `write` must do all of its work (and commit) itself. Saving a draft repeats the
    same answers; sending is guarded by deleting the draft, so it counts once however often
    it runs. After the last attempt the error goes on, to become the 503 page."""
    for attempt in range(1, attempts + 1):
        try:
            return write()
        except OperationalError as error:
            db.session.rollback()
            if not is_locked(error) or attempt == attempts:
                raise
    raise AssertionError("unreachable")


def _owner_only(database: Path) -> None:
    """Answers and drafts are nobody else's business on a shared server: mode 600."""
    for file in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
        with contextlib.suppress(OSError):
            if file.exists() and file.stat().st_mode & 0o077:
                file.chmod(0o600)


def forget_deleted_pages(wait_ms: int = CHECKPOINT_WAIT_MS) -> bool:
    """After a delete is committed, empty SQLite's write-ahead log, so no copy of it survives.

    secure_delete zeroes deleted rows in the database file, but the -wal file keeps the old
    page images until a checkpoint copies them back and TRUNCATE empties it. Returns False
    if readers still using the log kept it from being emptied within `wait_ms`. Nothing to
    do on PostgreSQL, whose files are its server's (docs/anonymity.md says what they keep)."""
    if db.engine.dialect.name != "sqlite":
        return True
    with db.engine.connect() as connection:
        # The checkpoint waits for readers through the busy handler: give it this call's wait.
        connection.exec_driver_sql(f"PRAGMA busy_timeout={wait_ms}")
        try:
            busy, _frames, _copied = connection.exec_driver_sql(
                "PRAGMA wal_checkpoint(TRUNCATE)"
            ).one()
        finally:
            connection.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    return not busy


def init_app(app: Flask) -> None:
    db.init_app(app)
    app.cli.add_command(MigrationCommands())


# Migrations: Flask-Migrate, and Alembic under it, are imported only when migrations run.
# Importing them took about 70 ms (Alembic, Mako, every database dialect's DDL) that every
# other command and every web worker paid for nothing.


def set_up_migrations(app: Flask) -> None:
    """Flask-Migrate's configuration for `app`, made the first time migrations are needed."""
    if "migrate" in app.extensions:
        return
    from flask_migrate import Migrate

    # batch mode: SQLite cannot ALTER most things
    Migrate(render_as_batch=True).init_app(app, db, directory=str(MIGRATIONS))


def upgrade(revision: str = "head") -> None:
    """Bring the database of the current app up to `revision` (Flask-Migrate's upgrade)."""
    set_up_migrations(current_app)
    from flask_migrate import upgrade as migrate_up

    migrate_up(directory=str(MIGRATIONS), revision=revision)


def downgrade(revision: str) -> None:
    """Take the database of the current app down to `revision` (tests of the migrations)."""
    set_up_migrations(current_app)
    from flask_migrate import downgrade as migrate_down

    migrate_down(directory=str(MIGRATIONS), revision=revision)


class MigrationCommands(click.Group):
    """`flask --app app db ...`: Flask-Migrate's command group, loaded when it is run.

    Listed by `flask --help` like any command; running it (even `db --help`) sets up
    Flask-Migrate and hands the command line to Flask-Migrate's own group."""

    def __init__(self) -> None:
        super().__init__("db", help="Perform database migrations (Flask-Migrate).")

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        set_up_migrations(current_app)  # also puts Flask-Migrate's group in this one's place
        from flask_migrate.cli import db as flask_migrate_group

        group: click.Group = flask_migrate_group
        return group.make_context(info_name, args, parent=parent, **extra)


def migrate_from_nothing(schema: str) -> None:
    """Build the schema with the migrations, from nothing (tests and benchmarks only).

    On PostgreSQL, `schema` (the connection's search_path) is dropped and made anew first, so
    the migrations themselves run every time; nothing outside that schema is touched. On
    SQLite the caller passes a new file."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    upgrade()
