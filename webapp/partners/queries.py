"""Queries of the partner book that are not about who sees what (see access.py)."""

import sqlalchemy as sa

from ..extensions import db
from ..models import User


def team_agents(user: User) -> list[User]:
    """Active users of the user's team who can own partners, by name."""
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.team_id == user.team_id, User.active.is_(True))
            .order_by(User.name)
        )
    )
