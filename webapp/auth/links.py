"""Single-use links that let someone choose a password: invitations and password resets.

The token is random and travels only in the link; the database keeps its
SHA-256 (a leaked table opens no account). A link is sent through the outbox
when a mail server is configured; without one, whoever asked for it (the
admin, the command line) is given the link to pass on, and nothing waits in
the outbox to go out later, stale.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import TypeVar

import sqlalchemy as sa
from flask import render_template

from .. import clock, outbox
from ..extensions import db
from ..links import absolute_url
from ..models import token_hash

LinkRow = TypeVar("LinkRow")  # an Invitation or a PasswordReset


@dataclass(frozen=True)
class Sent:
    """What became of a new link: emailed, or to be passed on by hand."""

    link: str
    emailed: bool


def new_token() -> tuple[str, str]:
    """A fresh token and the digest to store for it."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def find(model: type[LinkRow], token: str) -> tuple[LinkRow | None, str | None]:
    """The link's row (an Invitation or a PasswordReset) and why it is refused as far
    as any link goes: "unknown", its status when no longer pending, or "expired";
    None when it is pending and in time."""
    row = db.session.scalar(sa.select(model).where(model.token_hash == token_hash(token)))
    if row is None:
        return None, "unknown"
    if row.status != "pending":
        return row, row.status
    if expired(row):
        return row, "expired"
    return row, None


def expired(row) -> bool:
    """Whether a link (an Invitation or a PasswordReset) is past its time."""
    return clock.utcnow() >= row.expires_at


def send_link(
    endpoint: str, token: str, *, to: tuple[str, str], subject: str, template: str, key: str,
    **context,
) -> Sent:  # fmt: skip
    """Email the link built for `endpoint` and `token` (when mail is configured)."""
    link = absolute_url(endpoint, token=token)
    if not outbox.mail_configured():
        return Sent(link, emailed=False)
    message = outbox.automated_message(*to, subject)
    message.set_content(render_template(template, link=link, **context))
    outbox.enqueue(message, key=key)
    return Sent(link, emailed=True)
