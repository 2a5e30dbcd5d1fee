"""The nightly refresh: every team's recommendations re-evaluated at 02:00, team time.

The same work as `flask recommendations refresh --team ID`, so Today opens
on fresh recommendations instead of evaluating them on the first visit.

And the nightly backup, when BACKUP_DIR is set: one for the whole database
(every team's), so at an hour of its own in UTC (BACKUP_AT), not a team's.
"""

from __future__ import annotations

from datetime import datetime, time

import sqlalchemy as sa

from .. import clock
from ..extensions import analyze, db
from ..models import Partner, Team
from ..recommendations.lifecycle import Summary
from ..recommendations.refresh import in_batches, refresh_batches
from .periodic import periodic
from .queue import huey, in_app_context


@periodic("nightly_refresh", at="02:00")
def nightly_refresh(team: Team, when: datetime) -> str:
    """Re-evaluate and store the team's recommendations as of its day."""
    ids = list(
        db.session.scalars(
            sa.select(Partner.id).where(Partner.team_id == team.id).order_by(Partner.id)
        )
    )
    total = Summary()
    # One process: a worker's threads must not fork (the CLI may, with --workers).
    for summary in refresh_batches(in_batches(team.id, ids), when.date(), workers=1):
        total.add(summary)
    analyze("recommendation", "partner_evaluation")  # grown or shrunk: tell the planner
    return (
        f"{total.partners} partners evaluated: {total.created} new recommendations, "
        f"{total.kept} still open, {total.closed} closed."
    )


def backup_due(now: datetime) -> bool:
    """With BACKUP_DIR set: once BACKUP_AT (UTC) has come, until a backup is taken after it."""
    from flask import current_app

    from ..operations import backups

    config = current_app.config
    if not config.get("BACKUP_DIR"):
        return False
    since = datetime.combine(now.date(), time.fromisoformat(config["BACKUP_AT"]))
    if now < since:
        return False
    return not any(backup.taken >= since for backup in backups.listing(config["BACKUP_DIR"]))


@huey.task()
@in_app_context
def nightly_backup() -> str | None:
    """The whole database's backup of the night (every team's: it is one file),
    enqueued by the tick: the path, or None when it was not due any more."""
    from flask import current_app

    from ..operations import backups

    # Several workers may enqueue it in the same minute: one takes it, the
    # others find it taken.
    with huey.lock_task("nightly_backup"):
        if not backup_due(clock.utcnow()):
            return None
        config = current_app.config
        path = backups.create(db.engine, config["BACKUP_DIR"], config["BACKUP_KEEP"])
    current_app.logger.info("nightly backup: %s", path)
    return str(path)
