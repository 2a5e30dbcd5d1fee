"""The partner page's context: the header, the logbook block and the panels."""

from flask_login import current_user

from ..forms import EmptyForm
from ..logbook.block import history, log_forms
from ..models import Partner
from ..panels import panels_for


def partner_page(partner: Partner) -> dict:
    """Everything partners/detail.html needs."""
    return (
        log_forms(partner)
        | history(partner)
        | {
            "empty_form": EmptyForm(),  # the header's archive button
            "panels": panels_for(partner, current_user),
        }
    )
