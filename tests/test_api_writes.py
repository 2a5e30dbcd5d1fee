"""The API's writes and the lists behind them: partners added and archived,
referrals, Today's done/snooze/dismiss, tier changes and their review,
planning sessions and leads. Each answers as its page does: the same access
(404 across agents and teams), the same form's messages beside the field
(422), a write token for a change (403), a key that makes a create happen
once, an ETag that keeps a change from overwriting another."""

import uuid
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from tests.helpers import bearer, count, make_partner, make_token
from tests.routes import fetch
from webapp.models import (
    AuditEvent,
    Interaction,
    Lead,
    Partner,
    PlanningSession,
    Recommendation,
    Referral,
)

NOW = "2026-11-20T15:30"  # a Friday, in the team's New York


@pytest.fixture(autouse=True)
def frozen_now(app):
    app.config["PARTNERPLAN_NOW"] = NOW


def call(app, method: str, url: str, secret: str | None = None, **kwargs):
    """One API request in its own app context, as in production."""
    headers = {**(bearer(secret) if secret else {}), **kwargs.pop("headers", {})}
    return fetch(app, app.test_client(), f"/api/v1{url}", method, headers=headers, **kwargs)


def key() -> dict:
    return {"Idempotency-Key": str(uuid.uuid4())}


def fields_of(response) -> dict:
    assert response.status_code == 422, response.get_data(as_text=True)
    return response.get_json()["error"]["fields"]


def things_of(db, user) -> dict[str, int]:
    """One of everything the API writes to, on a partner of `user`'s."""
    partner = make_partner(user, f"{user.name}'s Lender")
    referral = Referral(
        partner_id=partner.id,
        user_id=user.id,
        direction="received",
        referred_on=date(2026, 11, 2),
        client="The Parks",
        status="new",
    )
    action = Recommendation(
        team_id=user.team_id,
        partner_id=partner.id,
        rule="return_call",
        kind="action",
        reason="Voicemail: call back",
        due=date(2026, 11, 20),
        fingerprint="vm",
        status="open",
    )
    proposal = Recommendation(
        team_id=user.team_id,
        partner_id=partner.id,
        rule="proposed",
        kind="tier_change",
        tier_from="cultivate",
        tier_to="cease",
        reason="Nothing in two years",
        fingerprint="p",
        status="open",
        proposed_by_id=user.id,
    )
    start = datetime(2026, 11, 27, 14, 0)
    session = PlanningSession(
        partner_id=partner.id,
        user_id=user.id,
        series=f"s{partner.id}",
        starts_at=start,
        original_starts_at=start,
        minutes=20,
        status="booked",
        answers={},
    )
    db.session.add_all([referral, action, proposal, session])
    db.session.flush()
    lead = Lead(
        partner_id=partner.id,
        planning_session_id=session.id,
        owner_id=user.id,
        name="Jo Buyer",
        question="met_recently",
        status="to_contact",
    )
    db.session.add(lead)
    db.session.commit()
    return {
        "partner": partner.id,
        "referral": referral.id,
        "action": action.id,
        "proposal": proposal.id,
        "session": session.id,
        "lead": lead.id,
    }


@pytest.fixture
def book(db, team) -> dict[str, dict[str, int]]:
    return {who: things_of(db, team[who]) for who in ("agent", "other_agent", "rival_agent")}


