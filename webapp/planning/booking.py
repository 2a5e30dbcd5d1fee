"""Planning sessions in the database: lookups scoped to the user, booking, moving.

Every query goes through `visible_partners`, so an agent reaches only the
sessions and leads of their own partners, a manager those of the team.
Double booking is refused twice: the offered slots leave out everything
already booked, and a unique index on (agent, start) of active sessions
catches two bookings that race past that check.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import abort
from sqlalchemy.exc import IntegrityError

from .. import clock
from ..access import visible_partners
from ..extensions import db
from ..idempotency import create_once, made_before
from ..models import (
    Holiday,
    Lead,
    Partner,
    PlanningSession,
    PlanningWindow,
    User,
    record_audit,
)
from ..timefmt import format_date, format_datetime
from ..webhooks import events
from . import slots as slot_math

ACTIVE = PlanningSession.status != "cancelled"


class SlotTaken(Exception):
    """The requested time collides with a session already on the agent's calendar."""


def agent_timezone(agent: User) -> str:
    return agent.timezone or agent.team.timezone


def agent_windows(agent: User) -> list[slot_math.Window]:
    """The agent's own weekly windows, or the team's planning hours when none."""
    rows = db.session.scalars(
        sa.select(PlanningWindow).where(PlanningWindow.user_id == agent.id)
    ).all()
    if not rows:
        return slot_math.parse_hours(agent.team.planning_hours)
    return sorted(
        slot_math.Window(
            row.weekday, slot_math.parse_time(row.starts), slot_math.parse_time(row.ends)
        )
        for row in rows
    )


def busy_times(agent: User, *, since: datetime, exclude_id: int | None = None) -> list:
    """(start, end) of the agent's active sessions with any partner, from `since` on."""
    query = sa.select(PlanningSession).where(
        PlanningSession.user_id == agent.id,
        ACTIVE,
        PlanningSession.starts_at >= since - timedelta(days=1),
    )
    if exclude_id is not None:
        query = query.where(PlanningSession.id != exclude_id)
    return [(s.starts_at, s.ends_at) for s in db.session.scalars(query)]


def agent_today(agent: User) -> date:
    return clock.today(agent_timezone(agent))


def booking_weeks(agent: User) -> list[date]:
    """The first days of the four weeks the agent's next series may start in."""
    return slot_math.booking_weeks(agent_today(agent))


def offered_slots(agent: User, week: date) -> list[datetime]:
    """Free first-session times in the booking week that starts on `week`."""
    since = datetime.combine(agent_today(agent), datetime.min.time())
    return slot_math.free_slots(
        agent_windows(agent), week, agent.session_minutes, busy_times(agent, since=since)
    )


def window_starts(agent: User) -> list[datetime]:
    """Every start time of the agent's windows in the four booking weeks, free or taken:
    anything else (a past day, 03:17, a week further on) was never offered."""
    windows = agent_windows(agent)
    return [
        start
        for week in booking_weeks(agent)
        for start in slot_math.candidate_slots(windows, week, agent.session_minutes)
    ]


def team_holidays(team_id: int, days: list[date]) -> dict[date, str]:
    """The team's days off among `days`: {day: name}."""
    if not days:
        return {}
    rows = db.session.execute(
        sa.select(Holiday.day, Holiday.name).where(
            Holiday.team_id == team_id, Holiday.day.between(min(days), max(days))
        )
    )
    return {day: name for day, name in rows if day in days}


@dataclass(frozen=True)
class HolidayClash:
    """One occurrence of a series that falls on a team day off."""

    number: int  # 1 to 12
    starts_at: datetime
    holiday: str

    def __str__(self) -> str:
        return (
            f"Session {self.number} on {format_date(self.starts_at, style='long')} "
            f"falls on {self.holiday} (team day off)"
        )


def holiday_clashes(team_id: int, first: datetime) -> list[HolidayClash]:
    """The occurrences of a series from `first` that fall on the team's days off."""
    starts = slot_math.occurrences(first)
    off = team_holidays(team_id, [start.date() for start in starts])
    return [
        HolidayClash(number, start, off[start.date()])
        for number, start in enumerate(starts, 1)
        if start.date() in off
    ]


def book_series(
    partner: Partner,
    first: datetime,
    user: User,
    key: str | None = None,
    leave_out: frozenset[date] = frozenset(),
) -> tuple[list[PlanningSession], bool]:
    """Book 12 weekly sessions for the partner's agent: (the sessions, True);
    or raise SlotTaken. The booking sent again with its `key` books nothing:
    (the series it booked, False). The key is kept on the first session.
    The occurrences on the days of `leave_out` (team days off) are booked
    cancelled: the invitation leaves them out, and one can be booked again.

    `first` is one of the agent's window starts in a booking week (the view
    checked it); it must also be free now. The unique index settles a race
    with a booking that committed after that check, and one with the same
    booking sent twice at once.
    """
    agent = partner.owner
    series = uuid.uuid4().hex
    sessions = [
        PlanningSession(
            partner_id=partner.id,
            user_id=agent.id,
            series=series,
            starts_at=start,
            original_starts_at=start,
            minutes=agent.session_minutes,
            status="cancelled" if start.date() in leave_out else "booked",
            answers={},
        )
        for start in slot_math.occurrences(first)
    ]
    week = slot_math.booking_week_of(first.date(), agent_today(agent))
    if week is None or first not in offered_slots(agent, week):
        # Sent again, the booking finds its slot taken by the series it booked.
        if earlier := made_before(sessions[0], key):
            return series_sessions(earlier), False
        raise SlotTaken
    db.session.add_all(sessions)
    record_audit(
        partner.team_id,
        user,
        "planning_series",
        f"Booked 12 weekly planning sessions with {partner.name} from "
        f"{format_datetime(first)} ({agent_timezone(agent)})",
        partner=partner,
        after={
            "series": series,
            "first": first.isoformat(),
            "minutes": agent.session_minutes,
            "left_out": sorted(day.isoformat() for day in leave_out),
        },
    )
    try:
        booked, created = create_once(sessions[0], key)
    except IntegrityError:
        raise SlotTaken from None
    if not created:
        return series_sessions(booked), False
    events.planning_session_booked(sessions, partner.team_id)
    return sessions, True


