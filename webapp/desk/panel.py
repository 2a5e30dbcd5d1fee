"""The tier panel on the partner page, and the form behind it (its view,
`change_tier`, is in views.py).

Anyone who may see the partner may change its tier by hand with a reason,
except that an agent's move into or out of Cease becomes a proposal for a
manager (enforced in `decisions.change_tier`, not only in the choices shown).
"""

import sqlalchemy as sa

from rules.vocabulary import TIERS

from ..extensions import db
from ..models import AuditEvent, Partner, Recommendation, User
from ..panels import partner_panel
from . import decisions
from .forms import TierChangeForm

TEMPLATE = "desk/_tier_panel.html"
TIER_EVENTS = ("tier_change", "tier_rejected", "tier_proposed")


def tier_form(partner: Partner, user: User, *, bound: bool = False) -> TierChangeForm:
    """The form, with every tier but the current one; Cease moves say they go to review."""
    form = TierChangeForm(prefix="tier") if bound else TierChangeForm(formdata=None, prefix="tier")
    return with_tier_choices(form, partner, user)


def with_tier_choices(form: TierChangeForm, partner: Partner, user: User) -> TierChangeForm:
    """Every tier but the current one (the API fills the same form from JSON)."""
    form.tier.choices = [("", "Choose…")] + [
        (value, f"{text} (a manager reviews it)" if review else text)
        for value, text in TIERS.items()
        if value != partner.tier
        for review in [decisions.needs_review(user, partner.tier, value)]
    ]
    return form


@partner_panel("tier", TEMPLATE, order=20)
def tier_panel(
    partner: Partner, user: User, form: TierChangeForm | None = None, message: str | None = None
) -> dict:
    """The tier, the change form, the changes waiting for review and the latest decisions."""
    pending = db.session.scalars(
        sa.select(Recommendation)
        .where(
            Recommendation.partner_id == partner.id,
            Recommendation.team_id == partner.team_id,
            Recommendation.kind == "tier_change",
            Recommendation.status == "open",
        )
        .order_by(Recommendation.created_at)
    ).all()
    recent = db.session.scalars(
        sa.select(AuditEvent)
        .where(
            AuditEvent.team_id == partner.team_id,
            AuditEvent.partner_id == partner.id,
            AuditEvent.kind.in_(TIER_EVENTS),
        )
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(5)
    ).all()
    return {
        "partner": partner,
        "form": form or tier_form(partner, user),
        "pending": pending,
        "recent": recent,
        "is_manager": user.is_manager,
        "message": message,
    }