CALL = {"kind": "call", "direction": "outbound", "outcome": "connected", "at": "2026-11-20T14:00"}
REFERRAL = {"direction": "received", "client": "The Wongs", "referred_on": "2026-11-19"}
# Every endpoint that names something by its id: (method, path, body).
NAMED = [
    ("POST", "/partners/{partner}/archive", None),
    ("POST", "/partners/{partner}/restore", None),
    ("GET", "/partners/{partner}/referrals", None),
    ("POST", "/partners/{partner}/referrals", REFERRAL),
    ("GET", "/referrals/{referral}", None),
    ("PATCH", "/referrals/{referral}", {"status": "active"}),
    ("POST", "/recommendations/{action}/done", CALL),
    ("POST", "/recommendations/{action}/snooze", {"until": "tomorrow"}),
    ("POST", "/recommendations/{action}/dismiss", {}),
    ("POST", "/partners/{partner}/tier-proposals", {"tier": "maintain", "reason": "Steady"}),
    ("POST", "/tier-proposals/{proposal}/approve", None),
    ("POST", "/tier-proposals/{proposal}/reject", {"reason": "Not yet"}),
    ("GET", "/planning-sessions/{session}", None),
    ("PATCH", "/planning-sessions/{session}", {"status": "held"}),
    ("POST", "/planning-sessions/{session}/leads", {"name": "Al", "question": "met_recently"}),
    ("GET", "/partners/{partner}/leads", None),
]
UNNAMED = [
    ("POST", "/partners", {"name": "New"}),
    ("GET", "/planning-sessions", None),
    ("GET", "/tier-proposals", None),
]


def stored(db) -> tuple:
    """What a refused request must leave as it was."""
    db.session.expire_all()
    return (
        count(db, Partner),
        count(db, Referral),
        count(db, Interaction),
        count(db, Lead),
        count(db, AuditEvent),
        tuple(db.session.scalars(sa.select(Recommendation.status).order_by(Recommendation.id))),
        tuple(db.session.scalars(sa.select(PlanningSession.status).order_by(PlanningSession.id))),
        tuple(db.session.scalars(sa.select(Referral.status).order_by(Referral.id))),
        tuple(db.session.scalars(sa.select(Partner.tier).order_by(Partner.id))),
    )


@pytest.mark.parametrize("method, path, body", NAMED + UNNAMED)
def test_without_a_token_the_answer_is_401(app, team, book, db, method, path, body):
    before = stored(db)
    response = call(app, method, path.format(**book["agent"]), json=body)
    assert response.status_code == 401 and response.get_json()["error"]["status"] == 401
    assert stored(db) == before


@pytest.mark.parametrize("method, path, body", [e for e in NAMED + UNNAMED if e[0] != "GET"])
def test_a_read_token_may_not_write(app, team, book, db, method, path, body):
    who = "manager" if path.startswith("/tier-proposals") else "agent"
    secret = make_token(team[who])
    before = stored(db)
    response = call(
        app,
        method,
        path.format(**book["agent"]),
        secret,
        json=body,
        headers={"If-Match": '"any"', **key()},
    )
    assert response.status_code == 403
    assert "read" in response.get_json()["error"]["message"]
    assert stored(db) == before


@pytest.mark.parametrize("method, path, body", NAMED)
@pytest.mark.parametrize("owner", ["other_agent", "rival_agent"])
def test_another_agents_or_another_teams_things_are_not_found(
    app, team, book, db, method, path, body, owner
):
    """Before the If-Match is asked for: not even that they exist is said."""
    # The review queue is managers': another team's manager finds nothing either.
    who = "rival_manager" if path.startswith("/tier-proposals") else "agent"
    secret = make_token(team[who], "write")
    if who == "rival_manager" and owner == "rival_agent":
        secret = make_token(team["agent"], "write")  # an agent finds no review queue at all
    before = stored(db)
    response = call(app, method, path.format(**book[owner]), secret, json=body)
    assert response.status_code == 404, response.get_data(as_text=True)
    assert stored(db) == before


# --- partners -------------------------------------------------------------------------


def test_a_partner_is_added_once_per_key_in_cultivate_as_the_page_adds_it(app, team, db):
    secret, once = make_token(team["agent"], "write"), key()
    body = {
        "name": "Ryan McMillan",
        "company": "McMillan Law",
        "met_on": "2026-11-20",
        "client_types": ["investors"],
        "tier": "maintain",
    }
    first = call(app, "POST", "/partners", secret, json=body, headers=once)
    again = call(app, "POST", "/partners", secret, json={**body, "name": "Else"}, headers=once)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    added = first.get_json()
    assert (added["name"], added["tier"], added["owner_id"]) == (
        "Ryan McMillan",
        "cultivate",
        team["agent"].id,
    )
    assert count(db, Partner) == 1
    listed = call(app, "GET", "/partners", secret).get_json()["items"]
    assert [p["id"] for p in listed] == [added["id"]]


