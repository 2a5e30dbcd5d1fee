"""Deciding tier changes: approve, reject, or change a partner's tier by hand.

A decision claims its recommendation with a conditional UPDATE
(`... WHERE status = 'open'`) and checks the row count, in the same
transaction as the tier change and its audit event. When two managers decide
the same item at once, exactly one claim matches a row; the other rolls back
and is told who decided first. The partner's tier moves the same way
(`... WHERE tier = <the tier we saw>`), so no change is ever applied twice.
"""

from dataclasses import dataclass

import sqlalchemy as sa

from rules.vocabulary import TIERS

from ..extensions import db
from ..models import Partner, Recommendation, User, record_audit, utcnow
from ..push import notices
from ..recommendations.reevaluation import reevaluate
from ..webhooks import events
from .wording import TIER_RULES, time_ago


@dataclass(frozen=True)
class Outcome:
    """What happened to a decision: `ok` when it landed, else why not."""

    ok: bool
    message: str


def tier_move(tier_from: str | None, tier_to: str | None) -> str:
    return f"{TIERS.get(tier_from or '', tier_from)} → {TIERS.get(tier_to or '', tier_to)}"


def decided_message(recommendation: Recommendation) -> str:
    """Who decided this item and how: 'Dana Reyes approved this 2 minutes ago'."""
    when = time_ago(recommendation.decided_at or recommendation.closed_at or utcnow(), utcnow())
    if recommendation.status in ("approved", "rejected") and recommendation.decided_by:
        said = f': "{recommendation.decision_reason}"' if recommendation.decision_reason else ""
        return f"{recommendation.decided_by.name} {recommendation.status} this {when}{said}."
    if recommendation.status == "closed":
        return f"This change no longer applies: it was closed {when}."
    return f"This change is no longer open ({recommendation.status})."


