"""What awaits whom: the recommendations of Today, of a partner's panel, and the count.

The statements behind Today, the count beside the menu and a partner's
panel are built once per role (an agent sees their own partners, a manager
the team's) and bound to the user and day when run. Built anew, with
SQLAlchemy's cache key, each would cost every request that reads it:
Today's ranking 0.6 ms (10% of Today), the count beside the menu 0.2 ms (3%
of any page), a partner's recommendations 0.2 ms (3% of logging an
interaction) — CPU time, measured on
`python -m bench --partners 5000 --interactions 250000 --referrals 15000`.
"""

from __future__ import annotations

import functools
from datetime import date, timedelta
from typing import NamedTuple

import sqlalchemy as sa
import sqlalchemy.orm as so

from rules.catalogue import RULES_BY_ID

from .. import clock
from ..access import audience, visible_to
from ..extensions import db
from ..models import Partner, Recommendation, User
from .lifecycle import refresh_stale

PRIORITY = {rule_id: rule.priority for rule_id, rule in RULES_BY_ID.items()}
# Today's sections, in the order the page shows them.
SECTIONS = ("overdue", "due_today", "upcoming", "tier_changes")
EVERYTHING = 2**31 - 1  # "all": no section is that long
RECENT_DECISION_DAYS = 14


def awaiting(manager: bool) -> tuple[sa.ColumnElement[bool], ...]:
    """Open recommendations (and snoozed ones whose day has come) of the partners
    the user sees, as conditions on a query joining Recommendation to Partner;
    run with `awaiting_params`."""
    conditions = [
        *visible_to(manager),
        sa.or_(
            Recommendation.status == "open",
            sa.and_(
                Recommendation.status == "snoozed",
                Recommendation.snoozed_until <= sa.bindparam("today", type_=sa.Date),
            ),
        ),
    ]
    if manager:
        # The whole team: start from the team's live rows. An agent's own
        # partners are the better start, and the partner already keeps the team.
        conditions.append(Recommendation.team_id == sa.bindparam("team_id"))
    return tuple(conditions)


def awaiting_params(user: User, today: date) -> dict[str, object]:
    return {**audience(user), "today": today}


@functools.cache
def visible_recommendations(manager: bool) -> sa.Select:
    """Open recommendations (and snoozed ones whose day has come) of the partners
    the user sees, with their partners; run with `awaiting_params`."""
    return (
        sa.select(Recommendation)
        .join(Partner, Partner.id == Recommendation.partner_id)
        .options(so.contains_eager(Recommendation.partner))
        .where(*awaiting(manager))
    )


@functools.cache
def _open_count(manager: bool) -> sa.Select:
    query = (
        sa.select(sa.func.count(Recommendation.id))
        .join(Partner, Partner.id == Recommendation.partner_id)
        .where(*awaiting(manager))
    )
    return query if manager else query.where(Recommendation.kind == "action")


def open_count(user: User, today: date | None = None) -> int:
    """How many recommendations await the user: actions, and tier changes for managers."""
    today = today or clock.today(user.team.timezone)
    return db.session.scalar(_open_count(user.is_manager), awaiting_params(user, today)) or 0


@functools.cache
def _review_count() -> sa.Select:
    return (
        sa.select(sa.func.count(Recommendation.id))
        .join(Partner, Partner.id == Recommendation.partner_id)
        .where(*awaiting(True), Recommendation.kind == "tier_change")
    )


def review_count(user: User, today: date | None = None) -> int:
    """How many tier changes await a manager's review (none for an agent)."""
    if not user.is_manager:
        return 0
    today = today or clock.today(user.team.timezone)
    return db.session.scalar(_review_count(), awaiting_params(user, today)) or 0


@functools.cache
def _partner_recommendations(manager: bool) -> sa.Select:
    return visible_recommendations(manager).where(
        Recommendation.partner_id == sa.bindparam("partner_id")
    )


def partner_recommendations(partner: Partner, user: User) -> list[Recommendation]:
    """The partner's open recommendations, as stored."""
    today = clock.today(partner.team.timezone)
    rows = db.session.scalars(
        _partner_recommendations(user.is_manager),
        {**awaiting_params(user, today), "partner_id": partner.id},
    ).all()
    return sorted(rows, key=sort_key)


