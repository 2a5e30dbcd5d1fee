"""The partner book: teams, users, partners and everything logged about them.

Dates are dates, the team's. Bookkeeping stamps (`*_at` but an interaction's
`at` and a session's start) are naive UTC, read back as `clock.Stamp`
(`extensions.UTCStamp`, every `Mapped[datetime]` by default); times people
enter are `WallTime`, naive and local: the team's, or the agent's for a
planning session (BOOK_FORMAT.md).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_login import UserMixin
from werkzeug.security import generate_password_hash

from rules.vocabulary import LIVE_CONTACT_KINDS, PERSONAL_DETAILS

from . import clock
from .extensions import db

utcnow = clock.utcnow  # bookkeeping stamps follow the one clock (frozen in tests)


Money = sa.Numeric(12, 2)
# A wall time as entered, already local (no conversion when shown): a plain DATETIME.
WallTime = sa.DateTime()
WORKDAYS = (0, 1, 2, 3, 4)  # Monday to Friday: the morning email's days unless chosen
DEFAULT_TIMEZONE = "America/New_York"  # a team's, until it chooses its own
DEFAULT_CURRENCY = "USD"  # a team's, until it chooses its own


class Team(db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200), unique=True)
    commission_per_side: so.Mapped[Decimal] = so.mapped_column(Money, default=Decimal(12000))
    timezone: so.Mapped[str] = so.mapped_column(sa.String(64), default=DEFAULT_TIMEZONE)
    # ISO 4217 code of every amount the team enters (webapp/currency.py).
    currency: so.Mapped[str] = so.mapped_column(
        sa.String(3), default=DEFAULT_CURRENCY, server_default=DEFAULT_CURRENCY
    )
    # Default planning-session hours for new agents, e.g. "fri 13:00-16:00".
    planning_hours: so.Mapped[str] = so.mapped_column(sa.String(200), default="fri 13:00-16:00")
    # Managers and admins must sign in with a second factor (TOTP).
    require_two_factor: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    # What the team lets one partner be given in a calendar year (webapp/ledger);
    # none: no limit, the ledger only records.
    value_limit: so.Mapped[Decimal | None] = so.mapped_column(Money)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    users: so.WriteOnlyMapped[User] = so.relationship(back_populates="team")

    def __repr__(self) -> str:
        return f"<Team {self.name}>"


class User(UserMixin, db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    team_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey(Team.id), index=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(254), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    role: so.Mapped[str] = so.mapped_column(sa.String(20), default="agent")
    password_hash: so.Mapped[str | None] = so.mapped_column(sa.String(256))
    active: so.Mapped[bool] = so.mapped_column(default=True)
    timezone: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    # The agent's own number, for the contact card a new acquaintance scans.
    phone: so.Mapped[str | None] = so.mapped_column(sa.String(50))
    # Secret token of the private calendar feed; regenerating it revokes old links.
    calendar_token: so.Mapped[str] = so.mapped_column(
        sa.String(64), unique=True, default=lambda: secrets.token_urlsafe(32)
    )
    session_minutes: so.Mapped[int] = so.mapped_column(default=20)
    # The morning email ("Today" by email): on or off, on which weekdays
    # (Monday is 0) and from which hour of the team's day. Server defaults too,
    # so that users who existed before the email get it like new ones.
    morning_email: so.Mapped[bool] = so.mapped_column(default=True, server_default=sa.true())
    morning_days: so.Mapped[list[int]] = so.mapped_column(
        sa.JSON, default=lambda: list(WORKDAYS), server_default="[0, 1, 2, 3, 4]"
    )
    morning_hour: so.Mapped[int] = so.mapped_column(default=7, server_default="7")
    # Failed sign-ins in a row, the last one's time, and until when the account
    # refuses sign-ins (webapp/auth/throttle.py): in the database, so every
    # worker agrees.
    failed_logins: so.Mapped[int] = so.mapped_column(default=0, server_default="0")
    last_failed_at: so.Mapped[datetime | None] = so.mapped_column()
    locked_until: so.Mapped[datetime | None] = so.mapped_column()
    # Two-factor sign-in (webapp/auth/two_factor.py): the TOTP secret once
    # confirmed, the one being set up, the last time step accepted (a code is
    # good once), and the sha256 hashes of the unused recovery codes.
    totp_secret: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    totp_pending: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    totp_last_step: so.Mapped[int | None] = so.mapped_column(sa.BigInteger)
    recovery_codes: so.Mapped[list[str] | None] = so.mapped_column(sa.JSON)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    team: so.Mapped[Team] = so.relationship(back_populates="users")

    def set_password(self, password: str, *, keep_session: int | None = None) -> None:
        """A new password ends every session of the user and revokes their API
        tokens: whoever knew the old one is signed out everywhere. `keep_session`:
        the id of the session that changes its own password, which stays signed in."""
        from flask import current_app

        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        self.password_hash = generate_password_hash(password, method=method)
        self.failed_logins, self.locked_until = 0, None
        self.end_sessions(keep=keep_session)

    def end_sessions(self, *, keep: int | None = None) -> int:
        """Sign the user out everywhere (but the session `keep`), and revoke their API
        tokens: whoever held a session could have made one. How many sessions ended."""
        if self.id is None:  # not in the database yet: no session to end
            return 0
        now = utcnow()
        db.session.execute(
            sa.update(ApiToken)
            .where(ApiToken.user_id == self.id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        ended = (
            sa.update(UserSession)
            .where(UserSession.user_id == self.id, UserSession.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        if keep is not None:
            ended = ended.where(UserSession.id != keep)
        return db.session.execute(ended).rowcount

    @property
    def two_factor(self) -> bool:
        return bool(self.totp_secret)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def is_manager(self) -> bool:
        """Managers and admins see the whole team's book."""
        return self.role in ("manager", "admin")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class Invitation(db.Model):
    """A single-use link by which someone joins a team and chooses their own password.

    Only the token's hash is kept: the link is in the email (or with the admin
    who passes it on), never in the database. `user_id` is set from the start
    for a user who already exists without a password (imported from a book
    file), and on acceptance otherwise. Status: pending, accepted, cancelled,
    superseded (the same email was invited again).
    """

    __table_args__ = (sa.Index("ix_invitation_team_email", "team_id", "email"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    team_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey(Team.id, ondelete="CASCADE"))
    email: so.Mapped[str] = so.mapped_column(sa.String(254))
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    role: so.Mapped[str] = so.mapped_column(sa.String(20), default="agent")
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    status: so.Mapped[str] = so.mapped_column(sa.String(12), default="pending")
    invited_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey(User.id))
    user_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey(User.id))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    expires_at: so.Mapped[datetime]
    closed_at: so.Mapped[datetime | None]  # accepted, cancelled or superseded

    team: so.Mapped[Team] = so.relationship()
    invited_by: so.Mapped[User | None] = so.relationship(foreign_keys=[invited_by_id])
    user: so.Mapped[User | None] = so.relationship(foreign_keys=[user_id])


