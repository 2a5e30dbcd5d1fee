"""What time it is: the one place that reads the clock.

Every "now" and "today" in PartnerPlan comes from here. A team's day is its
own time zone's (recommendations, jobs, displayed dates); an agent's planning
windows are in the agent's own zone (`planning.booking.agent_timezone`).

Bookkeeping stamps (created_at, decided_at, the audit trail) are `Stamp`s:
naive UTC, marked as such by their type, from `utcnow()` and from the
database (`extensions.UTCStamp`). Nothing shows one as it is: the formatter
(`webapp/timefmt.py`) converts it to the zone it is shown in. Days and times
people enter (an interaction's time, a planning session's start) are plain
naive wall values, already local.

PARTNERPLAN_NOW freezes the clock (demos, tests, the year simulation):
- with an offset (`2027-03-14T09:00-04:00`, `...Z`) it is one instant, seen
  by each team in its own zone;
- without one (`2026-11-20T09:00`, or a day alone, read as 09:00) it is that
  wall time in every zone, and that wall time in UTC for bookkeeping stamps.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context


class Stamp(datetime):
    """A bookkeeping instant: naive UTC. Arithmetic keeps the type (a stamp plus a
    day is still UTC); `local` turns it into a plain wall time of a zone."""

    __slots__ = ()

    @classmethod
    def of(cls, value: datetime) -> Stamp:
        """The naive UTC `value` as a Stamp (an aware one is first turned to UTC)."""
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return cls.combine(value.date(), value.time())


def _wall(value: datetime) -> datetime:
    """A plain naive datetime: the wall time `value` reads, no longer a Stamp."""
    return datetime.combine(value.date(), value.time().replace(tzinfo=None))


def _frozen() -> datetime | None:
    value = current_app.config.get("PARTNERPLAN_NOW") if has_app_context() else None
    if not value:
        return None
    frozen = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if len(str(value)) <= 10:  # a day alone
        frozen = frozen.replace(hour=9)
    return frozen.replace(microsecond=0)


def now(timezone: str) -> datetime:
    """Naive wall time in `timezone`."""
    frozen = _frozen()
    if frozen is None:
        return datetime.now(ZoneInfo(timezone)).replace(tzinfo=None, microsecond=0)
    if frozen.tzinfo is None:
        return frozen
    return frozen.astimezone(ZoneInfo(timezone)).replace(tzinfo=None)


def today(timezone: str) -> date:
    """The day it is in `timezone`: for a team, `today(team.timezone)`."""
    return now(timezone).date()


def utcnow() -> Stamp:
    """Naive UTC, for bookkeeping stamps (created_at, decided_at, audit)."""
    frozen = _frozen()
    return Stamp.of(datetime.now(UTC) if frozen is None else frozen)


def local(stamp: datetime, timezone: str) -> datetime:
    """A bookkeeping stamp (naive UTC) as naive wall time in `timezone` (a plain
    datetime, not a Stamp)."""
    return _wall(stamp.replace(tzinfo=UTC).astimezone(ZoneInfo(timezone)))


def stamp(wall: datetime, timezone: str) -> Stamp:
    """The bookkeeping stamp of a wall time in `timezone` (the reverse of `local`; in the
    hour a fall-back repeats, the first of the two)."""
    return Stamp.of(wall.replace(tzinfo=ZoneInfo(timezone)))


def start_of_day_utc(day: date, timezone: str) -> datetime:
    """The bookkeeping stamp (naive UTC) at which `day` starts in `timezone`."""
    start = datetime.combine(day, datetime.min.time(), tzinfo=ZoneInfo(timezone))
    return Stamp.of(start)