def sort_key(row: Recommendation):
    """Actions first by due day, then tier changes; ties in catalogue order."""
    return (row.kind != "action", row.due or date.max, PRIORITY.get(row.rule, 999), row.id)


class Section(NamedTuple):
    rows: list[Recommendation]  # the ones shown
    total: int


def today_sections(
    user: User, day: date, limit: int | None = None, owner_id: int | None = None
) -> dict[str, Section]:
    """The user's Today on that day: each section's first `limit` rows (all when
    None) and its size. The page and the morning email both read it here, so
    they cannot disagree.

    The user's partners not yet evaluated that day are evaluated first. The
    database sorts the recommendations into their sections and ranks them
    there; only the rows a section shows are loaded whole. A manager may
    narrow it to one agent's partners (`owner_id`).
    """
    refresh_stale(user, day)
    params = awaiting_params(user, day)
    totals = dict.fromkeys(SECTIONS, 0)
    shown: dict[str, list[int]] = {name: [] for name in SECTIONS}
    by_owner = owner_id is not None and user.is_manager
    ranking_params = {**params, "limit": limit or EVERYTHING}
    if by_owner:
        ranking_params["owner_id"] = owner_id
    for row_id, section, total in db.session.execute(
        _ranked_in_sections(user.is_manager, by_owner), ranking_params
    ):
        totals[SECTIONS[section]] = total
        shown[SECTIONS[section]].append(row_id)
    loaded = {
        row.id: row
        for row in db.session.scalars(
            visible_recommendations(user.is_manager).where(
                Recommendation.id.in_([row_id for ids in shown.values() for row_id in ids])
            ),
            params,
        )
    }
    return {
        name: Section([loaded[row_id] for row_id in ids if row_id in loaded], totals[name])
        for name, ids in shown.items()
    }


@functools.cache
def _ranked_in_sections(manager: bool, by_owner: bool = False) -> sa.Select:
    """(id, section, the section's size) of the first `limit` open rows of each
    section, in order: actions by due day (none last), then the catalogue's
    priority; tier changes the same way, in their own section. `by_owner`:
    only the partners of one agent (bound as `owner_id`)."""
    conditions = awaiting(manager)
    if by_owner:
        conditions = (*conditions, Partner.owner_id == sa.bindparam("owner_id"))
    rec, today = Recommendation, sa.bindparam("today", type_=sa.Date)
    section = sa.case(
        (rec.kind != "action", SECTIONS.index("tier_changes")),
        (rec.due < today, SECTIONS.index("overdue")),
        (rec.due == today, SECTIONS.index("due_today")),
        else_=SECTIONS.index("upcoming"),
    )
    priority = sa.case(PRIORITY, value=rec.rule, else_=999)
    urgency = (rec.due.is_(None), rec.due, priority, rec.id)
    ranked = (
        sa.select(
            rec.id,
            section.label("section"),
            sa.func.row_number().over(partition_by=section, order_by=urgency).label("place"),
            sa.func.count().over(partition_by=section).label("total"),
        )
        .join(Partner, Partner.id == rec.partner_id)
        .where(*conditions)
        .subquery()
    )
    return (
        sa.select(ranked.c.id, ranked.c.section, ranked.c.total)
        .where(ranked.c.place <= sa.bindparam("limit"))
        .order_by(ranked.c.section, ranked.c.place)
    )


def recent_decisions(user: User, day: date) -> list[Recommendation]:
    """Tier changes of the user's partners approved or rejected in the last
    RECENT_DECISION_DAYS days, newest first."""
    since = day - timedelta(days=RECENT_DECISION_DAYS - 1)
    return list(
        db.session.scalars(
            sa.select(Recommendation)
            .join(Partner, Partner.id == Recommendation.partner_id)
            .where(
                *visible_to(user.is_manager, include_archived=True),
                Recommendation.kind == "tier_change",
                Recommendation.status.in_(("approved", "rejected")),
                Recommendation.decided_at >= since,
            )
            .order_by(Recommendation.decided_at.desc()),
            audience(user),
        )
    )
