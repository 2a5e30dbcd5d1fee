"""Sending webhooks: every delivery is stored first, then POSTed by a job.

The same pattern as the email outbox (webapp/outbox.py) and the push sender:
- `send_queued()` is the sender, callable synchronously (`flask jobs
  run-due` does); the worker runs it after each event (`deliver`) and on
  every tick. One sender at a time (the `webhooks` task lock); each delivery
  is claimed by a conditional update before it is sent.
- Each attempt is signed afresh (its own `webhook-timestamp`) with the same
  `webhook-id`, and POSTed with a TIMEOUT; a redirect is not followed (the
  server POSTs only where the admin said).
- A 2xx answer: sent. Anything else (another status, a redirect, no answer
  in time, no connection) is tried again 1, 2, 4, 8... minutes later,
  MAX_ATTEMPTS times in all, then failed.
- A delivery that failed for good counts against its endpoint; one that was
  sent resets the count. PAUSE_AFTER failed in a row pause the endpoint
  (nothing more is stored or sent for it until an admin resumes it), and
  the team's admins are emailed through the outbox.
- The URL is checked again before each attempt, and so are the addresses its
  name resolves to: no private, loopback or link-local one (but under test or
  in debug, loopback). A name that resolves elsewhere by the time of the
  connection (DNS rebinding) is not caught: that needs a proxy in front.
- A paused endpoint's deliveries wait, and go when it is resumed.
"""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import requests
import sqlalchemy as sa
from flask import current_app
from standardwebhooks import Webhook

from .. import clock, outbox
from ..extensions import db
from ..jobs import claims
from ..jobs.queue import huey, in_app_context
from ..links import absolute_url
from ..models import User, WebhookDelivery, WebhookEndpoint
from ..validation import public_address_problem, webhook_url_problem

RETRY_FIRST = timedelta(minutes=1)
MAX_ATTEMPTS = 8  # 1 + 2 + ... + 64 minutes: tried for about two hours
PAUSE_AFTER = 5  # deliveries in a row failed for good
# How long a sender may take over one delivery before another takes it again.
SENDING_LEASE = timedelta(minutes=2)
USER_AGENT = "PartnerPlan-Webhooks/1"


def loopback_allowed() -> bool:
    app = current_app
    return app.testing or app.debug


def url_problem(url: object) -> str | None:
    """The validator, with loopback only under test or in debug."""
    return webhook_url_problem(url, loopback=loopback_allowed())


def sign(secret: str, event_id: str, at: datetime, body: str) -> dict[str, str]:
    """The three Standard Webhooks headers of one attempt made `at` (naive UTC)."""
    moment = at.replace(tzinfo=UTC)
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": Webhook(secret).sign(event_id, moment, body),
    }


def send_queued() -> int:
    """Send every delivery that is due, oldest first; returns how many were sent."""
    sent = 0
    with requests.Session() as session:
        session.trust_env = False  # no proxy or .netrc of the environment's
        while (claimed := _claim_next()) is not None:
            delivery, endpoint = claimed
            status, error = _post(session, delivery, endpoint)
            if status is not None and 200 <= status < 300:
                _sent(delivery, endpoint, status)
                sent += 1
            else:
                _not_sent(delivery, endpoint, status, error)
    return sent


@huey.task()
@huey.lock_task("webhooks")  # one sender at a time: others return at once
@in_app_context
def deliver() -> None:
    """A worker's run of the sender (after an event, and on every tick)."""
    send_queued()


def _post(
    session: requests.Session, delivery: WebhookDelivery, endpoint: WebhookEndpoint
) -> tuple[int | None, str | None]:
    """POST the delivery: (the status answered or None, what went wrong or None)."""
    if problem := url_problem(endpoint.url) or _resolved_problem(endpoint.url):
        return None, f"not sent: {problem}"
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        **sign(endpoint.secret, delivery.event_id, clock.utcnow(), delivery.payload),
    }
    try:
        # stream: the answer's body is never read, only its status.
        with session.post(
            endpoint.url,
            data=delivery.payload.encode(),
            headers=headers,
            timeout=current_app.config["WEBHOOK_TIMEOUT_SECONDS"],
            allow_redirects=False,
            stream=True,
        ) as response:
            status, reason = response.status_code, response.reason
    except requests.Timeout:
        return None, f"no answer within {current_app.config['WEBHOOK_TIMEOUT_SECONDS']} s"
    except requests.RequestException as error:
        return None, f"{type(error).__name__}: {error}"[:500]
    if 300 <= status < 400:
        return status, f"{status} {reason}: a redirect, not followed"
    if not 200 <= status < 300:
        return status, f"{status} {reason}"
    return status, None