class PasswordReset(db.Model):
    """A single-use link by which a user chooses a new password (forgotten, or
    sent by an admin). Only the token's hash is kept. The rows also pace the
    emails: at most one per account every few minutes (webapp/auth/resets.py).
    Status: pending, used, superseded (a newer link was sent).
    """

    __table_args__ = (sa.Index("ix_password_reset_user_created", "user_id", "created_at"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey(User.id, ondelete="CASCADE"))
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    status: so.Mapped[str] = so.mapped_column(sa.String(12), default="pending")
    requested_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey(User.id))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    expires_at: so.Mapped[datetime]
    closed_at: so.Mapped[datetime | None]

    user: so.Mapped[User] = so.relationship(foreign_keys=[user_id])


class Partner(db.Model):
    __table_args__ = (
        sa.UniqueConstraint("team_id", "key", name="uq_partner_team_key"),
        # With archived_at, an agent's live partners are found in the index alone.
        sa.Index("ix_partner_team_owner", "team_id", "owner_id", "archived_at"),
        sa.Index("ix_partner_team_name", "team_id", "name", "id"),
        sa.Index("ix_partner_team_company", "team_id", "company", "name", "id"),
        sa.Index("ix_partner_team_tier", "team_id", "tier", "name", "id"),
        sa.Index("ix_partner_team_met", "team_id", "met_on"),
        sa.Index("ix_partner_team_created", "team_id", "created_at"),
        # A form sent twice adds the partner once (webapp/idempotency.py).
        sa.Index("uq_partner_owner_key", "owner_id", "idempotency_key", unique=True),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    team_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey(Team.id), index=True)
    owner_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey(User.id), index=True)
    # The book file's own handle for the partner (unique within the team).
    key: so.Mapped[str | None] = so.mapped_column(sa.String(100))
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    company: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    profession: so.Mapped[str] = so.mapped_column(sa.String(30), default="other")
    email: so.Mapped[str | None] = so.mapped_column(sa.String(254), index=True)
    phone: so.Mapped[str | None] = so.mapped_column(sa.String(50), index=True)
    tier: so.Mapped[str] = so.mapped_column(sa.String(20), default="cultivate")
    source: so.Mapped[str | None] = so.mapped_column(sa.String(30))
    met_on: so.Mapped[date | None]
    do_not_contact: so.Mapped[bool] = so.mapped_column(default=False)
    client_types: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)
    # "YYYY-MM-DD", or "MM-DD" when the year is unknown.
    birthday: so.Mapped[str | None] = so.mapped_column(sa.String(10))
    anniversary: so.Mapped[str | None] = so.mapped_column(sa.String(10))
    spouse: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    children: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    pets: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    resident: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    home: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    favorite_restaurant: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    hobbies: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    in_common: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    notes: so.Mapped[str | None] = so.mapped_column(sa.Text)
    # Commitment (seed 003): when it was made, and the first referral promised by.
    commitment_made_on: so.Mapped[date | None]
    first_referral_by: so.Mapped[date | None]
    # The partner's own keep-in-touch cadence (rules/cadence.py); null: the team's.
    cadence_days: so.Mapped[int | None]
    cadence_max_days: so.Mapped[int | None]
    archived_at: so.Mapped[datetime | None]
    # The partner agreed to get "Our partnership this quarter" by email
    # (webapp/partner_report); cleared by the email's unsubscribe link.
    sends_quarterly_report: so.Mapped[bool] = so.mapped_column(
        default=False, server_default=sa.false()
    )
    # When the partner stopped it themselves, by that link (UTC): a tick on the
    # preview does not undo it unless they asked for the report again.
    report_unsubscribed_at: so.Mapped[datetime | None]
    idempotency_key: so.Mapped[str | None] = so.mapped_column(sa.String(36))
    # Lower-cased name, company, email and phone (also as bare digits): the
    # active search reads one column. Kept up to date on every save.
    search_text: so.Mapped[str] = so.mapped_column(sa.String(1200), default="")
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)

    owner: so.Mapped[User] = so.relationship(foreign_keys=[owner_id])
    team: so.Mapped[Team] = so.relationship()
    # Free labels of the team's own (webapp/partners/tags.py), by name.
    tags: so.Mapped[list[Tag]] = so.relationship(
        secondary=lambda: partner_tag, order_by=lambda: Tag.key
    )

    @property
    def details(self) -> dict[str, str | None]:
        return {field: getattr(self, field) for field in PERSONAL_DETAILS}

    @property
    def has_personal_details(self) -> bool:
        return any(self.details.values()) or bool(self.birthday or self.anniversary)

    def __repr__(self) -> str:
        return f"<Partner {self.id} {self.name}>"


