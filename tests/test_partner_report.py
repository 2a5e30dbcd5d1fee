""" "Our partnership this quarter": the PDF and its figures (the ROI's own), the
quarter in the team's zone, the consent, the quarterly job and the unsubscribe link."""

from datetime import date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests.helpers import make_partner
from webapp.jobs.periodic import run_due
from webapp.models import AuditEvent, Lead, OutboxEmail, PlanningSession, Referral
from webapp.partner_report.document import report_for, report_html
from webapp.partner_report.links import unsubscribe_token
from webapp.partner_report.quarters import Quarter
from webapp.referrals import queries

Q1 = Quarter(2027, 1)


@pytest.fixture
def partner(db, team, frozen):
    partner = make_partner(team["agent"], "Ryan McMillan", email="ryan@lender.example")
    referrals = [
        ("received", date(2027, 1, 5), "closed", date(2027, 3, 20)),
        ("received", date(2027, 2, 1), "active", None),
        ("received", date(2026, 12, 31), "closed", date(2027, 1, 9)),  # made in Q4, closed in Q1
        ("sent", date(2027, 3, 31), "new", None),
        ("sent", date(2027, 4, 1), "new", None),  # Q2
    ]
    for direction, on, status, closed_on in referrals:
        db.session.add(
            Referral(
                partner_id=partner.id,
                direction=direction,
                referred_on=on,
                client="A. Client",
                status=status,
                closed_on=closed_on,
            )
        )
    for starts_at, status in [
        (datetime(2027, 2, 5, 13), "held"),
        (datetime(2027, 3, 31, 23, 30), "held"),  # the last half hour of Q1
        (datetime(2027, 4, 1, 0, 0), "held"),  # Q2
        (datetime(2027, 3, 12, 13), "skipped"),
    ]:
        db.session.add(PlanningSession(partner_id=partner.id, starts_at=starts_at, status=status))
    # Leads: stamps in UTC; New York is UTC-4 at the end of March.
    for created_at, status in [
        (datetime(2027, 4, 1, 3, 30), "contacted"),  # 31 March 23:30 in New York: Q1
        (datetime(2027, 4, 1, 4, 0), "contacted"),  # 1 April 00:00 in New York: Q2
        (datetime(2027, 1, 10, 15), "to_contact"),
        (datetime(2027, 1, 1, 4, 30), "pre_qualified"),  # 31 Dec 23:30 in New York: Q4
    ]:
        db.session.add(
            Lead(partner_id=partner.id, name="Lead", status=status, created_at=created_at)
        )
    db.session.commit()
    return partner


def test_the_figures_are_the_roi_pages_for_the_same_quarter(app, db, team, partner):
    with app.test_request_context():
        report = report_for(partner, Q1, team["agent"])
    [roi] = [
        row
        for row in queries.roi(team["agent"], Decimal(12000), Q1.end, start=Q1.start)
        if row.id == partner.id
    ]
    figures = report.figures
    assert (figures.received, figures.sent, figures.closed) == (roi.received, roi.sent, roi.closed)
    assert (figures.received, figures.sent, figures.closed) == (2, 1, 2)
    # Held sessions by the agent's wall time; leads by their day in New York.
    assert figures.sessions_held == 2
    assert (figures.leads, figures.leads_followed_up) == (2, 1)
    with app.test_request_context():
        html = report_html(report)
    assert 'id="received">2<' in html and 'id="leads">1 of 2<' in html


def test_the_next_quarter_starts_at_midnight_in_the_teams_zone(app, db, team, partner):
    with app.test_request_context():
        figures = report_for(partner, Q1.next(), team["agent"]).figures
    assert (figures.sent, figures.sessions_held, figures.leads) == (1, 1, 1)


def test_the_pdf_opens_for_the_agent_and_a_manager_only(db, client, auth, team, partner):
    auth.login(team["agent"])
    page = client.get(f"/partners/{partner.id}").text
    assert "Our partnership this quarter (PDF)" in page
    response = client.get(f"/partners/{partner.id}/report.pdf?quarter=2027Q1")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert client.get(f"/partners/{partner.id}/report.pdf?quarter=2027Q9").status_code == 404
    auth.logout()
    auth.login(team["manager"])
    assert client.get(f"/partners/{partner.id}/report.pdf").data.startswith(b"%PDF")
    auth.logout()
    auth.login(team["other_agent"])
    assert client.get(f"/partners/{partner.id}/report.pdf").status_code == 404
    assert client.get(f"/partners/{partner.id}/report").status_code == 404


