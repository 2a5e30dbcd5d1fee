"""Reading the ledger: a partner's year with its running total, where it stands
against the team's limit, and the lines a user may export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so

from .. import clock
from ..access import visible_partners
from ..extensions import db
from ..models import LedgerEntry, Partner, User
from .record import ZERO, year_total


def of_year(year: int) -> sa.ColumnElement[bool]:
    return sa.and_(LedgerEntry.day >= date(year, 1, 1), LedgerEntry.day <= date(year, 12, 31))


def partner_year(partner: Partner, year: int) -> list[tuple[LedgerEntry, Decimal]]:
    """The partner's lines of the team's calendar `year`, in the order given
    (by day, then as written), each with the running total after it."""
    lines = db.session.scalars(
        sa.select(LedgerEntry)
        .where(
            LedgerEntry.partner_id == partner.id,
            LedgerEntry.team_id == partner.team_id,
            of_year(year),
        )
        .options(so.joinedload(LedgerEntry.user))
        .order_by(LedgerEntry.day, LedgerEntry.id)
    )
    running, rows = ZERO, []
    for line in lines:
        running += line.amount
        rows.append((line, running))
    return rows


@dataclass
class Standing:
    year: int
    total: Decimal
    limit: Decimal | None

    @property
    def at_limit(self) -> bool:
        """At or over the team's limit this year (no limit: never)."""
        return self.limit is not None and self.total >= self.limit


def standing(partner: Partner) -> Standing:
    """The partner's total of this year (the team's) against the team's limit."""
    year = clock.today(partner.team.timezone).year
    return Standing(year, year_total(partner.id, year), partner.team.value_limit)


def lines_of_year(user: User, year: int, partner: Partner | None = None) -> list[LedgerEntry]:
    """The lines of `year` of the partners the user sees (one partner's, when
    given), archived partners too: the record outlives them."""
    partners = visible_partners(user, include_archived=True).with_only_columns(Partner.id)
    query = (
        sa.select(LedgerEntry)
        .join(Partner, Partner.id == LedgerEntry.partner_id)
        .where(
            LedgerEntry.partner_id.in_(partners),
            LedgerEntry.team_id == user.team_id,
            of_year(year),
        )
        .options(so.joinedload(LedgerEntry.user))
        .order_by(Partner.name, Partner.id, LedgerEntry.day, LedgerEntry.id)
    )
    if partner is not None:
        query = query.where(LedgerEntry.partner_id == partner.id)
    return list(db.session.scalars(query))
