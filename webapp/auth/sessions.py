"""Server-side sessions: a signed-in browser is a row of `UserSession`.

The session cookie (and the "keep me signed in" cookie) carry a random token
in Flask-Login's user id slot; the table keeps only its sha256. Ending a
session marks its row revoked, and the cookie, however copied, names nothing
any more. A session also ends by itself: after SESSION_IDLE_DAYS without a
request, and SESSION_ABSOLUTE_DAYS after the sign-in.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, g, request, session
from flask_login import login_user, logout_user
from sqlalchemy.orm import joinedload

from .. import clock
from ..extensions import db
from ..models import User, UserSession, token_hash

# How stale `last_seen_at` may get before a request writes it again: one
# write a minute per session, not one per request.
LAST_SEEN_EVERY = timedelta(minutes=1)


def device(user_agent: str) -> str:
    """'Firefox on Windows': enough to recognise one's own devices in a list."""
    agent = user_agent or ""
    browser = next(
        (name for key, name in (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"),
                                ("Chrome/", "Chrome"), ("Safari/", "Safari")) if key in agent),
        "A browser",
    )  # fmt: skip
    system = next(
        (name for key, name in (("iPhone", "iPhone"), ("iPad", "iPad"), ("Android", "Android"),
                                ("Windows", "Windows"), ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"),
                                ("Linux", "Linux")) if key in agent),
        None,
    )  # fmt: skip
    return f"{browser} on {system}" if system else browser


def start_session(user: User, *, remember: bool) -> UserSession:
    """Sign `user` in on this browser: a new session row and a new token."""
    token = secrets.token_urlsafe(32)
    now = clock.utcnow()
    row = UserSession(
        user_id=user.id,
        token_hash=token_hash(token),
        remember=remember,
        created_at=now,
        last_seen_at=now,
        user_agent=device(request.user_agent.string)[:200],
        ip=(request.remote_addr or "")[:64],
    )
    db.session.add(row)
    db.session.flush()
    session.pop("second_step", None)
    login_user(user, remember=remember)
    # The token, not the user id, is what the cookies carry: Flask-Login signs
    # it into the remember cookie too.
    session["_user_id"] = token
    g.user_session = row
    return row


def end_session() -> None:
    """Sign out this browser: its row is revoked, its cookies cleared."""
    row = current_session()
    if row is not None and row.revoked_at is None:
        row.revoked_at = clock.utcnow()
    logout_user()
    session.pop("_user_id", None)


def current_session() -> UserSession | None:
    return g.get("user_session")


def expired(row: UserSession) -> bool:
    now = clock.utcnow()
    config = current_app.config
    idle = timedelta(days=config["SESSION_IDLE_DAYS"])
    absolute = timedelta(days=config["SESSION_ABSOLUTE_DAYS"])
    return now - row.last_seen_at > idle or now - row.created_at > absolute


def load(token: str) -> User | None:
    """The user a session token signs in, if its session is still alive."""
    row = db.session.scalar(
        sa.select(UserSession)
        .where(UserSession.token_hash == token_hash(token), UserSession.revoked_at.is_(None))
        .options(joinedload(UserSession.user))
    )
    if row is None or not row.user.active or expired(row):
        return None
    now = clock.utcnow()
    if now - row.last_seen_at >= LAST_SEEN_EVERY:
        row.last_seen_at = now
        # Loaded first thing in the request (security.load_user_first): the
        # commit carries nothing but this stamp. Once a minute, so the user
        # it expires is simply loaded again.
        db.session.commit()
    g.user_session = row
    return row.user


def active_sessions(user: User) -> list[UserSession]:
    """The user's sessions that can still be used, most recently seen first."""
    rows = db.session.scalars(
        sa.select(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
    )
    return [row for row in rows if not expired(row)]
