"""The logbook of the partner page: the two log forms and the history.

Built here for the whole partner page and for the answers to a log, an edit or
a delete, so that what a fragment shows is what the page shows.
"""

from flask import request

from .. import clock
from ..models import Interaction, Partner, Referral
from .forms import InteractionForm, NewInteractionForm, NewReferralForm, ReferralForm
from .history import RECENT, entry_of, history_for, newest_ids


def blank_interaction_form(partner: Partner, defaults: dict | None = None) -> NewInteractionForm:
    """A log form ready for the next one: now, and a key of its own."""
    now = clock.now(partner.team.timezone)
    return NewInteractionForm(formdata=None, now=now, at=now, **(defaults or {}))


def blank_referral_form(partner: Partner) -> NewReferralForm:
    today = clock.today(partner.team.timezone)
    return NewReferralForm(formdata=None, today=today, referred_on=today)


def log_forms(
    partner: Partner,
    *,
    interaction_form: InteractionForm | None = None,
    referral_form: ReferralForm | None = None,
    logged: str | None = None,
) -> dict:
    """The log forms (templates/logbook/_log_form.html): fresh, unless one is given
    (with its messages, or the one just used: it stays open), and what was just
    `logged`, in the status line of the form it came from."""
    return {
        "partner": partner,
        "interaction_form": interaction_form or blank_interaction_form(partner),
        "referral_form": referral_form or blank_referral_form(partner),
        "log_open": "referral" if referral_form is not None else "interaction",
        "logged": logged,
        "history_arg": history_arg(),
    }


def history_arg() -> str | None:
    """ "all" when the page shows the whole history (?history=all). The forms and
    links of the logbook carry it, so that their answers show the whole history too."""
    return "all" if request.args.get("history") == "all" else None


def history(partner: Partner, saved: Interaction | Referral | None = None) -> dict:
    """The history as the page shows it (templates/logbook/_history.html): the
    RECENT newest entries and a link to the rest, or all of them; `saved` is the
    entry whose inline edit was just saved, to close."""
    everything = history_arg() == "all"
    entries = history_for(partner, limit=None if everything else RECENT)
    return {
        "partner": partner,
        "history": entries if everything else entries[:RECENT],
        "more_history": not everything and len(entries) > RECENT,
        "history_arg": history_arg(),
        "saved": key_of(saved) if saved is not None else None,
    }


def history_after_log(partner: Partner, entry: Interaction | Referral) -> dict:
    """What the page's history needs once `entry` is logged. The newest entry
    goes on top alone, and the one it pushes past the RECENT shown goes; any
    other (the first one, one dated earlier, a page showing everything) comes
    with the history whole."""
    newest = newest_ids(partner, RECENT + 1)
    if history_arg() == "all" or len(newest) == 1 or newest[0] != key_of(entry):
        return {"new_entry": None, **history(partner)}
    return {
        "partner": partner,
        "new_entry": entry_of(entry),
        "pushed_off": newest[RECENT] if len(newest) > RECENT else None,
        "more_history": len(newest) > RECENT,
        "history_arg": None,
        "saved": None,
    }


def key_of(entry: Interaction | Referral) -> str:
    """'interaction-12': the id of the entry's <li> (and of its edit slot, edit-…)."""
    return f"{'referral' if isinstance(entry, Referral) else 'interaction'}-{entry.id}"
