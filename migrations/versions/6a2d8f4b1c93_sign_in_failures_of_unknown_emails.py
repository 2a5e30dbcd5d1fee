"""sign-in failures of emails without an account

Failed sign-ins for an email that has no account are counted like an
account's (keyed on the sha256 of the normalised email), so that the lockout
answers alike whether the email has an account or not.

Revision ID: 6a2d8f4b1c93
Revises: 3e9b7d2c5a14
Create Date: 2026-12-04 16:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "6a2d8f4b1c93"
down_revision = "3e9b7d2c5a14"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sign_in_failures",
        sa.Column("email_hash", sa.String(length=64), nullable=False),
        sa.Column("failed_logins", sa.Integer(), server_default="0", nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("email_hash", name=op.f("pk_sign_in_failures")),
    )


def downgrade():
    op.drop_table("sign_in_failures")
