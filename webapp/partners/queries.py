"""Who may see which partner: every query goes through here.

Agents see their own partners; managers and admins their whole team's;
nobody sees another team's (404, never 403, so ids leak nothing).
"""

import sqlalchemy as sa
from flask import abort

from ..extensions import db
from ..models import Partner, User


def visible(user: User, *, include_archived: bool = False) -> list[sa.ColumnElement[bool]]:
    """The conditions on `Partner` that keep to what the user may see, for
    queries that join the partner (the planner then starts from the user's
    own partners instead of testing every row against a subquery)."""
    conditions = [Partner.team_id == user.team_id]
    if not user.is_manager:
        conditions.append(Partner.owner_id == user.id)
    if not include_archived:
        conditions.append(Partner.archived_at.is_(None))
    return conditions


def visible_partners(user: User, *, include_archived: bool = False) -> sa.Select:
    return sa.select(Partner).where(*visible(user, include_archived=include_archived))


def get_partner(partner_id: int, user: User, *, include_archived: bool = True) -> Partner:
    """The partner, if this user may see it; 404 otherwise."""
    partner = db.session.scalar(
        visible_partners(user, include_archived=include_archived).where(Partner.id == partner_id)
    )
    if partner is None:
        abort(404)
    return partner


def team_agents(user: User) -> list[User]:
    """Active users of the user's team who can own partners, by name."""
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.team_id == user.team_id, User.active.is_(True))
            .order_by(User.name)
        )
    )
