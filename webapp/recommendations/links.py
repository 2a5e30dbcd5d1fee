"""Links from a recommendation: its partner's page and the prefilled log form."""

from flask import url_for

from ..models import Recommendation
from . import bp


@bp.app_template_global()
def partner_url(partner_id: int) -> str:
    return url_for("partners.detail", partner_id=partner_id)


@bp.app_template_global()
def done_url(recommendation: Recommendation) -> str:
    """The log form, prefilled with what the recommendation asks for."""
    from rules.catalogue import RULES_BY_ID

    rule = RULES_BY_ID.get(recommendation.rule)
    return url_for(
        "logbook.new_interaction",
        partner_id=recommendation.partner_id,
        kind=rule.action if rule and rule.action else "call",
        direction="outbound",
        recommendation_id=recommendation.id,
    )


@bp.app_template_global()
def rule_title(rule_id: str) -> str:
    """A rule's short title ('Coffee meeting'); an agent's own proposal says so."""
    from rules.catalogue import RULES_BY_ID

    rule = RULES_BY_ID.get(rule_id)
    return rule.title if rule else "Proposed tier change" if rule_id == "proposed" else rule_id
