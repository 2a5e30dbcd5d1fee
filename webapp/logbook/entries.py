"""Logging an entry: the one path the partner page and the API both take.

Validated first by the caller (the page's form, or the same form filled from
JSON: webapp/api/formdata.py); then stored once under its key
(webapp/idempotency.py), and the partner re-evaluated at once
(docs/ARCHITECTURE.md, "The path of a log").
"""

from typing import NamedTuple

from .. import clock
from ..extensions import db
from ..idempotency import create_once
from ..ledger import record as ledger
from ..models import Interaction, Partner, Referral, User
from ..recommendations.reevaluation import reevaluate
from ..webhooks import events
from .forms import InteractionForm, NewInteractionForm, NewReferralForm, ReferralForm


class Logged(NamedTuple):
    entry: Interaction
    created: bool  # False: the key had logged it already, nothing was stored
    reevaluated: bool  # False: the rules could not run (the entry is stored all the same)


def log_interaction(
    partner: Partner,
    user: User,
    form: NewInteractionForm,
    done_recommendation_id: int | None = None,
) -> Logged:
    """Store the interaction the valid `form` describes, once however often it
    is sent, then re-evaluate the partner (`done_recommendation_id`, the
    recommendation the log answered, is marked done). Sent again, the log
    changed nothing: there is nothing to re-evaluate, and the team's webhooks
    were told of it already."""
    interaction = Interaction(partner_id=partner.id, user_id=user.id)
    form.populate(interaction)
    # Its line of the things-of-value ledger is stored with it, or dropped with it.
    ledger.given(partner, interaction, user, over_limit=form.passes_limit)
    interaction, created = create_once(interaction, form.idempotency_key.data)
    reevaluated = created and reevaluate(partner, user, done_recommendation_id)
    if created:
        events.interaction_logged(interaction, partner.team_id)
    return Logged(interaction, created, reevaluated)


def save_interaction(interaction: Interaction, user: User, form: InteractionForm) -> None:
    """Store a valid correction of the interaction (`form`, made with the
    interaction as `editing`): its ledger gets the correcting line, in the
    same commit; then the partner is re-evaluated."""
    form.populate(interaction)
    ledger.corrected(interaction, user, over_limit=form.passes_limit)
    db.session.commit()
    reevaluate(interaction.partner, user)


def unlog_interaction(interaction: Interaction, user: User) -> None:
    """Delete the interaction: its ledger lines stay, with one reversing them."""
    partner = interaction.partner
    ledger.deleted(interaction, user)
    db.session.delete(interaction)
    db.session.commit()
    reevaluate(partner, user)


class LoggedReferral(NamedTuple):
    entry: Referral
    created: bool
    reevaluated: bool


def log_referral(partner: Partner, user: User, form: NewReferralForm) -> LoggedReferral:
    """Store the referral the valid `form` describes, once however often it is
    sent, re-evaluate the partner, and tell the team's webhooks of one received."""
    referral = Referral(partner_id=partner.id, user_id=user.id)
    form.populate(referral)
    closed_today(referral, partner)
    referral, created = create_once(referral, form.idempotency_key.data)
    reevaluated = created and reevaluate(partner, user)
    if created and referral.direction == "received":
        events.referral_received(referral, partner.team_id)
    return LoggedReferral(referral, created, reevaluated)


def closed_today(referral: Referral, partner: Partner) -> None:
    """A referral marked closed without a closing day closed today (the team's)."""
    if referral.status == "closed" and referral.closed_on is None:
        referral.closed_on = clock.today(partner.team.timezone)
    if referral.status != "closed":
        referral.closed_on = None


def save_referral(
    referral: Referral, user: User, form: ReferralForm | None = None, *, status: str | None = None
) -> None:
    """Store a valid correction of the referral (`form`), or its new `status`
    alone (the history's inline select): the one place a referral changes, so
    that a change of status is told to the team's webhooks once, whoever made it."""
    partner, before = referral.partner, referral.status
    if form is not None:
        form.populate(referral)
    else:
        referral.status = status
    closed_today(referral, partner)
    db.session.commit()
    reevaluate(partner, user)
    if referral.status != before:
        events.referral_status_changed(referral, before, partner.team_id)
