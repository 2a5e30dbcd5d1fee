"""Outgoing webhooks: registered by admins, signed the Standard Webhooks way, sent by
the job runner with retries, paused when they keep failing.

Every delivery crosses the HTTP boundary to a receiver on loopback
(tests/webhook_receiver.py), and its signature is checked with the
standardwebhooks library, as a receiving system would. Jobs run inline
(TestConfig's immediate mode): a delivery has been tried when the request that
caused it returns; later attempts are made by moving the frozen clock on and
running the sender, as `flask jobs run-due` does.
"""

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from standardwebhooks import Webhook

from tests.helpers import TEN_AM, bearer, count, make_partner, make_token, make_user
from tests.mailbox import emails_to
from tests.webhook_receiver import HANG
from webapp import clock
from webapp.jobs.pruning import prune
from webapp.models import AuditEvent, Team, WebhookDelivery, WebhookEndpoint
from webapp.webhooks import sender

SECRET_ON_PAGE = re.compile(r'id="webhook-secret"[^>]*value="(whsec_[^"]+)"')


@pytest.fixture
def rachel(db, team):
    partner = make_partner(team["agent"], "Rachel Kim")
    db.session.commit()
    return partner


def register(client, auth, admin, url: str, events=("interaction.logged",)) -> str:
    """The admin adds an endpoint on the Webhooks page: the secret shown once."""
    auth.login(admin)
    response = client.post("/admin/webhooks/new", data={"url": url, "events": list(events)})
    assert response.status_code == 303, response.get_data(as_text=True)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    auth.logout()
    return SECRET_ON_PAGE.search(page).group(1)


def log_call(client, auth, user, partner, at: str = "2026-12-02T09:40", notes="Call me back"):
    auth.login(user)
    data = {"kind": "call", "direction": "inbound", "outcome": "connected", "at": at}
    response = client.post(
        f"/logbook/partners/{partner.id}/interactions", data=data | {"notes": notes}
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    auth.logout()


def deliveries(db) -> list[WebhookDelivery]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(WebhookDelivery).order_by(WebhookDelivery.id)))


def endpoint_row(db) -> WebhookEndpoint:
    db.session.expire_all()
    return db.session.scalars(sa.select(WebhookEndpoint)).one()


def signed_by(secret: str, post) -> bool:
    """The signature is the library's for this id, timestamp and body."""
    moment = datetime.fromtimestamp(int(post.headers["webhook-timestamp"]), UTC)
    expected = Webhook(secret).sign(post.headers["webhook-id"], moment, post.body)
    return expected in post.headers["webhook-signature"].split(" ")


# --- the happy path ----------------------------------------------------------------------


def test_a_logged_interaction_reaches_the_endpoint_signed(
    app,
    db,
    client,
    auth,
    team,
    rachel,
    receiver,
):
    """Not frozen: the receiver checks the timestamp against its own clock."""
    secret = register(client, auth, team["admin"], receiver.url("crm"))
    assert secret.startswith("whsec_") and len(secret) == len("whsec_") + 32
    now = clock.now("America/New_York")
    log_call(client, auth, team["agent"], rachel, at=f"{now - timedelta(hours=1):%Y-%m-%dT%H:%M}")

    [post] = receiver.posts("crm")
    assert post.headers["content-type"] == "application/json"
    assert post.headers["webhook-id"].startswith("msg_")
    event = Webhook(secret).verify(post.body, post.headers)  # raises when it does not verify
    assert event["type"] == "interaction.logged"
    assert datetime.fromisoformat(event["timestamp"]).tzinfo is not None
    # The object as the API gives it.
    api = client.get(
        f"/api/v1/partners/{rachel.id}/interactions", headers=bearer(make_token(team["agent"]))
    )
    assert event["data"] == api.get_json()["items"][0]
    assert event["data"]["notes"] == "Call me back"
    with pytest.raises(Exception, match="signature"):
        Webhook("whsec_" + "B" * 32).verify(post.body, post.headers)

    [row] = deliveries(db)
    assert (row.status, row.attempts, row.last_status_code) == ("sent", 1, 200)
    assert row.event_id == post.headers["webhook-id"]


