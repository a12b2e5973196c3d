"""Templates: our own first, then the GOV.UK Frontend macros and WTForms widgets."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, current_app
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader


def local_time(value: datetime) -> datetime:
    """Stored times are naive UTC; people read them in the partnership's own time zone."""
    zone = ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])
    return value.replace(tzinfo=ZoneInfo("UTC")).astimezone(zone)


def long_date(value: datetime) -> str:
    return f"{local_time(value):%-d %B %Y}"


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


def fieldset(field: Any, size: str = "m", heading: bool = False) -> dict[str, Any]:
    """Fieldset params for a govuk-frontend-wtf widget, keeping the field's label as legend.

    Passing any `fieldset` param replaces the widget's default legend, so it is rebuilt here.
    """
    legend = {"text": field.label.text, "classes": f"govuk-fieldset__legend--{size}"}
    if heading:
        legend["isPageHeading"] = True
    return {"legend": legend}


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
    app.add_template_filter(date_and_time)
    app.add_template_global(fieldset)

    @app.context_processor
    def partnership() -> dict[str, Any]:
        return {"partnership_name": app.config["PARTNERSHIP_NAME"]}
