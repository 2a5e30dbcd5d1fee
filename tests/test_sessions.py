"""Server-side sessions: signing out, a new password and deactivation end them,
and a copied cookie is worth nothing afterwards."""

import re
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from tests.helpers import PASSWORD
from tests.mailbox import submit_link
from webapp.models import AuditEvent, UserSession

NEW_PASSWORD = "lantern orchard gravel whistle"


class Browser(FlaskClient):
    """A test client whose every request runs in an app context of its own, as
    in production: the test's pushed context would share Flask-Login's
    current user (in `g`) between browsers."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def browser(app) -> Browser:
    app.test_client_class = Browser
    return app.test_client()


def log_in(app, user, remember=False):
    client = browser(app)
    data = {"email": user.email, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    response = client.post("/auth/login", data=data)
    assert response.status_code == 302, response.data
    assert response.headers["Location"] == "/today"
    return client


def copy_of(app, client, *names):
    """Another browser holding copies of `client`'s cookies (what a thief has)."""
    thief = browser(app)
    for name in names:
        cookie = client.get_cookie(name)
        assert cookie is not None, name
        thief.set_cookie(name, cookie.value)
    return thief


def signed_in(client) -> bool:
    return client.get("/today").status_code == 200


def test_a_session_cookie_copied_before_logout_is_refused_after_it(app, team):
    client = log_in(app, team["agent"])
    thief = copy_of(app, client, "session")
    assert signed_in(thief)
    client.post("/auth/logout")
    assert not signed_in(client)
    assert not signed_in(thief)


def test_a_remember_cookie_is_new_at_every_login_and_dies_with_logout(app, team):
    first = log_in(app, team["agent"], remember=True)
    second = log_in(app, team["agent"], remember=True)
    assert first.get_cookie("remember_token").value != second.get_cookie("remember_token").value
    thief = copy_of(app, first, "remember_token")  # no session cookie: the remember one alone
    assert signed_in(thief)
    copied = first.get_cookie("remember_token").value
    first.post("/auth/logout")
    later = browser(app)
    later.set_cookie("remember_token", copied)
    assert not signed_in(later)
    assert signed_in(second)  # another device's session is not this one


def test_a_password_reset_an_admin_sent_ends_every_session_of_the_user(app, team):
    agent = log_in(app, team["agent"], remember=True)
    thief = copy_of(app, agent, "session", "remember_token")
    admin = log_in(app, team["admin"])
    response = admin.post(f"/admin/users/{team['agent'].id}/password-link")
    assert response.status_code == 303
    assert signed_in(agent)  # a link sent changes nothing yet
    page = admin.get("/admin/").get_data(as_text=True)  # no mail server: the link is shown
    link = re.search(r"http://[^/\s]+(/auth/reset/[\w-]+)", page)[1]
    owner = app.test_client()  # where Sam opens the link: signed in there, and only there
    assert submit_link(owner, link, {"password": NEW_PASSWORD}).headers["Location"] == "/today"
    assert signed_in(owner)
    assert not signed_in(agent)
    assert not signed_in(thief)
    assert signed_in(admin)


def test_deactivation_ends_every_session_of_the_user(app, team, db):
    agent = log_in(app, team["agent"])
    admin = log_in(app, team["admin"])
    admin.post(f"/admin/users/{team['agent'].id}/deactivate")
    assert not signed_in(agent)
    live = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(UserSession)
        .where(UserSession.user_id == team["agent"].id, UserSession.revoked_at.is_(None))
    )
    assert live == 0


def test_set_password_ends_sessions_but_the_one_kept(app, team, db):
    user = team["agent"]
    one, two = log_in(app, user), log_in(app, user)
    keep = db.session.scalar(
        sa.select(UserSession.id).where(UserSession.user_id == user.id).order_by(UserSession.id)
    )
    user.set_password(NEW_PASSWORD, keep_session=keep)
    db.session.commit()
    assert signed_in(one) and not signed_in(two)


def test_changing_ones_password_keeps_this_session_and_ends_the_others(app, team, auth, client):
    other_device = log_in(app, team["agent"], remember=True)
    auth.login(team["agent"])
    response = client.post("/account/password", data={"current": PASSWORD, "new": NEW_PASSWORD})
    assert response.status_code == 303
    assert response.headers["Location"] == "/account/security"
    assert signed_in(client)
    assert not signed_in(other_device)
    client.post("/auth/logout")
    assert auth.login(team["agent"], NEW_PASSWORD).status_code == 302


def test_a_new_password_needs_the_current_one_and_follows_the_password_rule(client, auth, team):
    auth.login(team["agent"])
    wrong = client.post("/account/password", data={"current": "nope", "new": NEW_PASSWORD})
    assert wrong.status_code == 422
    assert b"not your current password" in wrong.data
    weak = client.post("/account/password", data={"current": PASSWORD, "new": "password1234"})
    assert weak.status_code == 422
    assert b"new-error" in weak.data  # beside the new password's field
    assert auth.logout().status_code == 302
    assert auth.login(team["agent"]).status_code == 302  # unchanged