def test_the_secret_is_shown_once(client, auth, team, receiver):
    register(client, auth, team["admin"], receiver.url("crm"))
    auth.login(team["admin"])
    page = client.get(f"/admin/webhooks/{endpoint_row_id()}").get_data(as_text=True)
    assert SECRET_ON_PAGE.search(page) is None
    assert "interaction.logged" in page and receiver.url("crm") in page


def endpoint_row_id() -> int:
    from webapp.extensions import db

    return db.session.scalar(sa.select(WebhookEndpoint.id))


def test_an_endpoint_gets_only_the_events_it_chose(
    db,
    client,
    auth,
    team,
    rachel,
    receiver,
    frozen,
):
    register(client, auth, team["admin"], receiver.url("tiers"), events=("tier.changed",))
    log_call(client, auth, team["agent"], rachel)
    assert receiver.received == [] and deliveries(db) == []


def test_an_interaction_sent_twice_is_told_once(
    db,
    client,
    auth,
    team,
    rachel,
    receiver,
    frozen,
):
    register(client, auth, team["admin"], receiver.url("crm"))
    auth.login(team["agent"])
    data = {"kind": "call", "direction": "inbound", "at": "2026-12-02T09:40",
            "idempotency_key": "5f0c7d1e-8a9b-4c2d-9e3f-0a1b2c3d4e5f"}  # fmt: skip
    for _ in range(2):
        client.post(f"/logbook/partners/{rachel.id}/interactions", data=data)
    assert len(receiver.posts("crm")) == 1


def test_other_teams_endpoints_never_receive(
    db,
    client,
    auth,
    team,
    rachel,
    receiver,
    frozen,
):
    rival_admin = make_user(
        db.session.scalar(sa.select(Team).where(Team.name == "Rival Homes")),
        "rio@rival.example",
        "admin",
    )
    db.session.commit()
    register(client, auth, team["admin"], receiver.url("harbor"))
    register(client, auth, rival_admin, receiver.url("rival"))
    log_call(client, auth, team["agent"], rachel)
    assert len(receiver.posts("harbor")) == 1 and receiver.posts("rival") == []


# --- other events -----------------------------------------------------------------------


def test_an_approved_tier_change_is_told(
    db,
    client,
    auth,
    team,
    rachel,
    receiver,
    frozen,
):
    secret = register(client, auth, team["admin"], receiver.url("tiers"), ("tier.changed",))
    auth.login(team["agent"])
    form = {"tier-tier": "cease", "tier-reason": "Sent us nothing in two years"}
    client.post(f"/desk/partners/{rachel.id}/tier", data=form)
    assert receiver.received == []  # only proposed: an agent may not move into Cease
    auth.logout()
    auth.login(team["manager"])
    [proposal] = db.session.scalars(
        sa.select(sa.text("id")).select_from(sa.text("recommendation"))
        .where(sa.text("rule = 'proposed'"))
    ).all()  # fmt: skip
    assert client.post(f"/desk/reviews/{proposal}/approve").status_code in (200, 303)

    [post] = receiver.posts("tiers")
    assert signed_by(secret, post)
    event = json.loads(post.body)
    assert event["type"] == "tier.changed"
    assert event["timestamp"] == "2026-12-02T15:00:00+00:00"
    assert event["data"]["id"] == rachel.id and event["data"]["name"] == "Rachel Kim"
    assert (event["data"]["tier"], event["data"]["previous_tier"]) == ("cease", "cultivate")


def test_a_received_referral_is_told(db, client, auth, team, rachel, receiver, frozen):
    register(client, auth, team["admin"], receiver.url("refs"), ("referral.received",))
    auth.login(team["agent"])
    for direction in ("sent", "received"):
        data = {"direction": direction, "client": "The Parks", "referred_on": "2026-12-01"}
        client.post(f"/logbook/partners/{rachel.id}/referrals", data=data)
    [post] = receiver.posts("refs")
    event = json.loads(post.body)
    assert event["type"] == "referral.received"
    assert event["data"]["client"] == "The Parks" and event["data"]["referred_on"] == "2026-12-01"
    assert event["data"]["partner_id"] == rachel.id


