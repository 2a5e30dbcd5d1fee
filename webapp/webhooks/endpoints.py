"""A team's webhook endpoints and their deliveries, as its admins manage them.

Every lookup is scoped to the team (another team's endpoint is not found).
A secret is `whsec_` + base64 of 24 random bytes, the Standard Webhooks
form. It is stored as it is, since every delivery is signed with it; the admin
is shown it once, when it is made (a new endpoint, or a rotation).
"""

from __future__ import annotations

import base64
import secrets

import sqlalchemy as sa
from flask import abort

from .. import clock
from ..extensions import db
from ..models import User, WebhookDelivery, WebhookEndpoint, record_audit
from . import sender

DELIVERIES_SHOWN = 50


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def endpoints_of(team_id: int) -> list[WebhookEndpoint]:
    return list(
        db.session.scalars(
            sa.select(WebhookEndpoint)
            .where(WebhookEndpoint.team_id == team_id)
            .order_by(WebhookEndpoint.created_at, WebhookEndpoint.id)
        )
    )


def team_endpoint(team_id: int, endpoint_id: int) -> WebhookEndpoint:
    """An endpoint of the team; 404 for anyone else's."""
    endpoint = db.session.scalar(
        sa.select(WebhookEndpoint).where(
            WebhookEndpoint.id == endpoint_id, WebhookEndpoint.team_id == team_id
        )
    )
    if endpoint is None:
        abort(404)
    return endpoint


def team_delivery(team_id: int, delivery_id: int) -> WebhookDelivery:
    """A delivery to an endpoint of the team; 404 for anyone else's."""
    delivery = db.session.scalar(
        sa.select(WebhookDelivery)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(WebhookDelivery.id == delivery_id, WebhookEndpoint.team_id == team_id)
    )
    if delivery is None:
        abort(404)
    return delivery


def deliveries_of(endpoint: WebhookEndpoint) -> list[WebhookDelivery]:
    """The endpoint's latest deliveries, newest first."""
    return list(
        db.session.scalars(
            sa.select(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == endpoint.id)
            .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
            .limit(DELIVERIES_SHOWN)
        )
    )


def register(user: User, url: str, events: list[str]) -> WebhookEndpoint:
    """A new endpoint of the user's team (committed); its secret is shown once."""
    endpoint = WebhookEndpoint(
        team_id=user.team_id,
        url=url,
        events=list(events),
        secret=new_secret(),
        failures_in_a_row=0,
        created_by_id=user.id,
    )
    db.session.add(endpoint)
    db.session.flush()
    _audit(user, "webhook_added", f"Webhook endpoint added: {url}", endpoint)
    db.session.commit()
    return endpoint


def rotate(endpoint: WebhookEndpoint, user: User) -> str:
    """A new secret, at once: deliveries are signed with it from the next attempt."""
    endpoint.secret = new_secret()
    _audit(user, "webhook_secret", f"Webhook secret rotated: {endpoint.url}", endpoint)
    db.session.commit()
    return endpoint.secret


def pause(endpoint: WebhookEndpoint, user: User) -> None:
    if endpoint.paused_at is None:
        endpoint.paused_at, endpoint.paused_by = clock.utcnow(), "admin"
        _audit(user, "webhook_paused", f"Webhook endpoint paused: {endpoint.url}", endpoint)
        db.session.commit()


def resume(endpoint: WebhookEndpoint, user: User) -> None:
    """Send to it again: what waited goes now, and its failures count from nothing."""
    if endpoint.paused_at is not None:
        endpoint.paused_at, endpoint.paused_by = None, None
        endpoint.failures_in_a_row = 0
        _audit(user, "webhook_resumed", f"Webhook endpoint resumed: {endpoint.url}", endpoint)
        db.session.commit()
        _ask_to_send()


def delete(endpoint: WebhookEndpoint, user: User) -> None:
    """The endpoint goes, with its deliveries (sent or waiting)."""
    _audit(user, "webhook_deleted", f"Webhook endpoint deleted: {endpoint.url}", endpoint)
    db.session.execute(sa.delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id))
    db.session.delete(endpoint)
    db.session.commit()


def resend(delivery: WebhookDelivery) -> None:
    """Queue the delivery again, now, with every attempt before it: the same
    event id (`webhook-id`), so a receiver that had it already can tell."""
    delivery.status, delivery.attempts = "queued", 0
    delivery.next_attempt_at, delivery.sent_at = clock.utcnow(), None
    db.session.commit()
    _ask_to_send()


def _ask_to_send() -> None:
    try:
        sender.deliver()
    except Exception:  # the queue is unreachable: the tick will send it
        from flask import current_app

        current_app.logger.warning("webhooks: could not ask a worker to send", exc_info=True)


def _audit(user: User, kind: str, summary: str, endpoint: WebhookEndpoint) -> None:
    record_audit(
        user.team_id,
        user,
        kind,
        summary,
        after={"url": endpoint.url, "events": list(endpoint.events)},
    )
