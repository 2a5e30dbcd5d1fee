"""Who may do and see what, said once.

Role guards for views: whoever lacks the role gets 404 (the page does not
exist for them, so its URL reveals nothing). Which partners a user sees:
agents their own; managers and admins their whole team's; nobody another
team's (404 too). Every query of partners goes through here.
"""

import functools
from collections.abc import Callable
from functools import wraps

import sqlalchemy as sa
from flask import abort
from flask_login import current_user, login_required

from .extensions import db
from .models import Partner, User
from .security import LARGEST_ID


def role_required(allowed: Callable[[object], bool]):
    def decorator(view):
        @wraps(view)
        @login_required
        def guarded(*args, **kwargs):
            if not allowed(current_user):
                abort(404)
            return view(*args, **kwargs)

        return guarded

    return decorator


manager_required = role_required(lambda user: user.is_manager)
manager_required.__doc__ = "Managers and admins of the team only."
admin_required = role_required(lambda user: user.is_admin)
admin_required.__doc__ = "Admins only."


def visible_to(manager: bool, *, include_archived: bool = False) -> list[sa.ColumnElement[bool]]:
    """The conditions on `Partner` that keep to what a user may see, for queries
    that join the partner (the planner then starts from the user's own partners
    instead of testing every row against a subquery). The user is bound when
    the query runs: pass `audience(user)` with it."""
    owner = None if manager else sa.bindparam("user_id")
    return _conditions(sa.bindparam("team_id"), owner, include_archived)


def audience(user: User) -> dict[str, int]:
    """The parameters of `visible_to` for this user."""
    return {"team_id": user.team_id, "user_id": user.id}


def visible_partners(user: User, *, include_archived: bool = False) -> sa.Select:
    """The partners the user sees, as a query to refine and run as it is.

    The user's ids are written into it rather than bound through
    `audience`: binding them afterwards (`Select.params`) makes building it
    cost 0.15 ms instead of 0.06 (CPU time, measured on
    `python -m bench --partners 5000 --interactions 250000 --referrals 15000`).
    """
    owner = None if user.is_manager else user.id
    return sa.select(Partner).where(*_conditions(user.team_id, owner, include_archived))


def _conditions(team, owner, include_archived: bool) -> list[sa.ColumnElement[bool]]:
    """The one statement of the rule: the team's partners, an agent's own only."""
    conditions = [Partner.team_id == team]
    if owner is not None:
        conditions.append(Partner.owner_id == owner)
    if not include_archived:
        conditions.append(Partner.archived_at.is_(None))
    return conditions


# Built once per role, bound when run: every partner page, panel and log form
# looks its partner up here. Refining `visible_partners` instead cost 0.09 ms
# more a lookup, and logging an interaction 4% more CPU time (measured
# in-process on `python -m bench --partners 5000 --interactions 250000
# --referrals 15000`).
@functools.cache
def _one_partner(manager: bool, include_archived: bool) -> sa.Select:
    return (
        sa.select(Partner)
        .where(*visible_to(manager, include_archived=include_archived))
        .where(Partner.id == sa.bindparam("partner_id"))
    )


def editable_partners(partner_ids: list[int], user: User) -> list[Partner]:
    """The partners of `partner_ids`, every one of which this user may change (as
    on its page: archived ones too); 404 when any is not, so that a list holding
    another agent's or another team's id changes nothing and says nothing of it."""
    wanted = set(partner_ids)
    # A number no id can be (a form's value is any integer) names nothing: and
    # SQLite cannot even bind one past 64 bits.
    if any(not 0 < partner_id <= LARGEST_ID for partner_id in wanted):
        abort(404)
    partners = list(
        db.session.scalars(
            visible_partners(user, include_archived=True)
            .where(Partner.id.in_(wanted))
            .order_by(Partner.name, Partner.id)
        )
    )
    if len(partners) != len(wanted):
        abort(404)
    return partners


def get_partner(partner_id: int, user: User, *, include_archived: bool = True) -> Partner:
    """The partner, if this user may see it; 404 otherwise."""
    partner = db.session.scalar(
        _one_partner(user.is_manager, include_archived),
        {**audience(user), "partner_id": partner_id},
    )
    if partner is None:
        abort(404)
    return partner
