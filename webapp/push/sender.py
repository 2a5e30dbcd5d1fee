"""Pushing: every notification is stored for each device first, then pushed by a job.

The same pattern as the email outbox (webapp/outbox.py):
- `notify(user_ids, notice, key=None)` stores one PushMessage per device of
  those users (active ones), commits, and asks a worker to push at once (the
  `deliver` task). A `key` makes it once-only per device: storing it again
  stores nothing.
- `send_queued()` is the sender, callable synchronously (`flask jobs run-due`
  does); the worker runs it after each `notify` and on every tick. One sender
  at a time (the `push` task lock); each message is claimed by a conditional
  update before it is pushed.
- What the push service answers decides: 201 pushed; 404 or 410, the browser
  has dropped the subscription, so the device is deleted with what waits for
  it; 429, 5xx or no answer at all (the service unreachable), tried again 1,
  2, 4... minutes later, MAX_ATTEMPTS times in all; any other refusal (400,
  403: not our key, 413) is failed at once. Each failure is counted on the
  device and its last error kept, for the account page.
- A notification is news for the day or not at all: one not pushed within
  LIFETIME is marked `expired`, and the push service is asked to keep it no
  longer than that while the device is offline (TTL).
- The endpoint is checked again before each push (the services allowed may
  have changed since the device subscribed), and redirects are not followed:
  the server POSTs nowhere but to a push service.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

import requests
import sqlalchemy as sa
from flask import current_app
from pywebpush import WebPushException, webpush

from .. import clock
from ..extensions import commit_keeping_loaded, db, insert_if_new
from ..jobs import claims
from ..jobs.queue import huey, in_app_context
from ..models import PushMessage, PushSubscription, User
from ..validation import CONTROL
from . import keys
from .subscriptions import endpoint_problem, live_devices

RETRY_FIRST = timedelta(minutes=1)
RETRY_MAX = timedelta(hours=1)
MAX_ATTEMPTS = 5
# How long a sender may take over one push before another takes it again.
SENDING_LEASE = timedelta(minutes=2)
LIFETIME = timedelta(hours=12)
TIMEOUT_SECONDS = 10
GONE = (404, 410)


@dataclass(frozen=True)
class Notice:
    """What a notification says: the JSON the service worker shows (static/sw-push.js).
    `url` is a path of PartnerPlan's, opened on a click; `tag` makes a newer
    notification of the same thing replace the one still shown."""

    title: str
    body: str
    url: str
    tag: str

    def payload(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)


def plain(text: str, limit: int = 120) -> str:
    """One line of plain text, at most `limit` characters: a notification is shown
    as text, not HTML, but a line break or control character typed into a name
    has no place in it, and a system shows only so much."""
    text = " ".join(CONTROL.sub(" ", text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def notify(user_ids: Iterable[int], notice: Notice, key: str | None = None) -> int:
    """Store `notice` for every device of those users who are active, commit, and
    ask a worker to push at once; how many devices it was stored for (0 when `key`
    was stored already, or no device)."""
    stored = store_notice(user_ids, notice, key)
    # Called after the request's own commit: what it loaded stays loaded.
    commit_keeping_loaded()
    if stored:
        send_soon()
    return stored


def store_notice(user_ids: Iterable[int], notice: Notice, key: str | None = None) -> int:
    """`notify`'s rows, in the caller's transaction: neither committed nor sent. For
    a caller whose own writes and their pushes must stand or fall together (the
    recommendations refresh): it commits, then calls `send_soon`."""
    ids = set(user_ids)
    if not ids:
        return 0
    subscriptions = db.session.scalars(
        live_devices()
        .with_only_columns(PushSubscription.id)
        .join(User, User.id == PushSubscription.user_id)
        .where(PushSubscription.user_id.in_(ids), User.active.is_(True))
    ).all()
    if not subscriptions:
        return 0
    now, payload = clock.utcnow(), notice.payload()
    stored = sum(
        insert_if_new(
            PushMessage,
            subscription_id=subscription_id,
            key=key,
            payload=payload,
            status="queued",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
        for subscription_id in subscriptions
    )
    return stored


def send_soon() -> None:
    """Ask a worker to push what is queued, once it is committed."""
    try:
        deliver()
    except Exception:  # the queue is unreachable: the tick will push it
        current_app.logger.warning("push: could not ask a worker to send", exc_info=True)


def send_queued() -> int:
    """Push every message that is due, oldest first; returns how many were pushed."""
    _expire(clock.utcnow())
    pushed = 0
    vapid = None
    with requests.Session() as session:
        session.max_redirects = 0  # a redirect is an error, never followed
        while (claimed := _claim_next()) is not None:
            message, subscription = claimed
            if problem := endpoint_problem(subscription.endpoint):
                _failed(message, subscription, f"not sent: {problem}")
                continue
            if vapid is None:
                vapid = keys.private_key()
            try:
                webpush(
                    {
                        "endpoint": subscription.endpoint,
                        "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
                    },
                    data=message.payload,
                    vapid_private_key=vapid,
                    # A fresh dict each time: webpush writes the audience (this
                    # endpoint's origin) and the expiry into it.
                    vapid_claims={"sub": keys.contact()},
                    ttl=int(LIFETIME.total_seconds()),
                    timeout=TIMEOUT_SECONDS,
                    requests_session=session,
                )
            except WebPushException as error:
                status = error.status_code
                if status in GONE:
                    _forget(subscription)
                elif status is None or (400 <= status < 500 and status != 429):
                    _failed(message, subscription, _describe(error))
                else:
                    _retry(message, subscription, _describe(error))
            except requests.RequestException as error:  # unreachable, timed out, redirected
                _retry(message, subscription, f"{type(error).__name__}: {error}")
            else:
                _pushed(message, subscription)
                pushed += 1
    return pushed


@huey.task()
@huey.lock_task("push")  # one sender at a time: others return at once
@in_app_context
def deliver() -> None:
    """A worker's run of the sender (after a notify, and on every tick)."""
    send_queued()


