"""A partner's history, newest first: interactions and referrals together."""

from dataclasses import dataclass
from datetime import date, datetime, time
from operator import itemgetter

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


def referral_when(day: date) -> datetime:
    """A referral has a day, not a time: it sorts at the end of its day."""
    return datetime.combine(day, time.max)


def key_of(item: Interaction | Referral) -> tuple[str, int]:
    """An entry's key, as `newest_keys` gives it."""
    return ("interaction" if isinstance(item, Interaction) else "referral", item.id)


def entry_of(item: Interaction | Referral) -> HistoryEntry:
    if isinstance(item, Interaction):
        return HistoryEntry(item.at, interaction=item)
    return HistoryEntry(referral_when(item.referred_on), referral=item)


def history_for(partner: Partner, limit: int | None = RECENT) -> list[HistoryEntry]:
    """The newest entries (one more than `limit`, to tell whether there are more)."""
    params = {"partner_id": partner.id}
    interactions, referrals = _INTERACTIONS, _REFERRALS
    if limit:
        interactions, referrals = _INTERACTIONS_LIMITED, _REFERRALS_LIMITED
        params["limit"] = limit + 1
    entries = [entry_of(i) for i in db.session.scalars(interactions, params)]
    entries += [entry_of(r) for r in db.session.scalars(referrals, params)]
    # Stable: an interaction and a referral at the same instant keep this order.
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries[: limit + 1] if limit else entries


_INTERACTION_KEYS = _INTERACTIONS_LIMITED.with_only_columns(Interaction.id, Interaction.at)
_REFERRAL_KEYS = _REFERRALS_LIMITED.with_only_columns(Referral.id, Referral.referred_on)


def newest_keys(partner: Partner, limit: int) -> list[tuple[str, int]]:
    """("interaction" or "referral", id) of the `limit` newest entries, in the
    order of `history_for`, read from the indexes alone."""
    params = {"partner_id": partner.id, "limit": limit}
    keys = [(at, "interaction", id_) for id_, at in db.session.execute(_INTERACTION_KEYS, params)]
    keys += [
        (referral_when(day), "referral", id_)
        for id_, day in db.session.execute(_REFERRAL_KEYS, params)
    ]
    keys.sort(key=itemgetter(0), reverse=True)
    return [(kind, id_) for _, kind, id_ in keys[:limit]]


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
