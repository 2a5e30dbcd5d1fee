"""`flask teams create`, `flask users invite` and `flask book import --invite`:
a team starts from the command line, and everyone in it chooses their own
password from an invitation link (printed when no mail server is set)."""

import json

import sqlalchemy as sa

from tests.helpers import count
from tests.mailbox import emails_to, link_in, link_in_text, submit_link
from tests.test_book import BOOK
from webapp.models import AuditEvent, Invitation, Team, User

PASSWORD = "copper kettle marathon 88"


def choose_password(client, link: str, name: str) -> None:
    response = submit_link(client, link, {"name": name, "password": PASSWORD})
    assert response.status_code == 303, response.data
    client.post("/auth/logout")


def test_a_new_team_starts_with_its_admin_choosing_a_password(runner, client, auth, db):
    args = ["teams", "create", "Lakeside Homes", "--admin", "lee@lakeside.example",
            "--admin-name", "Lee Park", "--timezone", "America/Chicago"]  # fmt: skip
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "Team 'Lakeside Homes' created." in result.output
    link = link_in_text(result.output, "invitation")
    team = db.session.scalar(sa.select(Team))
    assert (team.name, team.timezone) == ("Lakeside Homes", "America/Chicago")
    assert count(db, User) == 0  # nobody exists until the link is opened

    choose_password(client, link, "Lee Park")
    lee = db.session.scalar(sa.select(User))
    assert (lee.email, lee.role, lee.team_id) == ("lee@lakeside.example", "admin", team.id)
    assert auth.login(lee, PASSWORD).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_teams_create_refuses_a_taken_name_email_or_zone(runner, db, team):
    for args, message in [
        (["Harbor Realty Group", "--admin", "new@x.example"], "already a team named"),
        (["Lakeside", "--admin", "sam@harbor.example"], "cannot be invited"),
        (["Lakeside", "--admin", "not an email"], "like name@example.com"),
        (["Lakeside", "--admin", "lee@x.example", "--timezone", "Mars/Olympus"], "not a time zone"),
    ]:
        result = runner.invoke(args=["teams", "create", *args])
        assert result.exit_code != 0 and message in result.output, result.output
    assert count(db, Team) == 2 and count(db, Invitation) == 0


def test_users_invite_emails_the_link_when_mail_is_configured(runner, client, db, team, mailbox):
    args = ["users", "invite", "nina@harbor.example", "--team", "Harbor Realty Group"]
    result = runner.invoke(args=args)
    assert result.exit_code == 0 and "Invitation emailed to nina@harbor.example" in result.output
    assert "/auth/invitation/" not in result.output
    [message] = emails_to(mailbox, "nina@harbor.example")
    page = client.get(link_in(message, "invitation"), follow_redirects=True).get_data(as_text=True)
    assert 'value="nina"' in page  # the name defaults to the email's local part
    choose_password(client, link_in(message, "invitation"), "Nina Cruz")
    nina = db.session.scalar(sa.select(User).where(User.email == "nina@harbor.example"))
    assert (nina.name, nina.role) == ("Nina Cruz", "agent")


def test_users_invite_takes_a_role_and_refuses_unknown_teams_and_taken_emails(runner, db, team):
    args = ["max@harbor.example", "--team", "Harbor Realty Group", "--role", "manager"]
    ok = runner.invoke(args=["users", "invite", *args, "--name", "Max"])
    assert ok.exit_code == 0 and "/auth/invitation/" in ok.output
    assert db.session.scalar(sa.select(Invitation.role)) == "manager"
    for args, message in [
        (["x@harbor.example", "--team", "Nowhere"], "no team named"),
        (["rex@rival.example", "--team", "Harbor Realty Group"], "cannot be invited"),
        (["x@harbor.example", "--team", "Harbor Realty Group", "--role", "owner"], "owner"),
    ]:
        result = runner.invoke(args=["users", "invite", *args])
        assert result.exit_code != 0 and message in result.output, result.output
    assert count(db, Invitation) == 1


def test_book_import_invite_lets_the_files_users_in(runner, client, auth, db, tmp_path):
    path = tmp_path / "book.json"
    path.write_text(json.dumps(BOOK))
    result = runner.invoke(args=["book", "import", str(path), "--invite"])
    assert result.exit_code == 0, result.output
    links = [link_in_text(part, "invitation") for part in result.output.split("No mail")[1:]]
    assert len(links) == 2
    choose_password(client, links[0], "Lee Park")
    assert auth.login("lee@lakeside.example", PASSWORD).status_code == 302
    kinds = set(db.session.scalars(sa.select(AuditEvent.kind)))
    assert {"invitation_sent", "invitation_accepted"} <= kinds


def test_users_invite_lets_an_imported_user_choose_a_password(runner, client, auth, db, tmp_path):
    path = tmp_path / "book.json"
    path.write_text(json.dumps(BOOK))
    assert runner.invoke(args=["book", "import", str(path)]).exit_code == 0
    team = db.session.scalar(sa.select(Team.name))
    result = runner.invoke(args=["users", "invite", "mo@lakeside.example", "--team", team])
    assert result.exit_code == 0, result.output
    choose_password(client, link_in_text(result.output, "invitation"), "Mo Diaz")
    assert auth.login("mo@lakeside.example", PASSWORD).status_code == 302
    assert count(db, User) == 2