@pytest.mark.parametrize(
    "body, field, message",
    [
        ({"company": "No name"}, "name", "Enter the partner's name."),
        ({"name": "Ann", "met_on": "2026-11-21"}, "met_on", None),  # tomorrow
        ({"name": "Ann", "email": "not an address"}, "email", None),
    ],
)
def test_a_refused_partner_has_the_new_partner_pages_messages(
    app, team, db, client, auth, body, field, message
):
    response = call(app, "POST", "/partners", make_token(team["agent"], "write"), json=body)
    messages = fields_of(response)
    assert list(messages) == [field]
    auth.login(team["agent"])
    page = client.post("/partners/new", data=body).get_data(as_text=True)
    assert all(m.replace("'", "&#39;") in page for m in messages[field])
    if message:
        assert messages[field] == [message]
    assert count(db, Partner) == 0


def test_an_agent_adds_only_their_own_a_manager_for_an_agent(app, team, db):
    for_kim = {"name": "Kim's new one", "owner_id": team["other_agent"].id}
    agent = call(app, "POST", "/partners", make_token(team["agent"], "write"), json=for_kim)
    assert list(fields_of(agent)) == ["owner_id"]
    manager = call(app, "POST", "/partners", make_token(team["manager"], "write"), json=for_kim)
    assert manager.status_code == 201 and manager.get_json()["owner_id"] == team["other_agent"].id


def test_archive_and_restore_as_the_page_audited(app, team, book, db):
    secret, partner_id = make_token(team["agent"], "write"), book["agent"]["partner"]
    archived = call(app, "POST", f"/partners/{partner_id}/archive", secret)
    assert archived.status_code == 200 and archived.get_json()["archived_at"]
    assert call(app, "POST", f"/partners/{partner_id}/archive", secret).status_code == 200
    assert call(app, "GET", "/partners", secret).get_json()["items"] == []
    listed = call(app, "GET", "/partners?archived=true", secret).get_json()["items"]
    assert [p["id"] for p in listed] == [partner_id]
    # Archived, it takes no new entries, as on its page.
    url = f"/partners/{partner_id}/referrals"
    assert call(app, "POST", url, secret, json=REFERRAL).status_code == 404
    restored = call(app, "POST", f"/partners/{partner_id}/restore", secret)
    assert restored.get_json()["archived_at"] is None
    kinds = db.session.scalars(
        sa.select(AuditEvent.kind).where(AuditEvent.partner_id == partner_id)
    )
    assert sorted(kinds) == ["archive", "restore"]  # the second archive changed nothing


def test_the_list_filters_as_the_partners_pages_filters(app, team, db):
    make_partner(team["agent"], "Ann Lender", profession="lender")
    make_partner(team["agent"], "Bo Lawyer", profession="attorney")
    make_partner(team["other_agent"], "Kim Lender", profession="lender")
    db.session.commit()
    agent, manager = make_token(team["agent"]), make_token(team["manager"])
    names = lambda r: [p["name"] for p in r.get_json()["items"]]  # noqa: E731
    assert names(call(app, "GET", "/partners?profession=lender", agent)) == ["Ann Lender"]
    kims = f"/partners?owner_id={team['other_agent'].id}"
    assert names(call(app, "GET", kims, manager)) == ["Kim Lender"]
    assert names(call(app, "GET", kims, agent)) == ["Ann Lender", "Bo Lawyer"]  # own only


# --- referrals ------------------------------------------------------------------------


def test_a_referral_is_logged_once_per_key_and_listed(app, team, book, db):
    secret, once = make_token(team["agent"], "write"), key()
    url = f"/partners/{book['agent']['partner']}/referrals"
    first = call(app, "POST", url, secret, json=REFERRAL, headers=once)
    again = call(app, "POST", url, secret, json=REFERRAL, headers=once)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    assert first.get_json()["client"] == "The Wongs" and first.get_json()["status"] == "new"
    assert count(db, Referral) == 4  # three made by the fixture
    listed = call(app, "GET", url, secret).get_json()["items"]
    assert [r["client"] for r in listed] == ["The Wongs", "The Parks"]


