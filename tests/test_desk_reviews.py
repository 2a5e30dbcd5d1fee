"""The review queue: who sees it, approving, rejecting, approving several at once."""

import re
from datetime import datetime

import pytest
import sqlalchemy as sa

from tests.helpers import SIGN_IN_KINDS, make_partner
from webapp.models import AuditEvent, Interaction, Partner, Recommendation


def tier_change(db, partner, tier_to, rule="promote", **fields):
    recommendation = Recommendation(
        team_id=partner.team_id,
        partner_id=partner.id,
        kind="tier_change",
        rule=rule,
        tier_from=fields.pop("tier_from", partner.tier),
        tier_to=tier_to,
        reason=fields.pop("reason", "2 referrals received in the last 180 days"),
        **fields,
    )
    db.session.add(recommendation)
    db.session.commit()
    return recommendation


@pytest.fixture
def queue(db, team):
    """Three open tier changes for Harbor (one proposed by an agent), one for the rival team."""
    ryan = make_partner(team["agent"], "Ryan McMillan")
    lena = make_partner(team["other_agent"], "Lena Park", tier="maintain")
    omar = make_partner(team["agent"], "Omar Diaz")
    rival = make_partner(team["rival_agent"], "Rita Rival")
    return {
        "promote": tier_change(db, ryan, "maintain", created_at=datetime(2026, 11, 1, 9)),
        "cool_down": tier_change(
            db,
            lena,
            "cultivate",
            rule="cool_down",
            reason="No referral in 180 days",
            created_at=datetime(2026, 11, 2, 9),
        ),
        "proposed": tier_change(
            db,
            omar,
            "cease",
            rule="proposed",
            reason="Rude on every call",
            proposed_by_id=team["agent"].id,
            created_at=datetime(2026, 11, 3, 9),
        ),
        "rival": tier_change(db, rival, "maintain"),
    }


def audit_events(db, kind=None):
    query = (
        sa.select(AuditEvent).where(AuditEvent.kind.not_in(SIGN_IN_KINDS)).order_by(AuditEvent.id)
    )
    if kind:
        query = query.where(AuditEvent.kind == kind)
    return db.session.scalars(query).all()


def test_queue_lists_the_teams_open_tier_changes_oldest_first(client, auth, team, queue):
    auth.login(team["manager"])
    page = client.get("/desk/reviews").get_data(as_text=True)
    assert page.index("Ryan McMillan") < page.index("Lena Park") < page.index("Omar Diaz")
    assert "Rita Rival" not in page
    assert "Sam Ortiz" in page and "Kim Lee" in page  # the agents who own them
    assert "Proposed by the agent (Sam Ortiz)" in page
    assert "Rude on every call" in page
    # Recent history: a lazy-loaded fragment with a real link underneath.
    history_url = f"/desk/partners/{queue['promote'].partner_id}/history"
    assert f'hx-get="{history_url}"' in page and f'href="{history_url}"' in page


def test_a_decided_tier_change_leaves_the_queue(client, auth, team, queue, db):
    queue["promote"].status = "approved"
    db.session.commit()
    auth.login(team["admin"])
    page = client.get("/desk/reviews").get_data(as_text=True)
    assert "Ryan McMillan" not in page and "Lena Park" in page


def test_history_fragment_shows_recent_interactions(client, auth, team, queue, db):
    partner_id = queue["promote"].partner_id
    db.session.add(
        Interaction(
            partner_id=partner_id,
            user_id=team["agent"].id,
            at=datetime(2026, 11, 5, 10),
            kind="coffee",
            direction="outbound",
            outcome="connected",
        )
    )
    db.session.commit()
    auth.login(team["manager"])
    fragment = client.get(f"/desk/partners/{partner_id}/history", headers={"HX-Request": "true"})
    text = fragment.get_data(as_text=True)
    assert "Coffee, we reached out, connected" in text and "<html" not in text
    page = client.get(f"/desk/partners/{partner_id}/history").get_data(as_text=True)
    assert "<html" in page and "Coffee" in page


@pytest.mark.parametrize(
    "method, url",
    [
        ("get", "/desk/reviews"),
        ("get", "/desk/team"),
        ("get", "/desk/audit"),
        ("get", "/desk/audit.csv"),
        ("post", "/desk/reviews/approve"),
    ],
)
def test_agents_get_404_on_the_desk(client, auth, team, queue, method, url):
    auth.login(team["agent"])
    assert getattr(client, method)(url).status_code == 404


def test_agents_get_404_on_decisions_and_change_nothing(client, auth, team, queue, db):
    auth.login(team["agent"])
    rec = queue["promote"]
    assert client.post(f"/desk/reviews/{rec.id}/approve").status_code == 404
    assert (
        client.post(
            f"/desk/reviews/{rec.id}/reject", data={f"reject-{rec.id}-reason": "x"}
        ).status_code
        == 404
    )
    assert client.get(f"/desk/partners/{rec.partner_id}/history").status_code == 404
    db.session.expire_all()
    assert rec.status == "open" and db.session.get(Partner, rec.partner_id).tier == "cultivate"


