"""The language of the pages respondents and workshop rooms see, through Flask-Babel.

Every string a respondent or a workshop participant reads is marked for translation:
`{{ _("...") }}` in templates, `gettext` / `lazy_gettext` from here in Python. English is
the source language, so nothing changes until a catalogue is compiled for another one;
a Welsh catalogue (surveys/translations/cy/LC_MESSAGES/messages.po) can then follow
without touching a template. README, "Welsh and other languages", has the pybabel commands.
The questionnaire's own wording comes from its TOML file, not from here: a Welsh edition
is a Welsh TOML.

Flask-Babel is set up on the app, and a catalogue read, on the first string a page
translates, not at start-up: a command-line command that renders nothing does neither.
(Flask-WTF itself imports the flask_babel module whenever it is installed, for WTForms'
own messages, so that import is paid by every command: benchmarks/babel_startup.py
measures it beside the same commands without it.)
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app, g, has_app_context

if TYPE_CHECKING:
    from babel.support import NullTranslations

TRANSLATIONS = Path(__file__).parent / "translations"
DOMAIN = "messages"
SETTINGS: dict[str, Any] = {
    "BABEL_DEFAULT_LOCALE": "en_GB",
    "BABEL_TRANSLATION_DIRECTORIES": str(TRANSLATIONS),
}
_setting_up = threading.Lock()
_KEPT = "_boundary_translations"  # this request's catalogue, in g


def _translations() -> NullTranslations:
    """This request's catalogue, setting Flask-Babel up on the app the first time.

    Kept in `g` once found: a survey page translates 20 or so strings, and asking
    Flask-Babel each time (the locale, then its cache) was about a tenth of a page's CPU.
    The locale is the app's (BABEL_DEFAULT_LOCALE), so it cannot change within a request."""
    kept: NullTranslations | None = g.get(_KEPT)
    if kept is not None:
        return kept
    from flask_babel import Babel, get_translations

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if "babel" not in app.extensions:
        with _setting_up:
            if "babel" not in app.extensions:
                # The jinja side is set up at start (init_app), lazily, so Babel leaves it.
                Babel(app, configure_jinja=False)
    translations: NullTranslations = get_translations()
    setattr(g, _KEPT, translations)
    return translations


def _interpolate(text: str, variables: dict[str, Any]) -> str:
    return text % variables if variables else text


def gettext(string: str, **variables: Any) -> str:
    """`string` in the page's language; %(name)s placeholders filled from `variables`."""
    if not has_app_context():  # a form built outside a request (the CLI): the source text
        return _interpolate(string, variables)
    return _interpolate(_translations().ugettext(string), variables)


def ngettext(singular: str, plural: str, number: int, **variables: Any) -> str:
    variables.setdefault("num", number)
    if not has_app_context():
        return _interpolate(singular if number == 1 else plural, variables)
    return _interpolate(_translations().ungettext(singular, plural, number), variables)


class LazyText:
    """A string translated when it is shown, not when it is defined: for form fields made
    once at import, whose label and messages must follow each request's language."""

    __slots__ = ("string", "variables")

    def __init__(self, string: str, **variables: Any) -> None:
        self.string = string
        self.variables = variables

    def __str__(self) -> str:
        return gettext(self.string, **self.variables)

    def __html__(self) -> str:
        from markupsafe import escape

        return str(escape(str(self)))

    def __eq__(self, other: object) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))

    def __len__(self) -> int:
        return len(str(self))

    def __add__(self, other: str) -> str:
        return str(self) + other

    def __radd__(self, other: str) -> str:
        return other + str(self)

    def __mod__(self, other: Any) -> str:
        return str(str(self) % other)

    def __getattr__(self, name: str) -> Any:
        # Anything else a str can do (.strip(), .format(), ...), on the translated text.
        return getattr(str(self), name)

    def __repr__(self) -> str:
        return f"LazyText({self.string!r})"


def lazy_gettext(string: str, **variables: Any) -> str:
    """Like gettext, translated each time it is shown. Typed as str: it stands in for one."""
    text: Any = LazyText(string, **variables)
    shown: str = text
    return shown


def page_language() -> str:
    """The page's `lang` attribute: 'en' for en_GB, 'cy' for cy."""
    return str(current_app.config["BABEL_DEFAULT_LOCALE"]).replace("-", "_").split("_")[0]


def document_language() -> str:
    """A PDF's language tag (BCP 47): 'en-GB' for en_GB, 'cy' for cy. Screen readers choose
    their voice by it, so it follows the catalogue the document was written from."""
    return str(current_app.config["BABEL_DEFAULT_LOCALE"]).replace("_", "-")


def catalogue_edition() -> str:
    """The page language and a digest of its compiled catalogue: a stored document (the
    workshop report) keyed by this is made again when either changes, and never served in
    the language, or the wording, it was first written in."""
    locale = str(current_app.config["BABEL_DEFAULT_LOCALE"])
    digest = hashlib.sha256(locale.encode())
    for folder in str(current_app.config["BABEL_TRANSLATION_DIRECTORIES"]).split(";"):
        compiled = Path(folder) / locale / "LC_MESSAGES" / f"{DOMAIN}.mo"
        if compiled.is_file():
            digest.update(compiled.read_bytes())
    return f"{locale}-{digest.hexdigest()[:10]}"


def init_app(app: Flask) -> None:
    for name, value in SETTINGS.items():
        app.config.setdefault(name, value)
    app.jinja_env.add_extension("jinja2.ext.i18n")
    # newstyle: `_("Hello %(name)s", name=x)` escapes x, and a missing variable is an error.
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        lambda string: _translations().ugettext(string),
        lambda singular, plural, n: _translations().ungettext(singular, plural, n),
        newstyle=True,
    )
    app.add_template_global(page_language)
    app.add_template_global(document_language)
