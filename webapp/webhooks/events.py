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
from ..models import (
    Interaction,
    Partner,
    PlanningSession,
    Recommendation,
    Referral,
    WebhookDelivery,
    WebhookEndpoint,
)
from . import EVENTS, sender


def new_event_id() -> str:
    """A `webhook-id`: unique, and the same for every endpoint told of one event."""
    return f"msg_{secrets.token_urlsafe(18)}"


def listening(team_id: int, event_type: str) -> list[int]:
    """The team's active endpoints that take this type of event."""
    assert event_type in EVENTS, event_type
    endpoints = db.session.execute(
        sa.select(WebhookEndpoint.id, WebhookEndpoint.events).where(
            WebhookEndpoint.team_id == team_id, WebhookEndpoint.paused_at.is_(None)
        )
    ).all()
    return [endpoint_id for endpoint_id, events in endpoints if event_type in (events or ())]


def publish(team_id: int, event_type: str, data: dict) -> int:
    """Store the event for each of the team's active endpoints that takes its type,
    commit, and ask a worker to send at once; how many deliveries were stored."""
    stored = store_event(team_id, event_type, data)
    if not stored:
        return 0
    # Called after the request's own commit: what it loaded stays loaded.
    commit_keeping_loaded()
    send_soon()
    return stored


def store_event(team_id: int, event_type: str, data: dict) -> int:
    """`publish`'s deliveries, in the caller's transaction: neither committed nor
    sent. For a caller whose own writes and their events must stand or fall
    together (the recommendations refresh): it commits, then calls `send_soon`."""
    targets = listening(team_id, event_type)
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
    return len(targets)


def send_soon() -> None:
    """Ask a worker to send what is queued, once it is committed."""
    try:
        sender.deliver()
    except Exception:  # the queue is unreachable: the tick will send it
        current_app.logger.warning("webhooks: could not ask a worker to send", exc_info=True)


def interaction_logged(interaction: Interaction, team_id: int) -> int:
    return publish(team_id, "interaction.logged", schemas.Interaction().dump(interaction))


def tier_changed(partner: Partner, tier_from: str) -> int:
    """The partner as the API gives it (its new tier), and the tier it left."""
    data = {**schemas.Partner().dump(partner), "previous_tier": tier_from}
    return publish(partner.team_id, "tier.changed", data)


def referral_received(referral: Referral, team_id: int) -> int:
    return publish(team_id, "referral.received", schemas.Referral().dump(referral))


def referral_status_changed(referral: Referral, status_from: str, team_id: int) -> int:
    """The referral as the API gives it (its new status), and the status it left."""
    data = {**schemas.Referral().dump(referral), "previous_status": status_from}
    return publish(team_id, "referral.status_changed", data)


def recommendations_opened(team_id: int, opened: list[tuple[int, str]]) -> int:
    """Each recommendation a refresh opened, named by (partner id, rule): one event
    each, stored in the refresh's transaction (`store_event`: the refresh commits,
    then calls `send_soon`). Nothing is read when no endpoint of the team listens
    (the nightly refresh opens many)."""
    if not opened or not listening(team_id, "recommendation.opened"):
        return 0
    partner_ids, rules = {p for p, _ in opened}, {r for _, r in opened}
    rows = db.session.scalars(
        sa.select(Recommendation)
        .where(
            Recommendation.team_id == team_id,
            Recommendation.partner_id.in_(partner_ids),
            Recommendation.rule.in_(rules),
            Recommendation.status == "open",
        )
        .order_by(Recommendation.id)
    ).all()
    wanted = set(opened)
    told = 0
    for row in rows:
        if (row.partner_id, row.rule) in wanted:
            data = schemas.OpenedRecommendation().dump(row)
            told += store_event(team_id, "recommendation.opened", data)
    return told


def planning_session_booked(sessions: list[PlanningSession], team_id: int) -> int:
    """The series as booked: its first session's fields, and every start."""
    return publish(
        team_id,
        "planning_session.booked",
        schemas.BookedSeries().dump(
            {
                "series": sessions[0].series,
                "partner_id": sessions[0].partner_id,
                "user_id": sessions[0].user_id,
                "sessions": sessions,
            }
        ),
    )