def test_the_desk_asks_anonymous_users_to_log_in(client, queue):
    response = client.get("/desk/reviews")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_another_teams_tier_change_is_404(client, auth, team, queue, db):
    auth.login(team["manager"])
    rival = queue["rival"]
    assert client.post(f"/desk/reviews/{rival.id}/approve").status_code == 404
    assert (
        client.post(
            f"/desk/reviews/{rival.id}/reject", data={f"reject-{rival.id}-reason": "no"}
        ).status_code
        == 404
    )
    assert client.get(f"/desk/partners/{rival.partner_id}/history").status_code == 404
    client.post("/desk/reviews/approve", data={"recommendation_id": [str(rival.id)]})
    db.session.expire_all()
    assert rival.status == "open" and db.session.get(Partner, rival.partner_id).tier == "cultivate"
    assert audit_events(db) == []


def test_approving_moves_the_partner_and_records_it(client, auth, team, queue, db):
    auth.login(team["manager"])
    rec = queue["promote"]
    response = client.post(f"/desk/reviews/{rec.id}/approve")
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Partner, rec.partner_id).tier == "maintain"
    assert rec.status == "approved" and rec.decided_by_id == team["manager"].id
    assert rec.decided_at is not None
    [event] = audit_events(db)
    assert event.kind == "tier_change" and event.user_id == team["manager"].id
    assert event.partner_id == rec.partner_id
    assert event.before == {"tier": "cultivate"} and event.after["tier"] == "maintain"
    assert "Approved: Ryan McMillan Cultivate → Maintain." in client.get("/desk/reviews").get_data(
        as_text=True
    )


def test_approving_inline_returns_the_decided_row(client, auth, team, queue, db):
    auth.login(team["manager"])
    rec = queue["cool_down"]
    response = client.post(f"/desk/reviews/{rec.id}/approve", headers={"HX-Request": "true"})
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert text.lstrip().startswith(f'<li class="card review" id="review-{rec.id}"')
    assert "Approved: Lena Park Maintain → Cultivate." in text and "Reject" not in text


def test_approving_closes_other_tier_changes_that_no_longer_apply(client, auth, team, queue, db):
    rec = queue["promote"]
    stale = tier_change(db, rec.partner, "cease", rule="disengage")
    auth.login(team["manager"])
    client.post(f"/desk/reviews/{rec.id}/approve")
    db.session.expire_all()
    assert stale.status == "closed"


