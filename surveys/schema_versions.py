"""Which migrations this code ships, and which of them a database has had, without Alembic.

Every command that touches the database (and /readyz) first checks that the database is at
the migrations' head. Asking Alembic's ScriptDirectory imported Alembic and Mako and loaded
every migration file as a module: about a tenth of a second on each `flask --app app ...`
before it did anything. The answer is in two lines at the top of each migration file
(`revision = "..."`, `down_revision = "..."`), so they are read as text here; a test checks
that the answer is Alembic's own. Alembic itself is imported only when migrations run
(`flask --app app db ...`, see surveys/database.py).
"""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

from sqlalchemy import Connection, text

from .database import MIGRATIONS

VERSION_TABLE = "alembic_version"
_HEADER = re.compile(r"^(revision|down_revision)\s*(?::[^=]*)?=\s*(.+?)\s*$", re.MULTILINE)


class UnreadableMigration(Exception):
    """A migration file without a plain `revision = "..."` line."""


def _header(path: Path) -> tuple[str, frozenset[str]]:
    """A migration file's revision and the revisions it follows."""
    found = {name: ast.literal_eval(value) for name, value in _HEADER.findall(path.read_text())}
    revision, down = found.get("revision"), found.get("down_revision")
    if not isinstance(revision, str):
        raise UnreadableMigration(f'{path} has no line like: revision = "0001"')
    follows = down if isinstance(down, tuple | list) else () if down is None else (down,)
    return revision, frozenset(str(parent) for parent in follows)


@functools.cache
def shipped(directory: Path = MIGRATIONS) -> tuple[frozenset[str], frozenset[str]]:
    """(heads, every revision) of the migrations in `directory`: read once per process."""
    revisions: set[str] = set()
    followed: set[str] = set()
    for path in sorted((directory / "versions").glob("*.py")):
        revision, follows = _header(path)
        revisions.add(revision)
        followed |= follows
    return frozenset(revisions - followed), frozenset(revisions)


def applied(connection: Connection) -> frozenset[str]:
    """The revisions the database says it is at (none if it was never migrated)."""
    if not connection.dialect.has_table(connection, VERSION_TABLE):
        return frozenset()
    return frozenset(connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars())
