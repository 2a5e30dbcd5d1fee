"""idempotency keys of what forms create

A form that creates (an interaction, a referral, a partner, a lead, a
planning series) carries a random key, stored with the row it made; a
unique index makes a second request with the same key find that row
instead of making another (webapp/idempotency.py). The key is unique under
the partner the entry belongs to, and under the agent a new partner is for.
Rows from before this revision, and from imports, have no key: NULLs never
collide.

Revision ID: d1d1771e0e4f
Revises: b7e4c2a9d513
Create Date: 2026-12-07 09:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d1d1771e0e4f"
down_revision = "b7e4c2a9d513"
branch_labels = None
depends_on = None

# table: (the unique index, the column the key is unique under)
KEYED = {
    "interaction": ("uq_interaction_partner_key", "partner_id"),
    "referral": ("uq_referral_partner_key", "partner_id"),
    "lead": ("uq_lead_partner_key", "partner_id"),
    "planning_session": ("uq_planning_session_partner_key", "partner_id"),
    "partner": ("uq_partner_owner_key", "owner_id"),
}


def upgrade():
    # In place (ALTER TABLE ADD COLUMN, CREATE INDEX): a batch would copy each
    # table on SQLite, and dropping the old copy fails while other rows refer to it.
    for table, (index, scope) in KEYED.items():
        op.add_column(table, sa.Column("idempotency_key", sa.String(length=36), nullable=True))
        op.create_index(index, table, [scope, "idempotency_key"], unique=True)


def downgrade():
    # Dropped in place too (SQLite 3.35+ and PostgreSQL), for the same reason.
    for table, (index, _scope) in reversed(KEYED.items()):
        op.drop_index(index, table_name=table)
        op.execute(f'ALTER TABLE "{table}" DROP COLUMN idempotency_key')
