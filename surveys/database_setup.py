"""Is the database set up? Said plainly to whoever meets it unset: a CLI user or a visitor.

A fresh clone or a new DATABASE_URL has no tables until `flask --app app db upgrade` runs,
and a database a release behind lacks what the new code reads. Without this check, both
show as a SQLAlchemy traceback ("no such table: rounds") that names neither the cause nor
the cure."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import click
from flask import Flask, current_app, render_template, request
from flask.cli import with_appcontext
from sqlalchemy import inspect
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import ServiceUnavailable

from .database import MIGRATIONS as MIGRATIONS
from .database import db
from .database import upgrade as upgrade
from .instance_folder import sqlite_folder, unwritable
from .schema_versions import applied, shipped

SET_UP = "flask --app app db upgrade"


@dataclass(frozen=True)
class SchemaState:
    """Where the database stands against the migrations shipped with this code."""

    current: frozenset[str]  # the revisions the database says it is at
    heads: frozenset[str]  # the migrations' newest revisions
    known: frozenset[str]  # every revision the code ships
    empty: bool  # no tables at all: nothing anyone made is at risk

    @property
    def ready(self) -> bool:
        return self.current == self.heads

    def problem(self) -> str | None:
        """What is wrong, and the command that puts it right, in words for a person."""
        if self.ready:
            return None
        if not self.current:
            if self.empty:
                return f"The database is not set up yet. Set it up with: {SET_UP}"
            return (
                "The database holds tables, but not ones Boundary's migrations made (it has "
                "no record of them). Point DATABASE_URL at an empty database and run: "
                f"{SET_UP}"
            )
        if not self.current <= self.known:
            unknown = ", ".join(sorted(self.current - self.known))
            return (
                f"The database was set up by a newer version of Boundary (revision {unknown}, "
                "which this code does not have). Run the newer code, or restore a backup "
                "made for this version."
            )
        return (
            f"The database is behind this version of Boundary (it is at revision "
            f"{', '.join(sorted(self.current))}; this code needs "
            f"{', '.join(sorted(self.heads))}). Bring it up to date with: {SET_UP}"
        )


def schema_state() -> SchemaState:
    """Ask the database (one short read) where it stands. Inside an app context."""
    heads, known = shipped()
    with db.engine.connect() as connection:
        current = applied(connection)
        empty = not current and not inspect(connection).get_table_names()
    return SchemaState(current=current, heads=heads, known=known, empty=empty)


def set_up_if_new(state: SchemaState) -> bool:
    """Run the migrations on a brand-new, empty SQLite database (nothing anyone made can be
    touched, and SQLite is the local default a newcomer's first command meets). Anything
    else is left to the person, who is told the command instead. True if it was set up."""
    if state.current or not state.empty or db.engine.dialect.name != "sqlite":
        return False
    upgrade()
    return True


# Pages that must answer whatever the database's state (a load balancer's probes, assets).
UNCHECKED_ENDPOINTS = frozenset({"static"})
UNCHECKED_PREFIXES = ("/healthz", "/readyz")


class NotSetUp(ServiceUnavailable):
    """Raised before any view (or its URL's lookups) reads a database not set up."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


def render_not_set_up(error: NotSetUp) -> tuple[str, int]:
    return render_template("errors/not_set_up.html", problem=error.problem), 503


def init_app(app: Flask) -> None:
    """Until the database is set up, every page is a 503 that says so, never a 500.

    Checked on each request until the first time the database is found ready, then never
    again in this process (a database is not un-migrated under a running app)."""
    ready = False

    def database_is_set_up(endpoint: str | None, _values: dict[str, Any] | None) -> None:
        nonlocal ready
        if ready or endpoint in UNCHECKED_ENDPOINTS:
            return
        if request.path.startswith(UNCHECKED_PREFIXES):
            return
        problem = schema_state().problem()
        if problem is None:
            ready = True
            return
        current_app.logger.error("Refusing requests: %s", problem)
        raise NotSetUp(problem)

    # First of all, before the hooks that look up a URL's round or a signed-in user: these
    # run before any before_request function.
    app.url_value_preprocessors.setdefault(None, []).insert(0, database_is_set_up)
    app.register_error_handler(NotSetUp, render_not_set_up)
    guard_commands(app)


# Commands that need no database, or must work on one in any state.
NO_DATABASE = frozenset({"questionnaire"})
ANY_SCHEMA = frozenset({"backup", "restore"})
UNGUARDED = frozenset({"db"})  # Flask-Migrate's: the command that sets the database up
SETS_ITSELF_UP = frozenset({"demo"})  # on a brand-new SQLite database only (set_up_if_new)


def guard_commands(app: Flask) -> None:
    """Wrap every `flask --app app` command of Boundary's so that a database not set up, a
    database that cannot be opened, and Ctrl+C each end it with one plain message."""
    for name, command in app.cli.commands.items():
        if name in UNGUARDED:
            continue
        _guard(command, name, check_schema=name not in NO_DATABASE | ANY_SCHEMA)


def _guard(command: click.Command, name: str, *, check_schema: bool) -> None:
    if isinstance(command, click.Group):
        for sub_name, sub in command.commands.items():
            _guard(sub, f"{name} {sub_name}", check_schema=check_schema)
        return
    callback = command.callback
    if callback is None or getattr(callback, "boundary_guarded", False):
        return

    @with_appcontext
    @functools.wraps(callback)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            if check_schema:
                _ready_or_fail(name)
            return callback(*args, **kwargs)
        except KeyboardInterrupt:
            click.echo(f"\nInterrupted: {name} stopped before it finished.", err=True)
            raise SystemExit(130) from None
        except DBAPIError as error:
            raise click.ClickException(_explain(error)) from None

    guarded.boundary_guarded = True  # type: ignore[attr-defined]
    command.callback = guarded


def _ready_or_fail(name: str) -> None:
    state = schema_state()
    if state.ready:
        return
    if name in SETS_ITSELF_UP and set_up_if_new(state):
        click.echo(f"Set up the new database ({db.engine.url.database}).")
        return
    problem = state.problem()
    raise click.ClickException(f"{problem}\n(Nothing was done.)")


def _explain(error: DBAPIError) -> str:
    """A database error a command met, in words: why, and what to do."""
    url = db.engine.url
    reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
    folder = sqlite_folder(url.render_as_string(hide_password=True))
    if folder is not None and "unable to open database file" in reason:
        return str(unwritable(folder, "it holds the SQLite database", OSError(reason)))
    try:
        problem = schema_state().problem()
    except DBAPIError:
        problem = None
    if problem is not None:
        return f"{problem}\n(Nothing was done.)"
    where = url.render_as_string(hide_password=True)
    return f"The database {where} could not be used: {reason}. Nothing was changed."
