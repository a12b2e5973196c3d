"""Templates: our own first, then the GOV.UK Frontend macros and WTForms widgets."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, current_app, request, url_for
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from markupsafe import Markup

from . import figures
from .rounds.models import Round


def local_time(value: datetime) -> datetime:
    """Stored times are naive UTC; people read them in the partnership's own time zone."""
    zone = ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])
    return value.replace(tzinfo=ZoneInfo("UTC")).astimezone(zone)


def long_date(value: datetime | date) -> str:
    """'3 March 2027'. A time is read in the partnership's zone first; a date is a date."""
    if isinstance(value, datetime):
        value = local_time(value)
    return f"{value:%-d %B %Y}"


def date_and_time(value: datetime) -> str:
    """GOV.UK style: "11:59pm on 31 March 2027", "midday on ...", and a day that starts at
    midnight as just its date."""
    moment = local_time(value)
    day = f"{moment:%-d %B %Y}"
    if (moment.hour, moment.minute) == (0, 0):
        return day
    if (moment.hour, moment.minute) == (12, 0):
        return f"midday on {day}"
    hour = moment.strftime("%-I:%M%p").lower().replace(":00", "")
    return f"{hour} on {day}"


def fieldset(
    field: Any, size: str = "m", heading: bool = False, caption: str | None = None
) -> dict[str, Any]:
    """Fieldset params for a govuk-frontend-wtf widget, keeping the field's label as legend.

    Passing any `fieldset` param replaces the widget's default legend, so it is rebuilt here.
    A caption ("Statement 12 of 32", an agency's name) goes inside the legend, above the
    question, so a screen reader announces it with the question, and it never scrolls
    apart from it on a phone.
    """
    legend: dict[str, Any] = {"classes": f"govuk-fieldset__legend--{size}"}
    if caption:
        legend["html"] = Markup(
            '<span class="boundary-legend-caption">{}</span> <span>{}</span>'
        ).format(caption, field.label.text)
    else:
        legend["text"] = field.label.text
    if heading:
        legend["isPageHeading"] = True
    return {"legend": legend}


STATE_TAGS = {
    "scheduled": ("Not open yet", "govuk-tag--blue"),
    "open": ("Open", "govuk-tag--green"),
    "closed": ("Closed", "govuk-tag--grey"),
}


def status_tag(round_: Round) -> Markup:
    text, colour = STATE_TAGS[round_.state().value]
    return Markup('<strong class="govuk-tag {}">{}</strong>').format(colour, text)


def navigation() -> list[dict[str, Any]]:
    """The service navigation for a signed-in member of staff; nothing for respondents."""
    from .auth.access import ADMINS, FACILITATORS, REPORT_READERS, signed_in_user

    user = signed_in_user()
    if user is None:
        return []
    role = user.role_enum
    items = []
    if role in REPORT_READERS:
        items.append(("Results", "reports.rounds", "/reports"))
    if role in ADMINS:
        items += [
            ("Rounds", "manage.rounds", "/manage/rounds"),
            ("Accounts", "manage.users", "/manage/users"),
        ]
    if role in FACILITATORS and "workshops.sessions" in current_app.view_functions:
        items.append(("Workshops", "workshops.sessions", "/workshops"))
    items.append(("Your password", "auth.password", "/account"))
    return [
        {"text": text, "href": url_for(endpoint), "active": request.path.startswith(prefix)}
        for text, endpoint, prefix in items
    ]


def level_tag_class(name: str) -> str:
    """A maturity level's tag colour, from the charts' one colour scale for levels."""
    # Imported on use: only results pages show a level, and start-up stays lazy.
    from .reporting.charts.colours import level_tag_class as from_the_scale

    return from_the_scale(name)


def init_app(app: Flask) -> None:
    assert app.template_folder is not None
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(app.template_folder)),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    WTFormsHelpers(app)
    app.add_template_filter(long_date)
    # Every figure on a page or in a PDF is written by surveys/figures.py, as in the charts.
    app.add_template_filter(figures.fixed)
    app.add_template_filter(figures.signed)
    app.add_template_filter(figures.adjusted)
    app.add_template_filter(figures.percent)
    app.add_template_filter(date_and_time)
    app.add_template_global(fieldset)
    app.add_template_global(status_tag)
    app.add_template_global(level_tag_class)
    app.add_template_global(navigation)

    @app.context_processor
    def partnership() -> dict[str, Any]:
        return {"partnership_name": app.config["PARTNERSHIP_NAME"]}
