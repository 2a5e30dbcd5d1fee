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
    # Columns are added in place (ALTER TABLE ADD COLUMN, SQLite and PostgreSQL
    # alike): a batch would copy the user table on SQLite, and dropping the old
    # copy fails while partners (and other rows) refer to their users.
    op.add_column(
        "user", sa.Column("morning_email", sa.Boolean(), server_default=sa.true(), nullable=False)
    )
    op.add_column(
        "user",
        sa.Column("morning_days", sa.JSON(), server_default="[0, 1, 2, 3, 4]", nullable=False),
    )
    op.add_column(
        "user", sa.Column("morning_hour", sa.Integer(), server_default="7", nullable=False)
    )


def downgrade():
    # Dropped in place too (SQLite 3.35+ and PostgreSQL), for the same reason.
    for column in ("morning_hour", "morning_days", "morning_email"):
        op.execute(f'ALTER TABLE "user" DROP COLUMN {column}')
