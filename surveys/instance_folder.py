"""The folders Boundary writes to (instance/ by default): checked before use, named when not.

Without this, a read-only or missing folder surfaced as a 149-line traceback ending in
"unable to open database file" or "Read-only file system: .../instance/secret_key", which
names neither the folder nor what to do about it."""

from __future__ import annotations

import tempfile
from pathlib import Path

from sqlalchemy.engine import make_url


class FolderNotWritable(OSError):
    """A folder Boundary must write to cannot be written; the message says which and why."""


def unwritable(folder: Path, holds: str, error: OSError) -> FolderNotWritable:
    reason = error.strerror or str(error)
    return FolderNotWritable(
        f"the folder {folder} must be writable by this user ({holds}), but it is not "
        f"({reason}). Make it writable (for example: mkdir -p {folder} && chown $USER "
        f"{folder}), or point BOUNDARY_INSTANCE_PATH at a folder that is; "
        "DATABASE_URL and SECRET_KEY can be set instead of keeping them there."
    )


def ensure_writable(folder: Path, holds: str) -> None:
    """Make `folder` if need be and prove it can be written (by writing, since permission
    bits do not tell: root may write anywhere, except on a read-only file system)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise unwritable(folder, holds, error) from None


def sqlite_folder(database_url: str) -> Path | None:
    """The folder of a SQLite database file (SQLite writes its journal beside it), if any."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    if str(url.database).startswith("file:"):
        return None  # a URI filename: its owner has chosen where it lives
    return Path(str(url.database)).resolve().parent


def check_database_folder(database_url: str) -> None:
    folder = sqlite_folder(database_url)
    if folder is not None:
        ensure_writable(folder, "it holds the SQLite database and its journal")
