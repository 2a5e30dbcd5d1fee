"""Today: the agent's home page — every open recommendation, most urgent first."""

import functools
from datetime import timedelta
from typing import NamedTuple

import sqlalchemy as sa
from flask import Blueprint, redirect, request, url_for
from flask_login import current_user, login_required

from .. import clock
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

    The database sorts them into their sections and ranks them there; only
    the rows a section shows (its first SECTION_SIZE, unless all are asked
    for) are loaded whole.
    """
    day = clock.today(current_user.team.timezone)
    service.refresh_stale(current_user, day)  # lazily: only partners not evaluated today
    params = service.awaiting_params(current_user, day)
    limit = None if request.args.get("all") else SECTION_SIZE
    totals = dict.fromkeys(SECTIONS, 0)
    shown: dict[str, list[int]] = {name: [] for name in SECTIONS}
    for row_id, section, total in db.session.execute(
        _ranked(current_user.is_manager), {**params, "limit": limit or EVERYTHING}
    ):
        totals[SECTIONS[section]] = total
        shown[SECTIONS[section]].append(row_id)
    loaded = {
        row.id: row
        for row in db.session.scalars(
            service.visible_recommendations(current_user.is_manager).where(
                Recommendation.id.in_([row_id for ids in shown.values() for row_id in ids])
            ),
            params,
        )
    }
    awaiting = sum(total for name, total in totals.items() if name != "tier_changes")
    if current_user.is_manager:
        awaiting += totals["tier_changes"]
    return render(
        "home/today.html",
        block="recommendations",
        today=day,
        sections={
            name: Section([loaded[row_id] for row_id in ids if row_id in loaded], totals[name])
            for name, ids in shown.items()
        },
        decisions=recent_decisions(day),
        dismiss_form=DismissForm(formdata=None),
        limit=limit,
        today_count=lambda: awaiting,
    )


SECTIONS = ("overdue", "due_today", "upcoming", "tier_changes")


EVERYTHING = 2**31 - 1  # "all": no section is that long


@functools.cache
def _ranked(manager: bool) -> sa.Select:
    """(id, section, the section's size) of the first `limit` open rows of each
    section, in order: actions by due day (none last), then the catalogue's
    priority; tier changes the same way, in their own section."""
    rec, today = Recommendation, sa.bindparam("today", type_=sa.Date)
    section = sa.case(
        (rec.kind != "action", SECTIONS.index("tier_changes")),
        (rec.due < today, SECTIONS.index("overdue")),
        (rec.due == today, SECTIONS.index("due_today")),
        else_=SECTIONS.index("upcoming"),
    )
    priority = sa.case(service.PRIORITY, value=rec.rule, else_=999)
    urgency = (rec.due.is_(None), rec.due, priority, rec.id)
    ranked = (
        sa.select(
            rec.id,
            section.label("section"),
            sa.func.row_number().over(partition_by=section, order_by=urgency).label("place"),
            sa.func.count().over(partition_by=section).label("total"),
        )
        .join(Partner, Partner.id == rec.partner_id)
        .where(*service.awaiting(manager))
        .subquery()
    )
    return (
        sa.select(ranked.c.id, ranked.c.section, ranked.c.total)
        .where(ranked.c.place <= sa.bindparam("limit"))
        .order_by(ranked.c.section, ranked.c.place)
    )


class Section(NamedTuple):
    rows: list[Recommendation]  # the ones shown
    total: int


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
