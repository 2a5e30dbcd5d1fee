"""The agenda: the planning sessions of this week and next, day by day.

A week runs Monday to Sunday in the time zone of the calendar shown: the
agent's own (`booking.agent_timezone`), or the team's for a manager's view of
everyone's. Sessions are kept as wall times of their agent's zone, so a
09:00 session stays at 09:00 across a daylight-saving change, and an agent
in another zone than the team's sees the times they booked.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from .. import clock
from ..access import audience, visible_to
from ..extensions import db
from ..models import Partner, PlanningSession, User
from . import booking

WEEK = timedelta(days=7)
TODAY_SIZE = 3  # the sessions Today shows: a glance, the agenda has the rest


@dataclass
class Entry:
    """One session as the agenda shows it: its place in its series, and the day off it meets."""

    session: PlanningSession
    number: int
    of: int
    holiday: str | None = None

    @property
    def zone(self) -> str:
        """The zone of its wall time: its agent's (named when not the page's)."""
        return booking.agent_timezone(self.session.user)


@dataclass
class Day:
    day: date
    entries: list[Entry] = field(default_factory=list)


@dataclass
class Week:
    title: str
    start: date
    days: list[Day]

    @property
    def end(self) -> date:
        return self.start + timedelta(days=6)

    @property
    def count(self) -> int:
        return sum(len(day.entries) for day in self.days)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def sessions_between(
    user: User, start: datetime, end: datetime, agent_id: int | None
) -> list[PlanningSession]:
    """The sessions the user may see from `start` to `end` (wall times): those on the
    calendar of `agent_id` (a session imported without an agent is its partner's
    owner's), or all of them when None."""
    query = (
        sa.select(PlanningSession)
        .join(Partner, Partner.id == PlanningSession.partner_id)
        .where(
            *visible_to(user.is_manager, include_archived=True),
            PlanningSession.starts_at >= start,
            PlanningSession.starts_at < end,
        )
        .order_by(PlanningSession.starts_at, PlanningSession.id)
        .options(so.contains_eager(PlanningSession.partner))
    )
    if agent_id is not None:
        query = query.where(sa.func.coalesce(PlanningSession.user_id, Partner.owner_id) == agent_id)
    return list(db.session.scalars(query, audience(user)).unique())


def places(sessions: list[PlanningSession]) -> dict[int, tuple[int, int]]:
    """{session id: (its number, its series' length)}, numbered as the session page
    numbers them (by where the series first put each occurrence)."""
    series = {s.series for s in sessions if s.series}
    members: dict[tuple[str, int], list[tuple]] = defaultdict(list)
    if series:
        rows = db.session.execute(
            sa.select(
                PlanningSession.id,
                PlanningSession.series,
                PlanningSession.partner_id,
                PlanningSession.original_starts_at,
                PlanningSession.starts_at,
            ).where(PlanningSession.series.in_(series))
        )
        for row in rows:
            order = (row.original_starts_at or row.starts_at, row.starts_at, row.id)
            members[row.series, row.partner_id].append((order, row.id))
    found = {}
    for group in members.values():
        for number, (_, session_id) in enumerate(sorted(group), 1):
            found[session_id] = (number, len(group))
    return {s.id: found.get(s.id, (1, 1)) for s in sessions}


def entries(user: User, sessions: list[PlanningSession]) -> list[Entry]:
    numbers = places(sessions)
    off = booking.team_holidays(user.team_id, sorted({s.starts_at.date() for s in sessions}))
    return [Entry(s, *numbers[s.id], off.get(s.starts_at.date())) for s in sessions]


def agenda_weeks(user: User, today: date, agent_id: int | None) -> list[Week]:
    """This week and next, each with the days that hold a session."""
    monday = monday_of(today)
    start = datetime.combine(monday, datetime.min.time())
    shown = entries(user, sessions_between(user, start, start + 2 * WEEK, agent_id))
    by_day: dict[date, list[Entry]] = defaultdict(list)
    for entry in shown:
        by_day[entry.session.starts_at.date()].append(entry)
    weeks = []
    for title, first in (("This week", monday), ("Next week", monday + WEEK)):
        days = [first + timedelta(days=n) for n in range(7)]
        weeks.append(Week(title, first, [Day(day, by_day[day]) for day in days if by_day[day]]))
    return weeks


def coming_up(user: User) -> tuple[date, list[Entry]]:
    """Today's glance: the user's first booked sessions of the rest of this week,
    today's included (and highlighted) even once their time has passed."""
    today = clock.today(booking.agent_timezone(user))
    start = datetime.combine(today, datetime.min.time())
    end = datetime.combine(monday_of(today) + WEEK, datetime.min.time())
    booked = [s for s in sessions_between(user, start, end, user.id) if s.status == "booked"]
    return today, entries(user, booked[:TODAY_SIZE])
