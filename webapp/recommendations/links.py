"""Links from a recommendation: its partner's page and the prefilled log form."""

from flask import g, url_for
from flask_login import current_user

from ..models import Recommendation
from . import bp


@bp.app_template_global()
def partner_url(partner_id: int) -> str:
    return url_for("partners.detail", partner_id=partner_id)


@bp.app_template_global()
def done_url(recommendation: Recommendation) -> str:
    """The log form, prefilled with what the recommendation asks for."""
    from rules.catalogue import RULES_BY_ID

    rule = RULES_BY_ID.get(recommendation.rule) or _team_rules().get(recommendation.rule)
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

    rule = RULES_BY_ID.get(rule_id) or _team_rules().get(rule_id)
    return rule.title if rule else "Proposed tier change" if rule_id == "proposed" else rule_id


def _team_rules() -> dict:
    """The signed-in user's team's own rules by id (those switched off too: a
    closed recommendation still names its rule), read once per request."""
    if "team_rules" not in g:
        from rules import team

        from .lifecycle import in_force

        definitions = in_force(current_user.team_id)[2] if current_user.is_authenticated else []
        on_or_off = [{**d, "enabled": True} for d in definitions]
        g.team_rules = {rule.id: rule for rule in team.compiled(on_or_off)}
    return g.team_rules
