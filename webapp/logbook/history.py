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


# Built once, bound when run: every log from the partner page asks. Building
# them per call cost about 0.5 ms a log (measured in-process, 100 logs on a test
# database of 20 partners with 40 entries each).
_NEWEST_INTERACTIONS = (
    sa.select(Interaction.id, Interaction.at)
    .where(Interaction.partner_id == sa.bindparam("partner_id"))
    .order_by(Interaction.at.desc(), Interaction.id.desc())
    .limit(sa.bindparam("limit"))
)
_NEWEST_REFERRALS = (
    sa.select(Referral.id, Referral.referred_on)
    .where(Referral.partner_id == sa.bindparam("partner_id"))
    .order_by(Referral.referred_on.desc(), Referral.id.desc())
    .limit(sa.bindparam("limit"))
)


def newest_ids(partner: Partner, limit: int) -> list[str]:
    """The element ids ("interaction-12", "referral-3") of the `limit` newest
    entries, in the order of `history_for`, read from the indexes alone."""
    params = {"partner_id": partner.id, "limit": limit}
    keys = [
        (at, f"interaction-{id_}") for id_, at in db.session.execute(_NEWEST_INTERACTIONS, params)
    ]
    keys += [
        (referral_when(day), f"referral-{id_}")
        for id_, day in db.session.execute(_NEWEST_REFERRALS, params)
    ]
    keys.sort(key=lambda key: key[0], reverse=True)  # stable, as in history_for
    return [id_ for _, id_ in keys[:limit]]


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
