"""The morning email and notification: each user's Today, at their own hour of the team's day.

The slots are the hours the team's subscribed users chose (07:00 by
default), so a team whose users all keep the default has one run a day. At
each slot the users of that hour whose weekday it is get `morning.compose`
of the day, through the outbox; the key `morning:<user id>:<day>` makes it
once a day whatever runs twice (a second worker, a user who moves their
hour later after the email went). No email when there is nothing to do, and
none stored while no mail server is configured. An email not sent within
12 hours is dropped by the outbox (`outbox.EXPIRES`): yesterday's morning is
of no use today.

The morning notification (`morning_push`) is a job of its own, with its own
slots: the hours of the users who opted in to notifications on a device. It
says the email's count ("Today: 3 to do (1 overdue)"), once a day per device.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from .. import outbox
from ..extensions import db
from ..models import PushSubscription, Team, User
from ..morning import compose, due_recipients, gather, headline
from ..outbox import mail_configured
from ..push import notices
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


def pushed_hours(team: Team) -> list[int]:
    """The morning hours of the team's active, signed-in users who opted in to
    notifications on some device."""
    return list(
        db.session.scalars(sa.select(User.morning_hour).where(*_pushed_users(team)).distinct())
    )


def _pushed_users(team: Team) -> tuple[sa.ColumnElement[bool], ...]:
    has_device = sa.exists().where(PushSubscription.user_id == User.id)
    return (
        User.team_id == team.id,
        User.active.is_(True),
        User.password_hash.is_not(None),
        has_device,
    )


@periodic("morning_push", at="00:00", hourly=True, hours=pushed_hours)
def morning_push(team: Team, when: datetime) -> str:
    """The morning's count as a notification, at each user's morning hour on their
    days (those of the morning email, whether or not the email itself is on).

    The count is the email's (`morning.gather`); nothing is pushed when there is
    nothing to do. The key `morning:<user id>:<day>` makes it once a day per device.
    """
    day = when.date()
    users = db.session.scalars(
        sa.select(User)
        .where(*_pushed_users(team), User.morning_hour == when.hour)
        .order_by(User.id)
    )
    pushed = idle = 0
    for user in users:
        if day.weekday() not in (user.morning_days or ()):
            continue
        morning = gather(user, day)
        if not morning.anything:
            idle += 1
        elif notices.morning(user, day, f"Today: {headline(morning)}"):
            pushed += 1
    idle_text = f", {idle} with nothing to do" if idle else ""
    return f"{pushed} morning notifications queued{idle_text}"
