"""Web push: opting in per device, what is pushed to whom, and how the pushes travel.

Every push goes through the HTTP boundary to a local push service
(tests/push_service.py) that checks the VAPID header and decrypts the payload
with the device's own key, as a browser's push service and the browser do.
Jobs run inline (TestConfig's immediate mode), so a push has arrived when the
request or job that caused it returns.
"""

import os
import stat
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.helpers import make_partner
from tests.push_service import b64url, push_service, unb64url  # noqa: F401  (a fixture)
from tests.routes import fetch, log_in
from webapp import clock
from webapp.jobs import periodic
from webapp.models import PushMessage, PushSubscription, Referral, Team
from webapp.push import keys, sender

WEDNESDAY = date(2026, 12, 2)


@pytest.fixture
def rachel(db, team, frozen):
    """Sam's partner, met lately (no coffee due)."""
    partner = make_partner(team["agent"], "Rachel Kim", met_on=WEDNESDAY - timedelta(days=10))
    db.session.commit()
    return partner


@pytest.fixture
def opted_in(app, push_service):  # noqa: F811
    """`opted_in(user)`: the user turns notifications on in a browser of their own,
    and stays signed in there; the device (tests/push_service.py). The browser is
    the device's `browser`, whose requests each have their own app context
    (`fetch`), as another browser's would."""

    def opt_in(user, name: str | None = None):
        device = push_service.device(name or user.name.split()[0].lower())
        device.browser = app.test_client()
        log_in(device.browser, user)
        response = fetch(app, device.browser, "/push/subscriptions", "POST",
                         json=device.subscription())  # fmt: skip
        assert response.status_code == 201, response.get_data(as_text=True)
        return device

    return opt_in


def subscriptions(db) -> list[PushSubscription]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(PushSubscription).order_by(PushSubscription.id)))


def log_voicemail(client, partner, at="2026-12-02T09:40", **changes):
    data = {"kind": "voicemail", "direction": "inbound", "at": at, "notes": "Call me back"}
    data.update(changes)
    return client.post(f"/logbook/partners/{partner.id}/interactions", data=data)


def propose_cease(client, partner, reason="Sent us nothing in two years"):
    form = {"tier-tier": "cease", "tier-reason": reason}
    return client.post(f"/desk/partners/{partner.id}/tier", data=form)


def proposal_id(db) -> int:
    from webapp.models import Recommendation

    return db.session.scalar(
        sa.select(Recommendation.id).where(
            Recommendation.rule == "proposed", Recommendation.status == "open"
        )
    )


# --- the keys --------------------------------------------------------------------------


def test_the_keys_are_made_on_first_need_readable_by_their_owner_only(app, runner, tmp_path):
    path = tmp_path / "instance" / "vapid_private_key.pem"
    app.config["VAPID_PRIVATE_KEY_FILE"] = str(path)
    result = runner.invoke(args=["push", "keys"])
    assert result.exit_code == 0, result.output
    assert f"Made the private key in {path}" in result.output
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    public = keys.public_key()
    assert f"Public key (application server key): {public}" in result.output
    point = unb64url(public)
    assert len(point) == 65 and point[0] == 4  # an uncompressed P-256 point
    again = runner.invoke(args=["push", "keys"])
    assert "Kept the private key" in again.output and keys.public_key() == public


def test_the_account_page_offers_the_opt_in_with_the_public_key(
    client,
    auth,
    team,
    push_service,  # noqa: F811
):
    auth.login(team["agent"])
    page = client.get("/account/security").get_data(as_text=True)
    assert "Notifications on this device" in page
    assert f'data-push-key="{keys.public_key()}"' in page
    assert '<script src="/static/push.js" defer></script>' in page
    assert "None yet." in page
    for script in ("push.js", "sw-push.js"):
        response = client.get(f"/static/{script}")
        assert response.status_code == 200
        response.close()


# --- opting in and out -----------------------------------------------------------------


def test_a_device_opts_in_and_is_listed_on_the_account_page(
    db,
    client,
    auth,
    team,
    push_service,  # noqa: F811
):
    sam, phone = team["agent"], push_service.device("phone")
    auth.login(sam)
    android = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126.0 Mobile Safari"
    response = client.post(
        "/push/subscriptions", json=phone.subscription(), headers={"User-Agent": android}
    )
    assert response.status_code == 201
    [row] = subscriptions(db)
    assert (row.user_id, row.team_id, row.endpoint) == (sam.id, sam.team_id, phone.endpoint)
    assert row.device == "Chrome on Android"
    page = client.get("/account/security").get_data(as_text=True)
    assert "Notifications are on for this device." in page  # the flash after the reload
    assert "Chrome on Android" in page and f'action="/push/devices/{row.id}/remove"' in page