def test_consent_is_given_from_the_preview_and_audited(db, client, auth, team, partner):
    auth.login(team["agent"])
    preview = client.get(f"/partners/{partner.id}/report")
    assert preview.status_code == 200
    assert f'src="/partners/{partner.id}/report/email?quarter=' in preview.text
    # The email's own page, its inline styles allowed, framed by the app only.
    email = client.get(f"/partners/{partner.id}/report/email")
    assert "Stop these reports" in email.text
    assert "style-src 'unsafe-inline'" in email.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self'" in email.headers["Content-Security-Policy"]
    response = client.post(f"/partners/{partner.id}/report", data={"sends_quarterly_report": "y"})
    assert response.status_code == 303
    db.session.refresh(partner)
    assert partner.sends_quarterly_report
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.kind == "report_consent"))
        == 1
    )


def test_consent_needs_an_email_address(db, client, auth, team):
    silent = make_partner(team["agent"], "No Email")
    auth.login(team["agent"])
    response = client.post(f"/partners/{silent.id}/report", data={"sends_quarterly_report": "y"})
    assert response.status_code == 422
    assert "Add the partner&#39;s email address first" in response.text
    db.session.refresh(silent)
    assert not silent.sends_quarterly_report


def run_at(app, frozen, instant: str, wall: str):
    frozen(instant)
    with app.test_request_context():
        return run_due(datetime.fromisoformat(wall))


def report_emails(db) -> list[OutboxEmail]:
    return list(
        db.session.scalars(sa.select(OutboxEmail).where(OutboxEmail.key.like("partner-report:%")))
    )


def test_the_job_sends_one_email_per_quarter_with_the_pdf(app, db, team, partner, mailbox, frozen):
    partner.sends_quarterly_report = True
    db.session.commit()
    run_at(app, frozen, "2027-03-31T23:30-04:00", "2027-03-31T23:30")  # Q1 not over
    assert report_emails(db) == []
    run_at(app, frozen, "2027-04-01T08:05-04:00", "2027-04-01T08:05")
    run_at(app, frozen, "2027-04-01T08:06-04:00", "2027-04-01T08:06")  # again: nothing more
    run_at(app, frozen, "2027-04-02T08:05-04:00", "2027-04-02T08:05")  # next day: nothing more
    [email] = report_emails(db)
    assert email.key == f"partner-report:{partner.id}:2027Q1"
    sent = [message for to, message in mailbox.messages if "ryan@lender.example" in to]
    assert len(sent) == 1
    message = sent[0]
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content().startswith(b"%PDF")
    assert "Q1 2027" in message["Subject"]
    assert message["List-Unsubscribe"].startswith("<http")


def test_no_consent_no_email(app, db, team, partner, mailbox, frozen):
    run_at(app, frozen, "2027-04-01T08:05-04:00", "2027-04-01T08:05")
    assert report_emails(db) == []


def test_the_unsubscribe_link_works_without_sign_in_once(db, client, team, partner):
    partner.sends_quarterly_report = True
    db.session.commit()
    token = unsubscribe_token(partner)
    page = client.get(f"/report/unsubscribe/{token}")
    assert page.status_code == 200 and "Stop the report" in page.text
    db.session.refresh(partner)
    assert partner.sends_quarterly_report  # a GET changes nothing
    assert client.post(f"/report/unsubscribe/{token}").status_code == 200
    db.session.refresh(partner)
    assert not partner.sends_quarterly_report
    again = client.post(f"/report/unsubscribe/{token}")
    assert (
        again.status_code == 200
        and "already stopped" in client.get(f"/report/unsubscribe/{token}").text
    )
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.kind == "report_consent")
    ).all()
    assert len(events) == 1 and events[0].user_id is None


