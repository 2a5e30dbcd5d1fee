"""Logging an entry: the one path the partner page and the API both take.

Validated first by the caller (the page's form, or the same form filled from
JSON: webapp/api/formdata.py); then stored once under its key
(webapp/idempotency.py), and the partner re-evaluated at once
(docs/ARCHITECTURE.md, "The path of a log").
"""

from typing import NamedTuple

from ..idempotency import create_once
from ..models import Interaction, Partner, User
from ..recommendations.reevaluation import reevaluate
from ..webhooks import events
from .forms import NewInteractionForm


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
    interaction, created = create_once(interaction, form.idempotency_key.data)
    reevaluated = created and reevaluate(partner, user, done_recommendation_id)
    if created:
        events.interaction_logged(interaction, partner.team_id)
    return Logged(interaction, created, reevaluated)
