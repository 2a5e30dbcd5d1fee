"""The logbook block of the partner page: the two log forms and the history.

Built here for the whole partner page and for the answer to a log, an edit or
a delete, so the two can never drift apart (templates/logbook/_logbook.html).
"""

from flask import request

from .. import clock
from ..models import Partner
from .forms import InteractionForm, NewInteractionForm, NewReferralForm, ReferralForm
from .history import RECENT, history_for


def blank_interaction_form(partner: Partner, defaults: dict | None = None) -> NewInteractionForm:
    """A log form ready for the next one: now, and a key of its own."""
    now = clock.now(partner.team.timezone)
    return NewInteractionForm(formdata=None, now=now, at=now, **(defaults or {}))


def blank_referral_form(partner: Partner) -> NewReferralForm:
    today = clock.today(partner.team.timezone)
    return NewReferralForm(formdata=None, today=today, referred_on=today)


def history_arg() -> str | None:
    """ "all" when the page shows the whole history (?history=all). The forms and
    links of the block carry it, so that their answers show the whole history too."""
    return "all" if request.args.get("history") == "all" else None


def logbook(
    partner: Partner,
    *,
    interaction_form: InteractionForm | None = None,
    referral_form: ReferralForm | None = None,
    logged: str | None = None,
    log_open: str = "interaction",
    saved: str | None = None,
) -> dict:
    """The block's context: the log forms (fresh, unless one is given with its
    messages), which one is open, what was just logged (its status line), the
    RECENT newest entries of the history with a link to the rest, or all of them,
    and the entry whose inline edit was just `saved` ("interaction-12"), to close."""
    everything = history_arg() == "all"
    history = history_for(partner, limit=None if everything else RECENT)
    if referral_form is not None:
        log_open = "referral"
    return {
        "partner": partner,
        "interaction_form": interaction_form or blank_interaction_form(partner),
        "referral_form": referral_form or blank_referral_form(partner),
        "log_open": log_open,
        "logged": logged,
        "history": history if everything else history[:RECENT],
        "more_history": not everything and len(history) > RECENT,
        "history_arg": history_arg(),
        "saved": saved,
    }