def test_opting_in_needs_a_sign_in(db, client, team, push_service):  # noqa: F811
    response = client.post("/push/subscriptions", json=push_service.device("x").subscription())
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert subscriptions(db) == []


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://10.0.0.5/push/abc",  # the server's own network
        "https://169.254.169.254/latest/meta-data",  # a cloud's metadata service
        "https://[fd00::1]/push",
        "https://evil.example/push/abc",  # not a push service
        "https://fcm.googleapis.com.evil.example/fcm/send/abc",
        "http://fcm.googleapis.com/fcm/send/abc",  # not https
        "https://fcm.googleapis.com:8443/fcm/send/abc",
        "https://user:pw@fcm.googleapis.com/fcm/send/abc",
        "ftp://fcm.googleapis.com/abc",
        "https://fcm.googleapis.com/fcm/send/abc\nX: y",
        "fcm.googleapis.com/fcm/send/abc",
        "",
        None,
        42,
    ],
)
def test_an_endpoint_that_is_not_a_known_push_service_is_refused(
    db,
    client,
    auth,
    team,
    push_service,  # noqa: F811
    endpoint,
):
    subscription = push_service.device("x").subscription()
    subscription["endpoint"] = endpoint
    auth.login(team["agent"])
    response = client.post("/push/subscriptions", json=subscription)
    assert response.status_code == 422
    assert response.get_json() == {
        "error": "This browser's push service is not one PartnerPlan can send to."
    }
    assert subscriptions(db) == []


def test_loopback_is_taken_only_under_test(app, db, client, auth, team, push_service):  # noqa: F811
    auth.login(team["agent"])
    app.testing = False
    try:
        refused = client.post("/push/subscriptions", json=push_service.device("x").subscription())
    finally:
        app.testing = True
    assert refused.status_code == 422 and subscriptions(db) == []


def test_the_real_push_services_are_taken(db, client, auth, team, push_service):  # noqa: F811
    auth.login(team["agent"])
    for endpoint in (
        "https://fcm.googleapis.com/fcm/send/dGVzdA:APA91b",
        "https://updates.push.services.mozilla.com/wpush/v2/gAAAAA",
        "https://wns2-par02p.notify.windows.com/w/?token=BQYAAA",
        "https://web.push.apple.com/QGx0ZXN0",
    ):
        subscription = push_service.device("x").subscription()
        subscription["endpoint"] = endpoint
        assert client.post("/push/subscriptions", json=subscription).status_code == 201
    assert len(subscriptions(db)) == 4


@pytest.mark.parametrize(
    "keys_sent",
    [
        {"p256dh": b64url(b"\x04" + b"\x01" * 64), "auth": b64url(b"a" * 16)},  # not on the curve
        {"auth": b64url(b"a" * 16)},  # no p256dh
        {"p256dh": "not base64!", "auth": b64url(b"a" * 16)},
        "keys",
    ],
)
def test_keys_that_are_not_a_browsers_are_refused(
    db,
    client,
    auth,
    team,
    push_service,  # noqa: F811
    keys_sent,
):
    subscription = push_service.device("x").subscription()
    subscription["keys"] = keys_sent
    auth.login(team["agent"])
    response = client.post("/push/subscriptions", json=subscription)
    assert response.status_code == 422 and subscriptions(db) == []


def test_a_short_auth_secret_is_refused(db, client, auth, team, push_service):  # noqa: F811
    subscription = push_service.device("x").subscription()
    subscription["keys"]["auth"] = b64url(b"short")
    auth.login(team["agent"])
    assert client.post("/push/subscriptions", json=subscription).status_code == 422
    assert client.post("/push/subscriptions", data={"endpoint": "x"}).status_code == 422
    assert subscriptions(db) == []


def test_a_browser_another_user_signs_in_to_becomes_theirs(db, client, auth, team, opted_in):
    laptop = opted_in(team["agent"], "laptop")
    # Kim signs in on the same browser and turns notifications on: the same endpoint.
    auth.login(team["other_agent"])
    assert client.post("/push/subscriptions", json=laptop.subscription()).status_code == 201
    [row] = subscriptions(db)
    assert row.user_id == team["other_agent"].id


