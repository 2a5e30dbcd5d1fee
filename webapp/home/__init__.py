"""Today: the agent's home page — every open recommendation, most urgent first."""

from __future__ import annotations

import functools
from datetime import date, timedelta
from typing import NamedTuple

import sqlalchemy as sa
from flask import Blueprint, redirect, request, url_for
from flask_login import current_user, login_required

from .. import clock
from ..extensions import db
from ..models import Partner, Recommendation, User
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
    """Every open recommendation for the user's partners, most urgent first."""
    day = clock.today(current_user.team.timezone)
    limit = None if request.args.get("all") else SECTION_SIZE
    sections = today_sections(current_user, day, limit)
    awaiting = sum(
        section.total
        for name, section in sections.items()
        if name != "tier_changes" or current_user.is_manager
    )
    return render(
        "home/today.html",
        block="recommendations",
        today=day,
        sections=sections,
        decisions=recent_decisions(day),
        dismiss_form=DismissForm(formdata=None),
        limit=limit,
        today_count=lambda: awaiting,
    )


def today_sections(user: User, day: date, limit: int | None = None) -> dict[str, Section]:
    """The user's Today on that day: each section's first `limit` rows (all when
    None) and its size. The page and the morning email both read it here, so
    they cannot disagree.

    The user's partners not yet evaluated that day are evaluated first. The
    database sorts the recommendations into their sections and ranks them
    there; only the rows a section shows are loaded whole.
    """
    service.refresh_stale(user, day)
    params = service.awaiting_params(user, day)
    totals = dict.fromkeys(SECTIONS, 0)
    shown: dict[str, list[int]] = {name: [] for name in SECTIONS}
    for row_id, section, total in db.session.execute(
        _ranked(user.is_manager), {**params, "limit": limit or EVERYTHING}
    ):
        totals[SECTIONS[section]] = total
        shown[SECTIONS[section]].append(row_id)
    loaded = {
        row.id: row
        for row in db.session.scalars(
            service.visible_recommendations(user.is_manager).where(
                Recommendation.id.in_([row_id for ids in shown.values() for row_id in ids])
            ),
            params,
        )
    }
    return {
        name: Section([loaded[row_id] for row_id in ids if row_id in loaded], totals[name])
        for name, ids in shown.items()
    }


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