def test_a_refused_referral_has_the_pages_messages(app, team, book, db):
    url = f"/partners/{book['agent']['partner']}/referrals"
    secret = make_token(team["agent"], "write")
    future = call(app, "POST", url, secret, json={**REFERRAL, "referred_on": "2026-11-21"})
    assert fields_of(future) == {"referred_on": ["A referral can't be dated in the future."]}
    early = {**REFERRAL, "status": "active", "closed_on": "2026-11-19"}
    assert fields_of(call(app, "POST", url, secret, json=early)) == {
        "closed_on": ["Only a closed referral has a closing day."]
    }
    assert count(db, Referral) == 3


def test_a_referral_changes_with_its_etag_and_not_over_another_change(app, team, book, db):
    secret, url = make_token(team["agent"], "write"), f"/referrals/{book['agent']['referral']}"
    read = call(app, "GET", url, secret)
    etag = read.headers["ETag"]
    assert call(app, "PATCH", url, secret, json={"status": "closed"}).status_code == 428
    closed = call(
        app,
        "PATCH",
        url,
        secret,
        json={"status": "closed", "commission": 4500},
        headers={"If-Match": etag},
    )
    assert closed.status_code == 200, closed.get_data(as_text=True)
    assert closed.get_json()["status"] == "closed"
    assert closed.get_json()["closed_on"] == "2026-11-20"  # today, the team's
    assert closed.get_json()["client"] == "The Parks"  # not sent: kept
    stale = call(app, "PATCH", url, secret, json={"status": "new"}, headers={"If-Match": etag})
    assert stale.status_code == 412
    assert db.session.get(Referral, book["agent"]["referral"]).status == "closed"
    bad = call(
        app,
        "PATCH",
        url,
        secret,
        json={"referred_on": "2026-12-01"},
        headers={"If-Match": closed.headers["ETag"]},
    )
    assert fields_of(bad) == {
        "referred_on": ["A referral can't be dated in the future."],
        "closed_on": ["It can't close before it was referred."],
    }


# --- Today's actions ------------------------------------------------------------------


def test_done_logs_what_it_asked_for_once_and_marks_it_done(app, team, book, db):
    secret, once = make_token(team["agent"], "write"), key()
    url = f"/recommendations/{book['agent']['action']}/done"
    first = call(app, "POST", url, secret, json=CALL, headers=once)
    again = call(app, "POST", url, secret, json=CALL, headers=once)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["recommendation"]["status"] == "done"
    assert first.get_json()["interaction"]["kind"] == "call"
    assert again.get_json()["interaction"] == first.get_json()["interaction"]
    assert count(db, Interaction) == 1
    late = call(app, "POST", url, secret, json={**CALL, "at": "2026-11-20T17:00"})
    assert list(fields_of(late)) == ["at"]  # more than an hour ahead, as the log form says


def test_snooze_and_dismiss_as_todays_buttons(app, team, book, db):
    secret = make_token(team["agent"], "write")
    action = book["agent"]["action"]
    refused = call(app, "POST", f"/recommendations/{action}/snooze", secret, json={"until": "soon"})
    assert fields_of(refused) == {"until": ["Choose tomorrow or next week."]}
    snoozed = call(
        app, "POST", f"/recommendations/{action}/snooze", secret, json={"until": "next_week"}
    )
    assert snoozed.get_json()["status"] == "snoozed"
    assert snoozed.get_json()["snoozed_until"] == "2026-11-27"
    long = call(
        app, "POST", f"/recommendations/{action}/dismiss", secret, json={"reason": "x" * 501}
    )
    assert fields_of(long) == {"reason": ["Keep it under 500 characters."]}
    dismissed = call(
        app, "POST", f"/recommendations/{action}/dismiss", secret, json={"reason": "Moved away"}
    )
    assert (dismissed.get_json()["status"], dismissed.get_json()["decision_reason"]) == (
        "dismissed",
        "Moved away",
    )
    # Acted on already, a snooze leaves it as it is, as a second click does.
    again = call(
        app, "POST", f"/recommendations/{action}/snooze", secret, json={"until": "tomorrow"}
    )
    assert again.status_code == 200 and again.get_json()["status"] == "dismissed"


