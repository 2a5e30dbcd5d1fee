"""Admin: users, invitations, roles, deactivation, reassignment, password links
and team settings. The admin never sees or sets a password."""

import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests.helpers import PASSWORD, audited_changes, count, make_partner
from tests.mailbox import submit_link
from webapp.auth.credentials import verify_password
from webapp.models import AuditEvent, Invitation, Lead, Partner, User

NEW_USER = {"name": "Nina Cruz", "email": "nina@harbor.example", "role": "agent"}


def audit(db, kind: str) -> AuditEvent:
    return db.session.scalar(sa.select(AuditEvent).where(AuditEvent.kind == kind))


def admin_urls(user_id: int) -> list[tuple[str, str]]:
    return [
        ("get", "/admin/"),
        ("get", "/admin/invitations/new"),
        ("post", "/admin/invitations/new"),
        ("get", "/admin/settings"),
        ("post", "/admin/settings"),
        ("post", f"/admin/users/{user_id}/role"),
        ("post", f"/admin/users/{user_id}/deactivate"),
        ("post", f"/admin/users/{user_id}/reactivate"),
        ("get", f"/admin/users/{user_id}/reassign"),
        ("post", f"/admin/users/{user_id}/reassign"),
        ("post", f"/admin/users/{user_id}/password-link"),
    ]


@pytest.mark.parametrize("who", ["agent", "manager"])
def test_only_admins_reach_admin_pages(client, auth, team, db, who):
    auth.login(team[who])
    for method, url in admin_urls(team["other_agent"].id):
        assert getattr(client, method)(url).status_code == 404, url
    assert team["other_agent"].role == "agent" and team["other_agent"].active


def test_another_teams_users_do_not_exist_for_an_admin(client, auth, team, db):
    auth.login(team["admin"])
    rival = team["rival_agent"]
    for method, url in admin_urls(rival.id)[5:]:
        data = {f"u{rival.id}-role": "admin", "to_user": team["agent"].id, "password": "x" * 12}
        response = getattr(client, method)(url, data=data) if method == "post" else client.get(url)
        assert response.status_code == 404, url
    db.session.refresh(rival)
    assert rival.role == "agent" and rival.active and audited_changes(db) == 0


def test_user_list_shows_the_team_only(client, auth, team):
    auth.login(team["admin"])
    page = client.get("/admin/").data
    assert b"sam@harbor.example" in page and b"kim@harbor.example" in page
    assert b"rival.example" not in page


def test_admin_invites_a_user_who_chooses_a_password_and_can_log_in(client, auth, team, db):
    auth.login(team["admin"])
    response = client.post("/admin/invitations/new", data=NEW_USER, follow_redirects=True)
    assert b"No mail server is configured" in response.data
    assert audit(db, "invitation_sent").after == {"email": "nina@harbor.example", "role": "agent"}
    link = re.search(rb"http://127\.0\.0\.1:5000(/auth/invitation/[\w-]+)", response.data)
    auth.logout()
    data = {"name": "Nina Cruz", "password": "copper kettle marathon 88"}
    assert submit_link(client, link.group(1).decode(), data).status_code == 303
    nina = db.session.scalar(sa.select(User).where(User.email == "nina@harbor.example"))
    assert nina.team_id == team["admin"].team_id and nina.role == "agent"
    auth.logout()
    assert auth.login("nina@harbor.example", "copper kettle marathon 88").status_code == 302


def test_the_invitation_form_has_no_password_field(client, auth, team):
    auth.login(team["admin"])
    page = client.get("/admin/invitations/new").data
    assert b'type="password"' not in page and b'type="password"' not in client.get("/admin/").data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"email": "SAM@harbor.example"}, b"This email cannot be invited"),
        ({"email": "rex@rival.example"}, b"This email cannot be invited"),
        ({"email": "not-an-email"}, b"Enter an email address like name@example.com."),
        ({"role": "owner"}, b"Not a valid choice"),
        ({"name": ""}, b"This field is required."),
    ],
)
def test_invalid_invitation_is_refused_beside_the_field(client, auth, team, db, change, message):
    auth.login(team["admin"])
    response = client.post("/admin/invitations/new", data={**NEW_USER, **change})
    assert response.status_code == 422
    assert message in response.data
    assert b'class="error-text"' in response.data
    assert count(db, Invitation) == 0 and audited_changes(db) == 0