def test_a_referrals_change_of_status_is_told_once_by_either_page_form(
    db, client, auth, team, rachel, receiver, frozen
):
    secret = register(
        client, auth, team["admin"], receiver.url("refs"), ("referral.status_changed",)
    )
    auth.login(team["agent"])
    data = {"direction": "received", "client": "The Parks", "referred_on": "2026-12-01"}
    client.post(f"/logbook/partners/{rachel.id}/referrals", data=data)
    [referral_id] = db.session.scalars(sa.select(sa.text("id")).select_from(sa.text("referral")))
    assert receiver.posts("refs") == []  # logged as new: no change of status yet

    client.post(f"/logbook/referrals/{referral_id}/status", data={"status": "active"})
    edit = {**data, "status": "active", "notes": "Pre-approved"}
    client.post(f"/logbook/referrals/{referral_id}/edit", data=edit)  # status unchanged
    client.post(f"/logbook/referrals/{referral_id}/edit", data={**edit, "status": "closed"})

    first, second = receiver.posts("refs")
    assert signed_by(secret, first) and signed_by(secret, second)
    events = [json.loads(post.body) for post in (first, second)]
    assert {event["type"] for event in events} == {"referral.status_changed"}
    moves = [(e["data"]["previous_status"], e["data"]["status"]) for e in events]
    assert moves == [("new", "active"), ("active", "closed")]
    assert events[1]["data"]["closed_on"] == "2026-12-02"  # closed today, the team's
    assert events[1]["data"]["id"] == referral_id and events[1]["data"]["partner_id"] == rachel.id


def test_a_recommendation_opened_by_a_log_is_told(db, client, auth, team, rachel, receiver, frozen):
    secret = register(client, auth, team["admin"], receiver.url("recs"), ("recommendation.opened",))
    auth.login(team["agent"])
    data = {"kind": "voicemail", "direction": "inbound", "outcome": "no_response",
            "at": "2026-12-02T09:15", "notes": "Call me back"}  # fmt: skip
    assert client.post(f"/logbook/partners/{rachel.id}/interactions", data=data).status_code == 303
    posts = receiver.posts("recs")
    events = [json.loads(post.body) for post in posts]
    assert all(signed_by(secret, post) for post in posts)
    [call] = [event["data"] for event in events if event["data"]["rule"] == "return_call"]
    assert call["partner"] == {"id": rachel.id, "name": "Rachel Kim"}
    assert call["kind"] == "action" and call["reason"].startswith("Voicemail")
    [row] = db.session.scalars(
        sa.select(sa.text("id")).select_from(sa.text("recommendation"))
        .where(sa.text("rule = 'return_call'"))
    ).all()  # fmt: skip
    assert call["id"] == row
    # Logged again, the call stays the same open recommendation: nothing new is told.
    again = {**data, "at": "2026-12-02T09:30"}
    client.post(f"/logbook/partners/{rachel.id}/interactions", data=again)
    told = [json.loads(post.body)["data"]["rule"] for post in receiver.posts("recs")]
    assert told.count("return_call") == 1


def test_a_booked_series_is_told_once(app, db, client, auth, team, rachel, receiver):
    app.config["PARTNERPLAN_NOW"] = "2026-10-16"  # a Friday: the next offered week is 23 Oct
    secret = register(
        client, auth, team["admin"], receiver.url("plans"), ("planning_session.booked",)
    )
    auth.login(team["agent"])
    form = {
        "starts_at": "2026-10-23T14:00",
        "idempotency_key": "8a4f4c1e-3b0e-4c43-9d2b-1c1f0e0f0a01",
    }
    for _ in range(2):  # sent twice: booked once
        assert client.post(f"/planning/partners/{rachel.id}/series", data=form).status_code == 302
    [post] = receiver.posts("plans")
    assert signed_by(secret, post)
    event = json.loads(post.body)
    assert event["type"] == "planning_session.booked"
    data = event["data"]
    assert data["partner_id"] == rachel.id and data["user_id"] == team["agent"].id
    assert len(data["sessions"]) == 12 and data["sessions"][0]["starts_at"] == "2026-10-23T14:00:00"
    assert data["sessions"][11]["starts_at"] == "2027-01-08T14:00:00"  # the same wall time
    assert {s["series"] for s in data["sessions"]} == {data["series"]}


