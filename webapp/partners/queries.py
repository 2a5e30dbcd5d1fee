"""Who may see which partner: every query goes through here.

Agents see their own partners; managers and admins their whole team's;
nobody sees another team's (404, never 403, so ids leak nothing).
"""

import functools

import sqlalchemy as sa
from flask import abort

from ..extensions import db
from ..models import Partner, User


def visible(user: User, *, include_archived: bool = False) -> list[sa.ColumnElement[bool]]:
    """The conditions on `Partner` that keep to what the user may see, for
    queries that join the partner (the planner then starts from the user's
    own partners instead of testing every row against a subquery)."""
    owner = None if user.is_manager else user.id
    return _scope(user.team_id, owner, include_archived)


def visible_to(manager: bool, *, include_archived: bool = False) -> list[sa.ColumnElement[bool]]:
    """`visible` for statements built once: the user is bound at execution as
    `team_id` (and `user_id` for an agent); see `audience`."""
    owner = None if manager else sa.bindparam("user_id")
    return _scope(sa.bindparam("team_id"), owner, include_archived)


def audience(user: User) -> dict[str, int]:
    """The parameters of `visible_to` for this user."""
    return {"team_id": user.team_id, "user_id": user.id}


def _scope(team, owner, include_archived: bool) -> list[sa.ColumnElement[bool]]:
    conditions = [Partner.team_id == team]
    if owner is not None:
        conditions.append(Partner.owner_id == owner)
    if not include_archived:
        conditions.append(Partner.archived_at.is_(None))
    return conditions


def visible_partners(user: User, *, include_archived: bool = False) -> sa.Select:
    return sa.select(Partner).where(*visible(user, include_archived=include_archived))


@functools.cache
def _one_partner(manager: bool, include_archived: bool) -> sa.Select:
    return (
        sa.select(Partner)
        .where(*visible_to(manager, include_archived=include_archived))
        .where(Partner.id == sa.bindparam("partner_id"))
    )


def get_partner(partner_id: int, user: User, *, include_archived: bool = True) -> Partner:
    """The partner, if this user may see it; 404 otherwise."""
    partner = db.session.scalar(
        _one_partner(user.is_manager, include_archived),
        {**audience(user), "partner_id": partner_id},
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
