"""Links to pages other features own, resolved when those features are present."""

from flask import url_for
from werkzeug.routing import BuildError

from ..models import Recommendation
from . import bp

PARTNER_ENDPOINTS = ("partners.detail", "partners.show", "partners.view")


@bp.app_template_global()
def partner_url(partner_id: int) -> str:
    """The partner page (the partner list if this build has none)."""
    for endpoint in PARTNER_ENDPOINTS:
        try:
            return url_for(endpoint, partner_id=partner_id)
        except BuildError:
            continue
    return url_for("partners.index")


@bp.app_template_global()
def done_url(recommendation: Recommendation) -> str:
    """The log form, prefilled with what the recommendation asks for."""
    from rules.catalogue import RULES_BY_ID

    rule = RULES_BY_ID.get(recommendation.rule)
    try:
        return url_for(
            "logbook.new_interaction",
            partner_id=recommendation.partner_id,
            kind=rule.action if rule and rule.action else "call",
            direction="outbound",
            recommendation_id=recommendation.id,
        )
    except BuildError:
        return partner_url(recommendation.partner_id)


@bp.app_template_global()
def rule_title(rule_id: str) -> str:
    """A rule's short title ('Coffee meeting'); an agent's own proposal says so."""
    from rules.catalogue import RULES_BY_ID

    rule = RULES_BY_ID.get(rule_id)
    return rule.title if rule else "Proposed tier change" if rule_id == "proposed" else rule_id
