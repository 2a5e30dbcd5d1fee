"""Today: the agent's home page — every open recommendation, most urgent first."""

from datetime import timedelta
from typing import NamedTuple

import sqlalchemy as sa
from flask import Blueprint, redirect, request, url_for
from flask_login import current_user, login_required

from ..extensions import db
from ..models import Partner, Recommendation
from ..partners.queries import visible
from ..recommendations import service
from ..recommendations.forms import DismissForm
from ..templating import nav_item, render

bp = Blueprint("home", __name__)

nav_item("home.today", "Today", order=10)
RECENT_DECISION_DAYS = 14
# A section shows its most urgent items first (a phone screen's worth, twice
# over); the rest behind "Show all".
SECTION_SIZE = 10


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
    """Every open recommendation for the user's partners, most urgent first.

    The sorting reads four small columns of every open row; only the rows a
    section shows (its first SECTION_SIZE, unless all are asked for) are
    loaded whole.
    """
    day = service.team_today(current_user.team_id)
    service.refresh_stale(current_user, day)  # lazily: only partners not evaluated today
    keys = db.session.execute(
        sa.select(Recommendation.id, Recommendation.kind, Recommendation.due, Recommendation.rule)
        .join(Partner, Partner.id == Recommendation.partner_id)
        .where(*service.awaiting(current_user, day))
    ).all()
    sections: dict[str, list[int]] = {name: [] for name in SECTIONS}
    for key in sorted(keys, key=service.sort_key):
        sections[section_of(key, day)].append(key.id)
    limit = None if request.args.get("all") else SECTION_SIZE
    shown = [row_id for ids in sections.values() for row_id in ids[:limit]]
    loaded = {
        row.id: row
        for row in db.session.scalars(
            service.visible_recommendations(current_user, day).where(Recommendation.id.in_(shown))
        )
    }
    awaiting = sum(len(ids) for name, ids in sections.items() if name != "tier_changes")
    if current_user.is_manager:
        awaiting += len(sections["tier_changes"])
    return render(
        "home/today.html",
        block="recommendations",
        today=day,
        sections={
            name: Section([loaded[row_id] for row_id in ids[:limit] if row_id in loaded], len(ids))
            for name, ids in sections.items()
        },
        decisions=recent_decisions(day),
        dismiss_form=DismissForm(formdata=None),
        limit=limit,
        today_count=lambda: awaiting,
    )


SECTIONS = ("overdue", "due_today", "upcoming", "tier_changes")


class Section(NamedTuple):
    rows: list[Recommendation]  # the ones shown
    total: int


def section_of(key, day) -> str:
    if key.kind != "action":
        return "tier_changes"
    if key.due and key.due < day:
        return "overdue"
    return "due_today" if key.due == day else "upcoming"


def recent_decisions(day) -> list[Recommendation]:
    """Tier changes approved or rejected in the last 14 days, newest first."""
    since = day - timedelta(days=RECENT_DECISION_DAYS - 1)
    return list(
        db.session.scalars(
            sa.select(Recommendation)
            .join(Partner, Partner.id == Recommendation.partner_id)
            .where(
                *visible(current_user, include_archived=True),
                Recommendation.kind == "tier_change",
                Recommendation.status.in_(("approved", "rejected")),
                Recommendation.decided_at >= since,
            )
            .order_by(Recommendation.decided_at.desc())
        )
    )
