"""team rules

`team_rule` holds the rules a team writes for itself; `rule_settings.team_rules`
snapshots them with each version of the thresholds (what the refresh reads);
`backtest_run` keeps the numbers of a backtest run by a job.

Revision ID: d8f1a3c6e9b2
Revises: e7a1c3d9b5f2
Create Date: 2026-12-05 00:20:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d8f1a3c6e9b2"
down_revision = "e7a1c3d9b5f2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "team_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=35), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("match", sa.String(length=3), nullable=False),
        sa.Column("conditions", sa.JSON(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=True),
        sa.Column("due_days", sa.Integer(), nullable=False),
        sa.Column("tier_to", sa.String(length=20), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["team.id"], name=op.f("fk_team_rule_team_id_team"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_rule")),
        sa.UniqueConstraint("team_id", "slug", name="uq_team_rule_slug"),
    )
    op.add_column("rule_settings", sa.Column("team_rules", sa.JSON(), nullable=True))
    op.create_table(
        "backtest_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("partners", sa.Integer(), nullable=True),
        sa.Column("partner_weeks", sa.Integer(), nullable=True),
        sa.Column("referred", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["team.id"], name=op.f("fk_backtest_run_team_id_team"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user.id"], name=op.f("fk_backtest_run_created_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_backtest_run")),
    )


def downgrade():
    op.drop_table("backtest_run")
    op.drop_column("rule_settings", "team_rules")
    op.drop_table("team_rule")