def partner_search_text(name, company, email, phone) -> str:
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    return " ".join(part for part in (name, company, email, phone, digits) if part).lower()


@sa.event.listens_for(Partner, "before_insert")
@sa.event.listens_for(Partner, "before_update")
def _partner_search_text(mapper, connection, partner: Partner) -> None:
    partner.search_text = partner_search_text(
        partner.name, partner.company, partner.email, partner.phone
    )


def tag_key(name: str) -> str:
    """What makes two tag names the same tag: their case-folded spelling
    ("Golf" is "golf"), computed here rather than by the database's lower(),
    which SQLite applies to ASCII letters only."""
    return name.casefold()


class Tag(db.Model):
    """A free label a team puts on partners ("golf", "Spanish speaker").

    A team's own: another team's tag of the same name is another row. One per
    name in any case (`key`); the first spelling is the one shown."""

    __table_args__ = (sa.UniqueConstraint("team_id", "key", name="uq_tag_team_key"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    team_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey(Team.id, ondelete="CASCADE"))
    name: so.Mapped[str] = so.mapped_column(sa.String(40))
    key: so.Mapped[str] = so.mapped_column(sa.String(80))  # tag_key(name): case folding may grow it
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<Tag {self.name}>"


@sa.event.listens_for(Tag, "before_insert")
@sa.event.listens_for(Tag, "before_update")
def _tag_key(mapper, connection, tag: Tag) -> None:
    tag.key = tag_key(tag.name)


# Which partner wears which tag; the tag's index finds its partners (the list's filter).
partner_tag = sa.Table(
    "partner_tag",
    db.metadata,
    sa.Column("partner_id", sa.ForeignKey(Partner.id, ondelete="CASCADE"), primary_key=True),
    sa.Column("tag_id", sa.ForeignKey(Tag.id, ondelete="CASCADE"), primary_key=True, index=True),
)


class Interaction(db.Model):
    # A partner's history in time order; it also covers every column the
    # rules read, so their facts come from the index alone.
    __table_args__ = (
        sa.Index(
            "ix_interaction_history",
            "partner_id",
            "at",
            "kind",
            "direction",
            "outcome",
            "disrespectful",
        ),
        # A form sent twice logs the interaction once (webapp/idempotency.py).
        sa.Index("uq_interaction_partner_key", "partner_id", "idempotency_key", unique=True),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    partner_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey(Partner.id, ondelete="CASCADE"))
    user_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey(User.id))
    at: so.Mapped[datetime] = so.mapped_column(WallTime)  # the team's wall time
    kind: so.Mapped[str] = so.mapped_column(sa.String(30))
    direction: so.Mapped[str] = so.mapped_column(sa.String(10), default="outbound")
    outcome: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    sentiment: so.Mapped[str | None] = so.mapped_column(sa.String(10))
    disrespectful: so.Mapped[bool] = so.mapped_column(default=False)
    minutes: so.Mapped[int | None]
    # What it cost (a lunch, a gift, tickets), in the team's currency; none: nothing
    # was spent or nobody said. ROI subtracts it; a gift ledger reads it.
    amount_spent: so.Mapped[Decimal | None] = so.mapped_column(Money)
    notes: so.Mapped[str | None] = so.mapped_column(sa.Text)
    idempotency_key: so.Mapped[str | None] = so.mapped_column(sa.String(36))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    partner: so.Mapped[Partner] = so.relationship()
    user: so.Mapped[User | None] = so.relationship()

    @property
    def is_live_contact(self) -> bool:
        return self.kind in LIVE_CONTACT_KINDS and self.outcome == "connected"


