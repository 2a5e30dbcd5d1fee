"""The Recommendations panel of the partner page, and re-evaluation after a log."""

from flask import current_app

from .. import clock
from ..extensions import db
from ..forms import EmptyForm
from ..models import Partner, User
from ..partners.panels import history_changed, partner_panel
from . import lifecycle, queries
from .forms import DismissForm, SnoozeForm


@partner_panel(
    "recommendations",
    "recommendations/_panel.html",
    order=10,
    refresh_on_log=("interaction", "referral"),
)
def recommendations_panel(partner: Partner, user: User) -> dict:
    return {
        "partner": partner,
        "recommendations": queries.partner_recommendations(partner, user),
        "today_count": queries.open_count(user),
        "today": clock.today(partner.team.timezone),
        "snooze_form": SnoozeForm(formdata=None),
        "dismiss_form": DismissForm(formdata=None),
        "form": EmptyForm(formdata=None),
    }


@history_changed.connect
def reevaluate_partner(
    partner: Partner, user: User | None = None, recommendation_id: int | None = None, **extra
) -> None:
    """Something was logged: the partner's recommendations change at once.

    What was logged is already committed; if the rules fail now, the entry
    stays and the panel shows the last stored recommendations (the next
    evaluation, on Today or the nightly refresh, catches up).
    """
    try:
        if recommendation_id and user is not None:
            row = lifecycle.get_recommendation(recommendation_id, user)
            if row is not None and row.partner_id == partner.id:
                lifecycle.mark_done(row.id, user)
        lifecycle.refresh_partners(partner.team_id, [partner.id])
    except Exception:
        db.session.rollback()
        current_app.logger.exception("re-evaluating partner %s failed", partner.id)
