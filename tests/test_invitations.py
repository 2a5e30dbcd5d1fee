"""Invitations: an admin invites by email, the invitee chooses their own password
from a single-use link, and the admin never sees or sets a password.

The email goes to a local SMTP server and the link is read out of it, as the
invitee would; "now" is frozen to check the link's 72 hours.
"""

import html
import re
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.helpers import SIGN_IN_KINDS, at_once, audited_changes, count
from tests.mailbox import emails_to, link_in, link_in_text, submit_link
from tests.routes import fetch
from webapp.auth.credentials import verify_password
from webapp.models import AuditEvent, Invitation, OutboxEmail, Team, User

SENT_AT = datetime(2027, 3, 15, 9, 0)
NINA = {"name": "Nina Cruz", "email": "nina@harbor.example", "role": "manager"}
GOOD_PASSWORD = "copper kettle marathon 88"


def at(app, moment: datetime) -> None:
    app.config["PARTNERPLAN_NOW"] = moment.isoformat() + "+00:00"


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def kinds(db) -> list[str]:
    """The audited changes, in order (not the signing in and out around them)."""
    query = sa.select(AuditEvent.kind).where(AuditEvent.kind.not_in(SIGN_IN_KINDS))
    return list(db.session.scalars(query.order_by(AuditEvent.id)))


def user_of(db, email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.email == email))


@pytest.fixture
def invited(app, client, auth, team, mailbox):
    """The admin invites Nina; her link, read from the email she gets."""
    at(app, SENT_AT)
    auth.login(team["admin"])
    response = client.post("/admin/invitations/new", data=NINA)
    assert response.status_code == 303
    auth.logout()
    [message] = emails_to(mailbox, "nina@harbor.example")
    return link_in(message, "invitation")


def accept(client, link: str, name: str = "Nina Cruz-Ortega", password: str = GOOD_PASSWORD):
    return submit_link(client, link, {"name": name, "password": password})


def test_the_invitee_chooses_a_password_and_is_logged_in(
    app, client, auth, db, team, mailbox, invited
):
    [message] = mailbox.messages[0:1]
    email = message[1]
    assert email["Subject"] == "You are invited to Harbor Realty Group on PartnerPlan"
    body = email.get_body(preferencelist=("plain",)).get_content()
    assert "Ada Admin invites you" in body and "72 hours" in body
    page = client.get(invited, follow_redirects=True)
    assert page.status_code == 200 and 'value="Nina Cruz"' in page.get_data(as_text=True)

    response = accept(client, invited)
    assert response.status_code == 303 and response.headers["Location"] == "/today"
    assert client.get("/today").status_code == 200
    nina = user_of(db, "nina@harbor.example")
    assert (nina.name, nina.role, nina.team_id) == (
        "Nina Cruz-Ortega",
        "manager",
        team["admin"].team_id,
    )
    assert verify_password(nina, GOOD_PASSWORD)
    assert kinds(db) == ["invitation_sent", "invitation_accepted"]
    assert db.session.scalar(sa.select(OutboxEmail.key)) == "invite:1"

    auth.logout()
    again = client.get(invited)
    assert again.status_code == 410 and "already been used" in text(again)
    assert accept(client, invited, password="another fine password 9").status_code == 410
    assert auth.login(nina, GOOD_PASSWORD).status_code == 302


def test_the_token_is_stored_hashed(db, invited):
    token = invited.rsplit("/", 1)[1]
    stored = db.session.scalar(sa.select(Invitation.token_hash))
    assert token not in stored and len(stored) == 64


@pytest.mark.parametrize(("hours", "works"), [(71, True), (73, False)])
def test_the_link_works_for_72_hours(app, client, db, invited, hours, works):
    at(app, SENT_AT + timedelta(hours=hours))
    response = accept(client, invited)
    if works:
        assert response.status_code == 303
        assert user_of(db, "nina@harbor.example") is not None
    else:
        assert response.status_code == 410 and "has expired" in text(response)
        assert user_of(db, "nina@harbor.example") is None


def test_inviting_again_supersedes_the_earlier_link(app, client, auth, db, team, mailbox, invited):
    auth.login(team["admin"])
    assert client.post("/admin/invitations/new", data=NINA).status_code == 303
    auth.logout()
    first, second = (link_in(m, "invitation") for m in emails_to(mailbox, "nina@harbor.example"))
    assert first == invited
    response = client.get(first)
    assert response.status_code == 410 and "A newer invitation was sent" in text(response)
    assert accept(client, second).status_code == 303


def test_a_weak_password_is_refused_beside_the_field_and_nothing_is_stored(client, db, invited):
    users = count(db, User)
    response = accept(client, invited, password="password1234")
    assert response.status_code == 422
    assert 'id="password-error"' in response.get_data(as_text=True)
    assert count(db, User) == users and kinds(db) == ["invitation_sent"]
    assert db.session.scalar(sa.select(Invitation.status)) == "pending"
    assert accept(client, invited).status_code == 303


def test_a_link_that_was_never_issued_is_a_clear_404(client, team):
    response = client.get("/auth/invitation/not-a-token")
    assert response.status_code == 404 and "not valid" in text(response)


@pytest.mark.parametrize("email", ["sam@harbor.example", "REX@rival.example"])
def test_an_email_with_an_account_anywhere_gets_the_same_refusal(client, auth, db, team, email):
    auth.login(team["admin"])
    response = client.post("/admin/invitations/new", data={**NINA, "email": email})
    assert response.status_code == 422
    assert "This email cannot be invited: it may already have an account" in text(response)
    assert "Rival" not in text(response)
    assert count(db, Invitation) == 0 and audited_changes(db) == 0


