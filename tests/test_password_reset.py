"""Forgot password: a single-use link by email, the same answer for any email,
paced per account and per address, never for a deactivated user; and the
admin's "send password reset link", which never shows the admin a password."""

import html
import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import sqlalchemy as sa

from tests.helpers import PASSWORD, SIGN_IN_KINDS, at_once, audited_changes, count, make_user
from tests.mailbox import emails_to, link_in, submit_link
from tests.routes import fetch
from tests.test_security import ThrottledConfig, app_with
from webapp.extensions import db as _db
from webapp.extensions import limiter
from webapp.models import AuditEvent, OutboxEmail, PasswordReset, Team

ASKED_AT = datetime(2027, 3, 15, 9, 0)
NEW_PASSWORD = "lantern orchard velvet 42"


def changes(db) -> list[str]:
    """The audited changes, in order (not the signing in and out around them)."""
    query = sa.select(AuditEvent.kind).where(AuditEvent.kind.not_in(SIGN_IN_KINDS))
    return list(db.session.scalars(query.order_by(AuditEvent.id)))


def at(app, moment: datetime) -> None:
    app.config["PARTNERPLAN_NOW"] = moment.isoformat() + "+00:00"


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def forgot(client, email: str):
    return client.post("/auth/forgot", data={"email": email}, follow_redirects=True)


@pytest.fixture
def asked(app, client, team, mailbox):
    """Sam asks for a link; the link from the email he gets."""
    at(app, ASKED_AT)
    forgot(client, "Sam@Harbor.example")
    [message] = emails_to(mailbox, "sam@harbor.example")
    return link_in(message, "reset")


def test_the_login_page_offers_forgot_password(client):
    assert b'href="/auth/forgot"' in client.get("/auth/login").data


def test_a_user_sets_a_new_password_from_the_emailed_link(client, auth, db, team, asked):
    page = client.get(asked, follow_redirects=True)
    assert page.status_code == 200 and "sam@harbor.example" in text(page)
    response = submit_link(client, asked, {"password": NEW_PASSWORD})
    assert response.headers["Location"] == "/today"  # signed in with it
    assert client.get("/today").status_code == 200
    auth.logout()
    assert auth.login(team["agent"], PASSWORD).status_code == 422
    assert auth.login(team["agent"], NEW_PASSWORD).status_code == 302
    assert changes(db) == ["password_reset"]
    auth.logout()
    again = submit_link(client, asked, {"password": "another fine password 9"})
    assert again.status_code == 410 and "already been used" in text(again)


def test_with_two_factor_on_the_new_password_still_asks_for_the_code(app, client, db, team, asked):
    """A link by email replaces the password, not the second factor."""
    secret = pyotp.random_base32()
    team["agent"].totp_secret = secret
    db.session.commit()
    response = submit_link(client, asked, {"password": NEW_PASSWORD})
    assert response.headers["Location"].startswith("/auth/two-factor")
    assert client.get("/today").status_code == 302  # not signed in yet
    code = pyotp.TOTP(secret).at(ASKED_AT.replace(tzinfo=UTC))
    signed = client.post("/auth/two-factor", data={"code": code})
    assert signed.headers["Location"] == "/today"
    summary = db.session.scalar(
        sa.select(AuditEvent.summary)
        .where(AuditEvent.kind == "sign_in")
        .order_by(AuditEvent.id.desc())
    )
    assert summary == "sam@harbor.example signed in (a new password from a link and code)"


def test_the_answer_is_the_same_whether_the_email_exists_or_not(app, client, team, mailbox):
    at(app, ASKED_AT)
    answers = {
        email: text(forgot(client, email)).replace(email, "EMAIL")
        for email in ("sam@harbor.example", "nobody@harbor.example", "rex@rival.example")
    }
    assert len(set(answers.values())) == 1
    assert "If EMAIL has an active PartnerPlan account" in answers["sam@harbor.example"]
    recipients = sorted(r for rs, _ in mailbox.messages for r in rs)
    assert recipients == ["rex@rival.example", "sam@harbor.example"]


def test_a_deactivated_user_gets_no_link(app, client, db, team, mailbox):
    team["agent"].active = False
    db.session.commit()
    assert "If sam@harbor.example has an active" in text(forgot(client, "sam@harbor.example"))
    assert mailbox.messages == [] and count(db, PasswordReset) == 0


def test_an_account_gets_at_most_one_email_every_five_minutes(app, client, db, mailbox, asked):
    at(app, ASKED_AT + timedelta(minutes=4))
    forgot(client, "sam@harbor.example")
    assert len(mailbox.messages) == 1
    at(app, ASKED_AT + timedelta(minutes=6))
    forgot(client, "sam@harbor.example")
    assert len(mailbox.messages) == 2
    newer = link_in(mailbox.messages[1][1], "reset")
    superseded = client.get(asked)
    assert superseded.status_code == 410 and "A newer password link" in text(superseded)
    assert client.get(newer, follow_redirects=True).status_code == 200


