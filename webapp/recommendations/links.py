"""Links from a recommendation: its partner's page and the prefilled log form."""

from flask import g, has_request_context, url_for
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

    rule = RULES_BY_ID.get(recommendation.rule) or _team_rules(recommendation.team_id).get(
        recommendation.rule
    )
    return url_for(
        "logbook.new_interaction",
        partner_id=recommendation.partner_id,
        kind=rule.action if rule and rule.action else "call",
        direction="outbound",
        recommendation_id=recommendation.id,
    )


@bp.app_template_global()
def rule_title(rule_id: str, team_id: int | None = None) -> str:
    """A rule's short title ('Coffee meeting'); an agent's own proposal says so;
    a team's own rule by its name (the signed-in user's team unless given)."""
    from rules.catalogue import RULES_BY_ID

    rule = RULES_BY_ID.get(rule_id) or _team_rules(team_id).get(rule_id)
    return rule.title if rule else "Proposed tier change" if rule_id == "proposed" else rule_id


def _team_rules(team_id: int | None) -> dict:
    """A team's own rules by id (those switched off too: a closed recommendation
    still names its rule), read once per team per request or job."""
    if team_id is None:
        if not (has_request_context() and current_user.is_authenticated):
            return {}
        team_id = current_user.team_id
    known = g.setdefault("team_rules", {})
    if team_id not in known:
        from rules import team

        from .lifecycle import in_force

        on_or_off = [{**d, "enabled": True} for d in in_force(team_id)[2]]
        known[team_id] = {rule.id: rule for rule in team.compiled(on_or_off)}
    return known[team_id]
