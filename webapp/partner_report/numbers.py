"""The report's figures for one partner and one quarter of the team's calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

import sqlalchemy as sa

from .. import clock
from ..extensions import db
from ..models import Lead, Partner, PlanningSession, User
from ..referrals import queries
from .quarters import Quarter


@dataclass(frozen=True)
class QuarterFigures:
    received: int  # referrals they sent us
    sent: int  # referrals we sent them
    closed: int  # of theirs, closed in the quarter (the ROI page's "closed")
    sessions_held: int
    leads: int  # names they gave us in planning sessions
    leads_followed_up: int  # of those, the ones we contacted (or further)


def quarter_figures(partner: Partner, quarter: Quarter, user: User) -> QuarterFigures:
    """The figures as `user` (the partner's agent, or a manager) sees them. The
    referral counts are `queries.roi` over the quarter: the ROI page's numbers."""
    team = partner.team
    [row] = queries.roi(
        user, team.commission_per_side, quarter.end, start=quarter.start, partner=partner
    ) or [None]
    # A session's start is the agent's wall time, a lead's creation a UTC stamp
    # seen in the team's zone: both belong to the quarter of their local day.
    first = datetime.combine(quarter.start, time())
    after = datetime.combine(quarter.end + timedelta(days=1), time())
    held = db.session.scalar(
        sa.select(sa.func.count()).where(
            PlanningSession.partner_id == partner.id,
            PlanningSession.status == "held",
            PlanningSession.starts_at >= first,
            PlanningSession.starts_at < after,
        )
    )
    zone = team.timezone
    followed_up = sa.case((Lead.status != "to_contact", 1), else_=0)
    leads, leads_followed_up = db.session.execute(
        sa.select(sa.func.count(), sa.func.sum(followed_up)).where(
            Lead.partner_id == partner.id,
            Lead.created_at >= clock.start_of_day_utc(quarter.start, zone),
            Lead.created_at < clock.start_of_day_utc(quarter.end + timedelta(days=1), zone),
        )
    ).one()
    return QuarterFigures(
        received=row.received if row else 0,
        sent=row.sent if row else 0,
        closed=row.closed if row else 0,
        sessions_held=held or 0,
        leads=leads or 0,
        leads_followed_up=int(leads_followed_up or 0),
    )