def test_a_tier_change_is_not_done_or_snoozed_by_an_agent(app, team, book, db):
    secret, proposal = make_token(team["agent"], "write"), book["agent"]["proposal"]
    before = stored(db)  # after the token: issuing it is audited
    for action, body in (("snooze", {"until": "tomorrow"}), ("dismiss", {}), ("done", CALL)):
        response = call(app, "POST", f"/recommendations/{proposal}/{action}", secret, json=body)
        assert response.status_code == 403
    assert stored(db) == before


# --- tier changes ---------------------------------------------------------------------


def test_an_agents_move_into_cease_is_proposed_once_and_a_manager_approves_it(app, team, book, db):
    agent, manager = make_token(team["agent"], "write"), make_token(team["manager"], "write")
    partner_id = book["other_agent"]["partner"]
    kims = make_token(team["other_agent"], "write")
    body = {"tier": "cease", "reason": "Retired"}
    # The fixture's proposal for Kim's partner waits already: refused, nothing made.
    waiting = call(app, "POST", f"/partners/{partner_id}/tier-proposals", kims, json=body)
    assert fields_of(waiting) == {"tier": ["A move to Cease is already waiting for a manager."]}
    mine = book["agent"]["partner"]
    db.session.get(Recommendation, book["agent"]["proposal"]).status = "closed"
    db.session.commit()
    proposed = call(app, "POST", f"/partners/{mine}/tier-proposals", agent, json=body)
    assert proposed.status_code == 201
    answer = proposed.get_json()
    assert answer["outcome"] == "proposed" and answer["partner"]["tier"] == "cultivate"
    assert answer["proposal"]["tier_to"] == "cease" and answer["proposal"]["reason"] == "Retired"

    assert call(app, "GET", "/tier-proposals", agent).status_code == 404
    queue = call(app, "GET", "/tier-proposals", manager).get_json()["items"]
    assert answer["proposal"]["id"] in [item["id"] for item in queue]
    url = f"/tier-proposals/{answer['proposal']['id']}/approve"
    approved = call(app, "POST", url, manager)
    assert approved.status_code == 200
    assert approved.get_json()["proposal"]["status"] == "approved"
    assert db.session.get(Partner, mine).tier == "cease"
    again = call(app, "POST", url, manager)
    assert again.status_code == 409 and "approved this" in again.get_json()["error"]["message"]
    kinds = sorted(
        db.session.scalars(sa.select(AuditEvent.kind).where(AuditEvent.partner_id == mine))
    )
    assert kinds == ["tier_change", "tier_proposed"]


def test_a_move_an_agent_may_make_is_made_at_once_audited(app, team, book, db):
    secret, partner_id = make_token(team["agent"], "write"), book["agent"]["partner"]
    url = f"/partners/{partner_id}/tier-proposals"
    same = call(app, "POST", url, secret, json={"tier": "cultivate", "reason": "Same"})
    assert list(fields_of(same)) == ["tier"]  # the current tier is not a choice
    assert fields_of(call(app, "POST", url, secret, json={"tier": "maintain"})) == {
        "reason": ["Say why the tier changes."]
    }
    moved = call(app, "POST", url, secret, json={"tier": "maintain", "reason": "Two deals"})
    assert moved.status_code == 200
    assert moved.get_json()["outcome"] == "changed" and moved.get_json()["proposal"] is None
    assert moved.get_json()["partner"]["tier"] == "maintain"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.kind == "tier_change"))
    assert event.partner_id == partner_id and event.after["reason"] == "Two deals"