class Referral(db.Model):
    __table_args__ = (
        sa.Index("ix_referral_partner_on", "partner_id", "referred_on"),
        # A form sent twice logs the referral once (webapp/idempotency.py).
        sa.Index("uq_referral_partner_key", "partner_id", "idempotency_key", unique=True),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    partner_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey(Partner.id, ondelete="CASCADE"))
    user_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey(User.id))
    direction: so.Mapped[str] = so.mapped_column(sa.String(10))
    referred_on: so.Mapped[date]
    client: so.Mapped[str] = so.mapped_column(sa.String(200))
    status: so.Mapped[str] = so.mapped_column(sa.String(20), default="new")
    closed_on: so.Mapped[date | None]
    commission: so.Mapped[Decimal | None] = so.mapped_column(Money)
    # The pipeline's forecast while it is open.
    expected_close_on: so.Mapped[date | None]
    expected_commission: so.Mapped[Decimal | None] = so.mapped_column(Money)
    # A referral fee between agents: "paid" to the partner or "received" from
    # them (none: no fee), as a percentage of the commission or an amount, one
    # or the other (ReferralForm checks it). Counted once the referral closes.
    fee_direction: so.Mapped[str | None] = so.mapped_column(sa.String(10))
    fee_percent: so.Mapped[Decimal | None] = so.mapped_column(sa.Numeric(5, 2))
    fee_amount: so.Mapped[Decimal | None] = so.mapped_column(Money)
    notes: so.Mapped[str | None] = so.mapped_column(sa.Text)
    idempotency_key: so.Mapped[str | None] = so.mapped_column(sa.String(36))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    partner: so.Mapped[Partner] = so.relationship()
    user: so.Mapped[User | None] = so.relationship()


class PlanningSession(db.Model):
    __table_args__ = (
        sa.Index("ix_planning_session_user_starts", "user_id", "starts_at"),
        sa.Index("ix_planning_session_partner_starts", "partner_id", "starts_at"),
        # Never double-booked, even when two bookings race: one active session
        # per agent per start time (cancelled sessions free their slot).
        sa.Index(
            "uq_planning_session_user_slot",
            "user_id",
            "starts_at",
            unique=True,
            sqlite_where=sa.text("status != 'cancelled'"),
            postgresql_where=sa.text("status != 'cancelled'"),
        ),
        # A booking sent twice books the series once: the key is on its first
        # session (webapp/idempotency.py).
        sa.Index("uq_planning_session_partner_key", "partner_id", "idempotency_key", unique=True),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    partner_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey(Partner.id, ondelete="CASCADE"))
    user_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey(User.id))
    # Sessions booked together as one weekly series share this id.
    series: so.Mapped[str | None] = so.mapped_column(sa.String(64), index=True)
    starts_at: so.Mapped[datetime] = so.mapped_column(WallTime)  # the agent's wall time
    minutes: so.Mapped[int] = so.mapped_column(default=20)
    status: so.Mapped[str] = so.mapped_column(sa.String(20), default="booked")
    answers: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)
    # Where the series first put this occurrence (its RECURRENCE-ID once moved).
    original_starts_at: so.Mapped[datetime | None] = so.mapped_column(WallTime)
    idempotency_key: so.Mapped[str | None] = so.mapped_column(sa.String(36))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    partner: so.Mapped[Partner] = so.relationship()
    user: so.Mapped[User | None] = so.relationship()

    @property
    def ends_at(self) -> datetime:
        from datetime import timedelta

        return self.starts_at + timedelta(minutes=self.minutes)


class PlanningWindow(db.Model):
    """A weekly window an agent keeps for planning sessions (e.g. Fri 13:00-16:00)."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey(User.id, ondelete="CASCADE"))
    weekday: so.Mapped[int]  # Monday is 0
    starts: so.Mapped[str] = so.mapped_column(sa.String(5))  # "13:00"
    ends: so.Mapped[str] = so.mapped_column(sa.String(5))  # "16:00"


class Holiday(db.Model):
    """A day the team marks off (Christmas Eve): booking warns when a planning
    session falls on one, and the agenda marks it. A team's list, kept by its
    managers; one name per day."""

    __table_args__ = (sa.UniqueConstraint("team_id", "day", name="uq_holiday_team_day"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    team_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey(Team.id, ondelete="CASCADE"))
    day: so.Mapped[date]
    name: so.Mapped[str] = so.mapped_column(sa.String(80))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)


class Lead(db.Model):
    # A form sent twice adds the lead once (webapp/idempotency.py).
    __table_args__ = (
        sa.Index("uq_lead_partner_key", "partner_id", "idempotency_key", unique=True),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    partner_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey(Partner.id, ondelete="CASCADE"))
    planning_session_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey(PlanningSession.id, ondelete="SET NULL")
    )
    owner_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey(User.id))
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    contact: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    # Which lost-leads question the name came from: met_recently or showing_soon.
    question: so.Mapped[str | None] = so.mapped_column(sa.String(30))
    status: so.Mapped[str] = so.mapped_column(sa.String(20), default="to_contact")
    notes: so.Mapped[str | None] = so.mapped_column(sa.Text)
    idempotency_key: so.Mapped[str | None] = so.mapped_column(sa.String(36))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    partner: so.Mapped[Partner] = so.relationship()
    planning_session: so.Mapped[PlanningSession | None] = so.relationship()


class Agreement(db.Model):
    """A marketing services agreement or co-marketing arrangement with a partner
    (webapp/agreements): a record kept for compliance, not legal advice. Each
    side's share of the cost is a whole percentage; the two make 100."""

    __table_args__ = (sa.Index("ix_agreement_partner_ends", "partner_id", "ends_on"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    team_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey(Team.id), index=True)
    partner_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey(Partner.id, ondelete="CASCADE"))
    kind: so.Mapped[str] = so.mapped_column(sa.String(30))  # vocabulary.AGREEMENT_KINDS
    starts_on: so.Mapped[date]
    ends_on: so.Mapped[date]
    fair_market_value: so.Mapped[str | None] = so.mapped_column(sa.Text)
    our_share: so.Mapped[int]  # percent of the cost we bear
    their_share: so.Mapped[int]  # percent the partner bears
    # Where the signed document is: a URL, or a note such as "Drive: MSA 2027.pdf".
    document: so.Mapped[str] = so.mapped_column(sa.String(1000))
    notes: so.Mapped[str | None] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)

    partner: so.Mapped[Partner] = so.relationship()


