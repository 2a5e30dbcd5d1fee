"""morning email preferences

Each user chooses whether the morning email comes, on which weekdays and from
which hour of the team's day. Existing users get the defaults (on, Monday to
Friday, 07:00) through the server defaults.

Revision ID: 8c4f1a2e6d37
Revises: 7c3f9e2a6b15
Create Date: 2026-11-23 07:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "8c4f1a2e6d37"
down_revision = "7c3f9e2a6b15"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("morning_email", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("morning_days", sa.JSON(), server_default="[0, 1, 2, 3, 4]", nullable=False)
        )
        batch_op.add_column(
            sa.Column("morning_hour", sa.Integer(), server_default="7", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("morning_hour")
        batch_op.drop_column("morning_days")
        batch_op.drop_column("morning_email")