def test_a_rejection_needs_a_reason(app, team, book, db):
    manager = make_token(team["manager"], "write")
    url = f"/tier-proposals/{book['agent']['proposal']}/reject"
    assert fields_of(call(app, "POST", url, manager, json={})) == {
        "reason": ["Give a reason for rejecting."]
    }
    rejected = call(app, "POST", url, manager, json={"reason": "Give it a quarter"})
    assert rejected.get_json()["proposal"]["status"] == "rejected"
    assert rejected.get_json()["proposal"]["decision_reason"] == "Give it a quarter"
    assert db.session.get(Partner, book["agent"]["partner"]).tier == "cultivate"
    assert call(app, "POST", url, manager, json={"reason": "Again"}).status_code == 409


# --- planning sessions and leads ------------------------------------------------------


def test_the_sessions_listed_are_yours_between_the_days_asked(app, team, book, db):
    secret = make_token(team["agent"])
    ids = lambda r: [s["id"] for s in r.get_json()["items"]]  # noqa: E731
    assert ids(call(app, "GET", "/planning-sessions", secret)) == [book["agent"]["session"]]
    within = "/planning-sessions?since=2026-11-27&until=2026-11-27"
    assert ids(call(app, "GET", within, secret)) == [book["agent"]["session"]]
    assert ids(call(app, "GET", "/planning-sessions?since=2026-11-28", secret)) == []
    assert ids(call(app, "GET", "/planning-sessions?until=2026-11-26", secret)) == []
    manager = call(app, "GET", "/planning-sessions", make_token(team["manager"]))
    assert sorted(ids(manager)) == sorted(
        [book["agent"]["session"], book["other_agent"]["session"]]
    )
    assert list(fields_of(call(app, "GET", "/planning-sessions?since=someday", secret))) == [
        "since"
    ]
    backwards = "/planning-sessions?since=2026-11-28&until=2026-11-27"
    assert fields_of(call(app, "GET", backwards, secret)) == {
        "until": ["Choose a day on or after `since`."]
    }


def test_a_session_is_marked_held_and_answered_with_its_etag(app, team, book, db):
    secret = make_token(team["agent"], "write")
    url = f"/planning-sessions/{book['agent']['session']}"
    etag = call(app, "GET", url, secret).headers["ETag"]
    assert call(app, "PATCH", url, secret, json={"status": "held"}).status_code == 428
    too_long = call(
        app,
        "PATCH",
        url,
        secret,
        json={"status": "held", "more_volume": "x" * 5001},
        headers={"If-Match": etag},
    )
    assert list(fields_of(too_long)) == ["more_volume"]
    assert fields_of(
        call(app, "PATCH", url, secret, json={"status": "done"}, headers={"If-Match": etag})
    ) == {"status": ["Not a valid choice."]}
    held = call(
        app,
        "PATCH",
        url,
        secret,
        json={"status": "held", "more_volume": "Two open houses"},
        headers={"If-Match": etag},
    )
    assert held.status_code == 200, held.get_data(as_text=True)
    assert held.get_json()["status"] == "held"
    assert held.get_json()["answers"] == {"more_volume": "Two open houses"}
    stale = call(app, "PATCH", url, secret, json={"status": "skipped"}, headers={"If-Match": etag})
    assert stale.status_code == 412
    assert db.session.get(PlanningSession, book["agent"]["session"]).status == "held"


def test_a_lead_is_added_once_from_a_session_and_listed_under_its_partner(app, team, book, db):
    secret, once = make_token(team["agent"], "write"), key()
    url = f"/planning-sessions/{book['agent']['session']}/leads"
    body = {"name": "Lee Buyer", "contact": "555-0101", "question": "showing_soon"}
    first = call(app, "POST", url, secret, json=body, headers=once)
    again = call(app, "POST", url, secret, json=body, headers=once)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    assert first.get_json()["owner_id"] == team["agent"].id
    assert fields_of(call(app, "POST", url, secret, json={"question": "showing_soon"})) == {
        "name": ["Give the lead's name."]
    }
    listed = call(app, "GET", f"/partners/{book['agent']['partner']}/leads", secret)
    assert [lead["name"] for lead in listed.get_json()["items"]] == ["Jo Buyer", "Lee Buyer"]
    assert count(db, Lead) == 4
