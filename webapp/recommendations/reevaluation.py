"""Re-evaluating one partner: the moment its history or tier changes, and
before its page is shown on a day the nightly refresh has not reached it.

Called by the view, after it committed what changed: the entry is already
safe, so a failure of the rules here loses nothing. The page then shows the
recommendations last stored, and the next evaluation catches up.
"""

from flask import current_app

from ..extensions import db
from ..models import Partner, User
from . import lifecycle


def reevaluate(partner: Partner, user: User, done_recommendation_id: int | None = None) -> bool:
    """Mark the recommendation the change answered as done (when it is this
    partner's and the user's to see), then evaluate the partner's rules and store
    what they recommend. False when the rules failed (logged, nothing stored)."""
    try:
        if done_recommendation_id is not None:
            row = lifecycle.get_recommendation(done_recommendation_id, user)
            if row is not None and row.partner_id == partner.id:
                lifecycle.mark_done(row.id, user)
        lifecycle.refresh_partners(partner.team_id, [partner.id])
    except Exception:  # the rules engine, or the store: the change is committed either way
        db.session.rollback()
        current_app.logger.exception("re-evaluating partner %s failed", partner.id)
        return False
    return True


def bring_up_to_date(partner: Partner) -> bool:
    """Before the partner page: evaluate the partner if it was not yet evaluated
    today under the current settings (the nightly refresh usually has). False
    when the rules failed (logged; the page shows what is stored)."""
    try:
        if not lifecycle.evaluated_today(partner):
            lifecycle.refresh_partners(partner.team_id, [partner.id])
    except Exception:  # the rules engine, or the store: the page still opens
        db.session.rollback()
        current_app.logger.exception("evaluating partner %s failed", partner.id)
        return False
    return True
