"""The partner page's context: the header, the logbook block and the panels."""

from datetime import timedelta

from flask_login import current_user

from .. import clock, contact
from ..forms import EmptyForm
from ..ledger.queries import standing
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
            "first_meeting": first_meeting(partner),
            "value_standing": standing(partner),  # the header's mark at the yearly limit
        }
    )


# How long a partner counts as just met: the page offers seed 001's first steps
# (save the contact, say "Nice to meet you") for this long.
JUST_MET = timedelta(days=14)


def first_meeting(partner: Partner) -> dict | None:
    """The "Nice to meet you" text and links while the partner is new to the
    agent (met, or added, in the last two weeks); None after that, and for anyone
    but the agent who met them."""
    if partner.owner_id != current_user.id:
        return None
    timezone = partner.team.timezone
    today = clock.today(timezone)
    met = partner.met_on or clock.local(partner.created_at, timezone).date()
    if not today - JUST_MET <= met <= today or partner.do_not_contact:
        return None
    email = contact.nice_to_meet_you(partner, current_user, by_email=True)
    return {
        "sms": contact.sms_url(partner.phone, contact.nice_to_meet_you(partner, current_user)),
        "mailto": contact.mailto_url(partner.email, "Nice to meet you", email),
    }