def test_change_role_is_audited_and_htmx_gets_the_row(client, auth, team, db):
    auth.login(team["admin"])
    sam = team["agent"]
    response = client.post(
        f"/admin/users/{sam.id}/role", data={f"u{sam.id}-role": "manager"},
        headers={"HX-Request": "true"},
    )  # fmt: skip
    assert response.status_code == 200
    assert response.data.lstrip().startswith(f'<tr id="user-{sam.id}">'.encode())
    assert b"<html" not in response.data
    db.session.refresh(sam)
    assert sam.role == "manager"
    event = audit(db, "role_change")
    assert (event.before["role"], event.after["role"]) == ("agent", "manager")
    assert event.user_id == team["admin"].id


def test_change_role_without_javascript_redirects(client, auth, team, db):
    auth.login(team["admin"])
    kim = team["other_agent"]
    response = client.post(f"/admin/users/{kim.id}/role", data={f"u{kim.id}-role": "admin"})
    assert response.status_code == 303
    db.session.refresh(kim)
    assert kim.role == "admin"


def test_admin_cannot_change_own_role_or_deactivate_self(client, auth, team, db):
    admin = team["admin"]
    auth.login(admin)
    response = client.post(f"/admin/users/{admin.id}/role", data={f"u{admin.id}-role": "agent"},
                           headers={"HX-Request": "true"})  # fmt: skip
    assert response.status_code == 422 and b"cannot change your own role" in response.data
    response = client.post(f"/admin/users/{admin.id}/deactivate")
    assert response.status_code == 422 and b"cannot deactivate yourself" in response.data
    db.session.refresh(admin)
    assert admin.role == "admin" and admin.active and audited_changes(db) == 0


def test_deactivated_user_cannot_log_in_until_reactivated(client, auth, team, db):
    sam = team["agent"]
    auth.login(team["admin"])
    assert client.post(f"/admin/users/{sam.id}/deactivate").status_code == 303
    assert audit(db, "deactivate").after == {"email": sam.email, "active": False}
    auth.logout()
    assert auth.login(sam).status_code == 422
    auth.login(team["admin"])
    assert client.post(f"/admin/users/{sam.id}/reactivate").status_code == 303
    assert audit(db, "reactivate").before == {"email": sam.email, "active": False}
    auth.logout()
    assert auth.login(sam).status_code == 302


def test_reassign_moves_every_partner_and_lead(client, auth, team, db):
    sam, kim = team["agent"], team["other_agent"]
    mine = [make_partner(sam, "Ana"), make_partner(sam, "Ben")]
    db.session.add(Lead(partner_id=mine[0].id, owner_id=sam.id, name="Pat Doe"))
    make_partner(kim, "Cleo")
    db.session.commit()
    auth.login(team["admin"])
    assert client.get(f"/admin/users/{sam.id}/reassign").status_code == 200
    response = client.post(f"/admin/users/{sam.id}/reassign", data={"to_user": kim.id})
    assert response.status_code == 303
    owners = db.session.scalars(sa.select(Partner.owner_id)).all()
    assert owners == [kim.id] * 3
    assert db.session.scalar(sa.select(Lead.owner_id)) == kim.id
    event = audit(db, "reassign")
    assert event.before["owner"] == sam.email and event.after["owner"] == kim.email
    assert sorted(event.after["partners"]) == sorted(partner.id for partner in mine)


@pytest.mark.parametrize("target", ["rival_agent", "agent", "deactivated"])
def test_reassign_only_to_another_active_user_of_the_team(client, auth, team, db, target):
    sam, kim = team["agent"], team["other_agent"]
    make_partner(sam, "Ana")
    kim.active = False
    db.session.commit()
    to_user = {"rival_agent": team["rival_agent"], "agent": sam, "deactivated": kim}[target]
    auth.login(team["admin"])
    response = client.post(f"/admin/users/{sam.id}/reassign", data={"to_user": to_user.id})
    assert response.status_code == 422 and b"Not a valid choice" in response.data
    assert db.session.scalar(sa.select(Partner.owner_id)) == sam.id
    assert audited_changes(db) == 0