def test_the_security_page_lists_sessions_in_team_time_and_signs_one_out(app, team, db):
    app.config["PARTNERPLAN_NOW"] = "2026-11-20T14:30+00:00"  # 09:30 in New York
    phone = browser(app)
    phone.post(
        "/auth/login",
        data={"email": team["agent"].email, "password": PASSWORD},
        headers={
            "User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Version/17.0 Safari/604.1"
        },
        environ_base={"REMOTE_ADDR": "203.0.113.9"},
    )
    desk = log_in(app, team["agent"])
    page = desk.get("/account/security")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Safari on iPhone" in text and "203.0.113.9" in text
    assert "9:30" in text and "(this browser)" in text
    phone_row = db.session.scalar(sa.select(UserSession).where(UserSession.ip == "203.0.113.9"))
    response = desk.post("/account/sessions/end", data={"session_id": phone_row.id})
    assert response.status_code == 303
    assert not signed_in(phone) and signed_in(desk)
    # Someone else's session is not found, whatever its number.
    theirs = log_in(app, team["other_agent"])
    their_row = db.session.scalar(
        sa.select(UserSession.id).where(
            UserSession.user_id == team["other_agent"].id, UserSession.revoked_at.is_(None)
        )
    )
    assert desk.post("/account/sessions/end", data={"session_id": their_row}).status_code == 404
    assert signed_in(theirs)


def test_sign_out_everywhere(app, team, db):
    clients = [log_in(app, team["agent"], remember=True) for _ in range(3)]
    response = clients[0].post("/account/sessions/end-all")
    assert response.status_code == 303
    assert response.headers["Location"] == "/auth/login"
    assert not any(signed_in(client) for client in clients)
    kinds = db.session.scalars(sa.select(AuditEvent.kind)).all()
    assert "sessions_ended" in kinds


def test_a_session_ends_after_its_idle_and_absolute_limits(app, team):
    start = datetime(2026, 11, 2, 9, 0)
    app.config["PARTNERPLAN_NOW"] = start.isoformat()
    idle = log_in(app, team["agent"], remember=True)
    busy = log_in(app, team["agent"], remember=True)
    for day in range(1, 29, 7):  # one visit a week: never idle for long
        app.config["PARTNERPLAN_NOW"] = (start + timedelta(days=day)).isoformat()
        assert signed_in(busy)
    app.config["PARTNERPLAN_NOW"] = (start + timedelta(days=15)).isoformat()
    assert not signed_in(idle)  # 15 days without a request
    app.config["PARTNERPLAN_NOW"] = (start + timedelta(days=29)).isoformat()
    assert signed_in(busy)
    app.config["PARTNERPLAN_NOW"] = (start + timedelta(days=31)).isoformat()
    assert not signed_in(busy)  # 31 days after the sign-in, however busy


def test_the_cookies_carry_no_user_id(app, team):
    client = log_in(app, team["agent"], remember=True)
    remember = client.get_cookie("remember_token").value
    assert not remember.startswith(f"{team['agent'].id}|")


def test_sign_ins_and_session_changes_read_plainly_on_the_desks_audit_page(app, team):
    agent = browser(app)
    agent.post("/auth/login", data={"email": team["agent"].email, "password": "nope"})
    agent.post("/auth/login", data={"email": team["agent"].email, "password": PASSWORD})
    agent.post("/account/password", data={"current": PASSWORD, "new": NEW_PASSWORD})
    agent.post("/auth/logout")
    manager = log_in(app, team["manager"])
    page = manager.get("/desk/audit").get_data(as_text=True)
    for kind in ("Failed sign-in", "Sign-in", "Password change", "Sign-out"):
        assert f'data-label="Kind">{kind}<' in page, kind
    assert "sam@harbor.example: wrong password" in page


@pytest.mark.parametrize("session_id", ["²", "١", "99999999999999999999", "-1", "1 "])
def test_ending_a_session_of_no_plain_number_is_a_bad_request(app, team, session_id):
    """'²'.isdigit() is true, yet int('²') raises: only ASCII digits name a session."""
    desk = log_in(app, team["agent"])
    assert desk.post("/account/sessions/end", data={"session_id": session_id}).status_code == 400
    assert signed_in(desk)


def test_guessing_the_current_password_is_throttled_like_a_sign_in(app, client, auth, team, db):
    """A borrowed session cannot guess the password without limit: the account counts
    the wrong ones, as the login does, and then refuses even the right one for a while."""
    auth.login(team["agent"])
    for _ in range(5):
        wrong = client.post("/account/password", data={"current": "nope", "new": NEW_PASSWORD})
        assert wrong.status_code == 422
    right = client.post("/account/password", data={"current": PASSWORD, "new": NEW_PASSWORD})
    assert right.status_code == 429 and b"wait 1 minute" in right.data
    kinds = db.session.scalars(sa.select(AuditEvent.kind)).all()
    assert kinds.count("password_check_failed") == 5
    client.post("/auth/logout")
    assert auth.login(team["agent"], NEW_PASSWORD).status_code != 302  # unchanged
