"""What one user's morning email says, and who is due one.

The items are the user's Today (`recommendations.queries.today_sections`),
overdue and due that day: the page and the email read the same function, so
they cannot drift.
Managers and admins also get the tier changes awaiting review and who is
slipping (the team overview's `slipping_partners`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import render_template

from .. import contact
from ..desk.overview import SlippingPartner, slipping_partners
from ..extensions import db
from ..links import absolute_url
from ..models import Recommendation, Team, User
from ..outbox import automated_message
from ..planning.slots import WEEKDAY_NAMES
from ..recommendations.links import rule_title
from ..recommendations.queries import today_sections
from .links import unsubscribe_url

# The email lists this many slipping partners; the team overview has them all.
SLIPPING_SHOWN = 10


@dataclass(frozen=True)
class Item:
    """One thing to do, as both parts of the email show it."""

    partner: str
    what: str
    reason: str
    due: date | None
    overdue: bool
    phone: str | None
    tel: str | None
    url: str


@dataclass
class Morning:
    """Everything one user's email says on one day."""

    user: User
    day: date
    overdue: list[Item]
    due_today: list[Item]
    tier_changes: list[Recommendation] = field(default_factory=list)  # managers only
    slipping: list[SlippingPartner] = field(default_factory=list)  # managers only
    owners: dict[int, str] = field(default_factory=dict)  # slipping partners' agents

    @property
    def to_do(self) -> int:
        return len(self.overdue) + len(self.due_today)

    @property
    def anything(self) -> bool:
        """Something to do or to decide. Slipping partners alone send no email:
        they are the backdrop of a manager's day, not news every morning."""
        return bool(self.to_do or self.tier_changes)


def schedule(user: User) -> str:
    """'on Monday, Tuesday, Friday from 07:00': when the user gets the email."""
    days = ", ".join(WEEKDAY_NAMES[day] for day in sorted(user.morning_days or ()))
    return f"on {days or 'no day'} from {user.morning_hour:02d}:00"


def wants_email_on(user: User, day: date) -> bool:
    """Active, signed in at least once, subscribed, and `day` is one of the user's
    chosen weekdays. Someone imported with a book who never chose a password has
    not been invited yet: no partner names and phones go to them."""
    return (
        user.active
        and user.password_hash is not None
        and user.morning_email
        and day.weekday() in (user.morning_days or ())
    )


def compose(user: User, day: date) -> EmailMessage | None:
    """The user's morning email for that day of the team, or None when there is
    nothing to send (nothing to do, or the user must get nothing)."""
    if not wants_email_on(user, day):
        return None
    morning = gather(user, day)
    if not morning.anything:
        return None
    return email_message(morning)


def due_recipients(team: Team, local_now: datetime) -> list[User]:
    """The team's active, subscribed users who have a password (have signed in), whose
    day `local_now` is and whose hour has come. `local_now` is the team's wall time
    (`clock.now(team.timezone)`); an aware instant is first seen in the team's zone."""
    if local_now.tzinfo is not None:
        local_now = local_now.astimezone(ZoneInfo(team.timezone)).replace(tzinfo=None)
    users = db.session.scalars(
        sa.select(User)
        .where(
            User.team_id == team.id,
            User.active.is_(True),
            User.password_hash.is_not(None),  # never signed in: not invited yet
            User.morning_email.is_(True),
            User.morning_hour <= local_now.hour,
        )
        .order_by(User.id)
    )
    # The days are a short list per user (JSON): read in Python, the same on
    # SQLite and PostgreSQL.
    return [user for user in users if local_now.weekday() in (user.morning_days or ())]


def gather(user: User, day: date) -> Morning:
    """What the user's Today holds on that day, and a manager's extras."""
    sections = today_sections(user, day, limit=None)
    morning = Morning(
        user,
        day,
        overdue=[item(rec, day) for rec in sections["overdue"].rows],
        due_today=[item(rec, day) for rec in sections["due_today"].rows],
    )
    if user.is_manager:
        morning.tier_changes = sections["tier_changes"].rows
        morning.slipping = slipping_partners(user.team_id, day)
        owner_ids = {partner.owner_id for partner in morning.slipping}
        morning.owners = dict(
            db.session.execute(sa.select(User.id, User.name).where(User.id.in_(owner_ids))).all()
        )
    return morning


def item(rec: Recommendation, day: date) -> Item:
    partner = rec.partner
    return Item(
        partner=partner.name,
        what=rule_title(rec.rule, rec.team_id),
        reason=rec.reason,
        due=rec.due,
        overdue=rec.due is not None and rec.due < day,
        phone=partner.phone,
        tel=contact.tel_url(partner.phone),
        url=absolute_url("partners.detail", partner_id=partner.id),
    )


def subject(morning: Morning) -> str:
    """'Today: 3 to do (1 overdue) — PartnerPlan', and the tier changes to review."""
    return f"Today: {headline(morning)} — PartnerPlan"


def headline(morning: Morning) -> str:
    """'3 to do (1 overdue), 2 tier changes to review': the email's subject and the
    morning notification say it the same way."""
    parts = []
    if morning.to_do or not morning.tier_changes:
        overdue = f" ({len(morning.overdue)} overdue)" if morning.overdue else ""
        parts.append(f"{morning.to_do} to do{overdue}")
    if morning.tier_changes:
        n = len(morning.tier_changes)
        parts.append(f"{n} tier change{'' if n == 1 else 's'} to review")
    return ", ".join(parts)


def email_message(morning: Morning) -> EmailMessage:
    """multipart/alternative: plain text first, HTML last (the one clients prefer),
    with the RFC 8058 one-click unsubscribe headers."""
    user = morning.user
    context = {
        "morning": morning,
        "subject": subject(morning),
        "today_url": absolute_url("home.today"),
        "reviews_url": absolute_url("desk.reviews"),
        "team_url": absolute_url("desk.team"),
        "preferences_url": absolute_url("morning.preferences"),
        "unsubscribe_url": unsubscribe_url(user),
        "slipping_shown": SLIPPING_SHOWN,
        "schedule": schedule(user),
        "display_zone": user.team.timezone,  # the reader's: rendered outside their request
    }
    message = automated_message(user.name, user.email, context["subject"])
    message["List-Unsubscribe"] = f"<{context['unsubscribe_url']}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(render_template("morning/email.txt", **context))
    message.add_alternative(render_template("morning/email.html", **context), subtype="html")
    return message
