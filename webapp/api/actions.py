"""The API's actions on recommendations and tier changes: what Today's buttons,
the partner page's tier form and the review queue do, through their code.

- done: the log of what the recommendation asked for, as Today's Done opens
  it (`logbook.entries.log_interaction` with the recommendation answered);
- snooze and dismiss: `recommendations.lifecycle`, checked by Today's forms;
  a recommendation acted on already is left as it is, as a second click is;
- a tier change asked for: `desk.decisions.change_tier`, which moves the
  tier at once or, for an agent's move into or out of Cease, proposes it;
- approve and reject: `desk.decisions`, for managers only (404 for anyone
  else, as the review queue), 409 when another manager decided first.
"""

import sqlalchemy as sa
from flask import abort
from flask_login import current_user

from .. import clock
from ..access import get_partner
from ..desk import decisions
from ..desk.forms import RejectForm, TierChangeForm
from ..desk.panel import with_tier_choices
from ..desk.reviews import get_tier_change, open_tier_changes
from ..extensions import db
from ..logbook.entries import log_interaction
from ..logbook.forms import NewInteractionForm
from ..models import Recommendation
from ..recommendations import lifecycle
from ..recommendations.forms import DismissForm, SnoozeForm
from . import bp, schemas
from .bearer import write_scope
from .formdata import NOT_SAVED, form_of_json, validated
from .views import IDEMPOTENCY_KEY, Refusal, body, creates, made, refusals

TIER_CHANGES_ARE_DECIDED = (
    "A tier change is decided by a manager: approve or reject it under /tier-proposals."
)


def action(recommendation_id: int) -> Recommendation:
    """A recommendation of a partner you see (404), and one you act on yourself:
    a tier change is a manager's to decide (403), as on the pages."""
    row = lifecycle.get_recommendation(recommendation_id, current_user)
    if row is None:
        abort(404)
    if row.kind != "action":
        raise Refusal(403, TIER_CHANGES_ARE_DECIDED)
    return row


@bp.post("/recommendations/<int:recommendation_id>/done")
@bp.doc(parameters=[IDEMPOTENCY_KEY], requestBody=body("NewInteraction"))
@creates(schemas.DoneRecommendation, "Logged, and the recommendation done")
@refusals(403, 404, 413, 422)
@write_scope
def recommendation_done(recommendation_id: int):
    """Do a recommendation

    What Today's Done does: the interaction the recommendation asked for is
    logged (the body is the log form's, checked by that form), the partner
    evaluated at once, and the recommendation marked done. Needs a write token;
    403 for a tier change (a manager decides those).
    """
    row = action(recommendation_id)
    partner = get_partner(row.partner_id, current_user, include_archived=False)
    form = validated(
        form_of_json(NewInteractionForm, now=clock.now(partner.team.timezone), partner=partner)
    )
    logged = log_interaction(partner, current_user, form, row.id)
    db.session.refresh(row)
    return made({"interaction": logged.entry, "recommendation": row}, logged.created)


@bp.post("/recommendations/<int:recommendation_id>/snooze")
@bp.doc(requestBody=body("Snooze"))
@bp.response(200, schemas.ActedOn, description="Snoozed (or acted on already: as it is).")
@refusals(403, 404, 413, 422)
@write_scope
def recommendation_snooze(recommendation_id: int):
    """Snooze a recommendation

    Puts it away until tomorrow or next week (the team's days), as Today's
    snooze buttons. One acted on already (done, dismissed) is left as it is.
    Needs a write token.
    """
    row = action(recommendation_id)
    form = validated(form_of_json(SnoozeForm))
    if row.status in lifecycle.LIVE:
        today = clock.today(row.partner.team.timezone)
        lifecycle.snooze(row, current_user, lifecycle.snooze_until(form.until.data, today))
    return row


@bp.post("/recommendations/<int:recommendation_id>/dismiss")
@bp.doc(requestBody=body("Dismiss"))
@bp.response(200, schemas.ActedOn, description="Dismissed (or acted on already: as it is).")
@refusals(403, 404, 413, 422)
@write_scope
def recommendation_dismiss(recommendation_id: int):
    """Dismiss a recommendation

    As Today's Dismiss, with an optional reason: it stays quiet until its
    facts change. One acted on already is left as it is. Needs a write token.
    """
    row = action(recommendation_id)
    form = validated(form_of_json(DismissForm))
    if row.status in lifecycle.LIVE:
        lifecycle.dismiss(row, current_user, form.reason.data)
    return row


