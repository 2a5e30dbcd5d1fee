"""Erasing a partner's personal data on request (an admin's act).

What identifies or describes the person goes: name, company, contact data,
birthday and anniversary, personal details, tags, notes, the notes of every
interaction, referral and lead, the referral clients' names, the planning
answers, and the notes, fair-market-value note and document reference of its
agreements (the agreements themselves stay, as compliance records), and
the notes of its things-of-value ledger (its amounts and days stay). What
the team's numbers are made of stays: the interactions (kind, day, outcome),
the referrals (status, amounts, days), tier and profession, so counts and
ROI do not move. The partner is archived and marked do-not-contact, and the
erasure is audited without any of what was erased.

What was written about the partner elsewhere goes too:
- the partner's audit events (those whose partner_id is the partner): every
  one of the erased values in their summaries and before/after JSON is
  replaced by "Erased partner #<id>", and the personal fields themselves
  (tags too) are taken out of the JSON;
- the reasons of the partner's recommendations ("Call Ana: ...") are replaced
  by a neutral text, and their decision reasons cleared;
- stored emails: the message and subject of every outbox email sent to the
  partner's address, or whose subject or text names the partner (name,
  company, email or phone, read in the decoded message), are cleared; one
  not sent yet is failed instead of going out (the partner is do-not-contact
  now). The outbox has no team column: every stored message is read, once,
  which an erasure (rare, by hand) can afford.
"""

from __future__ import annotations

import email
from email import policy
from typing import Any

import sqlalchemy as sa

from rules.vocabulary import PERSONAL_DETAILS

from ..extensions import db
from ..models import (
    Agreement,
    AuditEvent,
    Interaction,
    Lead,
    LedgerEntry,
    OutboxEmail,
    Partner,
    PlanningSession,
    Recommendation,
    Referral,
    User,
    record_audit,
    utcnow,
)

CLEARED = ("key", "company", "email", "phone", "birthday", "anniversary", "notes",
           *PERSONAL_DETAILS)  # fmt: skip


def erased_name(partner: Partner) -> str:
    return f"Erased partner #{partner.id}"


ERASED_REASON = "Personal data erased"


def erase_partner(partner: Partner, by: User) -> None:
    """Erase in the session; the caller commits (one transaction with its audit event)."""
    erased = [
        str(value)
        for value in (partner.name, partner.company, partner.email, partner.phone)
        if value and len(str(value).strip()) >= 3  # "Al" would match too much
    ]
    address = (partner.email or "").strip().lower()
    _erase_audit(partner, erased)
    _erase_outbox(erased, address)
    db.session.execute(
        sa.update(Recommendation)
        .where(Recommendation.partner_id == partner.id)
        .values(reason=ERASED_REASON, decision_reason=None)
        .execution_options(synchronize_session=False)
    )
    partner.name = erased_name(partner)
    for field in CLEARED:
        setattr(partner, field, None)
    # The team's tags stay (others may wear them); this partner wears none now.
    partner.tags = []
    partner.do_not_contact = True
    partner.archived_at = partner.archived_at or utcnow()
    mine = Interaction.partner_id == partner.id
    db.session.execute(sa.update(Interaction).where(mine).values(notes=None))
    db.session.execute(
        sa.update(Referral).where(Referral.partner_id == partner.id).values(client="", notes=None)
    )
    db.session.execute(
        sa.update(PlanningSession)
        .where(PlanningSession.partner_id == partner.id)
        .values(answers={})
    )
    db.session.execute(sa.update(Lead).where(Lead.partner_id == partner.id).values(notes=None))
    # An agreement stays (kind, days and cost shares are the compliance record); what
    # was written about the person in it goes, and where its signed copy is filed.
    db.session.execute(
        sa.update(Agreement)
        .where(Agreement.partner_id == partner.id)
        .values(notes=None, fair_market_value=None, document=ERASED_REASON)
    )
    # The ledger of things of value keeps its amounts and days (the compliance
    # record); its notes, free text, go. The one change ever made to its lines.
    db.session.execute(
        sa.update(LedgerEntry).where(LedgerEntry.partner_id == partner.id).values(note=None)
    )
    record_audit(
        partner.team_id,
        by,
        "erase",
        f"{erased_name(partner)}: personal data erased on request",
        partner=partner,
        after={"erased": True},
    )


