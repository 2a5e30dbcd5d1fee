"""The partner page's context, built in one place for the page and its fragments."""

from flask import request
from flask_login import current_user

from .. import clock
from ..forms import EmptyForm
from ..logbook.forms import InteractionForm, ReferralForm
from ..logbook.history import RECENT, history_for
from ..models import Partner
from .panels import ENTRIES, panels_for


def blank_interaction_form(partner: Partner, defaults: dict | None = None) -> InteractionForm:
    now = clock.now(partner.team.timezone)
    return InteractionForm(formdata=None, now=now, at=now, **(defaults or {}))


def blank_referral_form(partner: Partner) -> ReferralForm:
    today = clock.today(partner.team.timezone)
    return ReferralForm(formdata=None, today=today, referred_on=today)


def recent_history(partner: Partner, everything: bool = False) -> dict:
    """The history as the page shows it: the RECENT newest entries and a link to
    the rest when there are more, or `everything`."""
    history = history_for(partner, limit=None if everything else RECENT)
    if everything:
        return {"history": history, "more_history": False}
    return {"history": history[:RECENT], "more_history": len(history) > RECENT}


def partner_page(
    partner: Partner,
    *,
    interaction_form: InteractionForm | None = None,
    referral_form: ReferralForm | None = None,
    oob: bool = False,
    panels: bool = True,
    changed: tuple[str, ...] = ENTRIES,
    log_forms: tuple[str, ...] = ENTRIES,
    history: bool = True,
) -> dict:
    """Everything partners/detail.html needs. With `oob`, only the panels that
    follow the kinds of entry `changed`, marked for an out-of-band swap; none
    without `panels`. Only the `log_forms` named are made; the history only
    with `history` (see `recent_history`)."""
    log_open = "referral" if referral_form is not None else "interaction"
    if interaction_form is None and "interaction" in log_forms:
        interaction_form = blank_interaction_form(partner)
    if referral_form is None and "referral" in log_forms:
        referral_form = blank_referral_form(partner)
    everything = request.args.get("history") == "all"
    return dict(
        partner=partner,
        **(recent_history(partner, everything) if history else {}),
        interaction_form=interaction_form,
        referral_form=referral_form,
        log_open=log_open,
        logged=None,  # what was just logged, in the log form's status line
        today=clock.today(partner.team.timezone),
        # The header's archive button: only on the whole page, never out of band.
        empty_form=None if oob else EmptyForm(),
        panels=panels_for(partner, current_user, only_refreshing=oob, oob=oob, changed=changed)
        if panels
        else [],
    )
