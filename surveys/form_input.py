"""What a form may send, checked once for every form before any view reads it.

Boundary's forms are text, radios and checkboxes: none takes a file. A browser never sends
a text box as a file part, so a post that does was made by hand, and a field holding a file
would reach WTForms and the views as an object that is not text. It is refused here, for
every form at once, with the 400 page.
"""

from __future__ import annotations

from flask import Flask, abort, request


def refuse_file_parts() -> None:
    if request.method != "POST" or request.mimetype != "multipart/form-data":
        return
    if request.files:
        abort(
            400,
            "The form sent a file, and no form here takes one: send the form from its page. "
            "Nothing was saved.",
        )


def init_app(app: Flask) -> None:
    # First of the app's checks: CSRF and the views would otherwise read the file part.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_file_parts)