def test_the_partners_own_stop_is_not_undone_by_a_tick(db, client, auth, team, partner, frozen):
    frozen("2027-04-02T10:00-04:00")
    partner.sends_quarterly_report = True
    db.session.commit()
    assert client.post(f"/report/unsubscribe/{unsubscribe_token(partner)}").status_code == 200
    auth.login(team["agent"])
    preview = client.get(f"/partners/{partner.id}/report").text
    assert "stopped these emails themselves on 2 Apr 2027" in preview
    refused = client.post(f"/partners/{partner.id}/report", data={"sends_quarterly_report": "y"})
    assert refused.status_code == 422
    assert 'id="asked_again-error">The partner stopped these emails themselves on 2 Apr 2027' in (
        refused.text
    )
    db.session.refresh(partner)
    assert not partner.sends_quarterly_report
    again = {"sends_quarterly_report": "y", "asked_again": "y"}
    assert client.post(f"/partners/{partner.id}/report", data=again).status_code == 303
    db.session.refresh(partner)
    assert partner.sends_quarterly_report and partner.report_unsubscribed_at is None
    event = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.kind == "report_consent")
        .order_by(AuditEvent.id.desc())
    ).first()
    assert event.summary.endswith("asked for again after unsubscribing")
    assert event.user_id == team["agent"].id


def test_an_old_address_link_cannot_stop_the_new_address_report(db, client, team, partner):
    partner.sends_quarterly_report = True
    db.session.commit()
    old = unsubscribe_token(partner)
    partner.email = "new.person@lender.example"
    db.session.commit()
    assert client.get(f"/report/unsubscribe/{old}").status_code == 404
    assert client.post(f"/report/unsubscribe/{old}").status_code == 404
    db.session.refresh(partner)
    assert partner.sends_quarterly_report
    assert client.post(f"/report/unsubscribe/{unsubscribe_token(partner)}").status_code == 200


def test_a_forged_token_is_a_404(db, client, team, partner):
    token = unsubscribe_token(partner)
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.get(f"/report/unsubscribe/{forged}").status_code == 404
    assert client.post(f"/report/unsubscribe/{forged}").status_code == 404
    assert client.get("/report/unsubscribe/not-a-token").status_code == 404


def test_no_report_goes_out_in_the_name_of_an_agent_who_left(
    app, db, team, partner, mailbox, frozen
):
    """A deactivated agent's partners stay theirs until reassigned: the report would
    be signed by them and replies would go to an inbox nobody reads."""
    partner.sends_quarterly_report = True
    team["agent"].active = False
    db.session.commit()
    run_at(app, frozen, "2027-04-01T08:05-04:00", "2027-04-01T08:05")
    assert report_emails(db) == []
    # Reassigned to an agent who is here: it goes, in their name, that same quarter.
    partner.owner_id = team["other_agent"].id
    db.session.commit()
    run_at(app, frozen, "2027-04-02T08:05-04:00", "2027-04-02T08:05")
    [email] = report_emails(db)
    sent = [message for to, message in mailbox.messages if "ryan@lender.example" in to]
    assert len(sent) == 1 and "kim@harbor.example" in sent[0]["Reply-To"]


def test_the_partner_page_says_why_an_agreed_report_is_not_sent(db, client, auth, team, partner):
    partner.sends_quarterly_report = True
    team["agent"].active = False
    db.session.commit()
    auth.login(team["manager"])
    page = client.get(f"/partners/{partner.id}").text
    assert "Agreed, but not emailed: Sam Ortiz is deactivated; reassign the partner" in page
    assert "Emailed to Ryan McMillan after each quarter" not in page


def test_an_archived_partners_report_still_counts_its_referrals(db, client, auth, team, partner):
    """Archived after the quarter, the partner's PDF and email of that quarter say what
    happened in it: the referral figures are not emptied by the archiving."""
    partner.archived_at = datetime(2027, 4, 10, 15)
    db.session.commit()
    auth.login(team["agent"])
    email = client.get(f"/partners/{partner.id}/report/email?quarter=2027Q1").text
    assert "Referrals you sent us: <strong>2</strong>" in email
    assert "Your referrals that closed: <strong>2</strong>" in email
    assert "Planning sessions held: <strong>2</strong>" in email
