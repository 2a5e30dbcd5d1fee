"""Erasing a partner's personal data on request (an admin's act).

What identifies or describes the person goes: name, company, contact data,
birthday and anniversary, personal details, notes, the notes of every
interaction, referral and lead, the referral clients' names and the planning
answers. What the team's numbers are made of stays: the interactions
(kind, day, outcome), the referrals (status, amounts, days), tier and
profession, so counts and ROI do not move. The partner is archived and
marked do-not-contact, and the erasure is audited without any of what was
erased.
"""

from __future__ import annotations

import sqlalchemy as sa

from rules.vocabulary import PERSONAL_DETAILS

from ..extensions import db
from ..models import (
    Interaction,
    Lead,
    Partner,
    PlanningSession,
    Referral,
    User,
    record_audit,
    utcnow,
)

CLEARED = ("key", "company", "email", "phone", "birthday", "anniversary", "notes",
           *PERSONAL_DETAILS)  # fmt: skip


def erased_name(partner: Partner) -> str:
    return f"Erased partner #{partner.id}"


def erase_partner(partner: Partner, by: User) -> None:
    """Erase in the session; the caller commits (one transaction with its audit event)."""
    partner.name = erased_name(partner)
    for field in CLEARED:
        setattr(partner, field, None)
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
    record_audit(
        partner.team_id,
        by,
        "erase",
        f"{erased_name(partner)}: personal data erased on request",
        partner=partner,
        after={"erased": True},
    )
