"""Small helpers for WTForms with the GOV.UK widgets, shared by every form in Boundary."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput
from wtforms import Field, SelectChoice


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
