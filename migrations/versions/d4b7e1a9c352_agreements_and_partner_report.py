"""agreements with partners, and the partner's consent to the quarterly report

`agreement` holds each marketing services agreement or co-marketing
arrangement with a partner: its kind, dates, fair-market-value note, each
side's share of the cost and where the signed document is
(webapp/agreements). `partner.sends_quarterly_report` is the partner's
consent to "Our partnership this quarter" by email (webapp/partner_report).

Revision ID: d4b7e1a9c352
Revises: c5e8b2f7a9d1
Create Date: 2026-12-05 00:20:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d4b7e1a9c352"
down_revision = "c5e8b2f7a9d1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "agreement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("fair_market_value", sa.Text(), nullable=True),
        sa.Column("our_share", sa.Integer(), nullable=False),
        sa.Column("their_share", sa.Integer(), nullable=False),
        sa.Column("document", sa.String(length=1000), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partner.id"],
            name=op.f("fk_agreement_partner_id_partner"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name=op.f("fk_agreement_team_id_team")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreement")),
    )
    op.create_index(op.f("ix_agreement_team_id"), "agreement", ["team_id"], unique=False)
    op.create_index("ix_agreement_partner_ends", "agreement", ["partner_id", "ends_on"])
    op.add_column(
        "partner",
        sa.Column(
            "sends_quarterly_report", sa.Boolean(), server_default=sa.false(), nullable=False
        ),
    )


def downgrade():
    op.drop_column("partner", "sends_quarterly_report")
    op.drop_index("ix_agreement_partner_ends", table_name="agreement")
    op.drop_index(op.f("ix_agreement_team_id"), table_name="agreement")
    op.drop_table("agreement")
