"""Today: the agent's home page — every open recommendation, most urgent first."""

from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint, redirect, request, url_for
from flask_login import current_user, login_required

from ..extensions import db
from ..models import Partner, Recommendation
from ..partners.queries import visible_partners
from ..recommendations import service
from ..recommendations.forms import DismissForm
from ..templating import nav_item, render

bp = Blueprint("home", __name__)

nav_item("home.today", "Today", order=10)
RECENT_DECISION_DAYS = 14
# A section shows its most urgent items first; the rest behind "Show all".
SECTION_SIZE = 25


@bp.app_context_processor
def today_badge():
    """`today_count()` for the main menu, computed only when a page shows the menu."""

    def today_count() -> int:
        return service.open_count(current_user) if current_user.is_authenticated else 0

    return {"today_count": today_count}


@bp.get("/")
def index():
    return redirect(url_for("home.today"))


@bp.get("/today")
@login_required
def today():
    """Every open recommendation for the user's partners, most urgent first."""
    day = service.team_today(current_user.team_id)
    service.refresh_stale(current_user, day)  # lazily: only partners not evaluated today
    rows = sorted(
        db.session.scalars(service.visible_recommendations(current_user, day)).all(),
        key=service.sort_key,
    )
    actions = [row for row in rows if row.kind == "action"]
    return render(
        "home/today.html",
        block="recommendations",
        today=day,
        overdue=[row for row in actions if row.due and row.due < day],
        due_today=[row for row in actions if row.due == day],
        upcoming=[row for row in actions if not row.due or row.due > day],
        tier_changes=[row for row in rows if row.kind == "tier_change"],
        decisions=recent_decisions(day),
        dismiss_form=DismissForm(formdata=None),
        limit=None if request.args.get("all") else SECTION_SIZE,
    )


def recent_decisions(day) -> list[Recommendation]:
    """Tier changes approved or rejected in the last 14 days, newest first."""
    since = day - timedelta(days=RECENT_DECISION_DAYS - 1)
    partner_ids = visible_partners(current_user, include_archived=True).with_only_columns(
        Partner.id
    )
    return list(
        db.session.scalars(
            sa.select(Recommendation)
            .where(
                Recommendation.team_id == current_user.team_id,
                Recommendation.partner_id.in_(partner_ids),
                Recommendation.kind == "tier_change",
                Recommendation.status.in_(("approved", "rejected")),
                Recommendation.decided_at >= since,
            )
            .order_by(Recommendation.decided_at.desc())
        )
    )