@pytest.mark.parametrize(("minutes", "works"), [(119, True), (121, False)])
def test_the_link_works_for_two_hours(app, client, auth, team, asked, minutes, works):
    at(app, ASKED_AT + timedelta(minutes=minutes))
    response = submit_link(client, asked, {"password": NEW_PASSWORD})
    if works:
        assert response.headers["Location"] == "/today"
        auth.logout()
        assert auth.login(team["agent"], NEW_PASSWORD).status_code == 302
    else:
        assert response.status_code == 410 and "has expired" in text(response)
        assert auth.login(team["agent"], PASSWORD).status_code == 302


def test_a_weak_password_is_refused_beside_the_field_and_nothing_changes(
    client, auth, db, team, asked
):
    response = submit_link(client, asked, {"password": "password1234"})
    assert response.status_code == 422 and 'id="password-error"' in response.get_data(as_text=True)
    assert audited_changes(db) == 0
    assert db.session.scalar(sa.select(PasswordReset.status)) == "pending"
    assert auth.login(team["agent"], PASSWORD).status_code == 302


def test_a_link_deactivated_meanwhile_is_refused(client, db, team, asked):
    team["agent"].active = False
    db.session.commit()
    response = client.get(asked)
    assert response.status_code == 410 and "deactivated" in text(response)


def test_without_a_mail_server_nothing_is_stored_to_go_out_later(client, db, team):
    assert "If sam@harbor.example" in text(forgot(client, "sam@harbor.example"))
    assert count(db, OutboxEmail) == 0 and count(db, PasswordReset) == 0


def test_an_admin_sends_a_reset_link_by_email(app, client, auth, db, team, mailbox):
    at(app, ASKED_AT)
    sam = team["agent"]
    auth.login(team["admin"])
    response = client.post(f"/admin/users/{sam.id}/password-link", follow_redirects=True)
    assert "password reset link is on its way to Sam Ortiz" in text(response)
    assert "/auth/reset/" not in text(response)
    auth.logout()
    [message] = emails_to(mailbox, sam.email)
    assert "Ada Admin, your team's admin" in message.get_body(("plain",)).get_content()
    response = submit_link(client, link_in(message, "reset"), {"password": NEW_PASSWORD})
    assert response.headers["Location"] == "/today"
    assert changes(db) == ["password_reset_requested", "password_reset"]
    auth.logout()
    auth.login(team["manager"])
    page = text(client.get("/desk/audit"))
    assert "Password link sent by an admin" in page and "Password reset" in page


def test_the_forgot_form_needs_its_csrf_token(app, team):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    refused = fetch(app, client, "/auth/forgot", "POST", data={"email": "sam@harbor.example"})
    assert refused.status_code == 400
    page = fetch(app, client, "/auth/forgot").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    form = {"email": "sam@harbor.example", "csrf_token": token}
    assert fetch(app, client, "/auth/forgot", "POST", data=form).status_code == 303


class ForgotThrottledConfig(ThrottledConfig):
    RESET_RATE_LIMIT = "2 per 15 minutes"


def test_forgot_requests_are_throttled_per_address():
    app = app_with(ForgotThrottledConfig)
    try:
        with app.app_context():
            limiter.reset()
            client = app.test_client()
            form = {"email": "nobody@harbor.example"}
            statuses = [
                fetch(app, client, "/auth/forgot", "POST", data=form).status_code for _ in range(3)
            ]
            assert statuses == [303, 303, 429]
            assert fetch(app, client, "/auth/forgot").status_code == 200
    finally:
        with app.app_context():
            limiter.reset()
            _db.session.remove()
            _db.drop_all()
            _db.engine.dispose()


def test_a_link_used_twice_at_once_sets_one_password(shared_app):
    """Two submissions of the same link at once: the first to claim it wins."""
    from webapp.auth import resets

    harbor = Team(name="Harbor Realty Group")
    sam = make_user(harbor, "sam@harbor.example")
    _db.session.commit()
    token = resets.send_reset(sam, sam).link.rsplit("/")[-1]
    results = at_once(
        shared_app,
        lambda: resets.of_token(token)[0],
        lambda found: resets.complete(found, NEW_PASSWORD),
    )
    assert sorted(results) == [False, True]
    assert changes(_db).count("password_reset") == 1


def test_the_token_leaves_the_address_bar_before_the_form_is_served(client, db, team, asked):
    """Access and proxy logs keep every path: the link's token is moved into the
    signed session at once, and the form lives at a URL without it."""
    opened = client.get(asked)
    assert opened.status_code == 303 and opened.headers["Location"] == "/auth/reset"
    page = client.get("/auth/reset")
    assert page.status_code == 200 and asked.rsplit("/", 1)[1] not in text(page)
    response = client.post("/auth/reset", data={"password": NEW_PASSWORD})
    assert response.headers["Location"] == "/today"
    again = client.post("/auth/reset", data={"password": NEW_PASSWORD})
    assert again.status_code == 302 and again.headers["Location"] == "/"  # open the link again
