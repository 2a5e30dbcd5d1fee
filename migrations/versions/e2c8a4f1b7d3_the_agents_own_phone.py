"""the agent's own phone

The contact card an agent shows as a QR code at a first meeting (instead of
handing out a business card) carries the agent's name, email and phone.

Revision ID: e2c8a4f1b7d3
Revises: d1d1771e0e4f
Create Date: 2026-12-08 09:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e2c8a4f1b7d3"
down_revision = "d1d1771e0e4f"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("user", sa.Column("phone", sa.String(length=50), nullable=True))


def downgrade():
    op.drop_column("user", "phone")
