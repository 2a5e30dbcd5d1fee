"""covering indexes for what awaits someone

Counting what awaits an agent (the Today badge, after every log) reads
the agent's live partners and their open recommendations: with
`archived_at` in the partner index and the status, kind and snooze day in
the recommendation index, it reads the two indexes alone.

Revision ID: 5b7e2c1d9a40
Revises: 0932279d5391
Create Date: 2026-11-22 07:05:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "5b7e2c1d9a40"
down_revision = "0932279d5391"
branch_labels = None
depends_on = None

PARTNER_OWNER = ["team_id", "owner_id", "archived_at"]
RECOMMENDATION_PARTNER = ["partner_id", "rule", "status", "kind", "snoozed_until"]


def upgrade():
    with op.batch_alter_table("partner", schema=None) as batch_op:
        batch_op.drop_index("ix_partner_team_owner")
        batch_op.create_index("ix_partner_team_owner", PARTNER_OWNER, unique=False)
    with op.batch_alter_table("recommendation", schema=None) as batch_op:
        batch_op.drop_index("ix_recommendation_partner_rule")
        batch_op.create_index(
            "ix_recommendation_partner_rule", RECOMMENDATION_PARTNER, unique=False
        )


def downgrade():
    with op.batch_alter_table("recommendation", schema=None) as batch_op:
        batch_op.drop_index("ix_recommendation_partner_rule")
        batch_op.create_index(
            "ix_recommendation_partner_rule", ["partner_id", "rule"], unique=False
        )
    with op.batch_alter_table("partner", schema=None) as batch_op:
        batch_op.drop_index("ix_partner_team_owner")
        batch_op.create_index("ix_partner_team_owner", ["team_id", "owner_id"], unique=False)
