"""The agreements a user may see: one partner's, or (a manager) the team's."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort

from ..access import visible_partners
from ..extensions import db
from ..models import Agreement, Partner, User


def partner_agreements(partner: Partner) -> list[Agreement]:
    """The partner's agreements, the latest to end first."""
    return list(
        db.session.scalars(
            sa.select(Agreement)
            .where(Agreement.partner_id == partner.id, Agreement.team_id == partner.team_id)
            .order_by(Agreement.ends_on.desc(), Agreement.id.desc())
        )
    )


def get_agreement(partner: Partner, agreement_id: int) -> Agreement:
    """The partner's agreement (the partner already checked as visible); 404 otherwise."""
    agreement = db.session.scalar(
        sa.select(Agreement).where(
            Agreement.id == agreement_id,
            Agreement.partner_id == partner.id,
            Agreement.team_id == partner.team_id,
        )
    )
    if agreement is None:
        abort(404)
    return agreement


def in_force_during(year: int) -> sa.ColumnElement[bool]:
    """Agreements in force on some day of the year."""
    return sa.and_(Agreement.starts_on <= date(year, 12, 31), Agreement.ends_on >= date(year, 1, 1))


def agreements_of_year(user: User, year: int, partner: Partner | None = None) -> list[Agreement]:
    """The agreements in force during `year` of the partners the user sees (one
    partner's, when given), archived partners too: the record outlives them."""
    partners = visible_partners(user, include_archived=True).with_only_columns(Partner.id)
    query = (
        sa.select(Agreement)
        .join(Partner, Partner.id == Agreement.partner_id)
        .where(Agreement.partner_id.in_(partners), in_force_during(year))
        .options(so.contains_eager(Agreement.partner).joinedload(Partner.owner))
        .order_by(Partner.name, Partner.id, Agreement.starts_on, Agreement.id)
    )
    if partner is not None:
        query = query.where(Agreement.partner_id == partner.id)
    return list(db.session.scalars(query))