class LedgerEntry(db.Model):
    """One line of the things-of-value ledger (webapp/ledger): what was given to a
    partner, a correction of it, or its deletion (the amount reversed). Append-only:
    the app adds lines and never changes one, but for an erasure clearing `note`."""

    __table_args__ = (sa.Index("ix_ledger_entry_partner_day", "partner_id", "day"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    team_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey(Team.id), index=True)
    partner_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey(Partner.id, ondelete="CASCADE"))
    # The interaction it records; its deletion leaves the lines (and its own line).
    interaction_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey(Interaction.id, ondelete="SET NULL"), index=True
    )
    user_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey(User.id))
    day: so.Mapped[date]  # the team's day the thing was given: its year is the ledger's
    amount: so.Mapped[Decimal] = so.mapped_column(Money)  # signed: a reversal is negative
    kind: so.Mapped[str] = so.mapped_column(sa.String(20))  # vocabulary.LEDGER_ENTRY_KINDS
    given: so.Mapped[str] = so.mapped_column(sa.String(30))  # the interaction's kind: lunch...
    # Given although it took the partner over the team's yearly limit, once warned.
    over_limit: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    note: so.Mapped[str | None] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    user: so.Mapped[User | None] = so.relationship()
    # One way only: deleting an interaction leaves its lines to the database (SET NULL).
    interaction: so.Mapped[Interaction | None] = so.relationship()


class Recommendation(db.Model):
    """A rule's recommendation for a partner, or a tier change proposed by an agent.

    Life cycle: `open` while the rule holds; `done`, `dismissed`, `snoozed`
    by the agent; `approved` / `rejected` by a manager (tier changes);
    `closed` when the rule stops holding by itself. `fingerprint` names the
    facts that triggered it, so a dismissed one stays quiet until they change.
    """

    __table_args__ = (
        # Covering: what awaits someone is counted without reading the rows.
        sa.Index(
            "ix_recommendation_partner_rule",
            "partner_id",
            "rule",
            "status",
            "kind",
            "snoozed_until",
        ),
        sa.Index("ix_recommendation_team_status", "team_id", "status"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    team_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey(Team.id))
    partner_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey(Partner.id, ondelete="CASCADE"))
    rule: so.Mapped[str] = so.mapped_column(sa.String(40))
    kind: so.Mapped[str] = so.mapped_column(sa.String(20))  # action | tier_change
    tier_from: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    tier_to: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    due: so.Mapped[date | None]
    reason: so.Mapped[str] = so.mapped_column(sa.Text)
    fingerprint: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    status: so.Mapped[str] = so.mapped_column(sa.String(20), default="open")
    snoozed_until: so.Mapped[date | None]
    proposed_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey(User.id))
    decided_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey(User.id))
    decided_at: so.Mapped[datetime | None]
    decision_reason: so.Mapped[str | None] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    closed_at: so.Mapped[datetime | None]

    partner: so.Mapped[Partner] = so.relationship()
    proposed_by: so.Mapped[User | None] = so.relationship(foreign_keys=[proposed_by_id])
    decided_by: so.Mapped[User | None] = so.relationship(foreign_keys=[decided_by_id])


class RuleSettings(db.Model):
    """One version of a team's rule thresholds; the highest version is in force."""

    __table_args__ = (sa.UniqueConstraint("team_id", "version", name="uq_rule_settings_version"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    team_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey(Team.id), index=True)
    version: so.Mapped[int]
    values: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON)
    # The team's own rules in force with these thresholds (rules/team.py
    # definitions, those switched off included); None before there were any.
    team_rules: so.Mapped[list[dict[str, Any]] | None] = so.mapped_column(sa.JSON)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey(User.id))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    created_by: so.Mapped[User | None] = so.relationship()


