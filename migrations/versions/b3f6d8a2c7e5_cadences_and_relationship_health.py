"""cadences and relationship health

A partner's own keep-in-touch cadence (`cadence_days`, `cadence_max_days`;
null: the team's, or the tier's threshold), and `partner_health`: each
partner's health score and its parts, as of its last evaluation, so that the
partner list sorts and filters by it without computing it.

Revision ID: b3f6d8a2c7e5
Revises: d4b7e1a9c352
Create Date: 2026-12-05 00:20:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b3f6d8a2c7e5"
down_revision = "d4b7e1a9c352"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("partner", sa.Column("cadence_days", sa.Integer(), nullable=True))
    op.add_column("partner", sa.Column("cadence_max_days", sa.Integer(), nullable=True))
    op.create_table(
        "partner_health",
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("parts", sa.JSON(), nullable=False),
        sa.Column("overdue", sa.Boolean(), nullable=False),
        sa.Column("computed_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partner.id"],
            name=op.f("fk_partner_health_partner_id_partner"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["team.id"], name=op.f("fk_partner_health_team_id_team")
        ),
        sa.PrimaryKeyConstraint("partner_id", name=op.f("pk_partner_health")),
    )
    op.create_index(
        "ix_partner_health_team_score", "partner_health", ["team_id", "score"], unique=False
    )


def downgrade():
    op.drop_index("ix_partner_health_team_score", table_name="partner_health")
    op.drop_table("partner_health")
    op.drop_column("partner", "cadence_max_days")
    op.drop_column("partner", "cadence_days")
