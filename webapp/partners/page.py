"""The partner page's context, built in one place for the page and its fragments."""

from flask import request
from flask_login import current_user

from .. import clock
from ..forms import EmptyForm
from ..logbook.forms import InteractionForm, ReferralForm
from ..logbook.history import RECENT, history_for
from ..models import Partner
from .panels import panels_for


def blank_log_forms(partner: Partner, interaction_defaults: dict | None = None):
    """Empty log forms with now/today as defaults (and any prefill given)."""
    now = clock.now(partner.team.timezone)
    interaction_form = InteractionForm(
        formdata=None, now=now, at=now, **(interaction_defaults or {})
    )
    referral_form = ReferralForm(formdata=None, today=now.date(), referred_on=now.date())
    return interaction_form, referral_form


def partner_page(
    partner: Partner,
    *,
    interaction_form: InteractionForm | None = None,
    referral_form: ReferralForm | None = None,
    oob: bool = False,
    panels: bool = True,
) -> dict:
    """Everything partners/detail.html needs. With `oob`, only the panels that
    follow the history, marked for an out-of-band swap; none without `panels`."""
    blank_interaction, blank_referral = blank_log_forms(partner)
    full_history = request.args.get("history") == "all"
    history = history_for(partner, limit=None if full_history else RECENT)
    return dict(
        partner=partner,
        history=history[:RECENT] if not full_history else history,
        more_history=not full_history and len(history) > RECENT,
        interaction_form=interaction_form or blank_interaction,
        referral_form=referral_form or blank_referral,
        log_open="referral" if referral_form is not None else "interaction",
        today=clock.today(partner.team.timezone),
        empty_form=EmptyForm(),
        panels=panels_for(partner, current_user, only_refreshing=oob, oob=oob) if panels else [],
    )