# --- retries --------------------------------------------------------------------------


def test_a_receiver_that_fails_twice_gets_it_on_the_third_attempt(
    db,
    client,
    auth,
    team,
    rachel,
    receiver,
    frozen,
):
    secret = register(client, auth, team["admin"], receiver.url("flaky"))
    receiver.answer("flaky", 500, 503)
    log_call(client, auth, team["agent"], rachel)
    [row] = deliveries(db)
    assert (row.status, row.attempts, row.last_status_code) == ("queued", 1, 500)
    assert row.next_attempt_at == clock.utcnow() + timedelta(minutes=1)

    assert sender.send_queued() == 0  # not yet due
    frozen("2026-12-02T10:01-05:00")
    assert sender.send_queued() == 0  # 503: again in 2 minutes
    [row] = deliveries(db)
    assert (row.attempts, row.last_status_code, row.last_error) == (
        2,
        503,
        "503 Service Unavailable",
    )
    assert row.next_attempt_at == clock.utcnow() + timedelta(minutes=2)
    frozen("2026-12-02T10:03-05:00")
    assert sender.send_queued() == 1

    [row] = deliveries(db)
    assert (row.status, row.attempts, row.last_status_code) == ("sent", 3, 200)
    assert row.sent_at == clock.utcnow()
    posts = receiver.posts("flaky")
    assert len(posts) == 3
    assert {post.headers["webhook-id"] for post in posts} == {row.event_id}
    assert len({post.body for post in posts}) == 1  # the same body, each attempt signed afresh
    stamps = [int(post.headers["webhook-timestamp"]) for post in posts]
    assert [stamp - stamps[0] for stamp in stamps] == [0, 60, 180]
    assert all(signed_by(secret, post) for post in posts)


def test_a_receiver_that_does_not_answer_in_time_is_tried_again(
    app,
    db,
    client,
    auth,
    team,
    rachel,
    receiver,
    frozen,
):
    app.config["WEBHOOK_TIMEOUT_SECONDS"] = 0.2
    register(client, auth, team["admin"], receiver.url("slow"))
    receiver.answer("slow", HANG)
    log_call(client, auth, team["agent"], rachel)
    [row] = deliveries(db)
    assert (row.status, row.attempts, row.last_status_code) == ("queued", 1, None)
    assert row.last_error == "no answer within 0.2 s"

    frozen("2026-12-02T10:01-05:00")
    assert sender.send_queued() == 1
    [row] = deliveries(db)
    assert (row.status, row.attempts, row.last_status_code) == ("sent", 2, 200)
    assert len(receiver.posts("slow")) == 2


def test_a_redirect_is_not_followed(db, client, auth, team, rachel, receiver, frozen):
    register(client, auth, team["admin"], receiver.url("moved"))
    receiver.answer("moved", 307)
    log_call(client, auth, team["agent"], rachel)
    [row] = deliveries(db)
    assert (row.status, row.last_status_code) == ("queued", 307)
    assert "not followed" in row.last_error
    assert len(receiver.received) == 1  # nothing went to /elsewhere


def test_a_delivery_that_keeps_failing_fails_after_max_attempts(
    db,
    client,
    auth,
    team,
    rachel,
    receiver,
    frozen,
):
    register(client, auth, team["admin"], receiver.url("down"))
    receiver.answer("down", *[500] * sender.MAX_ATTEMPTS)
    log_call(client, auth, team["agent"], rachel)
    start = datetime.fromisoformat(TEN_AM)
    for minutes in (1, 3, 7, 15, 31, 63, 127):
        frozen((start + timedelta(minutes=minutes)).isoformat())
        sender.send_queued()
    [row] = deliveries(db)
    assert (row.status, row.attempts) == ("failed", sender.MAX_ATTEMPTS)
    assert len(receiver.posts("down")) == sender.MAX_ATTEMPTS
    assert endpoint_row(db).failures_in_a_row == 1
    frozen((start + timedelta(days=1)).isoformat())
    assert sender.send_queued() == 0  # failed for good: never tried again by itself


