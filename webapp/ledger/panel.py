"""The things-of-value panel on the partner page."""

from __future__ import annotations

from ..models import Partner, User
from ..panels import partner_panel
from .queries import standing


@partner_panel("things_of_value", "ledger/_panel.html", order=46, follows=("interaction",))
def ledger_panel(partner: Partner, user: User) -> dict:
    """This year's total given to the partner, against the team's limit."""
    return {"partner": partner, "standing": standing(partner)}
