"""CSV that opens cleanly in Excel, and vCards for the phone's contacts."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..access import visible_partners
from ..extensions import db
from ..models import Interaction, Partner, Referral, User
from ..spreadsheet import BOM, neutralise


def cell(value) -> str | int | Decimal:
    """One CSV cell: text neutralised against formula injection, numbers as numbers."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | Decimal):
        return value
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        value = "; ".join(str(item) for item in value)
    return neutralise(str(value))


def csv_text(header: list[str], rows: Iterable[Iterable]) -> str:
    """UTF-8 with a byte-order mark (so Excel reads the accents) and CRLF line ends."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([cell(value) for value in row])
    return buffer.getvalue()


PARTNER_COLUMNS = [
    "id", "name", "company", "profession", "email", "phone", "tier", "source", "met_on",
    "do_not_contact", "client_types", "birthday", "anniversary", "spouse", "children", "pets",
    "resident", "home", "favorite_restaurant", "hobbies", "in_common", "notes",
    "commitment_made_on", "first_referral_by",
]  # fmt: skip


def partners_csv(user: User) -> str:
    """Every partner the user may see, archived ones too (with the day they were archived)."""
    partners = db.session.scalars(
        visible_partners(user, include_archived=True)
        .options(so.joinedload(Partner.owner))
        .order_by(Partner.name, Partner.id)
    )
    rows = (
        [getattr(partner, column) for column in PARTNER_COLUMNS]
        + [partner.owner.name, partner.archived_at]
        for partner in partners
    )
    return csv_text([*PARTNER_COLUMNS, "owner", "archived_at"], rows)


def interactions_csv(user: User) -> str:
    scope = visible_partners(user, include_archived=True).with_only_columns(Partner.id)
    rows = db.session.execute(
        sa.select(
            Interaction.id, Partner.id, Partner.name, Interaction.at, Interaction.kind,
            Interaction.direction, Interaction.outcome, Interaction.sentiment,
            Interaction.disrespectful, Interaction.minutes, User.name, Interaction.notes,
        )
        .join(Partner, Partner.id == Interaction.partner_id)
        .outerjoin(User, User.id == Interaction.user_id)
        .where(Interaction.partner_id.in_(scope))
        .order_by(Interaction.at, Interaction.id)
    )  # fmt: skip
    header = [
        "id",
        "partner_id",
        "partner",
        "at",
        "kind",
        "direction",
        "outcome",
        "sentiment",
        "disrespectful",
        "minutes",
        "logged_by",
        "notes",
    ]
    return csv_text(header, rows)


def referrals_csv(user: User) -> str:
    scope = visible_partners(user, include_archived=True).with_only_columns(Partner.id)
    rows = db.session.execute(
        sa.select(
            Referral.id, Partner.id, Partner.name, Referral.direction, Referral.referred_on,
            Referral.client, Referral.status, Referral.closed_on, Referral.commission,
            User.name, Referral.notes,
        )
        .join(Partner, Partner.id == Referral.partner_id)
        .outerjoin(User, User.id == Referral.user_id)
        .where(Referral.partner_id.in_(scope))
        .order_by(Referral.referred_on, Referral.id)
    )  # fmt: skip
    header = [
        "id",
        "partner_id",
        "partner",
        "direction",
        "referred_on",
        "client",
        "status",
        "closed_on",
        "commission",
        "logged_by",
        "notes",
    ]
    return csv_text(header, rows)


EXPORTS = {"partners": partners_csv, "interactions": interactions_csv, "referrals": referrals_csv}
