"""The series invitation by email, against a local SMTP server started here."""

import pytest
from icalendar import Calendar

from tests.mailbox import free_port
from tests.planning.helpers import FIRST_WEEK_FRIDAY, book, sessions_of

HX = {"HX-Request": "true"}


@pytest.fixture
def smtp(app, mailbox):
    """The local SMTP server of tests/mailbox.py, with the planning sender."""
    app.config["MAIL_SENDER"] = "planning@harbor.example"
    return mailbox


def test_invitation_is_emailed_to_partner_and_agent_with_the_ics(
    client, auth, team, planning, smtp
):
    auth.login(team["agent"])
    response = book(client, planning["debbie"], FIRST_WEEK_FRIDAY.replace(hour=14), **HX)
    assert (
        "Invitation emailed to debbie@lender.example and sam@harbor.example"
        in response.get_data(as_text=True)
    )
    assert len(smtp.messages) == 1
    recipients, message = smtp.messages[0]
    assert sorted(recipients) == ["debbie@lender.example", "sam@harbor.example"]
    assert message["From"] == "planning@harbor.example"
    assert "Partnership planning sessions" in message["Subject"]
    attachments = [part for part in message.iter_attachments()]
    assert len(attachments) == 1
    invitation = attachments[0]
    assert invitation.get_content_type() == "text/calendar"
    assert invitation.get_param("method") == "REQUEST"
    calendar = Calendar.from_ical(invitation.get_content())
    assert calendar["METHOD"] == "REQUEST"
    event = calendar.walk("VEVENT")[0]
    assert event["RRULE"]["COUNT"] == [12]
    assert str(event["ATTENDEE"]) == "mailto:debbie@lender.example"


def test_email_invitation_can_be_sent_again(client, auth, team, planning, smtp, db):
    auth.login(team["agent"])
    book(client, planning["debbie"], FIRST_WEEK_FRIDAY.replace(hour=14))
    first = sessions_of(db, planning["debbie"])[0]
    response = client.post(f"/planning/sessions/{first.id}/invitation", headers=HX)
    assert "Invitation emailed" in response.get_data(as_text=True)
    assert len(smtp.messages) == 2


def test_without_a_mail_server_the_page_says_so_and_offers_the_download(
    client, auth, team, planning
):
    auth.login(team["agent"])
    response = book(client, planning["debbie"], FIRST_WEEK_FRIDAY.replace(hour=14), **HX)
    page = response.get_data(as_text=True)
    assert "Email is not set up" in page
    assert "Download the invitation (.ics)" in page


def test_partner_without_email_is_told_and_nothing_is_sent(client, auth, team, planning, smtp):
    auth.login(team["agent"])
    response = book(client, planning["nomail"], FIRST_WEEK_FRIDAY.replace(hour=14), **HX)
    page = response.get_data(as_text=True)
    assert "Nora Nomail has no email address" in page
    assert "Download the invitation (.ics)" in page
    assert smtp.messages == []


def test_unreachable_mail_server_keeps_the_booking_and_says_so(
    client, auth, team, planning, app, db
):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())
    auth.login(team["agent"])
    response = book(client, planning["debbie"], FIRST_WEEK_FRIDAY.replace(hour=14), **HX)
    assert "could not be emailed" in response.get_data(as_text=True)
    assert len(sessions_of(db, planning["debbie"])) == 12
