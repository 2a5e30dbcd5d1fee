"""The nightly pruning: rows that are only worth keeping for a while are deleted.

What goes, and when:
- **Job runs** of the team, JOB_RUNS_KEPT after they started: the Jobs page
  shows the recent ones, and a season is enough to see what keeps failing. A
  run's row is its slot's claim only on its own day, so an old one is never
  needed again.
- **Ended sessions** of the team's users, SESSIONS_KEPT after they ended
  (signed out, or past their idle or absolute limit): they can never be used
  again, and each keeps a device and an address; the audit trail keeps the
  sign-ins.
- **Emails** in the outbox that are done with (sent, failed or expired),
  OUTBOX_KEPT after they were stored: long enough to answer "did it go
  out?", and no longer than needed to keep a copy of partners' names and
  phones, and of password links, that nobody reads. An email still waiting is
  never deleted. Their keys are each made for one day or one link, so a key
  freed here is never enqueued again.
- **Notifications** pushed to the team's devices (sent, failed or expired),
  OUTBOX_KEPT after they were stored, as emails are: they name partners too.
- **Webhook deliveries** to the team's endpoints that are done with (sent or
  failed), OUTBOX_KEPT after they were stored: the endpoint's page shows the
  recent ones, and each holds what the event told.
- **Failed sign-in counts** of emails without an account, once their last
  failure is `throttle.FORGET_AFTER` old: the next failure would start a new
  count anyway (`throttle.prune`).

The outbox and those counts belong to no team: every team's run prunes them
(a delete that finds nothing costs nothing), and its summary counts only the
team's own rows, so that no team learns how much mail the others send.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from .. import clock
from ..auth import throttle
from ..extensions import db
from ..models import (
    JobRun,
    OutboxEmail,
    PushMessage,
    PushSubscription,
    Team,
    User,
    UserSession,
    WebhookDelivery,
    WebhookEndpoint,
)
from .periodic import periodic

JOB_RUNS_KEPT = timedelta(days=90)
SESSIONS_KEPT = timedelta(days=30)
OUTBOX_KEPT = timedelta(days=30)
# Done with: nothing will send these again (queued and sending still wait).
FINISHED = ("sent", "failed", "expired")


def old_job_runs(team: Team, now: datetime) -> int:
    return db.session.execute(
        sa.delete(JobRun).where(JobRun.team_id == team.id, JobRun.started_at <= now - JOB_RUNS_KEPT)
    ).rowcount


def ended_sessions(team: Team, now: datetime) -> int:
    """The team's sessions that ended SESSIONS_KEPT ago or earlier, however they ended."""
    config = current_app.config
    idle = timedelta(days=config["SESSION_IDLE_DAYS"])
    absolute = timedelta(days=config["SESSION_ABSOLUTE_DAYS"])
    ended_before = now - SESSIONS_KEPT
    return db.session.execute(
        sa.delete(UserSession)
        .where(
            UserSession.user_id.in_(sa.select(User.id).where(User.team_id == team.id)),
            sa.or_(
                UserSession.revoked_at <= ended_before,
                UserSession.last_seen_at <= ended_before - idle,
                UserSession.created_at <= ended_before - absolute,
            ),
        )
        .execution_options(synchronize_session=False)
    ).rowcount


def finished_pushes(team: Team, now: datetime) -> int:
    return db.session.execute(
        sa.delete(PushMessage)
        .where(
            PushMessage.subscription_id.in_(
                sa.select(PushSubscription.id).where(PushSubscription.team_id == team.id)
            ),
            PushMessage.status.in_(FINISHED),
            PushMessage.created_at <= now - OUTBOX_KEPT,
        )
        .execution_options(synchronize_session=False)
    ).rowcount


def finished_webhooks(team: Team, now: datetime) -> int:
    return db.session.execute(
        sa.delete(WebhookDelivery)
        .where(
            WebhookDelivery.endpoint_id.in_(
                sa.select(WebhookEndpoint.id).where(WebhookEndpoint.team_id == team.id)
            ),
            WebhookDelivery.status.in_(FINISHED),
            WebhookDelivery.created_at <= now - OUTBOX_KEPT,
        )
        .execution_options(synchronize_session=False)
    ).rowcount


def finished_emails(now: datetime) -> int:
    return db.session.execute(
        sa.delete(OutboxEmail).where(
            OutboxEmail.status.in_(FINISHED), OutboxEmail.created_at <= now - OUTBOX_KEPT
        )
    ).rowcount


@periodic("prune", at="03:30")
def prune(team: Team, when: datetime) -> str:
    """Delete what has been kept long enough (after the nightly refresh, before any
    morning email, and clear of the hour that clocks skip in spring)."""
    now = clock.utcnow()
    runs, sessions = old_job_runs(team, now), ended_sessions(team, now)
    pushes, webhooks = finished_pushes(team, now), finished_webhooks(team, now)
    emails, counts = finished_emails(now), throttle.prune(now)
    db.session.commit()
    current_app.logger.info(
        "prune: %s emails, %s sign-in counts of unknown emails deleted", emails, counts
    )
    return (
        f"{runs} job runs over {JOB_RUNS_KEPT.days} days old and {sessions} sessions ended "
        f"over {SESSIONS_KEPT.days} days ago and {pushes} notifications over "
        f"{OUTBOX_KEPT.days} days old deleted, and {webhooks} webhook deliveries; also "
        f"finished email over {OUTBOX_KEPT.days} days old and stale sign-in failure counts."
    )
