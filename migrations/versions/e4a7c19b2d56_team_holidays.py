"""team holidays

`holiday` holds the days a team marks off: booking a planning series warns
when one of its sessions falls on one, and the agenda marks it.

Revision ID: e4a7c19b2d56
Revises: 4f8a2c6e1b97
Create Date: 2026-12-10 10:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e4a7c19b2d56"
down_revision = "4f8a2c6e1b97"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "holiday",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["team.id"], name=op.f("fk_holiday_team_id_team"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holiday")),
        sa.UniqueConstraint("team_id", "day", name="uq_holiday_team_day"),
    )


def downgrade():
    op.drop_table("holiday")
