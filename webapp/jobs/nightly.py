"""The nightly refresh: every team's recommendations re-evaluated at 02:00, team time.

The same work as `flask recommendations refresh --team ID`, so Today opens
on fresh recommendations instead of evaluating them on the first visit.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from ..extensions import analyze, db
from ..models import Partner, Team
from ..recommendations import service
from ..recommendations.cli import BATCH
from .periodic import periodic


@periodic("nightly_refresh", at="02:00")
def nightly_refresh(team: Team, when: datetime) -> str:
    """Re-evaluate and store the team's recommendations as of its day."""
    ids = list(
        db.session.scalars(
            sa.select(Partner.id).where(Partner.team_id == team.id).order_by(Partner.id)
        )
    )
    batches = [(team.id, ids[i : i + BATCH]) for i in range(0, len(ids), BATCH)]
    total = service.Summary()
    # One process: a worker's threads must not fork (the CLI may, with --workers).
    for summary in service.refresh_batches(batches, when.date(), workers=1):
        total.add(summary)
    analyze("recommendation", "partner_evaluation")  # grown or shrunk: tell the planner
    return (
        f"{total.partners} partners evaluated: {total.created} new recommendations, "
        f"{total.kept} still open, {total.closed} closed."
    )
