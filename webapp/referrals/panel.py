"""The ledger panel on the partner page: this partner's referrals and months."""

from __future__ import annotations

from .. import charts, clock
from ..models import Partner, User
from ..panels import partner_panel
from . import queries


@partner_panel("ledger", "referrals/_panel.html", order=40, follows=("referral",))
def ledger_panel(partner: Partner, user: User) -> dict:
    """Received vs sent by status, the closed figures, and referrals per month."""
    scope = queries.one_partner(partner)
    months = queries.last_months(clock.today(user.team.timezone))
    monthly = queries.referrals_per_month(scope, months)
    return {
        "partner": partner,
        "ledger": queries.ledger(scope, user.team.commission_per_side),
        "per_side": user.team.commission_per_side,
        "months": months,
        "monthly": monthly,
        "chart": charts.column_chart(
            months, list(monthly.values()), ["received", "sent"], queries.SERIES_LABELS, height=160
        ),
        "series_labels": queries.SERIES_LABELS,
    }
