"""Days as people mean them: a round "closes on 31 March" at the end of 31 March, local time.

Times are stored as naive UTC; these turn a calendar day in the partnership's time zone
into the UTC moments that start and end it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

CLOSING_TIME = time(23, 59)  # the last minute of the day, shown as 11:59pm


def _to_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def start_of_day(day: date, zone: str) -> datetime:
    return _to_utc(datetime.combine(day, time(0, 0), ZoneInfo(zone)))


def end_of_day(day: date, zone: str) -> datetime:
    return _to_utc(datetime.combine(day, CLOSING_TIME, ZoneInfo(zone)))


def local_date(moment: datetime, zone: str) -> date:
    return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(zone)).date()


def closing_after(opens_at: datetime, days: int, zone: str) -> datetime:
    """The end of the day `days` after the (local) day a round opens."""
    return end_of_day(local_date(opens_at, zone) + timedelta(days=days), zone)
