"""Invitations: how a new colleague joins a team and chooses their own password.

An admin (or `flask users invite`, `flask teams create`) invites an email
with a name and a role; the invitee opens the single-use link within
INVITATION_LIFETIME, chooses a password (and may correct their name), and
the account exists from then on. Inviting the same email again supersedes the
earlier link. An email that has an account anywhere is refused with the same
words whichever team it is in.

A user who exists without a password (imported from a book file) is invited
too: the invitation names the user, and accepting it sets their password.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from .. import clock
from ..extensions import db
from ..models import Invitation, Team, User, record_audit
from .credentials import user_of_email
from .links import Sent, find, new_token, send_link

INVITATION_LIFETIME = timedelta(hours=72)
# The same words for an account in this team or in any other: nothing is revealed.
REFUSED = "This email cannot be invited: it may already have an account (they can log in)."

# Why a link is refused, by the invitation's state (the page says it as is).
LINK_REFUSALS = {
    "unknown": "This invitation link is not valid. Check that the whole link was copied.",
    "accepted": "This invitation has already been used. Log in with the password you chose.",
    "superseded": "A newer invitation was sent to this address: use the link in the latest one.",
    "cancelled": "This invitation was cancelled. Ask your team's admin for a new one.",
    "expired": "This invitation has expired. Ask your team's admin to send a new one.",
    "taken": REFUSED,
}


class InvitationRefused(Exception):
    """The email cannot be invited (REFUSED says why, in the same words for all)."""


def email_taken(email: str) -> bool:
    return user_of_email(email) is not None


def invite(team: Team, email: str, name: str, role: str, by: User | None) -> Sent:
    """Invite `email` to `team` as `role`; commits, and sends (or hands back) the link."""
    email = email.strip()
    if email_taken(email):
        raise InvitationRefused(REFUSED)
    return _issue(team, email=email, name=name.strip(), role=role, by=by)


def invite_user(user: User, by: User | None) -> Sent:
    """Invite a user who exists without a password (imported) to choose one."""
    if user.password_hash or not user.active:
        raise InvitationRefused(REFUSED)
    return _issue(user.team, email=user.email, name=user.name, role=user.role, by=by, user=user)


def resend(invitation: Invitation, by: User | None) -> Sent:
    """A new link for a pending (or expired) invitation; the old link stops working."""
    return _issue(invitation.team, email=invitation.email, name=invitation.name,
                  role=invitation.role, by=by, user=invitation.user)  # fmt: skip


def cancel(invitation: Invitation, by: User | None) -> None:
    """The link stops working; commits."""
    _close(invitation, "cancelled")
    record_audit(invitation.team_id, by, "invitation_cancelled",
                 f"Invitation of {invitation.email} cancelled",
                 before={"email": invitation.email, "role": invitation.role})  # fmt: skip
    db.session.commit()


def pending(team_id: int) -> list[Invitation]:
    """The team's invitations still waiting for their invitee (expired ones included)."""
    return list(
        db.session.scalars(
            sa.select(Invitation)
            .where(Invitation.team_id == team_id, Invitation.status == "pending")
            .order_by(Invitation.created_at.desc(), Invitation.id.desc())
        )
    )


def of_token(token: str) -> tuple[Invitation | None, str | None]:
    """The invitation a link names, and why it is refused (None: it may be accepted)."""
    invitation, reason = find(Invitation, token)
    if reason:
        return invitation, reason
    if invitation.user is None and email_taken(invitation.email):
        return invitation, "taken"
    if invitation.user is not None and (
        invitation.user.password_hash or not invitation.user.active
    ):
        return invitation, "accepted"
    return invitation, None


def accept(invitation: Invitation, name: str, password: str) -> User | None:
    """Create (or complete) the invitee's account with their name and password; commits.

    None when the invitation was used meanwhile (the link opened twice at once:
    the first to claim it wins) or the email got an account meanwhile (two
    invitations raced).
    """
    now = clock.utcnow()
    claimed = db.session.execute(
        sa.update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.status == "pending")
        .values(status="accepted", closed_at=now)
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        return None
    user = invitation.user or User(
        team_id=invitation.team_id, email=invitation.email, role=invitation.role
    )
    user.name = name.strip()
    user.set_password(password)
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return None
    invitation.status, invitation.closed_at = "accepted", now
    invitation.user_id = user.id
    record_audit(invitation.team_id, user, "invitation_accepted",
                 f"{user.email} accepted the invitation ({user.role})",
                 after={"email": user.email, "role": user.role})  # fmt: skip
    db.session.commit()
    return user


def _issue(team: Team, *, email: str, name: str, role: str, by: User | None,
           user: User | None = None) -> Sent:  # fmt: skip
    """One new link for `email` in `team`; any earlier pending one is superseded."""
    earlier = db.session.scalars(
        sa.select(Invitation).where(
            Invitation.team_id == team.id,
            sa.func.lower(Invitation.email) == email.lower(),
            Invitation.status == "pending",
        )
    )
    for invitation in earlier:
        _close(invitation, "superseded")
    token, token_hash = new_token()
    now = clock.utcnow()
    invitation = Invitation(team_id=team.id, email=email, name=name, role=role,
                            token_hash=token_hash, invited_by_id=by.id if by else None,
                            user_id=user.id if user else None, created_at=now,
                            expires_at=now + INVITATION_LIFETIME)  # fmt: skip
    db.session.add(invitation)
    db.session.flush()
    record_audit(team.id, by, "invitation_sent", f"Invited {email} ({role})",
                 after={"email": email, "role": role})  # fmt: skip
    db.session.commit()
    inviter = by.name if by else None
    return send_link("auth.invitation", token, to=(name, email),
                     subject=f"You are invited to {team.name} on PartnerPlan",
                     template="auth/email/invitation.txt", key=f"invite:{invitation.id}",
                     invitation=invitation, team=team, inviter=inviter,
                     lifetime_hours=int(INVITATION_LIFETIME.total_seconds() // 3600))  # fmt: skip


def _close(invitation: Invitation, status: str) -> None:
    invitation.status = status
    invitation.closed_at = clock.utcnow()