def test_a_device_is_removed_with_a_plain_form_by_its_owner_only(db, client, auth, team, opted_in):
    opted_in(team["agent"], "phone")
    [row] = subscriptions(db)
    auth.login(team["other_agent"])
    assert client.post(f"/push/devices/{row.id}/remove").status_code == 404
    auth.logout()
    auth.login(team["rival_manager"])
    assert client.post(f"/push/devices/{row.id}/remove").status_code == 404
    assert len(subscriptions(db)) == 1
    auth.logout()
    auth.login(team["agent"])
    response = client.post(f"/push/devices/{row.id}/remove")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/account/security#notifications")
    assert subscriptions(db) == []
    assert "gets no more notifications" in client.get("/account/security").get_data(as_text=True)


def test_a_browser_turning_off_removes_only_its_own_row(db, client, auth, team, opted_in):
    phone = opted_in(team["agent"], "phone")
    opted_in(team["agent"], "laptop")
    auth.login(team["other_agent"])  # not Kim's: nothing happens
    client.post("/push/subscriptions/remove", json={"endpoint": phone.endpoint})
    assert len(subscriptions(db)) == 2
    auth.logout()
    auth.login(team["agent"])
    assert client.post("/push/subscriptions/remove", json={"endpoint": phone.endpoint}).json == {
        "ok": True
    }
    assert [row.endpoint for row in subscriptions(db)] != [phone.endpoint]
    assert len(subscriptions(db)) == 1


def test_the_account_page_lists_a_users_own_devices_only(client, auth, team, opted_in):
    opted_in(team["agent"], "phone")
    opted_in(team["other_agent"], "tablet")
    auth.login(team["other_agent"])
    page = client.get("/account/security").get_data(as_text=True)
    assert page.count("data-device=") == 1


# --- (a) a call to return --------------------------------------------------------------


def test_a_voicemail_logged_for_an_agent_pushes_return_the_call(
    db, client, auth, team, rachel, opted_in
):
    sam_phone = opted_in(team["agent"])
    dana_phone = opted_in(team["manager"])
    kim_phone = opted_in(team["other_agent"])
    rival_phone = opted_in(team["rival_agent"])
    auth.login(team["manager"])  # the office takes the message for Sam
    assert log_voicemail(client, rachel).status_code == 303
    [notification] = sam_phone.notifications()
    assert notification == {
        "title": "Return Rachel Kim's call",
        "body": notification["body"],
        "url": f"/partners/{rachel.id}",
        "tag": f"return-call-{rachel.id}",
    }
    assert "not returned yet" in notification["body"]
    assert dana_phone.pushes() == kim_phone.pushes() == rival_phone.pushes() == []
    # A second voicemail the same day: the recommendation is already open, nothing new.
    log_voicemail(client, rachel, at="2026-12-02T09:55")
    assert len(sam_phone.pushes()) == 1


def test_a_missed_call_pushes_too_but_not_one_the_agent_logged_themselves(
    db, client, auth, team, rachel, opted_in
):
    sam_phone = opted_in(team["agent"])
    auth.login(team["agent"])
    log_voicemail(client, rachel)  # Sam took it: Sam knows
    assert sam_phone.pushes() == []
    ryan = make_partner(team["agent"], "Ryan McMillan", met_on=WEDNESDAY - timedelta(days=5))
    db.session.commit()
    auth.logout()
    auth.login(team["manager"])
    log_voicemail(client, ryan, kind="call", outcome="no_response")
    assert [n["title"] for n in sam_phone.notifications()] == ["Return Ryan McMillan's call"]


def test_an_old_voicemail_opened_by_a_later_refresh_is_not_news(
    db, app, client, auth, team, rachel, opted_in
):
    """An imported history: the nightly refresh opens the recommendation, no push."""
    from webapp.models import Interaction
    from webapp.recommendations.lifecycle import refresh_partners

    sam_phone = opted_in(team["agent"])
    db.session.add(
        Interaction(
            partner_id=rachel.id, kind="voicemail", direction="inbound", at=datetime(2026, 11, 30)
        )
    )
    db.session.commit()
    refresh_partners(rachel.team_id, [rachel.id])
    assert sam_phone.pushes() == []


