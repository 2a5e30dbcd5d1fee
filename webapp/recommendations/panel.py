"""The Recommendations panel of the partner page, and re-evaluation after a log."""

from ..forms import EmptyForm
from ..models import Partner, User
from ..partners.panels import history_changed, partner_panel
from . import service
from .forms import DismissForm, SnoozeForm


@partner_panel("recommendations", "recommendations/_panel.html", order=10, refresh_on_log=True)
def recommendations_panel(partner: Partner, user: User) -> dict:
    return {
        "partner": partner,
        "recommendations": service.partner_recommendations(partner, user),
        "today_count": service.open_count(user),
        "today": service.team_today(partner.team_id),
        "snooze_form": SnoozeForm(formdata=None),
        "dismiss_form": DismissForm(formdata=None),
        "form": EmptyForm(formdata=None),
    }


@history_changed.connect
def reevaluate_partner(partner: Partner, **extra) -> None:
    """Something was logged: the partner's recommendations change at once."""
    service.refresh_partners(partner.team_id, [partner.id])