def test_admin_sends_a_password_link_and_never_sees_the_password(client, auth, team, db):
    sam = team["agent"]
    auth.login(team["admin"])
    assert b"Send password reset link" in client.get("/admin/").data
    response = client.post(f"/admin/users/{sam.id}/password-link", follow_redirects=True)
    assert b"/auth/reset/" in response.data  # no mail server: the link is passed on
    assert audit(db, "password_reset_requested").after == {"email": sam.email}
    db.session.refresh(sam)
    assert verify_password(sam, PASSWORD)  # unchanged until Sam chooses a new one


def test_a_deactivated_user_gets_no_password_link(client, auth, team, db):
    sam = team["agent"]
    sam.active = False
    db.session.commit()
    auth.login(team["admin"])
    response = client.post(f"/admin/users/{sam.id}/password-link")
    assert response.status_code == 422 and b"Reactivate this user first." in response.data
    assert audited_changes(db) == 0


def test_team_settings_are_saved_and_audited(client, auth, team, db):
    auth.login(team["admin"])
    response = client.post(
        "/admin/settings",
        data={"commission_per_side": "9500.50", "timezone": "America/Chicago",
              "planning_hours": "Fri 13:00-16:00, tue 09:00-10:30"},
    )  # fmt: skip
    assert response.status_code == 303
    harbor = team["admin"].team
    db.session.refresh(harbor)
    assert harbor.commission_per_side == Decimal("9500.50")
    assert harbor.timezone == "America/Chicago"
    assert harbor.planning_hours == "fri 13:00-16:00, tue 09:00-10:30"
    event = audit(db, "settings")
    assert event.before["commission_per_side"] == "12000.00"
    assert event.after == {"commission_per_side": "9500.50", "timezone": "America/Chicago",
                           "currency": "USD", "value_limit": None,
                           "planning_hours": "fri 13:00-16:00, tue 09:00-10:30"}  # fmt: skip


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"commission_per_side": "-1"}, b"Number must be between 0"),
        ({"commission_per_side": "lots"}, b"Not a valid decimal value"),
        ({"timezone": "Mars/Olympus"}, b"Choose a time zone from the list"),
        ({"timezone": ""}, b"Choose the team&#39;s time zone."),
        ({"planning_hours": "fridays"}, b"is not a weekly window like"),
        ({"planning_hours": "fri 16:00-13:00"}, b"ends before it starts"),
    ],
)
def test_invalid_settings_change_nothing(client, auth, team, db, change, message):
    auth.login(team["admin"])
    data = {"commission_per_side": "12000", "timezone": "America/New_York",
            "planning_hours": "fri 13:00-16:00", **change}  # fmt: skip
    response = client.post("/admin/settings", data=data)
    assert response.status_code == 422 and message in response.data
    harbor = team["admin"].team
    db.session.refresh(harbor)
    assert harbor.commission_per_side == Decimal(12000) and harbor.timezone == "America/New_York"
    assert audited_changes(db) == 0


def test_deactivated_admin_session_ends(client, auth, team, db):
    auth.login(team["agent"])
    team["agent"].active = False
    db.session.commit()
    assert client.get("/today").status_code == 302
    assert PASSWORD


@pytest.mark.parametrize("name", ["Nina\nBcc: x@example.com", "Nina\rCruz", "Nina\u2028Cruz"])
def test_an_invitee_name_is_one_line(client, auth, team, db, name):
    """A line break in a name would later break an email header (a 500)."""
    auth.login(team["admin"])
    response = client.post("/admin/invitations/new", data={**NEW_USER, "name": name})
    assert response.status_code == 422 and b"Keep this on one line" in response.data
    assert db.session.scalar(sa.select(sa.func.count(Invitation.id))) == 0
