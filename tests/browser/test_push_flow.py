"""Web push in a real Chromium: the opt-in on the account page, and the service
worker's part (static/sw-push.js, in /sw.js) showing what a push delivers.

No push service is reachable here, so a browser cannot really subscribe: the
opt-in is checked up to the button, the device list and its removal with a
stored device. The push itself is delivered to the service worker through
Chromium's DevTools protocol (`ServiceWorker.deliverPushMessage`), to the
app's service worker (/sw.js, which imports sw-push.js).
"""

import json
import re
import secrets

import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser import seed

SW_SCOPE = "/"


def give_a_device(served_app, viewport: str, role: str, name: str) -> None:
    """A device that opted in earlier, signed in there still (as the real push service
    would have it)."""
    from webapp.extensions import db
    from webapp.models import PushSubscription, User, UserSession, token_hash

    with served_app.app_context():
        owner = db.session.scalar(sa.select(User).where(User.email == seed.email(role, viewport)))
        there = UserSession(user_id=owner.id, token_hash=token_hash(secrets.token_urlsafe()))
        db.session.add(there)
        db.session.flush()
        db.session.add(
            PushSubscription(
                user_id=owner.id,
                team_id=owner.team_id,
                session_id=there.id,
                endpoint=f"https://fcm.googleapis.com/fcm/send/{viewport}-{name}",
                p256dh="B" * 87,
                auth="A" * 22,
                device=name,
            )
        )
        db.session.commit()


def test_the_account_page_offers_notifications_and_removes_a_device(page, user, served_app):
    page.context.grant_permissions(["notifications"])
    give_a_device(served_app, page.viewport_name, "roi_agent", "Firefox on Android")
    user.log_in_as("roi_agent")
    page.goto("/account/security")
    section = page.get_by_role("region", name="Notifications on this device")
    expect(section.get_by_text("Notifications are off for this browser.")).to_be_visible()
    turn_on = section.get_by_role("button", name="Turn on notifications on this device")
    turn_off = section.get_by_role("button", name="Turn off notifications on this device")
    expect(turn_on).to_be_visible()
    expect(turn_off).to_be_hidden()
    row = section.get_by_role("row", name=re.compile("Firefox on Android"))
    expect(row.get_by_text("(this device)")).to_be_hidden()  # another device's
    row.get_by_role("button", name=re.compile("^Remove Firefox on Android")).click()
    expect(page.get_by_text("Firefox on Android gets no more notifications.")).to_be_visible()
    expect(section.get_by_text("None yet.")).to_be_visible()


def test_without_javascript_the_devices_are_listed_and_the_opt_in_says_what_it_needs(
    browser, base_url, served_app
):
    context = browser.new_context(base_url=base_url, java_script_enabled=False)
    page = context.new_page()
    give_a_device(served_app, "desktop", "roi_agent", "Edge on Windows")
    page.goto("/auth/login")
    page.get_by_label("Email").fill(seed.email("roi_agent", "desktop"))
    page.get_by_label("Password").fill(seed.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto("/account/security")
    section = page.get_by_role("region", name="Notifications on this device")
    expect(section.get_by_text("needs JavaScript")).to_be_visible()
    expect(section.get_by_role("button", name=re.compile("Turn on"))).to_be_hidden()
    section.get_by_role("button", name=re.compile("^Remove Edge on Windows")).click()
    expect(page.get_by_text("Edge on Windows gets no more notifications.")).to_be_visible()
    context.close()


def registration_id(page, cdp) -> str:
    """The DevTools id of the registration of the app's service worker (/sw.js, which
    imports sw-push.js; static/offline.js registers it on every page), once active."""
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    seen = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated", lambda event: seen.extend(event["registrations"])
    )
    cdp.send("ServiceWorker.enable")  # reports the registrations there are
    page.wait_for_function("() => true")  # let the events of the enable arrive
    ids = [r["registrationId"] for r in seen if r["scopeURL"].endswith(SW_SCOPE)]
    assert ids, f"no registration for {SW_SCOPE} among {seen}"
    return ids[-1]


# The notifications the registration shows, once one with that body is there (or as
# they are after 5 s): showing one is the service worker's own work, not the page's.
SHOWN = """async ([scope, body]) => {
  const registration = await navigator.serviceWorker.getRegistration(scope);
  const read = async () => (await registration.getNotifications())
    .map(n => ({title: n.title, body: n.body, tag: n.tag, url: n.data.url}));
  for (let tries = 0; tries < 100; tries++) {
    const shown = await read();
    if (shown.some(n => n.body === body)) { return shown; }
    await new Promise(resolve => setTimeout(resolve, 50));
  }
  return read();
}"""


def test_a_push_delivered_to_the_service_worker_is_shown(page, base_url):
    page.context.grant_permissions(["notifications"])
    page.goto("/auth/login")
    cdp = page.context.new_cdp_session(page)
    registration = registration_id(page, cdp)

    def deliver(payload: dict) -> None:
        cdp.send(
            "ServiceWorker.deliverPushMessage",
            {"origin": base_url, "registrationId": registration, "data": json.dumps(payload)},
        )

    deliver({"title": "Return Rachel Kim's call", "body": "Voicemail today not returned yet",
             "url": "/partners/7", "tag": "return-call-7"})  # fmt: skip
    assert page.evaluate(SHOWN, [SW_SCOPE, "Voicemail today not returned yet"]) == [
        {
            "title": "Return Rachel Kim's call",
            "body": "Voicemail today not returned yet",
            "tag": "return-call-7",
            "url": f"{base_url}/partners/7",
        }
    ]

    # The same tag replaces the one shown; a url elsewhere is never opened.
    deliver({"title": "Return Rachel Kim's call", "body": "2 in all", "url": "https://evil.example/",
             "tag": "return-call-7"})  # fmt: skip
    [shown] = page.evaluate(SHOWN, [SW_SCOPE, "2 in all"])
    assert (shown["body"], shown["url"]) == ("2 in all", f"{base_url}/")
    page.evaluate(
        "scope => navigator.serviceWorker.getRegistration(scope).then(r => r.unregister())",
        SW_SCOPE,
    )
