"""A partner's history, newest first: interactions and referrals together."""

from dataclasses import dataclass
from datetime import date, datetime, time

import sqlalchemy as sa

from ..extensions import db
from ..models import Interaction, Partner, Referral


@dataclass
class HistoryEntry:
    when: datetime
    interaction: Interaction | None = None
    referral: Referral | None = None


# The newest entries are what an agent needs between appointments; the rest
# is one click away ("Show all").
RECENT = 15


def referral_when(day: date) -> datetime:
    """A referral has a day, not a time: it sorts at the end of its day."""
    return datetime.combine(day, time.max)


def entry_of(item: Interaction | Referral) -> HistoryEntry:
    if isinstance(item, Interaction):
        return HistoryEntry(item.at, interaction=item)
    return HistoryEntry(referral_when(item.referred_on), referral=item)


def history_for(partner: Partner, limit: int | None = RECENT) -> list[HistoryEntry]:
    """The newest entries (one more than `limit`, to tell whether there are more)."""
    interactions = (
        sa.select(Interaction)
        .where(Interaction.partner_id == partner.id)
        .order_by(Interaction.at.desc(), Interaction.id.desc())
    )
    referrals = (
        sa.select(Referral)
        .where(Referral.partner_id == partner.id)
        .order_by(Referral.referred_on.desc(), Referral.id.desc())
    )
    if limit:
        interactions, referrals = interactions.limit(limit + 1), referrals.limit(limit + 1)
    entries = [entry_of(i) for i in db.session.scalars(interactions)]
    entries += [entry_of(r) for r in db.session.scalars(referrals)]
    # Stable: an interaction and a referral at the same instant keep this order.
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries[: limit + 1] if limit else entries


def last_contacts(partner_ids: list[int]) -> dict[int, datetime]:
    """The latest interaction of each partner, in one grouped query."""
    if not partner_ids:
        return {}
    rows = db.session.execute(
        sa.select(Interaction.partner_id, sa.func.max(Interaction.at))
        .where(Interaction.partner_id.in_(partner_ids))
        .group_by(Interaction.partner_id)
    )
    return {partner_id: at for partner_id, at in rows}