def test_an_endpoint_that_keeps_failing_is_paused_and_its_admins_emailed(
    app,
    db,
    client,
    auth,
    team,
    rachel,
    receiver,
    frozen,
    mailbox,
):
    register(client, auth, team["admin"], receiver.url("down"))
    receiver.answer("down", *[500] * sender.MAX_ATTEMPTS * sender.PAUSE_AFTER)
    for minute in range(sender.PAUSE_AFTER):
        log_call(client, auth, team["agent"], rachel, notes=f"Call {minute}")
    start = datetime.fromisoformat(TEN_AM)
    for minutes in (1, 3, 7, 15, 31, 63, 127):
        frozen((start + timedelta(minutes=minutes)).isoformat())
        sender.send_queued()

    assert {row.status for row in deliveries(db)} == {"failed"}
    endpoint = endpoint_row(db)
    assert endpoint.paused_at == clock.utcnow() and endpoint.paused_by == "failures"
    assert endpoint.failures_in_a_row == sender.PAUSE_AFTER
    [email] = emails_to(mailbox, "ada@harbor.example")
    assert email["Subject"] == "A webhook endpoint is paused"
    text = email.get_body(preferencelist=("plain",)).get_content()
    assert receiver.url("down") in text and f"/admin/webhooks/{endpoint.id}" in text
    assert emails_to(mailbox, "dana@harbor.example") == []  # a manager, not an admin

    # Paused: nothing more is stored or sent for it.
    posts = len(receiver.received)
    log_call(client, auth, team["agent"], rachel, notes="While paused")
    assert len(deliveries(db)) == sender.PAUSE_AFTER and len(receiver.received) == posts
    auth.login(team["admin"])
    page = client.get(f"/admin/webhooks/{endpoint.id}").get_data(as_text=True)
    assert f"Paused after {sender.PAUSE_AFTER} failed deliveries in a row" in page

    # Resumed: it takes events again, and its count starts over.
    assert client.post(f"/admin/webhooks/{endpoint.id}/resume").status_code == 303
    auth.logout()
    assert endpoint_row(db).failures_in_a_row == 0
    log_call(client, auth, team["agent"], rachel, notes="After the fix")
    assert deliveries(db)[-1].status == "sent"


def test_a_paused_endpoints_waiting_deliveries_go_when_it_is_resumed(
    db,
    client,
    auth,
    team,
    rachel,
    receiver,
    frozen,
):
    register(client, auth, team["admin"], receiver.url("crm"))
    receiver.answer("crm", 500)
    log_call(client, auth, team["agent"], rachel)
    auth.login(team["admin"])
    endpoint_id = endpoint_row(db).id
    client.post(f"/admin/webhooks/{endpoint_id}/pause")
    frozen("2026-12-02T10:05-05:00")
    assert sender.send_queued() == 0 and len(receiver.received) == 1
    client.post(f"/admin/webhooks/{endpoint_id}/resume")
    assert [row.status for row in deliveries(db)] == ["sent"]
    assert len(receiver.received) == 2


# --- resend and rotate ----------------------------------------------------------------


def test_resend_queues_the_same_event_id_again(
    db,
    client,
    auth,
    team,
    rachel,
    receiver,
    frozen,
):
    register(client, auth, team["admin"], receiver.url("crm"))
    log_call(client, auth, team["agent"], rachel)
    [row] = deliveries(db)
    auth.login(team["admin"])
    page = client.get(f"/admin/webhooks/{row.endpoint_id}").get_data(as_text=True)
    assert f'action="/admin/webhooks/deliveries/{row.id}/resend"' in page

    frozen("2026-12-02T11:00-05:00")
    response = client.post(f"/admin/webhooks/deliveries/{row.id}/resend")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/admin/webhooks/{row.endpoint_id}"
    first, again = receiver.posts("crm")
    assert again.headers["webhook-id"] == first.headers["webhook-id"] == row.event_id
    assert again.body == first.body
    [row] = deliveries(db)
    assert (row.status, row.attempts, row.sent_at) == ("sent", 1, clock.utcnow())