def test_a_name_with_a_line_break_is_pushed_on_one_line(db, client, auth, team, opted_in, frozen):
    odd = make_partner(team["agent"], "Rachel\nKim <b>", met_on=WEDNESDAY - timedelta(days=5))
    db.session.commit()
    sam_phone = opted_in(team["agent"])
    auth.login(team["manager"])
    log_voicemail(client, odd)
    [notification] = sam_phone.notifications()
    assert notification["title"] == "Return Rachel Kim <b>'s call"  # text, not HTML


# --- (b) the morning --------------------------------------------------------------------


@pytest.fixture
def due_today(db, team, rachel):
    """Sam has one thing to do on Wednesday: thank Rachel for a referral (due 2 days on)."""
    db.session.add(
        Referral(
            partner_id=rachel.id,
            direction="received",
            client="J. Alvarez",
            referred_on=WEDNESDAY - timedelta(days=2),
        )
    )
    db.session.commit()


def run_due(runner, at: str) -> list[str]:
    result = runner.invoke(args=["jobs", "run-due", "--at", at])
    assert result.exit_code == 0, result.output
    return result.output.splitlines()


def test_the_morning_count_is_pushed_once_at_the_users_hour(
    db, team, due_today, opted_in, frozen, runner
):
    sam_phone = opted_in(team["agent"])
    kim_phone = opted_in(team["other_agent"])  # nothing to do: nothing pushed
    frozen("2026-12-02T06:59-05:00")
    run_due(runner, "2026-12-02T06:59")
    assert sam_phone.pushes() == []
    frozen("2026-12-02T07:00-05:00")
    lines = run_due(runner, "2026-12-02T07:00")
    assert (
        "morning_push Harbor Realty Group: 1 morning notifications queued, 1 with nothing to do"
        in lines
    )
    assert sam_phone.notifications() == [
        {"title": "Today: 1 to do", "body": "Open Today to see them.", "url": "/today",
         "tag": "morning-2026-12-02"}
    ]  # fmt: skip
    assert kim_phone.pushes() == []
    run_due(runner, "2026-12-02T07:00")
    run_due(runner, "2026-12-02T11:00")
    assert len(sam_phone.pushes()) == 1  # once a day


def test_the_morning_push_comes_again_the_next_day_and_not_at_the_weekend(
    db, team, due_today, opted_in, frozen, runner
):
    sam_phone = opted_in(team["agent"])
    frozen("2026-12-02T07:00-05:00")
    run_due(runner, "2026-12-02T07:00")
    frozen("2026-12-03T07:00-05:00")
    run_due(runner, "2026-12-03T07:00")
    titles = [n["title"] for n in sam_phone.notifications()]
    assert titles == ["Today: 1 to do", "Today: 1 to do (1 overdue)"]
    frozen("2026-12-05T07:00-05:00")  # Saturday
    run_due(runner, "2026-12-05T07:00")
    assert len(sam_phone.pushes()) == 2


def test_the_morning_push_follows_the_users_hour_and_not_the_email_switch(
    db, team, due_today, opted_in, frozen, runner
):
    sam = team["agent"]
    sam.morning_hour, sam.morning_email = 9, False
    db.session.commit()
    sam_phone = opted_in(sam)
    frozen("2026-12-02T08:30-05:00")
    run_due(runner, "2026-12-02T08:30")
    assert sam_phone.pushes() == []
    frozen("2026-12-02T09:00-05:00")
    run_due(runner, "2026-12-02T09:00")
    assert len(sam_phone.pushes()) == 1


def test_on_the_spring_forward_day_a_two_oclock_morning_push_comes_once_at_three(
    db, team, rachel, opted_in, frozen, runner
):
    """New York, Sunday 14 March 2027: 02:00 does not exist; the 02:00 slot runs at 03:00."""
    sam = team["agent"]
    sam.morning_hour, sam.morning_days = 2, [6]  # Sundays at 02:00
    db.session.add(
        Referral(
            partner_id=rachel.id,
            direction="received",
            client="J. Alvarez",
            referred_on=date(2027, 3, 12),
        )
    )
    db.session.commit()
    sam_phone = opted_in(sam)
    frozen("2027-03-14T06:59+00:00")  # 01:59 EST
    periodic.tick()
    assert sam_phone.pushes() == []
    frozen("2027-03-14T07:00+00:00")  # 03:00 EDT
    periodic.tick()
    periodic.tick()
    assert [n["tag"] for n in sam_phone.notifications()] == ["morning-2027-03-14"]


