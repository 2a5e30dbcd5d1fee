"""Re-evaluating one partner the moment its history or tier changes.

Called by the view that made the change, after it committed: the entry is
already safe, so a failure of the rules here loses nothing. The view says so
to the user, and the nightly refresh (or the next change) catches up.
"""

from flask import current_app

from ..extensions import db
from ..models import Partner, User
from . import service


def reevaluate(partner: Partner, user: User, done_recommendation_id: int | None = None) -> bool:
    """Mark the recommendation the change answered as done (when it is this
    partner's and the user's to see), then evaluate the partner's rules and store
    what they recommend. False when the rules failed (logged, nothing stored)."""
    try:
        if done_recommendation_id is not None:
            row = service.get_recommendation(done_recommendation_id, user)
            if row is not None and row.partner_id == partner.id:
                service.mark_done(row.id, user)
        service.refresh_partners(partner.team_id, [partner.id])
    except Exception:  # the rules engine, or the store: the change is committed either way
        db.session.rollback()
        current_app.logger.exception("re-evaluating partner %s failed", partner.id)
        return False
    return True