def record_commitment(partner: Partner, user: User, today: date, first_referral_by: date) -> None:
    """'Partner committed' today, first referral by a date; kept in the audit trail."""
    before = {
        "commitment_made_on": str(partner.commitment_made_on or ""),
        "first_referral_by": str(partner.first_referral_by or ""),
    }
    partner.commitment_made_on, partner.first_referral_by = today, first_referral_by
    record_audit(
        partner.team_id,
        user,
        "commitment",
        f"{partner.name} committed: first referral by {format_date(first_referral_by)}",
        partner=partner,
        before=before,
        after={"commitment_made_on": str(today), "first_referral_by": str(first_referral_by)},
    )
    db.session.commit()


def session_agent(session: PlanningSession) -> User:
    """The agent whose calendar holds the session (imported ones may name nobody)."""
    return session.user or session.partner.owner


def move_session(session: PlanningSession, starts_at: datetime) -> None:
    """Move one occurrence to a new local time, or raise SlotTaken."""
    agent = session_agent(session)
    session.user_id = agent.id
    busy = busy_times(agent, since=starts_at, exclude_id=session.id)
    if slot_math.overlaps(starts_at, session.minutes, busy):
        raise SlotTaken
    session.starts_at = starts_at
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise SlotTaken from None


def set_status(session: PlanningSession, status: str) -> None:
    """Change the status; bringing a cancelled session back may meet a taken slot."""
    if session.status == "cancelled" and status != "cancelled":
        busy = busy_times(session_agent(session), since=session.starts_at, exclude_id=session.id)
        if slot_math.overlaps(session.starts_at, session.minutes, busy):
            raise SlotTaken
    session.status = status
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise SlotTaken from None


def visible_sessions(user: User) -> sa.Select:
    partners = visible_partners(user, include_archived=True).subquery()
    return sa.select(PlanningSession).join(partners, PlanningSession.partner_id == partners.c.id)


def get_session(
    planning_session_id: int, user: User, *, for_update: bool = False
) -> PlanningSession:
    """The session, if its partner is visible to the user; 404 otherwise."""
    query = visible_sessions(user).where(PlanningSession.id == planning_session_id)
    if for_update:
        query = query.with_for_update(of=PlanningSession)
    session = db.session.scalar(query)
    if session is None:
        abort(404)
    return session


def partner_sessions(partner: Partner) -> list[PlanningSession]:
    return list(
        db.session.scalars(
            sa.select(PlanningSession)
            .where(PlanningSession.partner_id == partner.id)
            .order_by(PlanningSession.starts_at)
        )
    )


def series_sessions(session: PlanningSession) -> list[PlanningSession]:
    """Every occurrence of the session's series (or the session alone)."""
    if not session.series:
        return [session]
    return list(
        db.session.scalars(
            sa.select(PlanningSession)
            .where(
                PlanningSession.series == session.series,
                PlanningSession.partner_id == session.partner_id,
            )
            .order_by(PlanningSession.original_starts_at, PlanningSession.starts_at)
        )
    )


def agent_feed_sessions(agent: User) -> list[PlanningSession]:
    return list(
        db.session.scalars(
            sa.select(PlanningSession)
            .where(PlanningSession.user_id == agent.id, ACTIVE)
            .order_by(PlanningSession.starts_at)
        )
    )


def visible_leads(user: User) -> sa.Select:
    partners = visible_partners(user, include_archived=True).subquery()
    return sa.select(Lead).join(partners, Lead.partner_id == partners.c.id)


def get_lead(lead_id: int, user: User) -> Lead:
    lead = db.session.scalar(visible_leads(user).where(Lead.id == lead_id))
    if lead is None:
        abort(404)
    return lead


def partner_leads(partner: Partner) -> list[Lead]:
    return list(
        db.session.scalars(
            sa.select(Lead).where(Lead.partner_id == partner.id).order_by(Lead.created_at, Lead.id)
        )
    )


def save_answers(session: PlanningSession, form, posted: list[str]) -> None:
    """Keep the answers of the questions `posted` (the valid AnswersForm's); the
    others stay. The session page and the API both save here."""
    session.answers = {**(session.answers or {}), **{k: form[k].data or "" for k in posted}}
    db.session.commit()


def add_lead(session: PlanningSession, form) -> tuple[Lead, bool]:
    """'Add as lead' from the valid LeadForm: the lead, once per key (False: the
    key added it before). The session page and the API both add here."""
    lead = Lead(
        partner_id=session.partner_id,
        planning_session_id=session.id,
        owner_id=session.partner.owner_id,
        name=form.name.data,
        contact=form.contact.data or None,
        question=form.question.data,
    )
    return create_once(lead, form.idempotency_key.data)