def test_on_the_fall_back_day_the_repeated_hour_pushes_once(
    db, team, rachel, opted_in, frozen, runner
):
    """New York, Sunday 7 November 2027: 01:00-02:00 comes twice."""
    sam = team["agent"]
    sam.morning_hour, sam.morning_days = 1, [6]
    db.session.add(
        Referral(
            partner_id=rachel.id,
            direction="received",
            client="J. Alvarez",
            referred_on=date(2027, 11, 5),
        )
    )
    db.session.commit()
    sam_phone = opted_in(sam)
    frozen("2027-11-07T05:30+00:00")  # 01:30 EDT
    periodic.tick()
    frozen("2027-11-07T06:30+00:00")  # 01:30 EST, again
    periodic.tick()
    assert len(sam_phone.pushes()) == 1


# --- (c) a review for managers, (d) a decision for the agent ----------------------------


def test_a_proposal_is_pushed_to_the_teams_managers(db, client, auth, team, rachel, opted_in):
    dana_phone = opted_in(team["manager"])
    ada_phone = opted_in(team["admin"])
    sam_phone = opted_in(team["agent"])
    kim_phone = opted_in(team["other_agent"])
    rex_phone = opted_in(team["rival_manager"])
    auth.login(team["agent"])
    assert propose_cease(client, rachel).status_code == 303
    expected = {
        "title": "A tier change to review",
        "body": "Sam Ortiz proposes moving Rachel Kim to Cease.",
        "url": "/desk/reviews",
        "tag": f"review-{proposal_id(db)}",
    }
    assert dana_phone.notifications() == [expected]
    assert ada_phone.notifications() == [expected]
    assert sam_phone.pushes() == kim_phone.pushes() == rex_phone.pushes() == []


def test_the_decision_is_pushed_to_the_agent_who_proposed(db, client, auth, team, rachel, opted_in):
    sam_phone = opted_in(team["agent"])
    dana_phone = opted_in(team["manager"])
    auth.login(team["agent"])
    propose_cease(client, rachel)
    rec_id = proposal_id(db)
    auth.logout()
    auth.login(team["manager"])
    assert client.post(f"/desk/reviews/{rec_id}/approve").status_code == 303
    assert sam_phone.notifications() == [
        {
            "title": "Rachel Kim's move to Cease was approved",
            "body": "Dana Reyes approved it.",
            "url": f"/partners/{rachel.id}",
            "tag": f"decision-{rec_id}",
        }
    ]
    assert len(dana_phone.pushes()) == 1  # the review only, not the decision


def test_a_rejection_says_why(db, client, auth, team, rachel, opted_in):
    sam_phone = opted_in(team["agent"])
    auth.login(team["agent"])
    propose_cease(client, rachel)
    rec_id = proposal_id(db)
    auth.logout()
    auth.login(team["manager"])
    client.post(
        f"/desk/reviews/{rec_id}/reject", data={f"reject-{rec_id}-reason": "Give it a year"}
    )
    [notification] = sam_phone.notifications()
    assert notification["title"] == "Rachel Kim's move to Cease was rejected"
    assert notification["body"] == 'Dana Reyes rejected it: "Give it a year"'


# --- how pushes travel ------------------------------------------------------------------


def test_a_subscription_the_service_says_is_gone_is_deleted(
    db, client, auth, team, rachel, opted_in
):
    sam_phone = opted_in(team["agent"], "phone")
    sam_laptop = opted_in(team["agent"], "laptop")
    sam_phone.answer(410)
    auth.login(team["manager"])
    log_voicemail(client, rachel)
    assert [row.endpoint for row in subscriptions(db)] == [sam_laptop.endpoint]
    assert len(sam_laptop.notifications()) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PushMessage)) == 1


def test_a_404_deletes_it_too(db, client, auth, team, rachel, opted_in):
    sam_phone = opted_in(team["agent"])
    sam_phone.answer(404)
    auth.login(team["manager"])
    log_voicemail(client, rachel)
    assert subscriptions(db) == []


