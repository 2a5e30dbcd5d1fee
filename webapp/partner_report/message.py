"""The quarterly email to the partner: a short note, the PDF attached, and the
one-click unsubscribe (RFC 8058)."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formataddr

from flask import render_template

from ..models import Partner
from ..outbox import automated_message
from .document import Report, pdf_filename, report_for, report_pdf
from .links import unsubscribe_url
from .quarters import Quarter


def outbox_key(partner: Partner, quarter: Quarter) -> str:
    """One email per partner and quarter, however often the job runs."""
    return f"partner-report:{partner.id}:{quarter.key}"


def may_send(partner: Partner) -> bool:
    """Consent given, an address, nothing that forbids contact, and an agent still
    on the team: the report is signed by them and replies go to them, so a
    departed agent's partners wait until they are reassigned."""
    return bool(
        partner.sends_quarterly_report
        and partner.email
        and not partner.do_not_contact
        and partner.archived_at is None
        and partner.owner.active
    )


def held_back(partner: Partner) -> str | None:
    """Why a report the partner agreed to is not emailed now; None when it is (or
    was not agreed to)."""
    if not partner.sends_quarterly_report or may_send(partner):
        return None
    if partner.do_not_contact:
        return "the partner is marked do-not-contact"
    if partner.archived_at is not None:
        return "the partner is archived"
    if not partner.email:
        return "the partner has no email address"
    return f"{partner.owner.name} is deactivated; reassign the partner to send it"


def email_context(report: Report) -> dict:
    partner = report.partner
    return {
        "report": report,
        "subject": f"Our partnership this quarter: {report.quarter.label}",
        "unsubscribe_url": unsubscribe_url(partner),
        "display_zone": partner.team.timezone,
    }


def email_html(report: Report) -> str:
    """The email's HTML part, as the preview shows it."""
    return render_template("partner_report/email.html", **email_context(report))


def compose(partner: Partner, quarter: Quarter) -> EmailMessage:
    """The email of `quarter`'s report, from the partner's agent's team (the sender
    is MAIL_SENDER; replies go to the agent)."""
    report = report_for(partner, quarter, partner.owner)
    context = email_context(report)
    message = automated_message(partner.name, partner.email, context["subject"])
    message["Reply-To"] = formataddr((partner.owner.name, partner.owner.email))
    message["List-Unsubscribe"] = f"<{context['unsubscribe_url']}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(render_template("partner_report/email.txt", **context))
    message.add_alternative(render_template("partner_report/email.html", **context), subtype="html")
    message.add_attachment(
        report_pdf(report), maintype="application", subtype="pdf", filename=pdf_filename(report)
    )
    return message
