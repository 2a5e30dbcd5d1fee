"""Telling the team's endpoints what happened: one delivery per endpoint, stored, then sent.

The body is `{"type": ..., "timestamp": ..., "data": {...}}`: the timestamp
is when it happened (ISO 8601, UTC) and `data` is the object as the API
gives it (webapp/api/schemas.py), so that a receiver reads one shape.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC

import sqlalchemy as sa
from flask import current_app

from .. import clock
from ..api import schemas
from ..extensions import commit_keeping_loaded, db
from ..models import Interaction, Partner, Referral, WebhookDelivery, WebhookEndpoint
from . import EVENTS, sender


def new_event_id() -> str:
    """A `webhook-id`: unique, and the same for every endpoint told of one event."""
    return f"msg_{secrets.token_urlsafe(18)}"


def publish(team_id: int, event_type: str, data: dict) -> int:
    """Store the event for each of the team's active endpoints that takes its type,
    commit, and ask a worker to send at once; how many deliveries were stored."""
    assert event_type in EVENTS, event_type
    endpoints = db.session.execute(
        sa.select(WebhookEndpoint.id, WebhookEndpoint.events).where(
            WebhookEndpoint.team_id == team_id, WebhookEndpoint.paused_at.is_(None)
        )
    ).all()
    targets = [endpoint_id for endpoint_id, events in endpoints if event_type in (events or ())]
    if not targets:
        return 0
    now, event_id = clock.utcnow(), new_event_id()
    body = json.dumps(
        {"type": event_type, "timestamp": now.replace(tzinfo=UTC).isoformat(), "data": data},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    db.session.add_all(
        WebhookDelivery(
            endpoint_id=endpoint_id,
            event_type=event_type,
            event_id=event_id,
            payload=body,
            status="queued",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
        for endpoint_id in targets
    )
    # Called after the request's own commit: what it loaded stays loaded.
    commit_keeping_loaded()
    try:
        sender.deliver()
    except Exception:  # the queue is unreachable: the tick will send it
        current_app.logger.warning("webhooks: could not ask a worker to send", exc_info=True)
    return len(targets)


def interaction_logged(interaction: Interaction, team_id: int) -> int:
    return publish(team_id, "interaction.logged", schemas.Interaction().dump(interaction))


def tier_changed(partner: Partner, tier_from: str) -> int:
    """The partner as the API gives it (its new tier), and the tier it left."""
    data = {**schemas.Partner().dump(partner), "previous_tier": tier_from}
    return publish(partner.team_id, "tier.changed", data)


def referral_received(referral: Referral, team_id: int) -> int:
    return publish(team_id, "referral.received", schemas.Referral().dump(referral))