def test_a_server_error_is_recorded_and_retried_later(
    db, app, client, auth, team, rachel, opted_in, frozen, runner
):
    sam_phone = opted_in(team["agent"])
    sam_phone.answer(500, 503)
    auth.login(team["manager"])
    log_voicemail(client, rachel)
    [message] = db.session.scalars(sa.select(PushMessage)).all()
    assert (message.status, message.attempts) == ("queued", 1)
    assert message.last_error.startswith("500 ")
    assert message.next_attempt_at == clock.utcnow() + timedelta(minutes=1)
    [row] = subscriptions(db)
    assert (row.failures, row.last_success_at) == (1, None)

    assert sender.send_queued() == 0  # not yet due
    frozen("2026-12-02T10:01-05:00")
    assert sender.send_queued() == 0  # 503: again in 2 minutes
    frozen("2026-12-02T10:03-05:00")
    assert sender.send_queued() == 1
    assert len(sam_phone.pushes()) == 3
    assert sam_phone.open(sam_phone.pushes()[-1])["title"] == "Return Rachel Kim's call"
    [row] = subscriptions(db)
    assert (row.failures, row.last_success_at) == (0, clock.utcnow())


def test_a_push_that_keeps_failing_stops_after_max_attempts(
    db, client, auth, team, rachel, opted_in, frozen
):
    sam_phone = opted_in(team["agent"])
    sam_phone.answer(*[500] * sender.MAX_ATTEMPTS)
    auth.login(team["manager"])
    log_voicemail(client, rachel)
    for minutes in (1, 3, 7, 15):
        frozen(f"2026-12-02T10:{minutes:02d}-05:00")
        sender.send_queued()
    message = db.session.scalars(sa.select(PushMessage)).one()
    db.session.refresh(message)
    assert (message.status, message.attempts) == ("failed", sender.MAX_ATTEMPTS)
    assert len(sam_phone.pushes()) == sender.MAX_ATTEMPTS
    assert subscriptions(db)[0].failures == sender.MAX_ATTEMPTS
    auth.logout()
    auth.login(team["agent"])
    assert "5 failed tries" in client.get("/account/security").get_data(as_text=True)


def test_a_redirect_is_not_followed(db, client, auth, team, rachel, opted_in, push_service):  # noqa: F811
    """The server POSTs to push services only: not wherever one sends it on."""
    sam_phone, elsewhere = opted_in(team["agent"]), push_service.device("elsewhere")
    sam_phone.answer((307, elsewhere.endpoint))
    auth.login(team["manager"])
    log_voicemail(client, rachel)
    assert len(sam_phone.pushes()) == 1 and elsewhere.pushes() == []
    message = db.session.scalars(sa.select(PushMessage)).one()
    assert message.status == "queued" and "TooManyRedirects" in message.last_error


def test_a_refusal_for_good_is_failed_at_once(db, client, auth, team, rachel, opted_in):
    sam_phone = opted_in(team["agent"])
    sam_phone.answer(403)  # not our key
    auth.login(team["manager"])
    log_voicemail(client, rachel)
    message = db.session.scalars(sa.select(PushMessage)).one()
    assert (message.status, message.attempts) == ("failed", 1)
    assert len(subscriptions(db)) == 1


def test_a_push_not_made_within_its_lifetime_expires(
    db, client, auth, team, rachel, opted_in, frozen
):
    sam_phone = opted_in(team["agent"])
    sam_phone.answer(503)
    auth.login(team["manager"])
    log_voicemail(client, rachel)
    frozen("2026-12-02T22:01-05:00")  # 12 hours on
    assert sender.send_queued() == 0
    message = db.session.scalars(sa.select(PushMessage)).one()
    db.session.refresh(message)
    assert message.status == "expired" and len(sam_phone.pushes()) == 1


def test_an_unreachable_service_is_retried(db, client, auth, team, rachel, opted_in, push_service):  # noqa: F811
    opted_in(team["agent"])
    push_service.server.shutdown()
    push_service.server.server_close()
    auth.login(team["manager"])
    log_voicemail(client, rachel)
    message = db.session.scalars(sa.select(PushMessage)).one()
    assert message.status == "queued" and "ConnectionError" in message.last_error


def test_an_opted_out_or_deactivated_user_gets_nothing(db, client, auth, team, rachel, opted_in):
    sam_phone = opted_in(team["agent"])
    auth.login(team["agent"])
    client.post("/push/subscriptions/remove", json={"endpoint": sam_phone.endpoint})
    auth.logout()
    kim_phone = opted_in(team["other_agent"])
    kim = team["other_agent"]
    kim.active = False
    ryan = make_partner(kim, "Ryan McMillan", met_on=WEDNESDAY - timedelta(days=5))
    db.session.commit()
    auth.login(team["manager"])
    log_voicemail(client, rachel)
    log_voicemail(client, ryan)
    assert sam_phone.pushes() == kim_phone.pushes() == []


