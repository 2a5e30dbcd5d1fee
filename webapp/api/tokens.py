"""Personal access tokens: made, recognised, revoked.

A token is shown once, when it is made; only its sha256 is kept (like a
session's, webapp/auth/sessions.py), with a short prefix, not secret, by
which its owner tells it apart in the list. It acts as its user with that
user's access, while the user is active. "read" reads; "write" also writes.

A token made for N days works through the Nth day after the day it was made
(the team's days), and stops at the midnight that ends it: made on 1 March
for 30 days, it works all of 31 March, whatever the clocks did in between.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from .. import clock
from ..extensions import db
from ..models import ApiToken, User, record_audit, token_hash

SCOPES = {"read": "Read", "write": "Read and write"}
# How long a new token may live, in days ("" never ends), as the form offers it.
LIFETIMES = {"30": "30 days", "90": "90 days", "365": "1 year", "": "No expiry"}
PREFIX = "pp_"  # says what the secret is when it turns up in a log or a repository
SHOWN = 10  # characters of the token shown in the list: the prefix and 7 of the secret
# How stale `last_used_at` may get before a request writes it again: one write
# a minute per token, not one per request.
LAST_USED_EVERY = timedelta(minutes=1)


def issue(
    user: User, name: str, scope: str, days: int | None, *, by: User | None
) -> tuple[ApiToken, str]:
    """A new token for `user` (added, audited as `by`'s doing — None: the
    command line — not committed) and its secret, which is never stored."""
    secret = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        team_id=user.team_id,
        user_id=user.id,
        name=name,
        scope=scope,
        token_hash=token_hash(secret),
        prefix=secret[:SHOWN],
        created_at=clock.utcnow(),
        expires_at=expiry(user, days),
    )
    db.session.add(row)
    last = last_day(row, user.team.timezone)
    record_audit(
        user.team_id,
        by,
        "api_token_created",
        f"API token {name!r} ({scope}, {row.prefix}…) made for {user.email}",
        after={"name": name, "scope": scope, "prefix": row.prefix,
               "last_day": last.isoformat() if last else None},
    )  # fmt: skip
    return row, secret


def expiry(user: User, days: int | None) -> datetime | None:
    """When a token made now for `days` days stops working: the start of the
    team's day after the last one (naive UTC)."""
    if days is None:
        return None
    timezone = user.team.timezone
    return clock.start_of_day_utc(clock.today(timezone) + timedelta(days=days + 1), timezone)


def last_day(row: ApiToken, timezone: str) -> date | None:
    """The last day (the team's) on which the token works; None: no end."""
    if row.expires_at is None:
        return None
    return clock.local(row.expires_at, timezone).date() - timedelta(days=1)


def status(row: ApiToken) -> str:
    """active, expired or revoked."""
    if row.revoked_at is not None:
        return "revoked"
    if row.expires_at is not None and clock.utcnow() >= row.expires_at:
        return "expired"
    return "active"


def recognise(secret: str) -> ApiToken | None:
    """The token `secret` is, while it may be used: not revoked, not expired,
    its user active. Its last use is stamped (at most once a minute): this
    runs before the view, so the commit carries nothing but the stamp."""
    row = db.session.scalar(
        sa.select(ApiToken)
        .where(ApiToken.token_hash == token_hash(secret))
        .options(joinedload(ApiToken.user))
    )
    if row is None or status(row) != "active" or not row.user.active:
        return None
    now = clock.utcnow()
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_EVERY:
        row.last_used_at = now
        db.session.commit()
    return row


def tokens_of(user: User) -> list[ApiToken]:
    """The user's tokens, newest first (revoked and expired ones too: the list says so)."""
    return list(
        db.session.scalars(
            sa.select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def token_of(user: User, token_id: int) -> ApiToken | None:
    """One of the user's own tokens; None for anyone else's."""
    return db.session.scalar(
        sa.select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id)
    )


def revoke(row: ApiToken, *, by: User | None) -> bool:
    """Stop the token for good (audited as `by`'s doing — None: the command
    line — not committed); False if it already was."""
    if row.revoked_at is not None:
        return False
    row.revoked_at = clock.utcnow()
    record_audit(
        row.team_id,
        by,
        "api_token_revoked",
        f"API token {row.name!r} ({row.prefix}…) of {row.user.email} revoked",
        before={"name": row.name, "scope": row.scope, "prefix": row.prefix},
    )
    return True