def _resolved_problem(url: str) -> str | None:
    """The problem with what the URL's host resolves to now, if any."""
    parts = urlsplit(url)
    try:
        found = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except OSError as error:
        return f"{parts.hostname} cannot be resolved ({error})"
    return public_address_problem((address[4][0] for address in found), loopback=loopback_allowed())


# Deliveries of a paused endpoint wait until it is resumed.
NOT_PAUSED = WebhookDelivery.endpoint_id.in_(
    sa.select(WebhookEndpoint.id).where(WebhookEndpoint.paused_at.is_(None))
)


def _claim_next() -> tuple[WebhookDelivery, WebhookEndpoint] | None:
    """Take the oldest due delivery for this sender, with its endpoint."""
    while (
        delivery_id := claims.claim_next(WebhookDelivery, SENDING_LEASE, NOT_PAUSED)
    ) is not None:
        delivery = db.session.get(WebhookDelivery, delivery_id)
        endpoint = db.session.get(WebhookEndpoint, delivery.endpoint_id) if delivery else None
        if endpoint is not None:
            return delivery, endpoint
        # Its endpoint was deleted meanwhile, and the delivery with it: the next one.
    return None


def _sent(delivery: WebhookDelivery, endpoint: WebhookEndpoint, status: int) -> None:
    delivery.status, delivery.sent_at = "sent", clock.utcnow()
    delivery.last_status_code, delivery.last_error = status, None
    db.session.execute(
        sa.update(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint.id)
        .values(failures_in_a_row=0)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _not_sent(
    delivery: WebhookDelivery, endpoint: WebhookEndpoint, status: int | None, error: str | None
) -> None:
    """Try again later, or fail it after MAX_ATTEMPTS (and count it against the endpoint)."""
    delivery.last_status_code, delivery.last_error = status, error
    if delivery.attempts < MAX_ATTEMPTS:
        delivery.status = "queued"
        delivery.next_attempt_at = clock.utcnow() + RETRY_FIRST * 2 ** (delivery.attempts - 1)
        db.session.commit()
        return
    delivery.status = "failed"
    failures = db.session.execute(
        sa.update(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint.id)
        .values(failures_in_a_row=WebhookEndpoint.failures_in_a_row + 1)
        .returning(WebhookEndpoint.failures_in_a_row)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    db.session.commit()
    if failures >= PAUSE_AFTER:
        _pause_failing(endpoint.id, failures)


def _pause_failing(endpoint_id: int, failures: int) -> None:
    """Pause the endpoint (once: of two senders, one does it) and email the team's admins."""
    now = clock.utcnow()
    paused = db.session.execute(
        sa.update(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint_id, WebhookEndpoint.paused_at.is_(None))
        .values(paused_at=now, paused_by="failures")
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if paused != 1:
        return
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    db.session.refresh(endpoint)
    current_app.logger.warning("webhooks: endpoint %s paused: %s failures", endpoint_id, failures)
    if outbox.mail_configured():
        _tell_admins(endpoint, failures)


def _tell_admins(endpoint: WebhookEndpoint, failures: int) -> None:
    admins = db.session.scalars(
        sa.select(User).where(
            User.team_id == endpoint.team_id, User.role == "admin", User.active.is_(True)
        )
    ).all()
    page = absolute_url("admin.webhook", webhook_endpoint_id=endpoint.id)
    for admin in admins:
        message = outbox.automated_message(admin.name, admin.email, "A webhook endpoint is paused")
        message.set_content(
            f"PartnerPlan stopped sending events to {endpoint.url}: its last {failures} "
            "deliveries failed, each after every retry.\n\n"
            "Nothing more is sent to it until it is resumed. Its deliveries, and what the "
            f"server answered, are listed here (resume it there once it is fixed):\n{page}\n"
        )
        key = f"webhook-paused:{endpoint.id}:{admin.id}:{endpoint.paused_at:%Y%m%dT%H%M%S}"
        outbox.enqueue(message, key=key)