def test_an_endpoint_no_longer_allowed_is_not_pushed_to(
    app, db, client, auth, team, rachel, opted_in
):
    sam_phone = opted_in(team["agent"])
    app.debug = False
    app.testing = False
    try:
        auth.login(team["manager"])
        log_voicemail(client, rachel)
    finally:
        app.testing = True
    assert sam_phone.pushes() == []
    message = db.session.scalars(sa.select(PushMessage)).one()
    assert message.status == "failed" and "not one PartnerPlan can send to" in message.last_error


def test_old_pushes_are_pruned_with_the_teams_nightly_pruning(
    db, client, auth, team, rachel, opted_in, frozen, runner
):
    opted_in(team["agent"])
    auth.login(team["manager"])
    log_voicemail(client, rachel)
    frozen("2027-01-02T03:45-05:00")
    lines = run_due(runner, "2027-01-02T03:45")
    assert any("and 1 notifications over 30 days old deleted" in line for line in lines)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PushMessage)) == 0
    harbor = db.session.get(Team, team["agent"].team_id)
    assert harbor is not None


# --- a device is pushed to while its sign-in has not been ended ---------------------


def test_signing_out_stops_that_browsers_pushes_until_turned_on_again(
    app,
    db,
    client,
    auth,
    team,
    rachel,
    opted_in,
    push_service,  # noqa: F811
):
    sam_phone = opted_in(team["agent"])
    fetch(app, sam_phone.browser, "/auth/logout", "POST")  # a shared phone, handed on
    auth.login(team["manager"])
    log_voicemail(client, rachel)
    assert sam_phone.pushes() == []
    auth.logout()
    # Not listed as on for Sam any more; turned on in a new sign-in, it is pushed to again.
    phone = sam_phone.browser
    log_in(phone, team["agent"])
    assert "data-device=" not in fetch(app, phone, "/account/security").get_data(as_text=True)
    subscription = sam_phone.subscription()
    assert fetch(app, phone, "/push/subscriptions", "POST", json=subscription).status_code == 201
    page = fetch(app, phone, "/account/security").get_data(as_text=True)
    assert page.count("data-device=") == 1
    ryan = make_partner(team["agent"], "Ryan McMillan", met_on=WEDNESDAY - timedelta(days=5))
    db.session.commit()
    auth.login(team["manager"])
    log_voicemail(client, ryan)
    assert [n["title"] for n in sam_phone.notifications()] == ["Return Ryan McMillan's call"]


def test_signing_out_everywhere_stops_every_device(db, client, auth, team, rachel, opted_in):
    phone, tablet = opted_in(team["agent"], "phone"), opted_in(team["agent"], "tablet")
    auth.login(team["agent"])
    assert client.post("/account/sessions/end-all").status_code == 303
    auth.login(team["manager"])
    log_voicemail(client, rachel)
    assert phone.pushes() == tablet.pushes() == []


def test_signing_out_another_browser_stops_its_pushes(db, client, auth, team, rachel, opted_in):
    from webapp.models import PushSubscription as Device
    from webapp.models import UserSession

    phone = opted_in(team["agent"], "phone")
    [device] = subscriptions(db)
    session_id = db.session.get(Device, device.id).session_id
    auth.login(team["agent"])  # at the desk
    client.post("/account/sessions/end", data={"session_id": session_id})
    assert db.session.get(UserSession, session_id).revoked_at is not None
    auth.logout()
    auth.login(team["manager"])
    log_voicemail(client, rachel)
    assert phone.pushes() == []


def test_a_device_goes_with_its_ended_session_at_the_nightly_pruning(
    app, db, client, auth, team, rachel, opted_in, frozen, runner
):
    phone = opted_in(team["agent"])
    fetch(app, phone.browser, "/auth/logout", "POST")
    assert len(subscriptions(db)) == 1  # kept a while, pushed to no more
    frozen("2027-01-05T03:45-05:00")  # over 30 days after that sign-out
    run_due(runner, "2027-01-05T03:45")
    assert subscriptions(db) == []
