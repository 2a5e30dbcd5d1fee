"""The quarterly partner report: emailed, with its PDF, to every partner who agreed.

Runs every morning at 08:00 team time but sends only in the first days of a
quarter (the team's calendar), the report of the quarter just ended. The
outbox key `partner-report:<partner id>:<quarter>` makes it one email per
partner and quarter whatever runs twice; checking the keys first spares the
PDF of those already queued. A day or two of a stopped worker is caught up
by the next morning's run. Nothing is stored while no mail server is set.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from .. import outbox
from ..extensions import db
from ..models import OutboxEmail, Partner, Team, User
from ..outbox import mail_configured
from ..partner_report.message import compose, may_send, outbox_key
from ..partner_report.quarters import Quarter
from .periodic import periodic

# How many days into a quarter the last one's report may still go.
SENDING_DAYS = 14


@periodic("partner_report", at="08:00")
def partner_report(team: Team, when: datetime) -> str:
    """Queue the report of the quarter just ended to each partner who agreed."""
    day = when.date()
    quarter = Quarter.of(day)
    if (day - quarter.start).days >= SENDING_DAYS:
        return "not the start of a quarter: nothing to send"
    if not mail_configured():
        return "mail is not set up: nothing sent"
    ended = quarter.previous()
    partners = list(
        db.session.scalars(
            sa.select(Partner)
            .join(User, User.id == Partner.owner_id)
            .where(
                Partner.team_id == team.id,
                User.active.is_(True),  # see may_send
                Partner.sends_quarterly_report.is_(True),
                Partner.archived_at.is_(None),
                Partner.do_not_contact.is_(False),
                Partner.email.is_not(None),
            )
            .order_by(Partner.id)
        )
    )
    keys = {outbox_key(partner, ended): partner for partner in partners}
    queued_before = set(
        db.session.scalars(sa.select(OutboxEmail.key).where(OutboxEmail.key.in_(keys)))
    )
    queued = 0
    for key, partner in keys.items():
        if key in queued_before or not may_send(partner):
            continue
        if outbox.enqueue(compose(partner, ended), key=key):
            queued += 1
    return f"{queued} partner reports for {ended.key} queued"
