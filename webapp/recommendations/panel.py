"""The Recommendations panel of the partner page: reads what is stored."""

from .. import clock
from ..forms import EmptyForm
from ..models import Partner, User
from ..panels import partner_panel
from . import queries
from .forms import DismissForm, SnoozeForm


@partner_panel(
    "recommendations", "recommendations/_panel.html", order=10, follows=("interaction", "referral")
)
def recommendations_panel(partner: Partner, user: User) -> dict:
    return {
        "partner": partner,
        "recommendations": queries.partner_recommendations(partner, user),
        # Counted only when an answer updates the menu's badge out of band (a
        # page's menu counts its own): a manager's count reads the whole team's
        # open recommendations (0.2 s at 200,000 partners, `python -m bench --scale 10`).
        "today_count": lambda: queries.open_count(user),
        "today": clock.today(partner.team.timezone),
        "snooze_form": SnoozeForm(formdata=None),
        "dismiss_form": DismissForm(formdata=None),
        "form": EmptyForm(formdata=None),
    }
