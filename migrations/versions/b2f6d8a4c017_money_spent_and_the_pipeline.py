"""money spent and the pipeline

A team's currency (ISO 4217, USD until it chooses); what an interaction cost
(`amount_spent`, in that currency); a referral's expected close day and
expected commission (the pipeline), and the referral fee it carries between
agents: paid or received, a percentage of the commission or an amount.

Revision ID: b2f6d8a4c017
Revises: d8f1a3c6e9b2
Create Date: 2026-12-05 00:10:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b2f6d8a4c017"
down_revision = "d8f1a3c6e9b2"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(precision=12, scale=2)


def upgrade():
    op.add_column(
        "team", sa.Column("currency", sa.String(length=3), nullable=False, server_default="USD")
    )
    op.add_column("interaction", sa.Column("amount_spent", MONEY, nullable=True))
    op.add_column("referral", sa.Column("expected_close_on", sa.Date(), nullable=True))
    op.add_column("referral", sa.Column("expected_commission", MONEY, nullable=True))
    op.add_column("referral", sa.Column("fee_direction", sa.String(length=10), nullable=True))
    op.add_column("referral", sa.Column("fee_percent", sa.Numeric(5, 2), nullable=True))
    op.add_column("referral", sa.Column("fee_amount", MONEY, nullable=True))


def downgrade():
    op.drop_column("referral", "fee_amount")
    op.drop_column("referral", "fee_percent")
    op.drop_column("referral", "fee_direction")
    op.drop_column("referral", "expected_commission")
    op.drop_column("referral", "expected_close_on")
    op.drop_column("interaction", "amount_spent")
    op.drop_column("team", "currency")