def test_rejecting_needs_a_reason_shown_beside_the_field(client, auth, team, queue, db):
    auth.login(team["manager"])
    rec = queue["proposed"]
    field = f"reject-{rec.id}-reason"
    response = client.post(
        f"/desk/reviews/{rec.id}/reject", data={field: "   "}, headers={"HX-Request": "true"}
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'<p class="error-text" id="{field}-error">Give a reason for rejecting.</p>' in text
    assert 'aria-invalid="true"' in text
    # Without htmx: the whole page, the same message beside the same field.
    response = client.post(f"/desk/reviews/{rec.id}/reject", data={})
    assert response.status_code == 422 and "Give a reason for rejecting." in response.get_data(
        as_text=True
    )
    db.session.expire_all()
    assert rec.status == "open" and audit_events(db) == []


def test_rejecting_keeps_the_tier_and_records_why(client, auth, team, queue, db):
    auth.login(team["admin"])
    rec = queue["proposed"]
    response = client.post(
        f"/desk/reviews/{rec.id}/reject",
        data={f"reject-{rec.id}-reason": "Give Omar one more call"},
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Partner, rec.partner_id).tier == "cultivate"
    assert rec.status == "rejected" and rec.decision_reason == "Give Omar one more call"
    assert rec.decided_by_id == team["admin"].id
    [event] = audit_events(db, "tier_rejected")
    assert event.after == {
        "tier": "cultivate",
        "status": "rejected",
        "reason": "Give Omar one more call",
    }
    assert event.before["proposed_tier"] == "cease"


def test_a_second_decision_is_told_who_decided(client, auth, team, queue, db):
    auth.login(team["manager"])
    rec = queue["promote"]
    client.post(f"/desk/reviews/{rec.id}/approve")
    auth.logout()
    auth.login(team["admin"])
    response = client.post(f"/desk/reviews/{rec.id}/reject", data={f"reject-{rec.id}-reason": "No"})
    assert response.status_code == 409
    assert "Dana Reyes approved this just now." in response.get_data(as_text=True)
    response = client.post(f"/desk/reviews/{rec.id}/approve", headers={"HX-Request": "true"})
    assert response.status_code == 200  # htmx swaps the row with the message
    assert "Dana Reyes approved this just now." in response.get_data(as_text=True)
    db.session.expire_all()
    assert rec.status == "approved" and len(audit_events(db)) == 1


def test_approving_several_at_once(client, auth, team, queue, db):
    auth.login(team["manager"])
    chosen = [queue["promote"].id, queue["cool_down"].id]
    response = client.post(
        "/desk/reviews/approve", data={"recommendation_id": [str(i) for i in chosen]}
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert [queue[k].status for k in ("promote", "cool_down", "proposed")] == [
        "approved",
        "approved",
        "open",
    ]
    assert len(audit_events(db, "tier_change")) == 2
    assert "Approved 2 of 2 tier changes." in client.get("/desk/reviews").get_data(as_text=True)


def test_approving_several_reports_those_already_decided(client, auth, team, queue, db):
    queue["promote"].status = "rejected"
    queue["promote"].decided_by_id = team["admin"].id
    queue["promote"].decided_at = datetime.now()
    db.session.commit()
    auth.login(team["manager"])
    chosen = [queue["promote"].id, queue["proposed"].id]
    response = client.post(
        "/desk/reviews/approve", data={"recommendation_id": chosen}, headers={"HX-Request": "true"}
    )
    text = response.get_data(as_text=True)
    assert "Approved 1 of 2 tier changes." in text and "Ada Admin rejected this" in text
    db.session.expire_all()
    assert db.session.get(Partner, queue["proposed"].partner_id).tier == "cease"


def test_approving_several_needs_a_selection(client, auth, team, queue, db):
    auth.login(team["manager"])
    response = client.post("/desk/reviews/approve", data={})
    assert response.status_code == 422
    assert "Select at least one tier change to approve." in response.get_data(as_text=True)
    response = client.post("/desk/reviews/approve", data={"recommendation_id": "abc"})
    assert response.status_code == 422
    assert audit_events(db) == []


def test_only_tier_changes_can_be_approved(client, auth, team, queue, db):
    action = Recommendation(
        team_id=team["manager"].team_id,
        partner_id=queue["promote"].partner_id,
        kind="action",
        rule="coffee",
        reason="No live contact in 21 days",
    )
    db.session.add(action)
    db.session.commit()
    auth.login(team["manager"])
    assert client.post(f"/desk/reviews/{action.id}/approve").status_code == 404
    client.post("/desk/reviews/approve", data={"recommendation_id": [action.id]})
    db.session.expire_all()
    assert (
        action.status == "open" and db.session.get(Partner, action.partner_id).tier == "cultivate"
    )


def test_decisions_carry_their_csrf_token(app, client, auth, team, queue, db):
    auth.login(team["manager"])
    app.config["WTF_CSRF_ENABLED"] = True
    rec = queue["promote"]
    page = client.get("/desk/reviews").get_data(as_text=True)
    token = re.search(rf'name="approve-{rec.id}-csrf_token" type="hidden" value="([^"]+)"', page)
    assert client.post(f"/desk/reviews/{rec.id}/approve").status_code == 400
    db.session.expire_all()
    assert rec.status == "open"
    form = {f"approve-{rec.id}-csrf_token": token.group(1)}
    assert client.post(f"/desk/reviews/{rec.id}/approve", data=form).status_code == 303
    db.session.expire_all()
    assert rec.status == "approved"


def test_an_approved_tier_change_gives_the_new_tiers_actions_the_same_day(
    app, client, auth, team, db
):
    """Found by the year simulation: Lena moved from Maintain to Cultivate in the
    morning, and Today still asked for a Maintain lunch (keep_warm) and offered
    no coffee until the next night's refresh."""
    app.config["PARTNERPLAN_NOW"] = "2026-11-20T09:00"
    lena = make_partner(team["other_agent"], "Lena Park", tier="maintain")
    db.session.add(
        Interaction(
            partner_id=lena.id,
            user_id=team["other_agent"].id,
            at=datetime(2026, 10, 1, 10),
            kind="call",
            direction="outbound",
            outcome="connected",
        )
    )
    db.session.commit()
    auth.login(team["manager"])
    client.get("/today")  # evaluated today: cool_down, keep_warm, co_market
    rules = set(
        db.session.scalars(
            sa.select(Recommendation.rule).where(
                Recommendation.partner_id == lena.id, Recommendation.status == "open"
            )
        )
    )
    assert {"cool_down", "keep_warm"} <= rules
    cool_down = db.session.scalar(
        sa.select(Recommendation.id).where(
            Recommendation.partner_id == lena.id, Recommendation.rule == "cool_down"
        )
    )

    client.post(f"/desk/reviews/{cool_down}/approve")

    db.session.expire_all()
    open_now = set(
        db.session.scalars(
            sa.select(Recommendation.rule).where(
                Recommendation.partner_id == lena.id, Recommendation.status == "open"
            )
        )
    )
    assert "keep_warm" not in open_now and "co_market" not in open_now  # Maintain's
    assert "coffee" in open_now  # Cultivate's, at once