class TeamRule(db.Model):
    """A rule the team wrote for itself (rules/team.py), as the editor keeps it.

    Each change is also saved as a new RuleSettings version carrying all of
    the team's rules: that snapshot is what the refresh evaluates.
    """

    __table_args__ = (sa.UniqueConstraint("team_id", "slug", name="uq_team_rule_slug"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    team_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey(Team.id, ondelete="CASCADE"))
    slug: so.Mapped[str] = so.mapped_column(sa.String(35))
    name: so.Mapped[str] = so.mapped_column(sa.String(80))
    enabled: so.Mapped[bool] = so.mapped_column(default=True)
    match: so.Mapped[str] = so.mapped_column(sa.String(3))  # all | any
    conditions: so.Mapped[list[dict[str, Any]]] = so.mapped_column(sa.JSON)
    action: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    due_days: so.Mapped[int] = so.mapped_column(default=0)
    tier_to: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    priority: so.Mapped[int]
    reason: so.Mapped[str] = so.mapped_column(sa.String(300))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    def definition(self) -> dict[str, Any]:
        """The rule as rules/team.py reads it (and the book file carries it)."""
        return {
            "slug": self.slug,
            "name": self.name,
            "enabled": self.enabled,
            "match": self.match,
            "conditions": [dict(c) for c in self.conditions],
            "action": self.action,
            "due_days": self.due_days if self.action else 0,
            "tier_to": self.tier_to,
            "priority": self.priority,
            "reason": self.reason,
        }


class BacktestRun(db.Model):
    """A team rule's backtest too big to answer within the request: a job runs
    it and stores its numbers here; the editor shows them when ready."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    team_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey(Team.id, ondelete="CASCADE"))
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey(User.id))
    definition: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON)
    as_of: so.Mapped[date]
    status: so.Mapped[str] = so.mapped_column(sa.String(10), default="running")  # done | failed
    partners: so.Mapped[int | None]
    partner_weeks: so.Mapped[int | None]
    referred: so.Mapped[int | None]
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)


class AuditEvent(db.Model):
    """Append-only record of who changed what: before -> after."""

    __table_args__ = (sa.Index("ix_audit_event_team_at", "team_id", "at"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    team_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey(Team.id))
    user_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey(User.id))
    partner_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey(Partner.id, ondelete="SET NULL")
    )
    at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    kind: so.Mapped[str] = so.mapped_column(sa.String(40))
    summary: so.Mapped[str] = so.mapped_column(sa.Text)
    before: so.Mapped[dict[str, Any] | None] = so.mapped_column(sa.JSON)
    after: so.Mapped[dict[str, Any] | None] = so.mapped_column(sa.JSON)

    user: so.Mapped[User | None] = so.relationship()
    partner: so.Mapped[Partner | None] = so.relationship()


def record_audit(
    team_id: int,
    user: User | None,
    kind: str,
    summary: str,
    *,
    partner: Partner | None = None,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEvent:
    """Add an audit event to the session; it commits with the change it records."""
    event = AuditEvent(
        team_id=team_id,
        user_id=user.id if user else None,
        partner_id=partner.id if partner else None,
        kind=kind,
        summary=summary,
        before=before,
        after=after,
    )
    db.session.add(event)
    return event


def token_hash(token: str) -> str:
    """What is stored of a secret token (session, recovery code): its sha256."""
    return hashlib.sha256(token.encode()).hexdigest()


class SignInFailures(db.Model):
    """Failed sign-ins in a row for an email that has no account, counted and
    backed off exactly as an account's are (webapp/auth/throttle.py): the
    lockout's answer then tells no one which emails have accounts. Keyed on
    the sha256 of the normalised email, so that no list of tried addresses is kept."""

    __tablename__ = "sign_in_failures"

    email_hash: so.Mapped[str] = so.mapped_column(sa.String(64), primary_key=True)
    failed_logins: so.Mapped[int] = so.mapped_column(default=0, server_default="0")
    last_failed_at: so.Mapped[datetime | None] = so.mapped_column()
    locked_until: so.Mapped[datetime | None] = so.mapped_column()


class UserSession(db.Model):
    """One signed-in browser. Its cookie carries a random token; this row holds
    the token's hash, so that the session can be ended from the server
    (sign out, sign out everywhere, a new password, deactivation)."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey(User.id, ondelete="CASCADE"), index=True
    )
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    # "Keep me signed in": the session outlives the browser (until its limits).
    remember: so.Mapped[bool] = so.mapped_column(default=False)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    last_seen_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    user_agent: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    ip: so.Mapped[str] = so.mapped_column(sa.String(64), default="")
    revoked_at: so.Mapped[datetime | None] = so.mapped_column()

    user: so.Mapped[User] = so.relationship()