def test_a_rotated_secret_signs_from_the_next_delivery(
    db,
    client,
    auth,
    team,
    rachel,
    receiver,
    frozen,
):
    old = register(client, auth, team["admin"], receiver.url("crm"))
    auth.login(team["admin"])
    endpoint_id = endpoint_row(db).id
    response = client.post(f"/admin/webhooks/{endpoint_id}/rotate")
    new = SECRET_ON_PAGE.search(client.get(response.headers["Location"]).get_data(as_text=True))
    new = new.group(1)
    assert new != old
    auth.logout()
    log_call(client, auth, team["agent"], rachel)
    [post] = receiver.posts("crm")
    assert signed_by(new, post) and not signed_by(old, post)
    kinds = db.session.scalars(sa.select(AuditEvent.kind).where(AuditEvent.kind.like("webhook%")))
    assert list(kinds) == ["webhook_added", "webhook_secret"]


def test_a_deleted_endpoint_goes_with_its_deliveries(
    db,
    client,
    auth,
    team,
    rachel,
    receiver,
    frozen,
):
    register(client, auth, team["admin"], receiver.url("crm"))
    log_call(client, auth, team["agent"], rachel)
    auth.login(team["admin"])
    response = client.post(f"/admin/webhooks/{endpoint_row(db).id}/delete")
    assert response.status_code == 303 and response.headers["Location"] == "/admin/webhooks"
    assert count(db, WebhookEndpoint) == 0 and count(db, WebhookDelivery) == 0


# --- who may, and what is refused -------------------------------------------------------


@pytest.mark.parametrize("role", ["agent", "manager"])
def test_only_admins_reach_the_webhook_pages(db, client, auth, team, receiver, role):
    register(client, auth, team["admin"], receiver.url("crm"))
    endpoint_id = endpoint_row(db).id
    auth.login(team[role])
    assert client.get("/admin/webhooks").status_code == 404
    assert client.get(f"/admin/webhooks/{endpoint_id}").status_code == 404
    form = {"url": receiver.url("x"), "events": ["interaction.logged"]}
    response = client.post("/admin/webhooks/new", data=form)
    assert response.status_code == 404
    assert client.post(f"/admin/webhooks/{endpoint_id}/delete").status_code == 404
    assert count(db, WebhookEndpoint) == 1


