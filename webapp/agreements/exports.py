"""The yearly compliance export: the agreements in force during a year, as CSV."""

from __future__ import annotations

from rules.vocabulary import AGREEMENT_KINDS

from ..models import Partner, User
from ..referrals.exports import csv_text
from .queries import agreements_of_year

HEADER = [
    "partner", "company", "agent", "kind", "starts_on", "ends_on", "our_share_percent",
    "their_share_percent", "fair_market_value", "signed_document", "notes",
]  # fmt: skip


def agreements_csv(user: User, year: int, partner: Partner | None = None) -> str:
    """One row per agreement in force during `year`: one partner's, or every one
    the user sees (a manager: the team's)."""
    rows = (
        [
            agreement.partner.name,
            agreement.partner.company,
            agreement.partner.owner.name,
            AGREEMENT_KINDS.get(agreement.kind, agreement.kind),
            agreement.starts_on,
            agreement.ends_on,
            agreement.our_share,
            agreement.their_share,
            agreement.fair_market_value,
            agreement.document,
            agreement.notes,
        ]
        for agreement in agreements_of_year(user, year, partner)
    )
    return csv_text(HEADER, rows, user.team.timezone)