class ApiToken(db.Model):
    """A personal access token: what a script sends instead of a password
    (`Authorization: Bearer ...`, webapp/api/bearer.py). It acts as its user,
    with that user's access, while the user is active; `scope` "read" only
    reads, "write" also writes. Only the token's sha256 is kept, and a short
    `prefix` (not secret) by which its owner recognises it in the list. It
    stops working at `expires_at` (none: never) or once revoked."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    team_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey(Team.id, ondelete="CASCADE"))
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey(User.id, ondelete="CASCADE"), index=True
    )
    name: so.Mapped[str] = so.mapped_column(sa.String(80))
    scope: so.Mapped[str] = so.mapped_column(sa.String(5), default="read")
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    prefix: so.Mapped[str] = so.mapped_column(sa.String(12))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    expires_at: so.Mapped[datetime | None]
    last_used_at: so.Mapped[datetime | None]
    revoked_at: so.Mapped[datetime | None]

    user: so.Mapped[User] = so.relationship()


# --- recommendations -------------------------------------------------------
class PartnerHealth(db.Model):
    """A partner's relationship health (rules/health.py) as of its last evaluation:
    the score and its parts, stored by the refresh so that lists read it."""

    __table_args__ = (sa.Index("ix_partner_health_team_score", "team_id", "score"),)

    partner_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey(Partner.id, ondelete="CASCADE"), primary_key=True
    )
    team_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey(Team.id))
    score: so.Mapped[int]
    # [[part, points, weight, why], ...], in the formula's order.
    parts: so.Mapped[list[Any]] = so.mapped_column(sa.JSON)
    # Past the maximum of its keep-in-touch cadence.
    overdue: so.Mapped[bool] = so.mapped_column(default=False)
    computed_on: so.Mapped[date]


class PartnerEvaluation(db.Model):
    """When a partner's recommendations were last evaluated, and under which thresholds.

    Today re-evaluates lazily: only partners not yet evaluated today (or
    evaluated under an older version of the team's rule settings).
    """

    partner_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey(Partner.id, ondelete="CASCADE"), primary_key=True
    )
    team_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey(Team.id), index=True)
    evaluated_on: so.Mapped[date]
    settings_version: so.Mapped[int] = so.mapped_column(default=0)


# At most one live (open or snoozed) recommendation per partner and rule, even
# when two evaluations of the same partner race; agents' own proposals aside.
_LIVE_RULE = sa.and_(
    Recommendation.status.in_(("open", "snoozed")), Recommendation.rule != "proposed"
)
sa.Index(
    "uq_recommendation_live_rule",
    Recommendation.partner_id,
    Recommendation.rule,
    unique=True,
    sqlite_where=_LIVE_RULE,
    postgresql_where=_LIVE_RULE,
)


# --- background jobs and outgoing mail ------------------------------------------
class JobRun(db.Model):
    """One run of a periodic job for one team and slot (webapp/jobs/periodic.py).

    The unique key makes the row the claim: whichever worker inserts it runs
    the job, so a job runs once per team and slot however many workers tick.
    `next_attempt_at` says when a run that is not done may be taken again:
    the end of its lease while running (a killed worker's run is taken again
    after it), the next retry after a failure.
    """

    __table_args__ = (
        sa.UniqueConstraint("team_id", "job", "slot", name="uq_job_run_slot"),
        sa.Index("ix_job_run_team_started", "team_id", "started_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    team_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey(Team.id, ondelete="CASCADE"))
    job: so.Mapped[str] = so.mapped_column(sa.String(60))
    # The team's local day it is for, and the slot within it: the day itself
    # ("2027-03-14") for a daily job, the local wall time for an hourly one.
    day: so.Mapped[date]
    slot: so.Mapped[str] = so.mapped_column(sa.String(20))
    status: so.Mapped[str] = so.mapped_column(sa.String(10), default="running")  # done, failed
    attempts: so.Mapped[int] = so.mapped_column(default=1)
    started_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    finished_at: so.Mapped[datetime | None]
    next_attempt_at: so.Mapped[datetime | None]
    summary: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    error: so.Mapped[str | None] = so.mapped_column(sa.Text)

    team: so.Mapped[Team] = so.relationship()


class OutboxEmail(db.Model):
    """An email waiting to be sent, or sent (webapp/outbox.py).

    Stored before any attempt, so nothing is lost while the mail server is
    down. `key` makes enqueueing idempotent (e.g. `morning:<user id>:<day>`).
    Status: queued, sending (claimed by a sender until `next_attempt_at`),
    sent, failed (refused for good, or not sendable), expired (too late to be
    worth sending: `outbox.EXPIRES`).
    """

    __table_args__ = (sa.Index("ix_outbox_email_due", "status", "next_attempt_at"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    key: so.Mapped[str | None] = so.mapped_column(sa.String(200), unique=True)
    recipient: so.Mapped[str] = so.mapped_column(sa.String(1000))
    subject: so.Mapped[str] = so.mapped_column(sa.String(500))
    # The whole message as RFC 5322 bytes, exactly as it will be sent.
    message: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary)
    status: so.Mapped[str] = so.mapped_column(sa.String(10), default="queued")
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    next_attempt_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    last_error: so.Mapped[str | None] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    sent_at: so.Mapped[datetime | None]


# --- web push ---------------------------------------------------------------------
class PushSubscription(db.Model):
    """One device (one browser profile) where a user opted in to notifications
    (webapp/push). `endpoint` is the push service's URL for that browser, where a
    push is POSTed; `p256dh` and `auth` are the browser's keys the payload is
    encrypted to. `failures` counts pushes in a row the service did not take;
    a subscription the service says is gone (404, 410) is deleted. Only a
    device whose sign-in (`session_id`) was not ended is pushed to or listed."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey(User.id, ondelete="CASCADE"), index=True
    )
    team_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey(Team.id, ondelete="CASCADE"))
    # The sign-in it was turned on in: the device is pushed to until that is ended
    # (signing out, or out everywhere, stops what a shared phone shows).
    session_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey(UserSession.id, ondelete="CASCADE")
    )
    endpoint: so.Mapped[str] = so.mapped_column(sa.String(1000), unique=True)
    p256dh: so.Mapped[str] = so.mapped_column(sa.String(100))
    auth: so.Mapped[str] = so.mapped_column(sa.String(50))
    device: so.Mapped[str] = so.mapped_column(sa.String(200), default="")  # its user agent
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    last_success_at: so.Mapped[datetime | None]
    failures: so.Mapped[int] = so.mapped_column(default=0)
    last_error: so.Mapped[str | None] = so.mapped_column(sa.Text)

    user: so.Mapped[User] = so.relationship()