# --- tier changes -------------------------------------------------------------------


def waiting_proposal(partner_id: int, tier_to: str) -> Recommendation | None:
    return db.session.scalar(
        sa.select(Recommendation)
        .where(
            Recommendation.partner_id == partner_id,
            Recommendation.kind == "tier_change",
            Recommendation.status == "open",
            Recommendation.tier_to == tier_to,
        )
        .order_by(Recommendation.id.desc())
    )


@bp.post("/partners/<int:partner_id>/tier-proposals")
@bp.doc(requestBody=body("TierChangeRequest"))
@bp.response(201, schemas.TierChange, description="Proposed: waiting for a manager.")
@bp.alt_response(200, schema=schemas.TierChange, description="Changed at once.")
@refusals(403, 404, 413, 422)
@write_scope
def propose_tier(partner_id: int):
    """Change or propose a tier

    What the partner page's tier form does, checked by that form: the tier
    moves at once (audited, told as `tier.changed`), except that an agent's
    move into or out of Cease is proposed to the managers (201, `proposal`).
    A move already waiting for a manager is refused (422) rather than asked
    twice, so a repeat creates nothing. Needs a write token.
    """
    partner = get_partner(partner_id, current_user)
    form = validated(with_tier_choices(form_of_json(TierChangeForm), partner, current_user))
    proposing = decisions.needs_review(current_user, partner.tier, form.tier.data)
    outcome = decisions.change_tier(partner, current_user, form.tier.data, form.reason.data)
    if not outcome.ok:
        raise Refusal(422, NOT_SAVED, {"tier": [outcome.message]})
    db.session.refresh(partner)
    proposal = waiting_proposal(partner.id, form.tier.data) if proposing else None
    answer = {
        "outcome": "proposed" if proposing else "changed",
        "message": outcome.message,
        "partner": partner,
        "proposal": proposal,
    }
    return answer, 201 if proposing else 200


def managers_only() -> None:
    """The review queue is not there for agents (404), as on the pages."""
    if not current_user.is_manager:
        abort(404)


@bp.get("/tier-proposals")
@refusals(404)
@bp.response(200, schemas.TierProposals)
def tier_proposals():
    """Tier changes waiting for review

    The review queue: every open tier change of the team's partners (proposed
    by agents, or raised by the rules), oldest first. Managers only (404).
    """
    managers_only()
    return {"items": open_tier_changes(current_user)}


def decided(recommendation: Recommendation, outcome: decisions.Outcome) -> dict:
    if not outcome.ok:
        raise Refusal(409, outcome.message)
    db.session.expire_all()
    return {
        "message": outcome.message,
        "proposal": db.session.get(Recommendation, recommendation.id),
    }


@bp.post("/tier-proposals/<int:recommendation_id>/approve")
@bp.response(200, schemas.Decision)
@refusals(403, 404, 409)
@write_scope
def approve_tier(recommendation_id: int):
    """Approve a tier change

    As the review queue's Approve: the partner moves, audited, told as
    `tier.changed`. 409 when another manager decided it first, or the partner
    has moved meanwhile. Managers only (404); needs a write token.
    """
    managers_only()
    recommendation = get_tier_change(recommendation_id, current_user)
    return decided(recommendation, decisions.approve(recommendation, current_user))


@bp.post("/tier-proposals/<int:recommendation_id>/reject")
@bp.doc(requestBody=body("Rejection"))
@bp.response(200, schemas.Decision)
@refusals(403, 404, 409, 413, 422)
@write_scope
def reject_tier(recommendation_id: int):
    """Reject a tier change

    As the review queue's Reject: the reason is required, and audited; the
    tier stays. 409 when another manager decided it first. Managers only (404);
    needs a write token.
    """
    managers_only()
    recommendation = get_tier_change(recommendation_id, current_user)
    form = validated(form_of_json(RejectForm))
    return decided(recommendation, decisions.reject(recommendation, current_user, form.reason.data))
