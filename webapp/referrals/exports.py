"""CSV that opens cleanly in Excel, and vCards for the phone's contacts.

Times are written as the team's wall time, the zone named in the column's
header (`timefmt.csv_datetime`, where the choice is explained); days as
YYYY-MM-DD."""

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
from ..timefmt import csv_datetime, csv_header


def cell(value, zone: str) -> str | int | Decimal:
    """One CSV cell: text neutralised against formula injection, numbers as numbers,
    times in the team's `zone` (a stamp converted, a wall time as it is)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | Decimal):
        return value
    if isinstance(value, datetime):
        return csv_datetime(value, zone)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        value = "; ".join(str(item) for item in value)
    return neutralise(str(value))


def csv_text(header: list[str], rows: Iterable[Iterable], zone: str) -> str:
    """UTF-8 with a byte-order mark (so Excel reads the accents) and CRLF line ends."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([cell(value, zone) for value in row])
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
        .options(so.joinedload(Partner.owner), so.selectinload(Partner.tags))
        .order_by(Partner.name, Partner.id)
    )
    rows = (
        [getattr(partner, column) for column in PARTNER_COLUMNS]
        + [[tag.name for tag in partner.tags], partner.owner.name, partner.archived_at]
        for partner in partners
    )
    zone = user.team.timezone
    # Tags "; "-separated (a tag holds no semicolon), as a CSV import reads them.
    header = [*PARTNER_COLUMNS, "tags", "owner", csv_header("archived_at", zone)]
    return csv_text(header, rows, zone)


def interactions_csv(user: User) -> str:
    scope = visible_partners(user, include_archived=True).with_only_columns(Partner.id)
    rows = db.session.execute(
        sa.select(
            Interaction.id, Partner.id, Partner.name, Interaction.at, Interaction.kind,
            Interaction.direction, Interaction.outcome, Interaction.sentiment,
            Interaction.disrespectful, Interaction.minutes, User.name, Interaction.notes,
            Interaction.amount_spent,
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
        csv_header("at", user.team.timezone),
        "kind",
        "direction",
        "outcome",
        "sentiment",
        "disrespectful",
        "minutes",
        "logged_by",
        "notes",
        f"amount_spent ({user.team.currency})",  # last: the columns before it keep their places
    ]
    return csv_text(header, rows, user.team.timezone)


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
    return csv_text(header, rows, user.team.timezone)


EXPORTS = {"partners": partners_csv, "interactions": interactions_csv, "referrals": referrals_csv}


PIPELINE_COLUMNS = [
    "id", "partner_id", "partner", "agent", "direction", "client", "status", "referred_on",
    "expected_close_on", "expected_commission", "closed_on", "commission", "fee_direction",
    "fee_percent", "fee_amount", "notes",
]  # fmt: skip


def pipeline_csv(user: User, referrals: Iterable[Referral]) -> str:
    """The pipeline's referrals as the page filtered them (loaded with their partner
    and its owner), amounts in the team's currency (named in the header)."""
    rows = (
        [
            referral.id,
            referral.partner_id,
            referral.partner.name,
            referral.partner.owner.name,
            referral.direction,
            referral.client,
            referral.status,
            referral.referred_on,
            referral.expected_close_on,
            referral.expected_commission,
            referral.closed_on,
            referral.commission,
            referral.fee_direction,
            referral.fee_percent,
            referral.fee_amount,
            referral.notes,
        ]
        for referral in referrals
    )
    currency = user.team.currency
    header = [
        f"{name} ({currency})" if name in MONEY_COLUMNS else name for name in PIPELINE_COLUMNS
    ]
    return csv_text(header, rows, user.team.timezone)


MONEY_COLUMNS = frozenset({"expected_commission", "commission", "fee_amount"})
