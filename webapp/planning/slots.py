"""Which slots an agent can offer: pure arithmetic on wall-clock times.

An agent keeps weekly windows (Fridays 13:00-16:00); a series is 12 weekly
sessions at the same local wall time. Its first session is in one of the four
booking weeks: the seven days that begin a week from today (the default, as
seed 003 books it), or one of the three weeks after. A booking week starts on
the weekday of today, not on a Monday, so that every week holds each window
once and the first never holds a day less than a week away. A slot is
offered only when none of its 12 occurrences overlaps a session already on
the agent's calendar. Times are naive and local to the
agent's time zone, so adding weeks keeps the wall time across a DST change.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

SERIES_LENGTH = 12
BOOKING_WEEKS = 4
WEEK = timedelta(days=7)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

_HOURS = re.compile(
    r"(?P<day>mon|tue|wed|thu|fri|sat|sun)[a-z]*\s+"
    r"(?P<start>\d{1,2}:\d{2})\s*[-–]\s*(?P<end>\d{1,2}:\d{2})",
    re.IGNORECASE,
)


@dataclass(frozen=True, order=True)
class Window:
    """One weekly window: a weekday (Monday is 0) and local start/end times."""

    weekday: int
    starts: time
    ends: time

    def __str__(self) -> str:
        return f"{WEEKDAY_NAMES[self.weekday]} {self.starts:%H:%M}–{self.ends:%H:%M}"


def parse_time(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def parse_hours(text: str | None) -> list[Window]:
    """'fri 13:00-16:00, tue 09:00-10:30' -> windows; anything unreadable is skipped."""
    windows = []
    for match in _HOURS.finditer(text or ""):
        try:
            window = Window(
                WEEKDAYS.index(match["day"][:3].lower()),
                parse_time(match["start"]),
                parse_time(match["end"]),
            )
        except ValueError:
            continue
        if window.starts < window.ends:
            windows.append(window)
    return sorted(windows)


def booking_weeks(today: date) -> list[date]:
    """The first days of the weeks a series may start in: a week from today, then three more."""
    return [today + timedelta(weeks=week) for week in range(1, BOOKING_WEEKS + 1)]


def booking_week_of(day: date, today: date) -> date | None:
    """The booking week that holds `day` (its first day), or None when none does."""
    return next((week for week in booking_weeks(today) if week <= day < week + WEEK), None)


def candidate_slots(windows: Iterable[Window], week: date, minutes: int) -> list[datetime]:
    """Every start time in the windows, in the seven days from `week`, stepping by the
    session length."""
    step = timedelta(minutes=minutes)
    starts: set[datetime] = set()
    for day in (week + timedelta(days=offset) for offset in range(7)):
        for window in windows:
            if window.weekday != day.weekday():
                continue
            start = datetime.combine(day, window.starts)
            end = datetime.combine(day, window.ends)
            while start + step <= end:
                starts.add(start)
                start += step
    return sorted(starts)


def occurrences(first: datetime, count: int = SERIES_LENGTH) -> list[datetime]:
    """The weekly occurrences of a series, at the same local wall time."""
    return [first + timedelta(weeks=week) for week in range(count)]


Busy = tuple[datetime, datetime]


def overlaps(start: datetime, minutes: int, busy: Iterable[Busy]) -> bool:
    end = start + timedelta(minutes=minutes)
    return any(busy_start < end and start < busy_end for busy_start, busy_end in busy)


def series_is_free(first: datetime, minutes: int, busy: list[Busy]) -> bool:
    """No occurrence of the series overlaps anything already booked."""
    return not any(overlaps(start, minutes, busy) for start in occurrences(first))


def free_slots(
    windows: Iterable[Window], week: date, minutes: int, busy: list[Busy]
) -> list[datetime]:
    """The slots to offer in the week from `week`: candidates whose 12 weeks are all free."""
    return [
        slot
        for slot in candidate_slots(windows, week, minutes)
        if series_is_free(slot, minutes, busy)
    ]
