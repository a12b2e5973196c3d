"""Small helpers for WTForms with the GOV.UK widgets, shared by every form in Boundary."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterable
from typing import Any

from govuk_frontend_wtf.wtforms_widgets import GovDateInput, GovRadioInput
from markupsafe import Markup
from wtforms import DateField, Field, SelectChoice

from .languages import gettext


def choices(pairs: Iterable[tuple[str, str]]) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices (tuples are deprecated from WTForms 3.3)."""
    return [SelectChoice(value, label) for value, label in pairs]


class Radios(GovRadioInput):
    """GOV.UK radios that leave out the hint when there is none.

    The stock widget always passes a hint, so every statement got an empty hint element
    that screen readers were pointed at.
    """

    def map_gov_params(self, field: Field, **kwargs: Any) -> dict[str, Any]:
        params: dict[str, Any] = super().map_gov_params(field, **kwargs)
        if not (params.get("hint") or {}).get("text"):
            params.pop("hint", None)
        return params

    def render(self, params: dict[str, Any]) -> Markup:
        # The Design System's macros were most of a survey page's CPU (about 1 ms for each
        # question's radios), and what they draw depends on nothing but `params`: each
        # distinct question, with its answer and error, is drawn once per process.
        key = _hashable(params)
        with _DRAWN_LOCK:
            drawn = _DRAWN.get(key)
            if drawn is not None:
                _DRAWN.move_to_end(key)
                return drawn
        drawn = Markup(super().render(params))
        with _DRAWN_LOCK:
            _DRAWN[key] = drawn
            if len(_DRAWN) > DRAWN_LIMIT:
                _DRAWN.popitem(last=False)
        return drawn


DRAWN_LIMIT = 4096  # questions x answers x errors of every form, with room to spare
_DRAWN: OrderedDict[Hashable, Markup] = OrderedDict()
_DRAWN_LOCK = threading.Lock()


def forget_drawn() -> None:
    """Draw every question afresh (benchmarks/journey_load.py measures what that costs)."""
    with _DRAWN_LOCK:
        _DRAWN.clear()


def _hashable(value: Any) -> Hashable:
    """`value` as a key that tells apart everything the macros could draw differently,
    markup from plain text included."""
    if isinstance(value, dict):
        return ("dict", tuple(sorted((str(k), _hashable(v)) for k, v in value.items())))
    if isinstance(value, list | tuple):
        return ("list", tuple(_hashable(v) for v in value))
    return (type(value).__name__, repr(value))


class DateInput(GovDateInput):
    """The GOV.UK date input with its three boxes' labels through gettext: the stock widget
    writes "Day", "Month" and "Year" in English whatever the page's language."""

    def map_gov_params(self, field: Field, **kwargs: Any) -> dict[str, Any]:
        params: dict[str, Any] = super().map_gov_params(field, **kwargs)
        for item, label in zip(
            params["items"], (gettext("Day"), gettext("Month"), gettext("Year")), strict=True
        ):
            item["label"] = label
        return params


class GovDateField(DateField):
    """A date in three boxes (the GOV.UK date input), with a plain-English error.

    WTForms says "Not a valid date value." for 31 February; the Design System's pattern is
    "[whatever it is] must be a real date", said at the field.
    """

    data: Any  # like every WTForms field's: a date once the form has validated

    def __init__(self, label: str, what: str, **kwargs: Any) -> None:
        kwargs.setdefault("format", "%d %m %Y")
        kwargs.setdefault("widget", DateInput())
        super().__init__(label, **kwargs)
        self.what = what

    def process_formdata(self, valuelist: list[Any]) -> None:
        # The widget redraws exactly three boxes from raw_data, so a hand-made request with
        # more or fewer parts is padded (or cut) to three instead of crashing the page.
        self.raw_data = (list(valuelist) + ["", "", ""])[:3]
        if not any(str(value).strip() for value in valuelist):
            self.data = None  # empty: InputRequired or Optional decides
            return
        try:
            if len(valuelist) != 3:
                raise ValueError("not a day, a month and a year")
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(
                gettext("%(what)s must be a real date, for example 31 3 2027", what=self.what)
            ) from None
