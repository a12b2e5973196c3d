"""How pages and assets travel: gzip when the browser accepts it, and assets cached for a
year under addresses that change whenever the file does.

A question page is mostly the GOV.UK stylesheet and scripts. Those are sent compressed and,
because every `url_for('static', ...)` carries `?v=<fingerprint of the file>`, a browser
keeps them for a year without asking again; a new release changes the fingerprint, so
nobody gets a stale stylesheet. An address without the current fingerprint (a module the
script imports, an image the stylesheet names) is checked with the server each time.

Compression and BREACH: an attacker who can put text into a compressed page next to a
secret, and watch the response sizes over many requests, can guess the secret a character
at a time. Pages here carry a CSRF token, but Flask-WTF signs it with the time, so its text
changes every second, far too fast for the thousands of requests such a guess needs; and
the session cookie is SameSite=Lax, so another site cannot make a signed-in browser send
the POSTs that reflect typed text. The secrets that do stay put for as long as a page is
open, resume codes and invitation codes, are on pages marked `not_compressed`, which go
out as they are.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Callable
from functools import lru_cache, wraps
from pathlib import Path
from stat import S_ISREG
from typing import Any, TypeVar

from flask import Flask, Response, g, request

F = TypeVar("F", bound=Callable[..., Any])

COMPRESSIBLE = {
    "text/html",
    "text/css",
    "text/plain",
    "text/csv",
    "text/javascript",
    "application/javascript",
    "application/json",
    "image/svg+xml",
}
SMALLEST_WORTH_COMPRESSING = 1024  # bytes: below this gzip's header outweighs the saving
A_YEAR = 365 * 24 * 60 * 60


def not_compressed(view: F) -> F:
    """For a page that shows a lasting secret (a resume or invitation code): never gzip it."""

    @wraps(view)
    def marked(*args: Any, **kwargs: Any) -> Any:
        g.not_compressed = True
        return view(*args, **kwargs)

    return marked  # type: ignore[return-value]


@lru_cache(maxsize=256)
def _fingerprint(path: Path, modified: float, size: int) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


@lru_cache(maxsize=256)
def _inside(folder: str, filename: str) -> Path | None:
    """Where `filename` is under the static folder, or None if it names a place outside it.

    Kept per name: resolving the path twice (it and its folder) was most of the cost of
    the two or three asset links on every page; the file itself is still looked at each
    time, so a changed file gets a new fingerprint at once."""
    path = (Path(folder) / filename).resolve()
    return path if path.is_relative_to(Path(folder).resolve()) else None


def fingerprint(app: Flask, filename: str) -> str | None:
    """A short hash of a static file's content, or None if there is no such file."""
    path = _inside(app.static_folder or "", filename)
    if path is None:
        return None
    try:
        stat = path.stat()
    except OSError:
        return None
    if not S_ISREG(stat.st_mode):
        return None
    return _fingerprint(path, stat.st_mtime, stat.st_size)


def _accepts_gzip() -> bool:
    return any(
        part.split(";")[0].strip() in ("gzip", "*")
        for part in request.headers.get("Accept-Encoding", "").split(",")
    )


def compress(response: Response) -> Response:
    response.vary.add("Accept-Encoding")
    if (
        response.status_code != 200
        or "Content-Encoding" in response.headers
        or response.mimetype not in COMPRESSIBLE
        or g.get("not_compressed")
        or not _accepts_gzip()
    ):
        return response
    if response.is_streamed and not response.direct_passthrough:
        return response  # a live stream: compressing would hold it back
    response.direct_passthrough = False  # a static file: read it, to compress it
    source = response.response
    body = response.get_data()
    close = getattr(source, "close", None)
    if close is not None:
        close()  # the file it was read from
    if len(body) < SMALLEST_WORTH_COMPRESSING:
        return response
    response.set_data(gzip.compress(body, compresslevel=6, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    etag, weak = response.get_etag()
    if etag:  # the compressed bytes differ from the file's: never the same strong tag
        response.set_etag(etag, weak=True)
    return response


def cache_static(response: Response) -> Response:
    if request.endpoint != "static":
        return response
    from flask import current_app

    current = fingerprint(current_app, (request.view_args or {}).get("filename", ""))
    if current is not None and request.args.get("v") == current:
        response.headers["Cache-Control"] = f"public, max-age={A_YEAR}, immutable"
    else:
        response.headers["Cache-Control"] = "no-cache"  # may keep it, but asks first
    return response


def init_app(app: Flask) -> None:
    @app.url_defaults
    def versioned_static(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and "filename" in values and "v" not in values:
            version = fingerprint(app, values["filename"])
            if version:
                values["v"] = version

    # Registered first, so they run last: on the finished response, headers and all.
    app.after_request(compress)
    app.after_request(cache_static)
