"""The yearly export of the ledger, as CSV: every line with the partner's
running total of the year."""

from __future__ import annotations

from decimal import Decimal

from rules.vocabulary import INTERACTION_KINDS, LEDGER_ENTRY_KINDS

from ..extensions import db
from ..models import Partner, User
from ..referrals.exports import csv_text
from .queries import lines_of_year
from .record import ZERO


def header(currency: str) -> list[str]:
    return [
        "partner_id", "partner", "day", "entry", "given", f"amount ({currency})",
        f"year_total ({currency})", "over_limit_knowingly", "logged_by", "interaction_id",
        "note", "recorded_at",
    ]  # fmt: skip


def ledger_csv(user: User, year: int, partner: Partner | None = None) -> str:
    """One row per line of `year`: one partner's, or of every partner the user
    sees (a manager: the team's), partner by partner."""
    lines = lines_of_year(user, year, partner)
    totals: dict[int, Decimal] = {}
    names: dict[int, str] = {}
    rows = []
    for line in lines:
        if line.partner_id not in names:
            names[line.partner_id] = db.session.get(Partner, line.partner_id).name
        totals[line.partner_id] = totals.get(line.partner_id, ZERO) + line.amount
        rows.append(
            [
                line.partner_id,
                names[line.partner_id],
                line.day,
                LEDGER_ENTRY_KINDS.get(line.kind, line.kind),
                INTERACTION_KINDS.get(line.given, line.given),
                line.amount,
                totals[line.partner_id],
                "yes" if line.over_limit else "",
                line.user.name if line.user else "",
                line.interaction_id or "",
                line.note,
                line.created_at,
            ]
        )
    return csv_text(header(user.team.currency), rows, user.team.timezone)
