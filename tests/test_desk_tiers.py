"""Tier changes by hand: agents move Cultivate <-> Maintain; Cease goes through a manager."""

import pytest
import sqlalchemy as sa
from flask import render_template

from tests.helpers import SIGN_IN_KINDS, make_partner
from webapp.models import AuditEvent, Partner, Recommendation
from webapp.panels import PANELS, panels_for


def tier_of(db, partner_id):
    db.session.expire_all()
    return db.session.get(Partner, partner_id).tier


def open_proposals(db):
    return db.session.scalars(
        sa.select(Recommendation).where(
            Recommendation.rule == "proposed", Recommendation.status == "open"
        )
    ).all()


def change(client, partner, tier, reason="Two closings this spring", **kwargs):
    form = {"tier-tier": tier, "tier-reason": reason}
    return client.post(f"/desk/partners/{partner.id}/tier", data=form, **kwargs)


@pytest.fixture
def ryan(team):
    return make_partner(team["agent"], "Ryan McMillan")


def test_the_tier_panel_renders_on_the_partner_page(app, team, ryan):
    [panel] = [panel for panel in PANELS if panel.name == "tier"]
    assert panel.template == "desk/_tier_panel.html" and panel.order == 20
    with app.test_request_context():
        [rendered] = [p for p in panels_for(ryan, team["agent"]) if p.name == "tier"]
        html = render_template(rendered.template, panel=rendered)
    assert 'id="panel-tier"' in html and f'action="/desk/partners/{ryan.id}/tier"' in html
    assert "Cease (a manager reviews it)" in html


def test_an_agent_moves_cultivate_to_maintain_with_a_reason(client, auth, team, ryan, db):
    auth.login(team["agent"])
    response = change(client, ryan, "maintain")
    assert response.status_code == 303
    assert tier_of(db, ryan.id) == "maintain"
    [event] = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.kind.not_in(SIGN_IN_KINDS))
    ).all()
    assert event.kind == "tier_change" and event.user_id == team["agent"].id
    assert event.before == {"tier": "cultivate"}
    assert event.after == {"tier": "maintain", "reason": "Two closings this spring"}
    page = client.get(f"/desk/partners/{ryan.id}/tier").get_data(as_text=True)
    assert "Ryan McMillan is now in Maintain." in page


def test_an_agents_move_into_cease_becomes_a_proposal(client, auth, team, ryan, db):
    auth.login(team["agent"])
    page = client.get(f"/desk/partners/{ryan.id}/tier").get_data(as_text=True)
    assert "Cease (a manager reviews it)" in page
    response = change(client, ryan, "cease", "Rude on every call", headers={"HX-Request": "true"})
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert text.lstrip().startswith('<section class="card tier-panel" id="panel-tier"')
    assert "Proposed: a manager will review the move to Cease." in text
    assert "Waiting for review: Cultivate → Cease" in text
    assert tier_of(db, ryan.id) == "cultivate"
    [proposal] = open_proposals(db)
    assert proposal.kind == "tier_change" and proposal.proposed_by_id == team["agent"].id
    assert (proposal.tier_from, proposal.tier_to) == ("cultivate", "cease")
    assert proposal.reason == "Rude on every call"
    # It joins the managers' queue.
    auth.logout()
    auth.login(team["manager"])
    assert "Rude on every call" in client.get("/desk/reviews").get_data(as_text=True)


def test_the_same_proposal_is_not_queued_twice(client, auth, team, ryan, db):
    auth.login(team["agent"])
    change(client, ryan, "cease", "Rude on every call")
    response = change(client, ryan, "cease", "Rude again")
    assert response.status_code == 422
    assert "A move to Cease is already waiting for a manager." in response.get_data(as_text=True)
    assert len(open_proposals(db)) == 1


def test_an_agent_cannot_take_a_partner_out_of_cease_alone(client, auth, team, db):
    ceased = make_partner(team["agent"], "Cole Cease", tier="cease")
    db.session.commit()
    auth.login(team["agent"])
    change(client, ceased, "maintain", "We made up")
    assert tier_of(db, ceased.id) == "cease"
    [proposal] = open_proposals(db)
    assert (proposal.tier_from, proposal.tier_to) == ("cease", "maintain")


def test_a_manager_changes_any_tier_directly(client, auth, team, ryan, db):
    auth.login(team["manager"])
    assert change(client, ryan, "cease", "Disrespectful to our clients").status_code == 303
    assert tier_of(db, ryan.id) == "cease"
    assert open_proposals(db) == []
    [event] = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.kind.not_in(SIGN_IN_KINDS))
    ).all()
    assert (event.kind, event.user_id) == ("tier_change", team["manager"].id)
    assert event.after == {"tier": "cease", "reason": "Disrespectful to our clients"}
    assert change(client, ryan, "maintain", "Apologised").status_code == 303
    assert tier_of(db, ryan.id) == "maintain"


def test_a_change_needs_a_reason_and_a_real_tier(client, auth, team, ryan, db):
    auth.login(team["agent"])
    response = change(client, ryan, "maintain", "  ")
    assert response.status_code == 422
    assert 'id="tier-reason-error">Say why the tier changes.' in response.get_data(as_text=True)
    for bogus in ("cultivate", "platinum", ""):  # the current tier is no choice either
        assert change(client, ryan, bogus).status_code == 422
    assert tier_of(db, ryan.id) == "cultivate"
    assert (
        db.session.scalars(sa.select(AuditEvent).where(AuditEvent.kind.not_in(SIGN_IN_KINDS))).all()
        == []
    )


def test_a_manual_change_closes_tier_changes_that_no_longer_apply(client, auth, team, ryan, db):
    promote = Recommendation(
        team_id=ryan.team_id,
        partner_id=ryan.id,
        kind="tier_change",
        rule="promote",
        tier_from="cultivate",
        tier_to="maintain",
        reason="2 referrals",
    )
    db.session.add(promote)
    db.session.commit()
    auth.login(team["manager"])
    change(client, ryan, "maintain")
    db.session.expire_all()
    assert promote.status == "closed"
    response = client.post(f"/desk/reviews/{promote.id}/approve")
    assert response.status_code == 409
    assert "no longer applies" in response.get_data(as_text=True)


def test_only_those_who_see_the_partner_can_change_its_tier(client, auth, team, ryan, db):
    rival_partner = make_partner(team["rival_agent"], "Rita Rival")
    db.session.commit()
    auth.login(team["other_agent"])  # same team, not the owner
    assert client.get(f"/desk/partners/{ryan.id}/tier").status_code == 404
    assert change(client, ryan, "maintain").status_code == 404
    auth.logout()
    auth.login(team["manager"])
    assert change(client, rival_partner, "maintain").status_code == 404
    assert tier_of(db, ryan.id) == tier_of(db, rival_partner.id) == "cultivate"
