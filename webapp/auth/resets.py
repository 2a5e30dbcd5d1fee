"""Password resets: a single-use link, by email, to choose a new password.

Asked for on the login page ("Forgot your password?") or sent by an admin.
The answer to "forgot" is the same whether the email has an account or not;
a deactivated user gets no link, and an account gets at most one email every
RESET_EMAIL_INTERVAL (the rows say when the last one went). A new link
supersedes the earlier ones.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from .. import clock
from ..extensions import db
from ..models import PasswordReset, User, record_audit
from ..outbox import mail_configured
from .credentials import user_of_email
from .links import Sent, find, new_token, send_link

RESET_LIFETIME = timedelta(hours=2)
RESET_EMAIL_INTERVAL = timedelta(minutes=5)

LINK_REFUSALS = {
    "unknown": "This password link is not valid. Check that the whole link was copied.",
    "used": "This password link has already been used. Log in, or ask for a new link.",
    "superseded": "A newer password link was sent: use the one in the latest email.",
    "expired": "This password link has expired. Ask for a new one below.",
    "deactivated": "This account has been deactivated. Ask your admin.",
}


def request_reset(email: str) -> None:
    """'Forgot my password': email a link when it may go; the caller learns nothing."""
    user = user_of_email(email)
    if user is None or not user.active:
        return
    since = clock.utcnow() - RESET_EMAIL_INTERVAL
    recent = db.session.scalar(
        sa.select(PasswordReset.id).where(
            PasswordReset.user_id == user.id, PasswordReset.created_at > since
        )
    )
    if recent is not None:
        return
    if not mail_configured():
        current_app.logger.warning("password reset for user %s: no MAIL_SERVER to send it", user.id)
        return
    _issue(user, by=None)


def send_reset(user: User, by: User) -> Sent:
    """An admin sends a user a link to choose a new password; audited."""
    record_audit(user.team_id, by, "password_reset_requested",
                 f"Password link sent to {user.email}", after={"email": user.email})  # fmt: skip
    return _issue(user, by=by)


def of_token(token: str) -> tuple[PasswordReset | None, str | None]:
    """The reset a link names, and why it is refused (None: it may be used)."""
    reset, reason = find(PasswordReset, token)
    if reason:
        return reset, reason
    if not reset.user.active:
        return reset, "deactivated"
    return reset, None


def complete(reset: PasswordReset, password: str) -> bool:
    """Set the new password (`set_password` ends the user's other sessions); commits.

    False when the link was used meanwhile (opened twice at once: the first to
    claim it wins), and nothing changes.
    """
    claimed = db.session.execute(
        sa.update(PasswordReset)
        .where(PasswordReset.id == reset.id, PasswordReset.status == "pending")
        .values(status="used", closed_at=clock.utcnow())
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        return False
    user = reset.user
    user.set_password(password)
    _close_pending(user, "superseded")
    record_audit(user.team_id, user, "password_reset",
                 f"{user.email} chose a new password from a link",
                 after={"email": user.email})  # fmt: skip
    db.session.commit()
    return True


def _issue(user: User, by: User | None) -> Sent:
    _close_pending(user, "superseded")
    token, token_hash = new_token()
    now = clock.utcnow()
    reset = PasswordReset(user_id=user.id, token_hash=token_hash, created_at=now,
                          requested_by_id=by.id if by else None,
                          expires_at=now + RESET_LIFETIME)  # fmt: skip
    db.session.add(reset)
    db.session.commit()
    return send_link("auth.reset", token, to=(user.name, user.email),
                     subject="Choose a new PartnerPlan password",
                     template="auth/email/reset.txt", key=f"reset:{reset.id}", user=user,
                     by=by, lifetime_hours=int(RESET_LIFETIME.total_seconds() // 3600))  # fmt: skip


def _close_pending(user: User, status: str) -> None:
    now = clock.utcnow()
    db.session.execute(
        sa.update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.status == "pending")
        .values(status=status, closed_at=now)
    )