class PushMessage(db.Model):
    """A notification for one device, waiting to be pushed, or pushed (webapp/push/sender.py).

    Stored before any attempt, as an email is in the outbox. `key` makes it
    once-only per device (e.g. `morning:<user id>:<day>`); `payload` is the
    JSON the service worker shows. Status: queued, sending (claimed until
    `next_attempt_at`), sent, failed (refused for good, or tried MAX_ATTEMPTS
    times), expired (too late to be worth showing).
    """

    __table_args__ = (
        sa.UniqueConstraint("subscription_id", "key", name="uq_push_message_key"),
        sa.Index("ix_push_message_due", "status", "next_attempt_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    subscription_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey(PushSubscription.id, ondelete="CASCADE")
    )
    key: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    payload: so.Mapped[str] = so.mapped_column(sa.Text)
    status: so.Mapped[str] = so.mapped_column(sa.String(10), default="queued")
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    next_attempt_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    last_error: so.Mapped[str | None] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    sent_at: so.Mapped[datetime | None]


# --- outgoing webhooks ------------------------------------------------------------
class WebhookEndpoint(db.Model):
    """A URL of another system that an admin registered to be told of the team's
    events (webapp/webhooks). `events` are the event types it takes; `secret`
    (`whsec_` + base64 of 24 random bytes) signs each delivery, so it is kept as
    it is: a hash could not sign. It is paused (`paused_at`) by an admin, or by
    itself once `failures_in_a_row` deliveries in a row have failed for good; a
    paused endpoint is sent nothing until it is resumed."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    team_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey(Team.id, ondelete="CASCADE"), index=True
    )
    url: so.Mapped[str] = so.mapped_column(sa.String(1000))
    events: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)
    secret: so.Mapped[str] = so.mapped_column(sa.String(100))
    paused_at: so.Mapped[datetime | None]
    # Why it was paused: "admin", or "failures" (paused by itself).
    paused_by: so.Mapped[str | None] = so.mapped_column(sa.String(10))
    failures_in_a_row: so.Mapped[int] = so.mapped_column(default=0)
    created_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey(User.id, ondelete="SET NULL")
    )
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    created_by: so.Mapped[User | None] = so.relationship()

    @property
    def active(self) -> bool:
        return self.paused_at is None


class WebhookDelivery(db.Model):
    """One event for one endpoint, waiting to be sent, or sent (webapp/webhooks/sender.py).

    Stored before any attempt, as an email is in the outbox. `event_id` is the
    `webhook-id` header, the same on every attempt and on a resend, so that a
    receiver can tell a delivery it has had already; `payload` is the body
    exactly as it is signed and sent. Status: queued, sending (claimed until
    `next_attempt_at`), sent (a 2xx answer), failed (tried MAX_ATTEMPTS times).
    """

    __table_args__ = (
        sa.UniqueConstraint("endpoint_id", "event_id", name="uq_webhook_delivery_event"),
        sa.Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
        sa.Index("ix_webhook_delivery_endpoint_created", "endpoint_id", "created_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    endpoint_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey(WebhookEndpoint.id, ondelete="CASCADE")
    )
    event_type: so.Mapped[str] = so.mapped_column(sa.String(60))
    event_id: so.Mapped[str] = so.mapped_column(sa.String(60))
    payload: so.Mapped[str] = so.mapped_column(sa.Text)
    status: so.Mapped[str] = so.mapped_column(sa.String(10), default="queued")
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    next_attempt_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    last_status_code: so.Mapped[int | None]
    last_error: so.Mapped[str | None] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    sent_at: so.Mapped[datetime | None]

    endpoint: so.Mapped[WebhookEndpoint] = so.relationship()
