"""Writing the ledger's lines, and the yearly limit's warning.

Called from the one path of each change of an interaction
(webapp/logbook/entries.py): its log, its correction, its deletion, so the
pages and the API keep the same ledger.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from .. import clock
from ..currency import format_amount
from ..extensions import db
from ..models import Interaction, LedgerEntry, Partner, User

ZERO = Decimal("0.00")


def money(value: Decimal, code: str) -> str:
    """'$1,060', or '$1,060.50' when there are cents."""
    return format_amount(value, code, cents=value != value.to_integral_value())


def year_total(partner_id: int, year: int, *, leaving_out: int | None = None) -> Decimal:
    """What the partner was given in the team's calendar `year`: the sum of its
    lines (corrections and reversals included), those of the interaction
    `leaving_out` left out."""
    query = sa.select(sa.func.coalesce(sa.func.sum(LedgerEntry.amount), 0)).where(
        LedgerEntry.partner_id == partner_id,
        LedgerEntry.day >= date(year, 1, 1),
        LedgerEntry.day <= date(year, 12, 31),
    )
    if leaving_out is not None:
        query = query.where(
            sa.or_(LedgerEntry.interaction_id.is_(None), LedgerEntry.interaction_id != leaving_out)
        )
    return Decimal(db.session.scalar(query)).quantize(ZERO)


def hold(partner: Partner) -> None:
    """Until this transaction ends, another save of a thing of value to the partner
    waits: two lunches saved at once must not each find the year under the limit.
    PostgreSQL locks the partner's row; SQLite has no row locks, and any write
    takes its one write lock (an update of no row does, changing nothing)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(Partner.id).where(Partner.id == partner.id).with_for_update())
    else:
        db.session.execute(
            sa.update(Partner)
            .where(sa.false())
            .values(name=Partner.name)
            .execution_options(synchronize_session=False)
        )


def limit_warning(
    partner: Partner, amount: Decimal | None, day: date, editing: Interaction | None = None
) -> str | None:
    """The warning when giving `amount` on `day` (or, `editing`, that interaction's
    amount becoming it) takes the partner's total of that year over the team's
    limit; None when it does not, or the team has no limit. A change that lowers
    the total is never warned of."""
    limit = partner.team.value_limit
    if limit is None or amount is None:
        return None
    hold(partner)  # the total read next stays true until the interaction is saved
    others = year_total(partner.id, day.year, leaving_out=editing.id if editing else None)
    before = year_total(partner.id, day.year)
    after = others + amount
    if after <= limit or after <= before:
        return None
    code = partner.team.currency
    today = clock.today(partner.team.timezone)
    when = "this year" if day.year == today.year else f"in {day.year}"
    return (
        f"This brings {partner.name} to {money(after, code)} {when}, "
        f"over the team's limit of {money(limit, code)}."
    )


def _line(partner: Partner, interaction: Interaction, user: User | None, day: date,
          amount: Decimal, kind: str, note: str | None = None,
          over_limit: bool = False) -> None:  # fmt: skip
    # A new interaction is stored with its line (the line learns its id then); one
    # about to be deleted is named by id only, so the line is not tied to its fate.
    link = {"interaction_id": interaction.id} if interaction.id else {"interaction": interaction}
    db.session.add(
        LedgerEntry(
            team_id=partner.team_id,
            partner_id=partner.id,
            **link,
            user_id=user.id if user else None,
            day=day,
            amount=amount,
            kind=kind,
            given=interaction.kind,
            over_limit=over_limit,
            note=note,
        )
    )


def given(
    partner: Partner, interaction: Interaction, user: User, *, over_limit: bool = False
) -> None:
    """The line of a logged interaction with an amount spent (none without one);
    `over_limit`: logged although warned that it passes the limit. In the session."""
    if interaction.amount_spent is not None:
        _line(partner, interaction, user, interaction.at.date(), interaction.amount_spent, "given",
              over_limit=over_limit)  # fmt: skip


def balance(interaction_id: int) -> list[tuple[date, Decimal]]:
    """What the interaction's lines add up to, per day (a moved interaction has
    lines on two days), leaving out days that net to zero."""
    rows = db.session.execute(
        sa.select(LedgerEntry.day, sa.func.sum(LedgerEntry.amount))
        .where(LedgerEntry.interaction_id == interaction_id)
        .group_by(LedgerEntry.day)
        .order_by(LedgerEntry.day)
    )
    return [(day, Decimal(total).quantize(ZERO)) for day, total in rows if total]


def corrected(interaction: Interaction, user: User, *, over_limit: bool = False) -> None:
    """After the interaction was corrected (in the session, not yet committed): the
    lines that bring its ledger to its amount on its day. The amount changed: the
    difference, "corrected from $X to $Y"; the day changed: what it was is
    reversed on the old day and given on the new one. Nothing changed, no line."""
    partner = interaction.partner
    code = partner.team.currency
    day, amount = interaction.at.date(), interaction.amount_spent or ZERO
    was = balance(interaction.id)
    before = sum((total for _, total in was), ZERO)
    note = f"corrected from {money(before, code)} to {money(amount, code)}"
    for old_day, total in was:
        if old_day != day:  # moved: what it was leaves the old day
            moved = f"moved from {old_day.isoformat()} to {day.isoformat()}"
            _line(partner, interaction, user, old_day, -total, "corrected",
                  moved if before == amount else f"{note}, {moved}")  # fmt: skip
    here = sum((total for old_day, total in was if old_day == day), ZERO)
    if amount != here:
        if before == amount:
            note = f"moved from {was[0][0].isoformat()} to {day.isoformat()}"
        _line(partner, interaction, user, day, amount - here, "corrected", note, over_limit)


def deleted(interaction: Interaction, user: User) -> None:
    """Before the interaction is deleted: a line reversing what its lines add up
    to (its own lines stay, no longer linked once it is gone)."""
    partner = interaction.partner
    code = partner.team.currency
    for day, total in balance(interaction.id):
        note = f"{interaction.kind.replace('_', ' ')} of {money(total, code)} deleted"
        _line(partner, interaction, user, day, -total, "deleted", note)
