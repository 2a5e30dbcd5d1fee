"""The nightly refresh: every team's recommendations re-evaluated at 02:00, team time.

The same work as `flask recommendations refresh --team ID`, so Today opens
on fresh recommendations instead of evaluating them on the first visit.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from ..extensions import analyze, db
from ..models import Partner, Team
from ..recommendations.lifecycle import Summary
from ..recommendations.refresh import in_batches, refresh_batches
from .periodic import periodic


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
