"""The morning email: each user's Today by email, at the user's own hour of the team's day.

The slots are the hours the team's subscribed users chose (07:00 by
default), so a team whose users all keep the default has one run a day. At
each slot the users of that hour whose weekday it is get `morning.compose`
of the day, through the outbox; the key `morning:<user id>:<day>` makes it
once a day whatever runs twice (a second worker, a user who moves their
hour later after the email went). No email when there is nothing to do, and
none stored while no mail server is configured. An email not sent within
12 hours is dropped by the outbox (`outbox.EXPIRES`): yesterday's morning is
of no use today.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from .. import outbox
from ..extensions import db
from ..models import Team, User
from ..morning import compose, due_recipients
from ..outbox import mail_configured
from .periodic import periodic


def chosen_hours(team: Team) -> list[int]:
    """The hours at which some active, subscribed user of the team who has signed in
    (has a password) wants the email."""
    return list(
        db.session.scalars(
            sa.select(User.morning_hour)
            .where(
                User.team_id == team.id,
                User.active.is_(True),
                User.password_hash.is_not(None),  # never signed in: not invited yet
                User.morning_email.is_(True),
            )
            .distinct()
        )
    )


@periodic("morning_email", at="00:00", hourly=True, hours=chosen_hours)
def morning_email(team: Team, when: datetime) -> str:
    """Queue the morning email of every user whose hour `when.hour` is.

    Without a mail server nothing is stored: the emails would wait in the
    outbox and, once mail is set up, weeks of old mornings would go out at once.
    """
    if not mail_configured():
        return "mail is not set up: nothing sent"
    day = when.date()
    users = [user for user in due_recipients(team, when) if user.morning_hour == when.hour]
    queued = idle = 0
    for user in users:
        message = compose(user, day)
        if message is None:
            idle += 1
        elif outbox.enqueue(message, key=f"morning:{user.id}:{day}"):
            queued += 1
    idle_text = f", {idle} with nothing to do" if idle else ""
    return f"{queued} morning emails queued{idle_text}"