def _describe(error: WebPushException) -> str:
    response = error.response
    if response is None:
        return str(error.message)[:500]
    return f"{error.status_code} {getattr(response, 'reason', '')}: {response.text[:300]}"


def _due(now: datetime) -> sa.ColumnElement[bool]:
    return claims.due(PushMessage, now)


def _expire(now: datetime) -> None:
    db.session.execute(
        sa.update(PushMessage)
        .where(_due(now), PushMessage.created_at <= now - LIFETIME)
        .values(status="expired", last_error="expired: not pushed in time")
    )
    db.session.commit()


def _claim_next() -> tuple[PushMessage, PushSubscription] | None:
    """Take the oldest due message for this sender, with its device."""
    while (message_id := claims.claim_next(PushMessage, SENDING_LEASE)) is not None:
        message = db.session.get(PushMessage, message_id)
        device = db.session.get(PushSubscription, message.subscription_id) if message else None
        if device is not None:
            return message, device
        # Its device was removed meanwhile, and the message with it: the next one.
    return None


def _pushed(message: PushMessage, subscription: PushSubscription) -> None:
    now = clock.utcnow()
    message.status, message.sent_at, message.last_error = "sent", now, None
    subscription.last_success_at, subscription.failures, subscription.last_error = now, 0, None
    db.session.commit()


def _failed(message: PushMessage, subscription: PushSubscription, error: str) -> None:
    message.status, message.last_error = "failed", error
    subscription.failures += 1
    subscription.last_error = error
    db.session.commit()


def _retry(message: PushMessage, subscription: PushSubscription, error: str) -> None:
    """Try again later, or fail it after MAX_ATTEMPTS."""
    if message.attempts >= MAX_ATTEMPTS:
        _failed(message, subscription, error)
        return
    delay = min(RETRY_FIRST * 2 ** (message.attempts - 1), RETRY_MAX)
    message.status, message.last_error = "queued", error
    message.next_attempt_at = clock.utcnow() + delay
    subscription.failures += 1
    subscription.last_error = error
    db.session.commit()


def _forget(subscription: PushSubscription) -> None:
    """The push service says the browser dropped it: the device and what waits for it go."""
    current_app.logger.info("push: subscription %s is gone, deleted", subscription.id)
    db.session.execute(sa.delete(PushMessage).where(PushMessage.subscription_id == subscription.id))
    db.session.execute(sa.delete(PushSubscription).where(PushSubscription.id == subscription.id))
    db.session.commit()
