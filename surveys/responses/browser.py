"""What a respondent's browser session remembers about a round, and for how long.

The session cookie ends when the browser closes and holds, per round: the resume code of
the draft being answered, the agency chosen by an agency link, and whether answers have
been sent from this browser. None of it is stored with the answers.

On a shared computer the next person must not walk into someone else's draft, so the
link to a draft is dropped when its owner saves to come back later (they now have the
code), when answers are sent, and after an hour without activity. Dropping it after an
hour is never silent: the page warns a couple of minutes before and offers to stay (a real
request that counts as activity), and the first page after the limit says what was cleared
(WCAG 2.2.1, Timing adjustable). The draft itself stays on the server under its code, so
answers saved with a resume code can still be carried on; others go with the drafts that
DRAFT_RETENTION_DAYS clears.
"""

from __future__ import annotations

import time
from typing import Any

from flask import session

IDLE_LIMIT_SECONDS = 60 * 60
WARNING_SECONDS = 2 * 60  # how long before the limit the page warns (GOV.UK timeout warning)
REFRESH_SECONDS = 60  # activity is written to the cookie at most once a minute


def now() -> float:
    return time.time()


def _state(token: str) -> dict[str, Any]:
    rounds: dict[str, dict[str, Any]] = session.get("rounds", {})
    return dict(rounds.get(token, {}))


def _store(token: str, state: dict[str, Any]) -> None:
    rounds = dict(session.get("rounds", {}))
    if state:
        rounds[token] = state
    else:
        rounds.pop(token, None)
    session["rounds"] = rounds


def _idle(state: dict[str, Any]) -> float:
    seen: float = state.get("seen", 0)
    return now() - seen


def expire_idle_draft(token: str) -> str | None:
    """Drop the link to a draft left idle past the limit; returns its code, just this once.

    The caller tells the respondent what was cleared; later pages start afresh.
    """
    state = _state(token)
    code: str | None = state.get("code")
    if code is None or _idle(state) <= IDLE_LIMIT_SECONDS:
        return None
    forget_draft(token)
    return code


def code_held(token: str) -> str | None:
    """The resume code this browser holds for the round, idle or not, changing nothing:
    for reading the draft early. `draft_code` and `expire_idle_draft` decide whether it
    is still to be used."""
    code: str | None = _state(token).get("code")
    return code


def draft_code(token: str) -> str | None:
    state = _state(token)
    code: str | None = state.get("code")
    if code is None:
        return None
    if _idle(state) > IDLE_LIMIT_SECONDS:
        forget_draft(token)
        return None
    if _idle(state) > REFRESH_SECONDS:
        still_here(token)
    return code


def still_here(token: str) -> bool:
    """Activity (a page, or the warning's button): the idle limit counts from now.

    False when there is no draft to keep, or it is already past the limit: too late to
    extend, it is cleared on the next page, which says so.
    """
    state = _state(token)
    if "code" not in state or _idle(state) > IDLE_LIMIT_SECONDS:
        return False
    state["seen"] = int(now())
    _store(token, state)
    return True


def seconds_left(token: str) -> int | None:
    """How long this browser keeps the draft without activity; None when there is none."""
    state = _state(token)
    if "code" not in state:
        return None
    return max(0, int(IDLE_LIMIT_SECONDS - _idle(state)))


def keep_draft(token: str, code: str) -> None:
    state = _state(token)
    state.update(code=code, seen=int(now()))
    state.pop("sent", None)
    _store(token, state)


def forget_draft(token: str) -> None:
    state = _state(token)
    state.pop("code", None)
    state.pop("seen", None)
    _store(token, state)


def saved_for_later(token: str, code: str) -> None:
    """The owner is leaving with their code: show it once, then forget the draft here."""
    state = _state(token)
    state.pop("code", None)
    state.pop("seen", None)
    state["saved"] = code
    _store(token, state)


def code_just_saved(token: str) -> str | None:
    state = _state(token)
    code: str | None = state.pop("saved", None)
    _store(token, state)
    return code


def mark_sent(token: str) -> None:
    state = _state(token)
    state.pop("code", None)
    state.pop("seen", None)
    state["sent"] = True
    _store(token, state)


def has_sent(token: str) -> bool:
    return bool(_state(token).get("sent"))


def start_afresh(token: str) -> None:
    """For the next person at this browser: forget everything about this round."""
    _store(token, {})


def preselect_agency(token: str, agency_id: str) -> None:
    state = _state(token)
    state["agency"] = agency_id
    _store(token, state)


def preselected_agency(token: str) -> str | None:
    agency: str | None = _state(token).get("agency")
    return agency
