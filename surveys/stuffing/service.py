"""Noticing ballot stuffing without keeping anything that could find a response.

Rounds: each online response adds one to its round's count for the ten-minute window it
arrived in, after the response is committed. Those counts live only in the rate limiter's
storage (memory, or Redis in production; surveys/limits.py) and expire there within a day:
never in the database, so no file or backup holds when anyone answered more precisely than
the response's own day (docs/anonymity.md, "Arrival counts"). A window is a burst when it
holds at least BURST_MIN_ARRIVALS and BURST_FACTOR times the round's usual count (the median
of the last day's windows that had any arrivals). With the limiter off there is no storage:
nothing is counted, and the round's page says burst detection is off.

Workshops watch their rooms the same way: surveys/workshops/stuffing.py.
"""

from __future__ import annotations

import logging
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app

from .. import limits
from ..database import db
from ..rounds.models import Round, utc_now

log = logging.getLogger(__name__)

WINDOW = timedelta(minutes=10)
SETTINGS = {
    "BURST_MIN_ARRIVALS": 20,  # fewer in ten minutes is never called a burst
    "BURST_FACTOR": 5,  # times the round's usual count in a window
    # One address giving at least this many answers to a question, and most of them, is
    # pointed out to the facilitator (a shared Wi-Fi does it too: the console says so).
    "ROOM_ADDRESS_NOTE_MIN": 5,
}
FIRST = "first"  # the room's first answers; a statement put again is "again-<item id>"
ROOM_COUNT_SECONDS = 2 * 24 * 60 * 60  # a workshop's counts outlive its day, then expire
# A round's arrival counts are kept a day at most: long enough to see a burst and what is
# usual around it, too short for any copy of the storage to say when last week's answers came.
ARRIVALS_KEPT = timedelta(hours=24)
ARRIVALS_KEPT_SECONDS = int(ARRIVALS_KEPT.total_seconds())


def config(name: str) -> int:
    value = current_app.config.get(name, SETTINGS[name])
    return int(value)


def window_start(moment: datetime) -> datetime:
    minutes = moment.minute - moment.minute % int(WINDOW.total_seconds() // 60)
    return moment.replace(minute=minutes, second=0, microsecond=0)


def watching() -> bool:
    """Whether arrivals are counted: only where the limiter has a storage to keep them in."""
    return bool(limits.limiter().enabled)


def arrivals_key(round_id: int, starts: datetime) -> str:
    return f"arrivals/round-{round_id}/{int(starts.replace(tzinfo=UTC).timestamp())}"


def count_arrival(round_id: int, now: datetime | None = None) -> None:
    """One more response reached the round in this window: a count in the limiter's storage,
    expiring within a day, nothing else. Storage errors are logged and swallowed there."""
    if watching():
        limits.count(arrivals_key(round_id, window_start(now or utc_now())), ARRIVALS_KEPT_SECONDS)


def count_after_commit(event: str, counting: Callable[[], None]) -> None:
    """Run a count that follows a committed answer or join, never letting it fail the page:
    the person's answers are stored, and a count missed is a lesser harm than telling them
    it failed. Logged by event and error type only, never with the request's content."""
    try:
        counting()
    except Exception as error:  # noqa: BLE001 - whatever broke, the confirmation stands
        db.session.rollback()
        log.warning(
            "A count after commit failed (%s); not counted",
            type(error).__name__,
            extra={"event": event},
        )


@dataclass(frozen=True)
class Burst:
    starts_at: datetime  # UTC
    ends_at: datetime
    arrivals: int
    usual: float  # the median count of the last day's windows that had any arrivals


def last_day_windows(round_id: int, now: datetime | None = None) -> list[tuple[datetime, int]]:
    """The round's windows of the last day that had arrivals, newest first: what the storage
    still holds (a window's count expires a day after its first arrival)."""
    newest = window_start(now or utc_now())
    starts = [newest - WINDOW * back for back in range(int(ARRIVALS_KEPT / WINDOW))]
    counts = limits.counters([arrivals_key(round_id, start) for start in starts])
    return [(start, arrivals) for start, arrivals in zip(starts, counts, strict=True) if arrivals]


def bursts(round_: Round, now: datetime | None = None) -> list[Burst]:
    """The last day's windows that look like stuffing, newest first."""
    if not watching():
        return []
    windows = last_day_windows(round_.id, now)
    if not windows:
        return []
    usual = statistics.median(arrivals for _starts, arrivals in windows)
    threshold = max(config("BURST_MIN_ARRIVALS"), config("BURST_FACTOR") * usual)
    return [
        Burst(starts, starts + WINDOW, arrivals, usual)
        for starts, arrivals in windows
        if arrivals >= threshold
    ]