def _scrub(value: Any, erased: list[str], name: str) -> Any:
    """`value` (text, or JSON) with every erased value replaced by `name`, and the
    partner's personal fields left out."""
    if isinstance(value, str):
        for old in erased:
            value = value.replace(old, name)
        return value
    if isinstance(value, dict):
        return {
            key: _scrub(item, erased, name)
            for key, item in value.items()
            if key not in CLEARED and key != "tags"
        }
    if isinstance(value, list):
        return [_scrub(item, erased, name) for item in value]
    return value


def _erase_audit(partner: Partner, erased: list[str]) -> None:
    """Rewrite the partner's audit events so that they no longer name the partner.

    The audit trail is append-only: nothing in the app edits an event through
    the ORM. Erasure is the one exception, and on purpose: a request to erase
    someone's personal data covers every copy of it, the trail included. What
    the events record (who did what, when, tier changes) stays; only the
    person's name and contact data go. Plain UPDATE statements, here only.
    """
    name = erased_name(partner)
    events = db.session.execute(
        sa.select(AuditEvent.id, AuditEvent.summary, AuditEvent.before, AuditEvent.after).where(
            AuditEvent.partner_id == partner.id
        )
    ).all()
    for event in events:
        db.session.execute(
            sa.update(AuditEvent)
            .where(AuditEvent.id == event.id)
            .values(
                summary=_scrub(event.summary, erased, name),
                before=_scrub(event.before, erased, name),
                after=_scrub(event.after, erased, name),
            )
            .execution_options(synchronize_session=False)
        )


def _mentions(raw: bytes, erased: list[str]) -> bool:
    """Does the stored message, decoded (headers and every text part), name the partner?"""
    message = email.message_from_bytes(raw, policy=policy.default)
    texts = [str(value) for value in message.values()]
    for part in message.walk():
        if part.get_content_maintype() == "text":
            try:
                texts.append(part.get_content())
            except (LookupError, ValueError):
                texts.append(part.get_payload(decode=True).decode("utf-8", "replace"))
    text = "\n".join(texts).lower()
    return any(old.lower() in text for old in erased)


def _erase_outbox(erased: list[str], address: str) -> None:
    """Clear the stored emails to the partner or naming the partner (see the module)."""
    if not erased and not address:
        return
    found = []
    rows = db.session.execute(
        sa.select(OutboxEmail.id, OutboxEmail.recipient, OutboxEmail.message).where(
            OutboxEmail.message != b""
        )
    )
    for row in rows:
        to_partner = bool(address) and address in row.recipient.lower()
        if to_partner or _mentions(row.message, erased):
            found.append(row.id)
    for chunk in range(0, len(found), 500):
        ids = found[chunk : chunk + 500]
        db.session.execute(
            sa.update(OutboxEmail)
            .where(OutboxEmail.id.in_(ids))
            .values(
                message=b"",
                subject="(erased)",
                recipient=sa.case(
                    (sa.func.lower(OutboxEmail.recipient).contains(address), "(erased)"),
                    else_=OutboxEmail.recipient,
                )
                if address
                else OutboxEmail.recipient,
                status=sa.case(
                    (OutboxEmail.status.in_(("queued", "sending")), "failed"),
                    else_=OutboxEmail.status,
                ),
                last_error=sa.case(
                    (
                        OutboxEmail.status.in_(("queued", "sending")),
                        "not sent: the partner's personal data was erased",
                    ),
                    else_=OutboxEmail.last_error,
                ),
            )
            .execution_options(synchronize_session=False)
        )