def test_another_teams_admin_finds_nothing(db, client, auth, team, rachel, receiver, frozen):
    register(client, auth, team["admin"], receiver.url("crm"))
    log_call(client, auth, team["agent"], rachel)
    [row] = deliveries(db)
    rival_admin = make_user(
        db.session.scalar(sa.select(Team).where(Team.name == "Rival Homes")), "rio@rival.example",
        "admin",
    )  # fmt: skip
    db.session.commit()
    auth.login(rival_admin)
    assert client.get(f"/admin/webhooks/{row.endpoint_id}").status_code == 404
    assert client.post(f"/admin/webhooks/deliveries/{row.id}/resend").status_code == 404
    assert client.post(f"/admin/webhooks/{row.endpoint_id}/rotate").status_code == 404
    assert receiver.url("crm") not in client.get("/admin/webhooks").get_data(as_text=True)


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/partnerplan",  # not https
        "https://10.0.0.5/hooks",  # the server's own network
        "https://169.254.169.254/latest/meta-data",  # a cloud's metadata service
        "https://[fd00::1]/hooks",
        "https://[::ffff:10.0.0.5]/hooks",
        "https://2130706433/hooks",  # 127.0.0.1, as a number
        "https://127.0.0.2/hooks",  # loopback, but not the one the tests may use
        "https://api.localhost/hooks",
        "https://user:pw@hooks.example.com/hooks",
        "https://hooks.example.com:99999/hooks",
        "ftp://hooks.example.com/hooks",
        "https://hooks.example.com/a b",
        "https://hooks.example.com/x\nX-Injected: y",
        "hooks.example.com/hooks",
    ],
)
def test_a_url_that_is_not_a_public_https_one_is_refused_beside_the_field(
    db, client, auth, team, url
):
    auth.login(team["admin"])
    response = client.post(
        "/admin/webhooks/new", data={"url": url, "events": ["interaction.logged"]}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="url-error"' in page and "Enter an https:// URL of a server on the internet" in page
    assert count(db, WebhookEndpoint) == 0


def test_no_url_or_no_event_is_refused(db, client, auth, team):
    auth.login(team["admin"])
    response = client.post("/admin/webhooks/new", data={"url": "", "events": []})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter the URL to send the events to." in page and "Choose at least one event." in page
    response = client.post(
        "/admin/webhooks/new", data={"url": "https://x.example/h", "events": ["user.deleted"]}
    )
    assert response.status_code == 422 and count(db, WebhookEndpoint) == 0


def test_a_public_https_url_is_taken(db, client, auth, team):
    auth.login(team["admin"])
    for url in ("https://hooks.example.com/partnerplan", "https://93.184.215.14:8443/h"):
        response = client.post("/admin/webhooks/new", data={"url": url, "events": ["tier.changed"]})
        assert response.status_code == 303
    assert count(db, WebhookEndpoint) == 2


def test_loopback_is_taken_only_under_test(app, db, client, auth, team, rachel, receiver, frozen):
    auth.login(team["admin"])
    app.testing = False
    try:
        refused = client.post(
            "/admin/webhooks/new", data={"url": receiver.url("x"), "events": ["interaction.logged"]}
        )
        assert refused.status_code == 422 and count(db, WebhookEndpoint) == 0
    finally:
        app.testing = True
    auth.logout()
    # Taken under test, then checked again before each attempt: out of test, not sent.
    register(client, auth, team["admin"], receiver.url("crm"))
    receiver.answer("crm", 500)
    log_call(client, auth, team["agent"], rachel)
    frozen("2026-12-02T10:01-05:00")
    app.testing = False
    try:
        sender.send_queued()
    finally:
        app.testing = True
    [row] = deliveries(db)
    assert row.attempts == 2 and row.last_error.startswith("not sent: Enter an https:// URL")
    assert len(receiver.received) == 1


# --- pruning --------------------------------------------------------------------------------


def test_the_nightly_prune_deletes_old_finished_deliveries(
    db,
    client,
    auth,
    team,
    rachel,
    receiver,
    frozen,
):
    register(client, auth, team["admin"], receiver.url("crm"))
    receiver.answer("crm", 200, 500)
    log_call(client, auth, team["agent"], rachel, notes="Sent")
    log_call(client, auth, team["agent"], rachel, notes="Waiting")
    frozen("2027-01-05T03:30-05:00")
    harbor = db.session.get(Team, team["agent"].team_id)
    summary = prune(harbor, clock.now(harbor.timezone))
    assert "days old deleted, and 1 webhook deliveries;" in summary
    [row] = deliveries(db)
    assert row.status == "queued"  # still waiting: never pruned


def test_a_retry_across_the_autumn_clock_change_waits_one_real_minute(
    db, client, auth, team, rachel, receiver, frozen
):
    """Backoff counts real minutes (UTC): at 01:59 EDT the next try is at 01:00 EST,
    and the endpoint's page says so in the team's time."""
    frozen("2027-11-07T05:59+00:00")  # 01:59 EDT, the last minute before the clocks go back
    register(client, auth, team["admin"], receiver.url("crm"))
    receiver.answer("crm", 500)
    log_call(client, auth, team["agent"], rachel, at="2027-11-07T01:30")
    [row] = deliveries(db)
    assert row.next_attempt_at == datetime(2027, 11, 7, 6, 0)  # UTC
    auth.login(team["admin"])
    page = client.get(f"/admin/webhooks/{row.endpoint_id}").get_data(as_text=True)
    assert "next try 7 Nov 2027, 01:00" in page and "500 Internal Server Error" in page
    frozen("2027-11-07T06:00+00:00")  # 01:00 EST
    assert sender.send_queued() == 1
    assert "7 Nov 2027, 01:00" in client.get(f"/admin/webhooks/{row.endpoint_id}").get_data(
        as_text=True
    )
