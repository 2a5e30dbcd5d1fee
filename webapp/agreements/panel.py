"""The agreements panel on the partner page."""

from __future__ import annotations

from .. import clock
from ..models import Partner, User
from ..panels import partner_panel
from .queries import partner_agreements


@partner_panel("agreements", "agreements/_panel.html", order=45)
def agreements_panel(partner: Partner, user: User) -> dict:
    """The partner's agreements, each marked while in force, and this year's export."""
    today = clock.today(user.team.timezone)
    return {
        "partner": partner,
        "agreements": partner_agreements(partner),
        "today": today,
        "year": today.year,
    }
