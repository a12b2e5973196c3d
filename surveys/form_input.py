"""What a request may carry, checked once for every page before any view reads it.

- Files: Boundary's forms are text, radios and checkboxes, and none takes a file. A browser
  never sends a text box as a file part; a field holding one would reach WTForms and the
  views as an object that is not text. Such a post is refused with the 400 page.
- NUL characters: PostgreSQL cannot hold one in text, and refuses any statement that
  carries one (a 500 from a sign-in, a survey link or a round's name). Form values lose
  theirs, as comments already lost every control character; an address or query that holds
  one names nothing here (404) or was not made by a page (400).
- Numbers in addresses (`/workshops/<id>`) are at most what the database's integers hold;
  a longer one names nothing (404) instead of overflowing the query.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, abort, request
from flask import Request as FlaskRequest
from werkzeug.routing import IntegerConverter

NUL = "\x00"
LARGEST_ID = 2**31 - 1  # PostgreSQL's integer; SQLite's is larger


class Request(FlaskRequest):
    """Flask's request, its form values without NUL characters."""

    def _load_form_data(self) -> None:
        super()._load_form_data()
        form = self.__dict__.get("form")
        if form is not None and any(NUL in k or NUL in v for k, v in form.items(multi=True)):
            self.__dict__["form"] = self.parameter_storage_class(
                (k.replace(NUL, ""), v.replace(NUL, "")) for k, v in form.items(multi=True)
            )


class DatabaseInteger(IntegerConverter):
    """`<int:...>` in a route: a whole number the database's integer columns can hold."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:  # noqa: A002 - Werkzeug's name
        kwargs.setdefault("max", LARGEST_ID)
        super().__init__(map, *args, **kwargs)


def refuse_nul_in_the_address(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Before any view's own look-ups of its address (a round's link, a workshop's code)."""
    if NUL in request.path:
        abort(404)


def refuse_what_no_page_sends() -> None:
    if any(NUL in k or NUL in v for k, v in request.args.items(multi=True)):
        abort(400, "The address holds a character that no page of this service sends.")
    if request.method != "POST" or request.mimetype != "multipart/form-data":
        return
    if request.files:
        abort(
            400,
            "The form sent a file, and no form here takes one: send the form from its page. "
            "Nothing was saved.",
        )


def init_app(app: Flask) -> None:
    app.request_class = Request
    # Before any route is added, so that every `<int:...>` is bounded.
    app.url_map.converters["int"] = DatabaseInteger
    # First of the app's checks: CSRF and the views would otherwise read the file part.
    app.url_value_preprocessors.setdefault(None, []).insert(0, refuse_nul_in_the_address)
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_what_no_page_sends)