def test_without_a_mail_server_the_admin_is_given_the_link(app, client, auth, db, team):
    auth.login(team["admin"])
    response = client.post("/admin/invitations/new", data=NINA, follow_redirects=True)
    page = text(response)
    assert "No mail server is configured" in page
    link = link_in_text(page, "invitation")
    assert count(db, OutboxEmail) == 0
    auth.logout()
    assert accept(client, link).status_code == 303


def test_pending_invitations_are_listed_with_resend_and_cancel(
    app, client, auth, db, team, mailbox, invited
):
    auth.login(team["admin"])
    page = text(client.get("/admin/"))
    assert "Pending invitations" in page and "nina@harbor.example" in page
    invitation = db.session.scalar(sa.select(Invitation))
    assert client.post(f"/admin/invitations/{invitation.id}/resend").status_code == 303
    resent = link_in(emails_to(mailbox, "nina@harbor.example")[-1], "invitation")
    assert resent != invited and client.get(invited).status_code == 410

    newest = db.session.scalar(sa.select(Invitation).where(Invitation.status == "pending"))
    cancelled = client.post(f"/admin/invitations/{newest.id}/cancel", follow_redirects=True)
    assert "The invitation of nina@harbor.example is cancelled." in text(cancelled)
    assert "invitation-" not in text(client.get("/admin/"))
    auth.logout()
    response = client.get(resent)
    assert response.status_code == 410 and "was cancelled" in text(response)
    assert kinds(db)[-1] == "invitation_cancelled"


def test_another_teams_invitations_do_not_exist_for_an_admin(client, auth, db, team, invited):
    invitation = db.session.scalar(sa.select(Invitation))
    auth.login(team["rival_manager"])
    team["rival_manager"].role = "admin"
    db.session.commit()
    for action in ("resend", "cancel"):
        assert client.post(f"/admin/invitations/{invitation.id}/{action}").status_code == 404
    assert db.session.scalar(sa.select(Invitation.status)) == "pending"


def test_an_imported_user_without_a_password_is_invited_from_the_users_page(
    client,
    auth,
    db,
    team,
    mailbox,
):
    sam = team["agent"]
    sam.password_hash = None  # as after an import
    db.session.commit()
    auth.login(team["admin"])
    assert "Send invitation" in text(client.get("/admin/"))
    assert client.post(f"/admin/users/{sam.id}/password-link").status_code == 303
    auth.logout()
    link = link_in(emails_to(mailbox, sam.email)[0], "invitation")
    assert accept(client, link, name="Sam Ortiz").status_code == 303
    assert verify_password(user_of(db, sam.email), GOOD_PASSWORD)
    assert count(db, User) == 6


def test_the_invitation_form_carries_its_csrf_token(app, team, invited):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    form_url = fetch(app, client, invited).headers["Location"]
    data = {"name": "Nina", "password": GOOD_PASSWORD}
    refused = fetch(app, client, form_url, "POST", data=data)
    assert refused.status_code == 400
    page = fetch(app, client, form_url).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    form = {**data, "csrf_token": token}
    assert fetch(app, client, form_url, "POST", data=form).status_code == 303


def test_the_name_chosen_on_accepting_is_one_line(app, client, db, invited):
    """A line break in a name would later break an email header (a 500)."""
    client.get(invited)
    response = accept(client, invited, name="Nina\nBcc: x@example.com")
    assert response.status_code == 422 and "Keep this on one line" in text(response)
    assert user_of(db, "nina@harbor.example") is None


def test_an_invitation_accepted_twice_at_once_is_used_once(shared_app):
    """Two submissions of the same link at once: the first to claim it wins. (For a
    new account the unique email would refuse the second; an imported user who has
    no password yet has nothing else to stop it.)"""
    from webapp.auth import invitations
    from webapp.extensions import db

    harbor = Team(name="Harbor Realty Group")
    nina = User(team=harbor, email=NINA["email"], name="Nina", role="agent")
    db.session.add(nina)
    db.session.commit()
    token = invitations.invite_user(nina, None).link.rsplit("/")[-1]
    results = at_once(
        shared_app,
        lambda: invitations.of_token(token)[0],
        lambda found: invitations.accept(found, "Nina", GOOD_PASSWORD) is not None,
    )
    assert sorted(results) == [False, True]
    db.session.expire_all()
    assert kinds(db).count("invitation_accepted") == 1


def test_the_token_leaves_the_address_bar_before_the_form_is_served(client, db, invited):
    """Access and proxy logs keep every path: the link's token is moved into the
    signed session at once, and the form lives at a URL without it."""
    opened = client.get(invited)
    assert opened.status_code == 303 and opened.headers["Location"] == "/auth/invitation"
    page = client.get("/auth/invitation")
    assert page.status_code == 200 and 'value="Nina Cruz"' in text(page)
    token = invited.rsplit("/", 1)[1]
    assert token not in text(page)
    response = client.post("/auth/invitation", data={"name": "Nina", "password": GOOD_PASSWORD})
    assert response.status_code == 303 and response.headers["Location"] == "/today"
    # Once used, it is gone from the session too.
    again = client.get("/auth/invitation")
    assert again.status_code == 302


def test_the_invitation_form_without_a_link_sends_one_back(client):
    response = client.get("/auth/invitation")
    assert response.status_code == 302 and response.headers["Location"] == "/"