def _claim(recommendation_id: int, manager: User, status: str, reason: str | None) -> bool:
    """Mark an open item decided; False when someone else decided it first."""
    result = db.session.execute(
        sa.update(Recommendation)
        .where(Recommendation.id == recommendation_id, Recommendation.status == "open")
        .values(
            status=status, decided_by_id=manager.id, decided_at=utcnow(), decision_reason=reason
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _move_partner(partner_id: int, tier_from: str, tier_to: str) -> bool:
    """Set the tier only if it is still the one we saw."""
    result = db.session.execute(
        sa.update(Partner)
        .where(Partner.id == partner_id, Partner.tier == tier_from)
        .values(tier=tier_to, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _close_stale(partner_id: int, tier: str, keep_id: int | None = None) -> None:
    """Open tier changes that start from another tier no longer apply: close them."""
    query = (
        sa.update(Recommendation)
        .where(
            Recommendation.partner_id == partner_id,
            Recommendation.kind == "tier_change",
            Recommendation.status == "open",
            sa.or_(Recommendation.tier_from.is_(None), Recommendation.tier_from != tier),
        )
        .values(status="closed", closed_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if keep_id is not None:
        query = query.where(Recommendation.id != keep_id)
    db.session.execute(query)


def tier_moved(partner: Partner, user: User) -> None:
    """The rules read the tier: re-evaluate the partner now, as after a log, so that
    the old tier's actions (a Maintain lunch) go and the new tier's come the same day
    rather than after the nightly refresh."""
    reevaluate(partner, user)


def approve(recommendation: Recommendation, manager: User) -> Outcome:
    """Approve a tier change: the partner moves, the item is closed, both audited."""
    rec_id, partner = recommendation.id, recommendation.partner
    partner_id, name = partner.id, partner.name
    tier_from, tier_to = recommendation.tier_from or partner.tier, recommendation.tier_to
    rule, reason = recommendation.rule, recommendation.reason
    if not _claim(rec_id, manager, "approved", None):
        db.session.rollback()
        return Outcome(False, decided_message(recommendation))
    if not _move_partner(partner_id, tier_from, tier_to):
        db.session.rollback()
        now_in = TIERS.get(partner.tier, partner.tier)
        return Outcome(
            False, f"{name} is in {now_in} now, not {TIERS[tier_from]}: reject this change."
        )
    record_audit(
        manager.team_id,
        manager,
        "tier_change",
        f"{name}: {tier_move(tier_from, tier_to)} approved ({TIER_RULES.get(rule, rule)}).",
        partner=partner,
        before={"tier": tier_from},
        after={"tier": tier_to, "recommendation_id": rec_id, "rule": rule, "reason": reason},
    )
    _close_stale(partner_id, tier_to, keep_id=rec_id)
    db.session.commit()
    events.tier_changed(partner, tier_from)
    notices.decided(recommendation, manager)
    tier_moved(partner, manager)
    return Outcome(True, f"Approved: {name} {tier_move(tier_from, tier_to)}.")


def reject(recommendation: Recommendation, manager: User, reason: str) -> Outcome:
    """Reject a tier change with a reason; the tier stays as it is."""
    rec_id, partner = recommendation.id, recommendation.partner
    name, rule = partner.name, recommendation.rule
    tier_from, tier_to = recommendation.tier_from, recommendation.tier_to
    if not _claim(rec_id, manager, "rejected", reason):
        db.session.rollback()
        return Outcome(False, decided_message(recommendation))
    record_audit(
        manager.team_id,
        manager,
        "tier_rejected",
        f"{name}: {tier_move(tier_from, tier_to)} rejected ({TIER_RULES.get(rule, rule)}): "
        f"{reason}",
        partner=partner,
        before={"tier": tier_from, "proposed_tier": tier_to, "status": "open"},
        after={"tier": tier_from, "status": "rejected", "reason": reason},
    )
    db.session.commit()
    notices.decided(recommendation, manager)
    return Outcome(True, f"Rejected: {name} {tier_move(tier_from, tier_to)}.")


def needs_review(user: User, tier_from: str, tier_to: str) -> bool:
    """An agent may not move a partner into or out of Cease alone (DOMAIN.md, Tiers)."""
    return not user.is_manager and "cease" in (tier_from, tier_to)


def change_tier(partner: Partner, user: User, tier_to: str, reason: str) -> Outcome:
    """Change a tier by hand, or propose it for review when the user may not."""
    tier_from, name = partner.tier, partner.name
    if needs_review(user, tier_from, tier_to):
        return _propose(partner, user, tier_to, reason)
    if not _move_partner(partner.id, tier_from, tier_to):
        db.session.rollback()
        now_in = TIERS.get(partner.tier, partner.tier)
        return Outcome(False, f"{name}'s tier was changed meanwhile: it is {now_in} now.")
    record_audit(
        partner.team_id,
        user,
        "tier_change",
        f"{name}: {tier_move(tier_from, tier_to)} changed by hand: {reason}",
        partner=partner,
        before={"tier": tier_from},
        after={"tier": tier_to, "reason": reason},
    )
    _close_stale(partner.id, tier_to)
    db.session.commit()
    events.tier_changed(partner, tier_from)
    tier_moved(partner, user)
    return Outcome(True, f"{name} is now in {TIERS[tier_to]}.")


def _propose(partner: Partner, user: User, tier_to: str, reason: str) -> Outcome:
    """Queue the change for a manager (rule 'proposed'), once per target tier."""
    waiting = db.session.scalar(
        sa.select(Recommendation.id).where(
            Recommendation.partner_id == partner.id,
            Recommendation.kind == "tier_change",
            Recommendation.status == "open",
            Recommendation.tier_to == tier_to,
        )
    )
    if waiting:
        return Outcome(False, f"A move to {TIERS[tier_to]} is already waiting for a manager.")
    proposal = Recommendation(
        team_id=partner.team_id,
        partner_id=partner.id,
        rule="proposed",
        kind="tier_change",
        tier_from=partner.tier,
        tier_to=tier_to,
        reason=reason,
        fingerprint=f"proposed:{partner.tier}:{tier_to}:{utcnow().isoformat()}",
        proposed_by_id=user.id,
    )
    db.session.add(proposal)
    record_audit(
        partner.team_id,
        user,
        "tier_proposed",
        f"{partner.name}: {tier_move(partner.tier, tier_to)} proposed for review: {reason}",
        partner=partner,
        before={"tier": partner.tier},
        after={"proposed_tier": tier_to, "reason": reason},
    )
    db.session.commit()
    notices.review_waiting(proposal, user)
    return Outcome(True, f"Proposed: a manager will review the move to {TIERS[tier_to]}.")
