"""A service's refusal of what it was asked, and the form question it is about.

The services (rounds, accounts, workshops, invitation codes) check what no form can, and
refuse with a message that says what to change. The error also names the part of the request
it is about, so a form shows it at that question: never chosen by matching words in the
message, which broke silently when the wording changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class Refused(ValueError):
    """What was asked cannot be done; the message says what to change, `field` about what
    (None: about the request as a whole, as for a workshop console's buttons)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def show_at_question(
    form: Any, refusal: Refused, otherwise: str, names: Mapping[str, str] | None = None
) -> None:
    """Put the refusal's message at the form's question about its field, where `names` maps
    a service's field to the form's where they differ; at `otherwise` if the form does not
    ask it (a round's headcounts have their own page)."""
    name = (names or {}).get(refusal.field or "", refusal.field or "")
    question = form[name] if name in form else form[otherwise]
    question.errors = [*question.errors, str(refusal)]
