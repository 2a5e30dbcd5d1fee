"""the things-of-value ledger

An append-only ledger of what was given to each partner (RESPA Section 8
records): a line when an interaction with an amount spent is logged, a
correcting line when the amount changes, a reversing line when it is
deleted; and the team's yearly limit per partner.

Revision ID: c9e3a7d1f4b6
Revises: b2f6d8a4c017
Create Date: 2026-12-05 01:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c9e3a7d1f4b6"
down_revision = "b2f6d8a4c017"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(precision=12, scale=2)


def upgrade():
    op.add_column("team", sa.Column("value_limit", MONEY, nullable=True))
    op.create_table(
        "ledger_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("interaction_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("given", sa.String(length=30), nullable=False),
        sa.Column("over_limit", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"]),
        sa.ForeignKeyConstraint(["partner_id"], ["partner.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["interaction_id"], ["interaction.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    # What was spent before the ledger existed is its first lines.
    op.execute(
        "INSERT INTO ledger_entry (team_id, partner_id, interaction_id, user_id, day, amount,"
        " kind, given, over_limit, created_at)"
        " SELECT partner.team_id, interaction.partner_id, interaction.id, interaction.user_id,"
        " date(interaction.at), interaction.amount_spent, 'given', interaction.kind,"
        " false, interaction.created_at"
        " FROM interaction JOIN partner ON partner.id = interaction.partner_id"
        " WHERE interaction.amount_spent IS NOT NULL"
    )
    op.create_index("ix_ledger_entry_team_id", "ledger_entry", ["team_id"])
    op.create_index("ix_ledger_entry_interaction_id", "ledger_entry", ["interaction_id"])
    op.create_index("ix_ledger_entry_partner_day", "ledger_entry", ["partner_id", "day"])


def downgrade():
    op.drop_index("ix_ledger_entry_partner_day", table_name="ledger_entry")
    op.drop_index("ix_ledger_entry_interaction_id", table_name="ledger_entry")
    op.drop_index("ix_ledger_entry_team_id", table_name="ledger_entry")
    op.drop_table("ledger_entry")
    op.drop_column("team", "value_limit")
