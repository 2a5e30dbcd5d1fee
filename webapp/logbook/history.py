"""A partner's history, newest first: interactions and referrals together."""

from dataclasses import dataclass
from datetime import datetime, time

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


_PARTNER, _LIMIT = sa.bindparam("partner_id"), sa.bindparam("limit")
_INTERACTIONS = (
    sa.select(Interaction)
    .where(Interaction.partner_id == _PARTNER)
    .order_by(Interaction.at.desc(), Interaction.id.desc())
)
_REFERRALS = (
    sa.select(Referral)
    .where(Referral.partner_id == _PARTNER)
    .order_by(Referral.referred_on.desc(), Referral.id.desc())
)

_INTERACTIONS_LIMITED, _REFERRALS_LIMITED = _INTERACTIONS.limit(_LIMIT), _REFERRALS.limit(_LIMIT)


def history_for(partner: Partner, limit: int | None = RECENT) -> list[HistoryEntry]:
    params = {"partner_id": partner.id}
    interactions, referrals = _INTERACTIONS, _REFERRALS
    if limit:
        interactions, referrals = _INTERACTIONS_LIMITED, _REFERRALS_LIMITED
        params["limit"] = limit + 1
    entries = [HistoryEntry(i.at, interaction=i) for i in db.session.scalars(interactions, params)]
    # A referral has a day, not a time: it sorts at the end of its day.
    entries += [
        HistoryEntry(datetime.combine(r.referred_on, time.max), referral=r)
        for r in db.session.scalars(referrals, params)
    ]
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
